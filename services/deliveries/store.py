"""delivery_db persistence: SQLAlchemy 2.0 models and the queries the domain needs.

The three tables of the spec (delivery_requests, delivery_offers, deliveries) plus what the
service needs around them: delivery_request_views (analytics), delivery_request_reports
(abuse reports), idempotency_keys (AIP-155) and outbox_events.

Geography: pickup and delivery points are geography(Point,4326) with one composite GiST
index over the open requests (pickup, delivery), which serves both the route-corridor match
of a trip and the search by origin and/or destination. A row trigger on delivery_offers
NOTIFYs channel `delivery_offers` with the request id, so WatchOffers streams wake up on
whatever replica wrote the offer.
"""
from __future__ import annotations

import datetime as dt
import struct
import uuid

from geoalchemy2 import Geography
from sqlalchemy import (ARRAY, BigInteger, Boolean, DateTime, Enum, ForeignKey, Index, Integer, LargeBinary,
                        MetaData, Numeric, String, Text, case, func, select, text)
from sqlalchemy.dialects.postgresql import JSONB, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.outbox import outbox_table

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s", "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

ITEM_CATEGORIES = ("documents", "electronics", "clothing", "food", "books", "cosmetics", "medicine", "jewelry",
                   "artwork", "sports", "toys", "household", "gifts", "other",
                   "weapons", "drugs", "explosives", "flammables", "live_animals", "cash", "counterfeit_goods")
PROHIBITED_CATEGORIES = frozenset({"weapons", "drugs", "explosives", "flammables", "live_animals", "cash",
                                   "counterfeit_goods"})
URGENCIES = ("standard", "express", "urgent")
REQUEST_STATUSES = ("open", "matched", "completed", "cancelled", "expired")
OFFER_STATUSES = ("pending", "accepted", "declined", "withdrawn", "expired")
DELIVERY_STATUSES = ("accepted", "pickup_scheduled", "picked_up", "in_transit", "delivery_scheduled", "delivered",
                     "completed", "cancelled", "disputed")
REPORT_REASONS = ("prohibited_item", "fraud", "spam", "offensive", "other")

TS = DateTime(timezone=True)
POINT = Geography(geometry_type="POINT", srid=4326, spatial_index=False)
OFFER_CHANNEL = "delivery_offers"


class Base(DeclarativeBase):
    metadata = metadata


def _uuid() -> uuid.UUID:
    return uuid.uuid4()


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class DeliveryRequestRow(Base):
    __tablename__ = "delivery_requests"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(Enum(*ITEM_CATEGORIES, name="item_category_enum"), nullable=False)
    status: Mapped[str] = mapped_column(Enum(*REQUEST_STATUSES, name="delivery_request_status_enum"),
                                        nullable=False, server_default="open")
    urgency: Mapped[str] = mapped_column(Enum(*URGENCIES, name="urgency_level_enum"), nullable=False)
    item_name: Mapped[str] = mapped_column(String(200), nullable=False)
    item_description: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    weight_grams: Mapped[int] = mapped_column(BigInteger, nullable=False)
    dimensions: Mapped[dict | None] = mapped_column(JSONB)   # {"length_cm", "width_cm", "height_cm"} per item
    volume_cm3: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    value_minor: Mapped[int | None] = mapped_column(BigInteger)
    is_fragile: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    is_perishable: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    is_hazardous: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    requires_signature: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    item_images: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    pickup_address: Mapped[str] = mapped_column(String(500), nullable=False)
    pickup_coordinates = mapped_column(POINT, nullable=False)
    pickup_contact_name: Mapped[str | None] = mapped_column(String(200))
    pickup_contact_phone: Mapped[str | None] = mapped_column(String(20))
    pickup_instructions: Mapped[str | None] = mapped_column(Text)
    pickup_time_start: Mapped[dt.datetime | None] = mapped_column(TS)
    pickup_time_end: Mapped[dt.datetime | None] = mapped_column(TS)
    flexible_pickup_timing: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    preferred_pickup_days: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    delivery_address: Mapped[str] = mapped_column(String(500), nullable=False)
    delivery_coordinates = mapped_column(POINT, nullable=False)
    delivery_contact_name: Mapped[str | None] = mapped_column(String(200))
    delivery_contact_phone: Mapped[str | None] = mapped_column(String(20))
    delivery_instructions: Mapped[str | None] = mapped_column(Text)
    delivery_time_start: Mapped[dt.datetime | None] = mapped_column(TS)
    delivery_time_end: Mapped[dt.datetime | None] = mapped_column(TS)
    requires_recipient_presence: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    max_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    auto_accept_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    estimated_price_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    distance_meters: Mapped[int] = mapped_column(Integer, nullable=False)
    preferred_travelers: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)), nullable=False,
                                                                 server_default="{}")
    blacklisted_travelers: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)), nullable=False,
                                                                   server_default="{}")
    min_traveler_rating: Mapped[float] = mapped_column(Numeric(3, 2, asdecimal=False), nullable=False,
                                                       server_default="0")
    verification_required: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    insurance_required: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    background_check_required: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    notification_preferences: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default="{}")
    special_instructions: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    delivery_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))   # the live delivery, once matched
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now(), onupdate=_utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False)
    matched_at: Mapped[dt.datetime | None] = mapped_column(TS)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(TS)
    cancellation_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_delivery_requests_customer", "customer_id", "created_at"),
        # Route corridor match and search: open requests only (btree_gist not needed: two geographies).
        Index("ix_delivery_requests_open_route", "pickup_coordinates", "delivery_coordinates",
              postgresql_using="gist", postgresql_where=text("status = 'open'")),
        Index("ix_delivery_requests_open_expiry", "expires_at", postgresql_where=text("status = 'open'")),
    )


class OfferRow(Base):
    __tablename__ = "delivery_offers"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    delivery_request_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("delivery_requests.id"),
                                                           nullable=False)
    traveler_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    trip_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    price_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    message: Mapped[str | None] = mapped_column(Text)
    estimated_pickup_time: Mapped[dt.datetime | None] = mapped_column(TS)
    estimated_delivery_time: Mapped[dt.datetime | None] = mapped_column(TS)
    status: Mapped[str] = mapped_column(Enum(*OFFER_STATUSES, name="offer_status_enum"), nullable=False,
                                        server_default="pending")
    guarantees: Mapped[list] = mapped_column(JSONB, nullable=False, server_default="[]")
    special_services: Mapped[list] = mapped_column(JSONB, nullable=False, server_default="[]")
    valid_until: Mapped[dt.datetime] = mapped_column(TS, nullable=False)
    # Bumped on every change: WatchOffers sends an offer again when its version moved.
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    delivery_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now(), onupdate=_utcnow)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(TS)
    declined_at: Mapped[dt.datetime | None] = mapped_column(TS)
    declined_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(TS)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        # One live offer per traveler and request.
        Index("uq_delivery_offers_live", "delivery_request_id", "traveler_id", unique=True,
              postgresql_where=text("status IN ('pending', 'accepted')")),
        Index("ix_delivery_offers_request", "delivery_request_id", "created_at"),
        Index("ix_delivery_offers_traveler", "traveler_id", "created_at"),
        Index("ix_delivery_offers_pending_trip", "trip_id", postgresql_where=text("status = 'pending'")),
        Index("ix_delivery_offers_pending_expiry", "valid_until", postgresql_where=text("status = 'pending'")),
    )


class DeliveryRow(Base):
    __tablename__ = "deliveries"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    delivery_request_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("delivery_requests.id"),
                                                           nullable=False)
    offer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("delivery_offers.id"), nullable=False,
                                                unique=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    traveler_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    trip_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    delivery_number: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    status: Mapped[str] = mapped_column(Enum(*DELIVERY_STATUSES, name="delivery_status_enum"), nullable=False,
                                        server_default="accepted")
    final_price_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    special_requests: Mapped[str | None] = mapped_column(Text)
    weight_grams: Mapped[int] = mapped_column(BigInteger, nullable=False)
    volume_cm3: Mapped[int] = mapped_column(BigInteger, nullable=False)
    items: Mapped[int] = mapped_column(Integer, nullable=False)
    accepted_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False)
    pickup_scheduled_at: Mapped[dt.datetime | None] = mapped_column(TS)
    scheduled_pickup_time: Mapped[dt.datetime | None] = mapped_column(TS)
    pickup_completed_at: Mapped[dt.datetime | None] = mapped_column(TS)
    in_transit_at: Mapped[dt.datetime | None] = mapped_column(TS)
    delivery_scheduled_at: Mapped[dt.datetime | None] = mapped_column(TS)
    scheduled_delivery_time: Mapped[dt.datetime | None] = mapped_column(TS)
    delivery_completed_at: Mapped[dt.datetime | None] = mapped_column(TS)
    completed_at: Mapped[dt.datetime | None] = mapped_column(TS)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(TS)
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_by: Mapped[str | None] = mapped_column(String(64))   # user id or "service:<name>"
    disputed_at: Mapped[dt.datetime | None] = mapped_column(TS)
    dispute_reason: Mapped[str | None] = mapped_column(Text)
    pickup_verification: Mapped[dict | None] = mapped_column(JSONB)
    delivery_verification: Mapped[dict | None] = mapped_column(JSONB)
    recipient_signature_url: Mapped[str | None] = mapped_column(String(2048))
    delivery_photo_url: Mapped[str | None] = mapped_column(String(2048))
    delivery_notes: Mapped[str | None] = mapped_column(Text)
    capacity_released_at: Mapped[dt.datetime | None] = mapped_column(TS)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now(), onupdate=_utcnow)

    __table_args__ = (
        # Two accepts of one request never make two live deliveries.
        Index("uq_deliveries_live_request", "delivery_request_id", unique=True,
              postgresql_where=text("status <> 'cancelled'")),
        Index("ix_deliveries_customer", "customer_id", "created_at"),
        Index("ix_deliveries_traveler", "traveler_id", "created_at"),
        Index("ix_deliveries_trip", "trip_id"),
    )


class RequestView(Base):
    """Views of a request by users other than its owner (analytics)."""
    __tablename__ = "delivery_request_views"
    delivery_request_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("delivery_requests.id"),
                                                           primary_key=True)
    viewer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    views: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    first_viewed_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())
    last_viewed_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())
    # the x-request-id of the call that counted the last view: a retry of that call counts nothing
    last_request_id: Mapped[str | None] = mapped_column(Text)


class ReportRow(Base):
    __tablename__ = "delivery_request_reports"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    delivery_request_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("delivery_requests.id"),
                                                           nullable=False)
    reporter_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    reason: Mapped[str] = mapped_column(Enum(*REPORT_REASONS, name="report_reason_enum"), nullable=False)
    details: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())
    __table_args__ = (Index("uq_delivery_request_reports_reporter", "delivery_request_id", "reporter_id",
                            unique=True),)


class IdempotencyKey(Base):
    """AIP-155 request ids: the first result of a mutating call, replayed for a repeat."""
    __tablename__ = "idempotency_keys"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    response: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())


outbox_events = outbox_table(metadata)


def offer_notify_trigger_sql() -> list[str]:
    """Row triggers on delivery_offers: every update bumps `version`; every insert or update
    wakes the WatchOffers listeners of its request (NOTIFY is delivered at commit; identical
    payloads of one transaction fold into one)."""
    return [
        """
        CREATE OR REPLACE FUNCTION delivery_offers_bump_version() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            NEW.version := OLD.version + 1;
            RETURN NEW;
        END
        $$
        """.strip(),
        "DROP TRIGGER IF EXISTS delivery_offers_bump_version ON delivery_offers",
        "CREATE TRIGGER delivery_offers_bump_version BEFORE UPDATE ON delivery_offers "
        "FOR EACH ROW EXECUTE FUNCTION delivery_offers_bump_version()",
        f"""
        CREATE OR REPLACE FUNCTION delivery_offers_notify() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{OFFER_CHANNEL}', NEW.delivery_request_id::text);
            RETURN NULL;
        END
        $$
        """.strip(),
        "DROP TRIGGER IF EXISTS delivery_offers_notify ON delivery_offers",
        "CREATE TRIGGER delivery_offers_notify AFTER INSERT OR UPDATE ON delivery_offers "
        "FOR EACH ROW EXECUTE FUNCTION delivery_offers_notify()",
    ]


def offer_notify_drop_sql() -> list[str]:
    return ["DROP TRIGGER IF EXISTS delivery_offers_notify ON delivery_offers",
            "DROP FUNCTION IF EXISTS delivery_offers_notify()",
            "DROP TRIGGER IF EXISTS delivery_offers_bump_version ON delivery_offers",
            "DROP FUNCTION IF EXISTS delivery_offers_bump_version()"]


# -- geography helpers ------------------------------------------------------------------------

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


# -- queries ----------------------------------------------------------------------------------

async def db_now(s: AsyncSession) -> dt.datetime:
    return (await s.execute(select(func.now()))).scalar_one()


async def distance_meters(s: AsyncSession, a: tuple[float, float], b: tuple[float, float]) -> int:
    q = select(func.ST_Distance(func.ST_GeogFromText(ewkt_point(*a)), func.ST_GeogFromText(ewkt_point(*b))))
    return int(round((await s.execute(q)).scalar_one()))


async def request_by_id(s: AsyncSession, request_id: uuid.UUID, for_update: bool = False) -> DeliveryRequestRow | None:
    q = select(DeliveryRequestRow).where(DeliveryRequestRow.id == request_id)
    if for_update:
        q = q.with_for_update()
    return (await s.execute(q)).scalar_one_or_none()


async def offer_by_id(s: AsyncSession, offer_id: uuid.UUID, for_update: bool = False) -> OfferRow | None:
    q = select(OfferRow).where(OfferRow.id == offer_id)
    if for_update:
        q = q.with_for_update()
    return (await s.execute(q)).scalar_one_or_none()


async def offer_trip(s: AsyncSession, request_id: uuid.UUID, offer_id: uuid.UUID):
    """(trip_id, customer_id) of an offer on this request, in one statement; None when there is none."""
    q = (select(OfferRow.trip_id, DeliveryRequestRow.customer_id)
         .join(DeliveryRequestRow, DeliveryRequestRow.id == OfferRow.delivery_request_id)
         .where(OfferRow.id == offer_id, OfferRow.delivery_request_id == request_id))
    return (await s.execute(q)).first()


async def delivery_by_id(s: AsyncSession, delivery_id: uuid.UUID, for_update: bool = False) -> DeliveryRow | None:
    q = select(DeliveryRow).where(DeliveryRow.id == delivery_id)
    if for_update:
        q = q.with_for_update()
    return (await s.execute(q)).scalar_one_or_none()


async def delivery_exists_once_unlocked(s: AsyncSession, request_id: uuid.UUID, delivery_id: uuid.UUID,
                                        lock_timeout: str) -> bool:
    """Whether the delivery exists, read after taking the request's row lock (so an accept of the
    request still in progress has ended); LockNotAvailable after `lock_timeout` (e.g. "2s")."""
    await s.execute(select(func.set_config("lock_timeout", lock_timeout, True)))     # SET LOCAL
    await request_by_id(s, request_id, for_update=True)
    return await delivery_by_id(s, delivery_id) is not None


async def live_delivery_for_request(s: AsyncSession, request_id: uuid.UUID) -> DeliveryRow | None:
    q = select(DeliveryRow).where(DeliveryRow.delivery_request_id == request_id, DeliveryRow.status != "cancelled")
    return (await s.execute(q)).scalar_one_or_none()


async def delivery_number_taken(s: AsyncSession, number: str) -> bool:
    return (await s.execute(select(DeliveryRow.id).where(DeliveryRow.delivery_number == number))).first() is not None


async def pending_offer_counts(s: AsyncSession, request_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not request_ids:
        return {}
    q = (select(OfferRow.delivery_request_id, func.count()).where(OfferRow.delivery_request_id.in_(request_ids),
                                                                   OfferRow.status == "pending")
         .group_by(OfferRow.delivery_request_id))
    return {r: n for r, n in (await s.execute(q)).all()}


async def count_view(s: AsyncSession, request_id: uuid.UUID, viewer_id: uuid.UUID, call_id: str) -> None:
    """One more view of the request by this viewer, unless the call `call_id` (its x-request-id)
    already counted the last one: Envoy retries a read with the same x-request-id, also after an
    attempt that did commit (its connection reset before the answer)."""
    stmt = insert(RequestView).values(delivery_request_id=request_id, viewer_id=viewer_id, last_request_id=call_id)
    again = RequestView.last_request_id == stmt.excluded.last_request_id
    stmt = stmt.on_conflict_do_update(
        index_elements=[RequestView.delivery_request_id, RequestView.viewer_id],
        set_={"views": RequestView.views + case((again, 0), else_=1), "last_request_id": stmt.excluded.last_request_id,
              "last_viewed_at": case((again, RequestView.last_viewed_at), else_=func.now())})
    await s.execute(stmt)


async def idempotent_response(s: AsyncSession, key: str) -> bytes | None:
    return (await s.execute(select(IdempotencyKey.response).where(IdempotencyKey.key == key))).scalar_one_or_none()


async def save_idempotent_response(s: AsyncSession, key: str, response: bytes) -> None:
    await s.execute(insert(IdempotencyKey).values(key=key, response=response).on_conflict_do_nothing())
