"""auth_db persistence: SQLAlchemy 2.0 models and the queries the domain needs.

The five tables of the spec (users, user_sessions, user_two_factor_auth,
password_reset_tokens, email_verification_tokens) plus the infrastructure auth needs:
signing_keys (JWKS rotation), user_social_identities (provider subject -> user),
outbox_events, rate_limit_counters and idempotency_keys.
"""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (ARRAY, BigInteger, Boolean, Date, DateTime, Enum, ForeignKey, Index, Integer, LargeBinary,
                        MetaData, String, Text, func, select, text, update)
from sqlalchemy.dialects.postgresql import CITEXT, INET, JSONB, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common import db
from services.common.outbox import outbox_table
from services.common.ratelimit import rate_limit_table

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s", "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

USER_TYPES = ("customer", "traveler", "both")
USER_STATUSES = ("pending_verification", "active", "suspended", "deactivated", "deleted")
VERIFICATION_LEVELS = ("none", "email", "phone", "identity", "full")
DEVICE_TYPES = ("mobile", "tablet", "desktop", "web")
PLATFORMS = ("ios", "android", "web", "windows", "macos", "linux")

TS = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = metadata


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _uuid() -> uuid.UUID:
    return uuid.uuid4()


class User(Base):
    __tablename__ = "users"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    email: Mapped[str] = mapped_column(CITEXT, nullable=False)
    password_hash: Mapped[str | None] = mapped_column(String(255))  # null: social-only account
    first_name: Mapped[str] = mapped_column(String(100), nullable=False)
    last_name: Mapped[str] = mapped_column(String(100), nullable=False)
    phone_number: Mapped[str | None] = mapped_column(String(20))
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    user_type: Mapped[str] = mapped_column(Enum(*USER_TYPES, name="user_type_enum"), nullable=False)
    status: Mapped[str] = mapped_column(Enum(*USER_STATUSES, name="user_status_enum"), nullable=False,
                                        server_default="pending_verification")
    verification_level: Mapped[str] = mapped_column(Enum(*VERIFICATION_LEVELS, name="verification_level_enum"),
                                                    nullable=False, server_default="none")
    preferred_language: Mapped[str] = mapped_column(String(35), nullable=False, server_default="en")
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, server_default="UTC")
    preferred_currency: Mapped[str] = mapped_column(String(3), nullable=False, server_default="EUR")
    referral_code: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    referred_by_user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id"))
    terms_accepted_at: Mapped[dt.datetime | None] = mapped_column(TS)
    privacy_accepted_at: Mapped[dt.datetime | None] = mapped_column(TS)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now(), onupdate=_utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(TS)

    __table_args__ = (
        # One live account per email; a deleted account frees its address.
        Index("uq_users_email_live", "email", unique=True, postgresql_where=text("deleted_at IS NULL")),
    )


class UserSession(Base):
    __tablename__ = "user_sessions"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id"), nullable=False)
    device_id: Mapped[str] = mapped_column(String(128), nullable=False)
    device_type: Mapped[str] = mapped_column(Enum(*DEVICE_TYPES, name="device_type_enum"), nullable=False)
    platform: Mapped[str] = mapped_column(Enum(*PLATFORMS, name="platform_enum"), nullable=False)
    app_version: Mapped[str | None] = mapped_column(String(32))
    push_token: Mapped[str | None] = mapped_column(String(512))
    ip_address: Mapped[str | None] = mapped_column(INET)
    location: Mapped[str | None] = mapped_column(String(255))
    refresh_token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False)
    last_active_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(TS)

    __table_args__ = (
        Index("ix_user_sessions_user_active", "user_id", "created_at", postgresql_where=text("revoked_at IS NULL")),
    )


class TwoFactor(Base):
    __tablename__ = "user_two_factor_auth"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id"), nullable=False, unique=True)
    secret_key: Mapped[str] = mapped_column(String(255), nullable=False)  # Fernet-encrypted base32 secret
    backup_codes: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")  # sha256 hashes
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    enabled_at: Mapped[dt.datetime | None] = mapped_column(TS)
    last_used_step: Mapped[int | None] = mapped_column(BigInteger)  # TOTP replay protection
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now(), onupdate=_utcnow)


class PasswordResetToken(Base):
    __tablename__ = "password_reset_tokens"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False)
    used_at: Mapped[dt.datetime | None] = mapped_column(TS)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())


class EmailVerificationToken(Base):
    __tablename__ = "email_verification_tokens"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id"), nullable=False, index=True)
    email: Mapped[str] = mapped_column(CITEXT, nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False)
    verified_at: Mapped[dt.datetime | None] = mapped_column(TS)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())


class SigningKey(Base):
    __tablename__ = "signing_keys"
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_key: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)  # Fernet-encrypted PEM
    public_jwk: Mapped[dict] = mapped_column(JSONB, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())
    retire_at: Mapped[dt.datetime | None] = mapped_column(TS)  # set when superseded: published until then


class SocialIdentity(Base):
    __tablename__ = "user_social_identities"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id"), nullable=False, index=True)
    provider: Mapped[str] = mapped_column(String(16), nullable=False)
    subject: Mapped[str] = mapped_column(String(255), nullable=False)
    email: Mapped[str | None] = mapped_column(CITEXT)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())
    __table_args__ = (Index("uq_social_provider_subject", "provider", "subject", unique=True),)


class IdempotencyKey(Base):
    """AIP-155 request ids: the first result of a mutating call, replayed for a repeat."""
    __tablename__ = "idempotency_keys"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    response: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())


outbox_events = outbox_table(metadata)
rate_limit_counters = rate_limit_table(metadata)


# -- queries -------------------------------------------------------------------------------

async def user_by_email(s: AsyncSession, email: str, for_update: bool = False) -> User | None:
    q = select(User).where(User.email == email, User.deleted_at.is_(None))
    if for_update:
        q = q.with_for_update()
    return (await s.execute(q)).scalar_one_or_none()


async def user_by_id(s: AsyncSession, user_id: uuid.UUID, for_update: bool = False) -> User | None:
    q = select(User).where(User.id == user_id)
    if for_update:
        q = q.with_for_update()
    return (await s.execute(q)).scalar_one_or_none()


async def users_by_ids(s: AsyncSession, ids: list[uuid.UUID]) -> list[User]:
    """Live (not deleted) users among ids."""
    if not ids:
        return []
    return list((await s.execute(select(User).where(User.id.in_(ids), User.deleted_at.is_(None)))).scalars())


async def user_by_referral_code(s: AsyncSession, code: str) -> User | None:
    return (await s.execute(select(User).where(User.referral_code == code))).scalar_one_or_none()


async def referral_code_taken(s: AsyncSession, code: str) -> bool:
    return (await s.execute(select(User.id).where(User.referral_code == code))).first() is not None


async def live_session(s: AsyncSession, session_id: uuid.UUID, for_update: bool = False) -> UserSession | None:
    q = select(UserSession).where(UserSession.id == session_id)
    if for_update:
        q = q.with_for_update()
    return (await s.execute(q)).scalar_one_or_none()


async def user_with_session(s: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID) -> tuple[User, UserSession] | None:
    """The hot path of authenticated calls: the user and the caller's session in one query."""
    row = (await s.execute(select(User, UserSession).join(UserSession, UserSession.user_id == User.id)
                           .where(User.id == user_id, UserSession.id == session_id))).first()
    return (row[0], row[1]) if row else None


async def sessions_page(s: AsyncSession, user_id: uuid.UUID, limit: int, after: tuple[dt.datetime, uuid.UUID] | None):
    q = (select(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None),
                                   UserSession.expires_at > func.now())
         .order_by(UserSession.created_at.desc(), UserSession.id.desc()).limit(limit))
    if after is not None:
        q = q.where(func.row(UserSession.created_at, UserSession.id) < func.row(after[0], after[1]))
    return list((await s.execute(q)).scalars())


async def revoke_sessions(s: AsyncSession, user_id: uuid.UUID, except_id: uuid.UUID | None = None) -> int:
    q = (update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
         .values(revoked_at=func.now()))
    if except_id is not None:
        q = q.where(UserSession.id != except_id)
    return (await s.execute(q)).rowcount


async def device_seen_before(s: AsyncSession, user_id: uuid.UUID, device_id: str) -> bool:
    q = select(UserSession.id).where(UserSession.user_id == user_id, UserSession.device_id == device_id).limit(1)
    return (await s.execute(q)).first() is not None


async def two_factor(s: AsyncSession, user_id: uuid.UUID, for_update: bool = False) -> TwoFactor | None:
    q = select(TwoFactor).where(TwoFactor.user_id == user_id)
    if for_update:
        q = q.with_for_update()
    return (await s.execute(q)).scalar_one_or_none()


async def two_factor_enabled(s: AsyncSession, user_id: uuid.UUID) -> bool:
    q = select(TwoFactor.enabled).where(TwoFactor.user_id == user_id)
    return bool((await s.execute(q)).scalar_one_or_none())


async def verification_token(s: AsyncSession, token_hash: str) -> EmailVerificationToken | None:
    q = select(EmailVerificationToken).where(EmailVerificationToken.token_hash == token_hash).with_for_update()
    return (await s.execute(q)).scalar_one_or_none()


async def invalidate_verification_tokens(s: AsyncSession, user_id: uuid.UUID) -> None:
    await s.execute(update(EmailVerificationToken).where(EmailVerificationToken.user_id == user_id,
                                                         EmailVerificationToken.verified_at.is_(None))
                    .values(expires_at=func.now()))


async def reset_token(s: AsyncSession, token_hash: str) -> PasswordResetToken | None:
    q = select(PasswordResetToken).where(PasswordResetToken.token_hash == token_hash).with_for_update()
    return (await s.execute(q)).scalar_one_or_none()


async def invalidate_reset_tokens(s: AsyncSession, user_id: uuid.UUID) -> None:
    await s.execute(update(PasswordResetToken).where(PasswordResetToken.user_id == user_id,
                                                     PasswordResetToken.used_at.is_(None))
                    .values(expires_at=func.now()))


async def social_identity(s: AsyncSession, provider: str, subject: str) -> SocialIdentity | None:
    q = select(SocialIdentity).where(SocialIdentity.provider == provider, SocialIdentity.subject == subject)
    return (await s.execute(q)).scalar_one_or_none()


async def published_keys(s: AsyncSession) -> list[SigningKey]:
    q = (select(SigningKey).where((SigningKey.retire_at.is_(None)) | (SigningKey.retire_at > func.now()))
         .order_by(SigningKey.created_at.desc()))
    return list((await s.execute(q)).scalars())


async def active_key(s: AsyncSession) -> SigningKey | None:
    q = select(SigningKey).where(SigningKey.retire_at.is_(None)).order_by(SigningKey.created_at.desc()).limit(1)
    return (await s.execute(q)).scalar_one_or_none()


async def retire_active_keys(s: AsyncSession, retire_at: dt.datetime, except_kid: str) -> None:
    await s.execute(update(SigningKey).where(SigningKey.retire_at.is_(None), SigningKey.kid != except_kid)
                    .values(retire_at=retire_at))


async def lock(s: AsyncSession, name: str) -> None:
    """Transaction-scoped advisory lock (serialises e.g. key creation across replicas)."""
    await s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:n))"), {"n": name})


async def idempotent_response(s: AsyncSession, key: str) -> bytes | None:
    return (await s.execute(select(IdempotencyKey.response).where(IdempotencyKey.key == key))).scalar_one_or_none()


async def save_idempotent_response(s: AsyncSession, key: str, response: bytes) -> None:
    await s.execute(insert(IdempotencyKey).values(key=key, response=response).on_conflict_do_nothing())


async def db_now(s: AsyncSession) -> dt.datetime:
    return (await s.execute(select(func.now()))).scalar_one()


async def device_seen_before_any(s: AsyncSession, user_id: uuid.UUID) -> bool:
    q = select(UserSession.id).where(UserSession.user_id == user_id).limit(1)
    return (await s.execute(q)).first() is not None


ACCOUNT_FOR_SESSION = """
SELECT u.id, u.email, u.first_name, u.last_name, u.phone_number, u.date_of_birth, u.user_type::text,
       u.status::text, u.verification_level::text, u.preferred_language, u.timezone, u.preferred_currency,
       u.referral_code, u.referred_by_user_id, u.terms_accepted_at, u.privacy_accepted_at, u.created_at,
       u.updated_at, u.deleted_at, s.revoked_at AS session_revoked_at,
       EXISTS (SELECT 1 FROM user_two_factor_auth t WHERE t.user_id = u.id AND t.enabled) AS two_factor_enabled
FROM users u JOIN user_sessions s ON s.user_id = u.id
WHERE u.id = $1 AND s.id = $2
"""


async def account_for_session(pool, user_id: uuid.UUID, session_id: uuid.UUID):
    """The hot path of authenticated reads: the user, whether the caller's session is live and
    whether 2FA is on, in one prepared statement on the read pool (a named tuple with the
    users columns, or None). The wait for a connection ends before the caller's deadline. (The
    read pool's cursors are raw: $1, $2 placeholders, db.make_read_pool.)"""
    async with db.read_connection(pool) as conn:
        cur = await conn.execute(ACCOUNT_FOR_SESSION, (user_id, session_id))
        return await cur.fetchone()
