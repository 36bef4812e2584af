"""user_db persistence: SQLAlchemy 2.0 models and the queries the rules need.

The nine tables of the spec (user_addresses, user_preferences, user_statistics,
user_verification_documents, reviews, user_blocks, user_favorites, user_reports,
review_reports) plus what the service needs around them:

    user_profiles            one row per user: the search copy of the public account fields
                             (names, type; refreshed whenever auth is asked), photo, verified
                             phone, identity verification time, deletion
    phone_verifications      texted codes, stored as HMACs only
    delivery_participations  what deliveries' events said about each delivery (who may
                             review whom, statistics by period)
    activity_events          the activity feed
    processed_events         event ids already handled (idempotent event handling)
    idempotency_keys         AIP-155 request ids
    outbox_events, rate_limit_counters   the common runtime's tables

Money is integer minor units per currency: user_statistics.total_earnings / total_spent are
JSONB objects {"EUR": 4500} rather than one decimal (deliveries may be in any currency).
Blob columns (*_image_url) hold blob-store keys, never public URLs.
"""
from __future__ import annotations

import datetime as dt
import struct
import uuid

from geoalchemy2 import Geography
from sqlalchemy import (BigInteger, Boolean, CheckConstraint, DateTime, Enum, ForeignKey, Index, Integer,
                        LargeBinary, MetaData, Numeric, String, Text, func, select, text)
from sqlalchemy.dialects.postgresql import JSONB, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.outbox import outbox_table
from services.common.ratelimit import rate_limit_table

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s", "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

USER_TYPES = ("customer", "traveler", "both")
ADDRESS_TYPES = ("home", "work", "other")
DOCUMENT_TYPES = ("passport", "national_id", "driving_license", "residence_permit")
DOCUMENT_SIDES = ("front", "back", "selfie")
VERIFICATION_STATUSES = ("incomplete", "pending_review", "approved", "rejected")
OPEN_VERIFICATION_STATUSES = ("incomplete", "pending_review")
REVIEW_STATUSES = ("published", "hidden", "removed")
MODERATION_STATUSES = ("unmoderated", "pending", "approved", "hidden", "removed")
PARTICIPANT_ROLES = ("customer", "traveler")
BLOCK_REASONS = ("spam", "harassment", "inappropriate_behavior", "safety_concern", "no_show", "other")
REPORT_CATEGORIES = ("fraud", "harassment", "safety", "no_show", "inappropriate_content", "fake_profile",
                     "prohibited_items", "other")
REPORT_STATUSES = ("open", "in_review", "resolved", "dismissed")
OPEN_REPORT_STATUSES = ("open", "in_review")
REVIEW_REPORT_REASONS = ("spam", "offensive", "false_information", "personal_information", "conflict_of_interest",
                         "other")
PARTICIPATION_STATUSES = ("accepted", "completed", "cancelled")
ACTIVITY_KINDS = ("account_registered", "phone_verified", "identity_approved", "identity_rejected", "trip_completed",
                  "trip_cancelled", "delivery_accepted", "delivery_completed", "delivery_cancelled",
                  "review_received", "review_written")

TS = DateTime(timezone=True)
REPORT_STATUS = Enum(*REPORT_STATUSES, name="report_status_enum")   # shared by user_reports and review_reports
POINT = Geography(geometry_type="POINT", srid=4326, spatial_index=False)


class Base(DeclarativeBase):
    metadata = metadata


def _uuid() -> uuid.UUID:
    return uuid.uuid4()


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UserProfile(Base):
    __tablename__ = "user_profiles"
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    # Search copy of auth's public fields (refreshed whenever users asks auth about the user).
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    user_type: Mapped[str | None] = mapped_column(Enum(*USER_TYPES, name="user_type_enum"))
    photo_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    photo_content_type: Mapped[str | None] = mapped_column(String(20))
    photo_width: Mapped[int | None] = mapped_column(Integer)
    photo_height: Mapped[int | None] = mapped_column(Integer)
    photo_updated_at: Mapped[dt.datetime | None] = mapped_column(TS)
    phone_number: Mapped[str | None] = mapped_column(String(20))
    phone_verified_at: Mapped[dt.datetime | None] = mapped_column(TS)
    identity_verified_at: Mapped[dt.datetime | None] = mapped_column(TS)
    registered_at: Mapped[dt.datetime | None] = mapped_column(TS)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now(), onupdate=_utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(TS)


class Address(Base):
    __tablename__ = "user_addresses"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("user_profiles.user_id"),
                                               nullable=False)
    type: Mapped[str] = mapped_column(Enum(*ADDRESS_TYPES, name="address_type_enum"), nullable=False)
    label: Mapped[str | None] = mapped_column(String(50))
    street: Mapped[str] = mapped_column(String(200), nullable=False)
    city: Mapped[str] = mapped_column(String(100), nullable=False)
    state: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2), nullable=False)
    coordinates = mapped_column(POINT, nullable=False)
    geocoded: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now(), onupdate=_utcnow)

    __table_args__ = (
        # Exactly one default per user: at most one by this index, at least one by the rules
        # (the first address is the default; deleting the default promotes another).
        Index("uq_user_addresses_default", "user_id", unique=True, postgresql_where=text("is_default")),
        Index("ix_user_addresses_user", "user_id", "created_at"),
    )


class Preferences(Base):
    __tablename__ = "user_preferences"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("user_profiles.user_id"),
                                               nullable=False, unique=True)
    notification_settings: Mapped[dict] = mapped_column(JSONB, nullable=False)
    privacy_settings: Mapped[dict] = mapped_column(JSONB, nullable=False)
    location_settings: Mapped[dict] = mapped_column(JSONB, nullable=False)
    payment_settings: Mapped[dict] = mapped_column(JSONB, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now(), onupdate=_utcnow)


class Statistics(Base):
    __tablename__ = "user_statistics"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("user_profiles.user_id"),
                                               nullable=False, unique=True)
    total_trips: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    total_deliveries: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    successful_deliveries: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    cancelled_deliveries: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    total_earnings: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default="{}")   # {"EUR": minor}
    total_spent: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default="{}")
    average_rating: Mapped[float] = mapped_column(Numeric(3, 2, asdecimal=False), nullable=False, server_default="0")
    total_ratings: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    response_time_minutes: Mapped[int | None] = mapped_column(Integer)
    response_samples: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    completion_rate: Mapped[float] = mapped_column(Numeric(5, 4, asdecimal=False), nullable=False, server_default="0")
    last_active_at: Mapped[dt.datetime | None] = mapped_column(TS)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now(), onupdate=_utcnow)

    __table_args__ = (
        CheckConstraint("total_trips >= 0 AND total_deliveries >= 0 AND successful_deliveries >= 0 "
                        "AND cancelled_deliveries >= 0 AND total_ratings >= 0", name="counts"),
        CheckConstraint("average_rating BETWEEN 0 AND 5", name="rating"),
        CheckConstraint("completion_rate BETWEEN 0 AND 1", name="completion"),
    )


class VerificationDocument(Base):
    __tablename__ = "user_verification_documents"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("user_profiles.user_id"),
                                               nullable=False)
    document_type: Mapped[str] = mapped_column(Enum(*DOCUMENT_TYPES, name="document_type_enum"), nullable=False)
    front_image_url: Mapped[str | None] = mapped_column(String(500))     # blob-store keys
    back_image_url: Mapped[str | None] = mapped_column(String(500))
    selfie_image_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(Enum(*VERIFICATION_STATUSES, name="verification_status_enum"),
                                        nullable=False, server_default="incomplete")
    verified_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))   # an admin user (NULL: a service)
    verified_at: Mapped[dt.datetime | None] = mapped_column(TS)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    # Per side: content type, size, sha256, upload time; and who reviewed ("user:<id>" / "service:<name>").
    metadata_: Mapped[dict] = mapped_column("metadata", JSONB, nullable=False, server_default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now(), onupdate=_utcnow)

    __table_args__ = (
        # One open submission per user.
        Index("uq_user_verification_documents_open", "user_id", unique=True,
              postgresql_where=text("status IN ('incomplete', 'pending_review')")),
        Index("ix_user_verification_documents_queue", "status", "created_at"),
        Index("ix_user_verification_documents_user", "user_id", "created_at"),
    )


class Review(Base):
    __tablename__ = "reviews"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    delivery_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    reviewer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    reviewee_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    reviewer_role: Mapped[str] = mapped_column(Enum(*PARTICIPANT_ROLES, name="participant_role_enum"), nullable=False)
    overall_rating: Mapped[int] = mapped_column(Integer, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    communication_rating: Mapped[int | None] = mapped_column(Integer)
    punctuality_rating: Mapped[int | None] = mapped_column(Integer)
    carefulness_rating: Mapped[int | None] = mapped_column(Integer)
    friendliness_rating: Mapped[int | None] = mapped_column(Integer)
    is_anonymous: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    status: Mapped[str] = mapped_column(Enum(*REVIEW_STATUSES, name="review_status_enum"), nullable=False,
                                        server_default="published")
    moderation_status: Mapped[str] = mapped_column(Enum(*MODERATION_STATUSES, name="moderation_status_enum"),
                                                   nullable=False, server_default="unmoderated")
    moderated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    moderated_at: Mapped[dt.datetime | None] = mapped_column(TS)
    moderation_notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now(), onupdate=_utcnow)

    __table_args__ = (
        # Once per delivery and reviewer (the second gets ALREADY_EXISTS).
        Index("uq_reviews_delivery_reviewer", "delivery_id", "reviewer_id", unique=True),
        Index("ix_reviews_reviewee", "reviewee_id", "created_at"),
        Index("ix_reviews_reviewer", "reviewer_id", "created_at"),
        CheckConstraint("overall_rating BETWEEN 1 AND 5", name="overall"),
        CheckConstraint("coalesce(communication_rating, 1) BETWEEN 1 AND 5 AND coalesce(punctuality_rating, 1) "
                        "BETWEEN 1 AND 5 AND coalesce(carefulness_rating, 1) BETWEEN 1 AND 5 AND "
                        "coalesce(friendliness_rating, 1) BETWEEN 1 AND 5", name="details"),
        CheckConstraint("reviewer_id <> reviewee_id", name="not_self"),
    )


class Block(Base):
    __tablename__ = "user_blocks"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    blocker_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    blocked_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    reason: Mapped[str] = mapped_column(Enum(*BLOCK_REASONS, name="block_reason_enum"), nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())

    __table_args__ = (
        Index("uq_user_blocks_pair", "blocker_id", "blocked_id", unique=True),
        Index("ix_user_blocks_blocked", "blocked_id"),
        CheckConstraint("blocker_id <> blocked_id", name="not_self"),
    )


class Favorite(Base):
    __tablename__ = "user_favorites"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    traveler_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    added_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())

    __table_args__ = (
        Index("uq_user_favorites_pair", "customer_id", "traveler_id", unique=True),
        Index("ix_user_favorites_traveler", "traveler_id"),
        CheckConstraint("customer_id <> traveler_id", name="not_self"),
    )


class UserReport(Base):
    __tablename__ = "user_reports"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    reporter_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    reported_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    category: Mapped[str] = mapped_column(Enum(*REPORT_CATEGORIES, name="report_category_enum"), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(REPORT_STATUS, nullable=False, server_default="open")
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(TS)
    resolution: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())

    __table_args__ = (
        # One open report per reporter and reported user.
        Index("uq_user_reports_open", "reporter_id", "reported_id", unique=True,
              postgresql_where=text("status IN ('open', 'in_review')")),
        Index("ix_user_reports_queue", "status", "created_at"),
        CheckConstraint("reporter_id <> reported_id", name="not_self"),
    )


class ReviewReport(Base):
    __tablename__ = "review_reports"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    review_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("reviews.id"), nullable=False)
    reporter_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    reason: Mapped[str] = mapped_column(Enum(*REVIEW_REPORT_REASONS, name="report_reason_enum"), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(REPORT_STATUS, nullable=False, server_default="open")
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(TS)
    resolution: Mapped[str | None] = mapped_column(Text)
    moderation_action: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())

    __table_args__ = (
        Index("uq_review_reports_reporter", "review_id", "reporter_id", unique=True),
        Index("ix_review_reports_queue", "status", "created_at"),
    )


class PhoneVerification(Base):
    __tablename__ = "phone_verifications"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    phone_number: Mapped[str] = mapped_column(String(20), nullable=False)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)     # HMAC-SHA256, hex
    expires_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False)
    used_at: Mapped[dt.datetime | None] = mapped_column(TS)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())

    __table_args__ = (Index("ix_phone_verifications_user", "user_id", "created_at"),)


class Participation(Base):
    """A delivery as deliveries' events described it."""
    __tablename__ = "delivery_participations"
    delivery_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    traveler_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    trip_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    delivery_request_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    delivery_number: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(Enum(*PARTICIPATION_STATUSES, name="participation_status_enum"),
                                        nullable=False)
    price_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    accepted_at: Mapped[dt.datetime | None] = mapped_column(TS)
    completed_at: Mapped[dt.datetime | None] = mapped_column(TS)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(TS)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now(), onupdate=_utcnow)

    __table_args__ = (
        Index("ix_delivery_participations_customer", "customer_id"),
        Index("ix_delivery_participations_traveler", "traveler_id"),
    )


class Activity(Base):
    __tablename__ = "activity_events"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    kind: Mapped[str] = mapped_column(Enum(*ACTIVITY_KINDS, name="activity_kind_enum"), nullable=False)
    subject_id: Mapped[str | None] = mapped_column(String(64))
    counterpart_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    occurred_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())

    __table_args__ = (Index("ix_activity_events_user", "user_id", "occurred_at", "id"),)


class ProcessedEvent(Base):
    """Events already handled: the receiving side of at-least-once delivery."""
    __tablename__ = "processed_events"
    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    handler: Mapped[str] = mapped_column(String(40), nullable=False)
    processed_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())


class IdempotencyKey(Base):
    """AIP-155 request ids: the first result of a mutating call, replayed for a repeat."""
    __tablename__ = "idempotency_keys"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    response: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())


outbox_events = outbox_table(metadata)
rate_limit_counters = rate_limit_table(metadata)

# Every table a caller's request may write (the fuzz test counts them).
TABLES = ("user_profiles", "user_addresses", "user_preferences", "user_statistics", "user_verification_documents",
          "reviews", "user_blocks", "user_favorites", "user_reports", "review_reports", "phone_verifications",
          "delivery_participations", "activity_events", "processed_events", "idempotency_keys", "outbox_events")


# -- geography -------------------------------------------------------------------------------

def ewkt_point(lat: float, lng: float) -> str:
    return f"SRID=4326;POINT({lng!r} {lat!r})"


def point_latlng(value) -> tuple[float, float]:
    """(lat, lng) of a point read back from a geography column (EWKB from GeoAlchemy2)."""
    data = getattr(value, "data", value)
    if isinstance(data, str):
        if "POINT" in data.upper():       # EWKT we assigned ourselves: "SRID=4326;POINT(lng lat)"
            lng, lat = data[data.index("(") + 1:data.index(")")].split()
            return float(lat), float(lng)
        data = bytes.fromhex(data)
    data = bytes(data)
    endian = "<" if data[0] == 1 else ">"
    (kind,) = struct.unpack(endian + "I", data[1:5])
    offset = 5 + (4 if kind & 0x20000000 else 0)   # EWKB SRID flag
    x, y = struct.unpack(endian + "dd", data[offset:offset + 16])
    return y, x


# -- small queries ---------------------------------------------------------------------------

async def db_now(s: AsyncSession) -> dt.datetime:
    return (await s.execute(select(func.now()))).scalar_one()


async def claim_event(s: AsyncSession, event_id: str, handler: str) -> bool:
    """Record an event id in the caller's transaction; False when it was handled before."""
    stmt = (insert(ProcessedEvent).values(event_id=event_id, handler=handler)
            .on_conflict_do_nothing(index_elements=[ProcessedEvent.event_id]).returning(ProcessedEvent.event_id))
    return (await s.execute(stmt)).scalar_one_or_none() is not None


async def ensure_user(s: AsyncSession, user_id: uuid.UUID, preferences: dict, *, first_name: str | None = None,
                      last_name: str | None = None, user_type: str | None = None,
                      registered_at: dt.datetime | None = None) -> None:
    """The profile, preferences and statistics rows of a user, created if missing (idempotent)."""
    values = {"user_id": user_id}
    if first_name is not None:
        values.update(first_name=first_name, last_name=last_name, user_type=user_type)
    if registered_at is not None:
        values["registered_at"] = registered_at
    stmt = insert(UserProfile).values(**values)
    update = {k: stmt.excluded[k] for k in values if k != "user_id"}
    if update:
        # Registration data fills what is missing; a newer copy of the names is never overwritten.
        stmt = stmt.on_conflict_do_update(index_elements=[UserProfile.user_id], set_={
            k: func.coalesce(getattr(UserProfile, k), v) for k, v in update.items()})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=[UserProfile.user_id])
    await s.execute(stmt)
    await s.execute(insert(Preferences).values(user_id=user_id, **preferences)
                    .on_conflict_do_nothing(index_elements=[Preferences.user_id]))
    await s.execute(insert(Statistics).values(user_id=user_id).on_conflict_do_nothing(
        index_elements=[Statistics.user_id]))


async def profile(s: AsyncSession, user_id: uuid.UUID, for_update: bool = False) -> UserProfile | None:
    q = select(UserProfile).where(UserProfile.user_id == user_id)
    if for_update:
        q = q.with_for_update()
    return (await s.execute(q)).scalar_one_or_none()


async def profiles(s: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, UserProfile]:
    if not ids:
        return {}
    return {p.user_id: p for p in (await s.execute(select(UserProfile).where(UserProfile.user_id.in_(ids)))).scalars()}


async def statistics(s: AsyncSession, user_id: uuid.UUID, for_update: bool = False) -> Statistics | None:
    q = select(Statistics).where(Statistics.user_id == user_id)
    if for_update:
        q = q.with_for_update()
    return (await s.execute(q)).scalar_one_or_none()


async def statistics_of(s: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, Statistics]:
    if not ids:
        return {}
    return {st.user_id: st for st in (await s.execute(select(Statistics).where(Statistics.user_id.in_(ids)))).scalars()}


async def preferences(s: AsyncSession, user_id: uuid.UUID, for_update: bool = False) -> Preferences | None:
    q = select(Preferences).where(Preferences.user_id == user_id)
    if for_update:
        q = q.with_for_update()
    return (await s.execute(q)).scalar_one_or_none()


async def preferences_of(s: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, Preferences]:
    if not ids:
        return {}
    q = select(Preferences).where(Preferences.user_id.in_(ids))
    return {p.user_id: p for p in (await s.execute(q)).scalars()}


async def blocks_between(s: AsyncSession, user_id: uuid.UUID, others: list[uuid.UUID]) -> tuple[set, set]:
    """(ids user_id blocked, ids that blocked user_id) among others (all when others is empty)."""
    q1 = select(Block.blocked_id).where(Block.blocker_id == user_id)
    q2 = select(Block.blocker_id).where(Block.blocked_id == user_id)
    if others:
        q1 = q1.where(Block.blocked_id.in_(others))
        q2 = q2.where(Block.blocker_id.in_(others))
    return set((await s.execute(q1)).scalars()), set((await s.execute(q2)).scalars())


def on_trip(trip_id: uuid.UUID):
    """Reviews of the deliveries that rode on a trip (delivery_participations.trip_id, from
    deliveries' events). Always combined with a reviewee or reviewer filter (their indexes)."""
    return Review.delivery_id.in_(select(Participation.delivery_id).where(Participation.trip_id == trip_id))


async def rating_of(s: AsyncSession, user_id: uuid.UUID, trip_id: uuid.UUID | None = None) -> tuple[float, int]:
    """(average, count) of a user's published received reviews (of one trip's deliveries when
    trip_id is given)."""
    q = select(func.coalesce(func.avg(Review.overall_rating), 0), func.count()).where(
        Review.reviewee_id == user_id, Review.status == "published")
    if trip_id is not None:
        q = q.where(on_trip(trip_id))
    avg, n = (await s.execute(q)).one()
    return round(float(avg), 2), int(n)


async def idempotent_response(s: AsyncSession, key: str) -> bytes | None:
    return (await s.execute(select(IdempotencyKey.response).where(IdempotencyKey.key == key))).scalar_one_or_none()


async def save_idempotent_response(s: AsyncSession, key: str, response: bytes) -> None:
    await s.execute(insert(IdempotencyKey).values(key=key, response=response).on_conflict_do_nothing())
