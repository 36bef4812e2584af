"""What every part of the users rules shares: who is calling, ids, the dependencies bag."""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import async_sessionmaker

from services.common.errors import InvalidArgument, NotFound, PermissionDenied
from services.common.identity import Principal, caller
from services.common.ratelimit import RateLimiter
from services.users.blobs import BlobStore
from services.users.domain.ports import AuthGateway
from services.users.geocoding import Geocoder
from services.users.settings import UsersSettings

# Outbox topics. users.phone.verification_code is texted by the notifications service once it
# exists; until then SMS_TRANSPORT=log has this service's dispatcher write it to the log.
TOPIC_PHONE_CODE = "users.phone.verification_code"
TOPIC_IDENTITY_REVIEWED = "users.identity.reviewed"
TOPIC_REVIEW_CREATED = "users.review.created"
TOPIC_USER_REPORTED = "users.user.reported"
TOPIC_USER_BLOCKED = "users.user.blocked"

ADMIN_ROLE = "admin"


@dataclass
class Deps:
    settings: UsersSettings
    sessions: async_sessionmaker
    auth: AuthGateway
    geocoder: Geocoder
    blobs: BlobStore
    limiter: RateLimiter


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def invalid(field: str, description: str, reason: str | None = None) -> InvalidArgument:
    return InvalidArgument("the request has invalid fields", [(field, description)], reason=reason)


def parse_uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        raise invalid(field, "is required" if not value else "must be a UUID") from None


def maybe_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return None


# -- who may call ------------------------------------------------------------------------------
# self:    a signed-in user acting on their own data
# admin:   a user token with the role "admin", or a service identity with the role "admin"
# service: a service identity (named services for the Handle* methods)

def me() -> Principal:
    """A signed-in user (services get PERMISSION_DENIED)."""
    p = caller()
    if p.kind != "user":
        raise PermissionDenied("this method is for signed-in users", reason="USER_REQUIRED")
    return p


def is_admin(p: Principal) -> bool:
    return p.has_role(ADMIN_ROLE)


def admin() -> Principal:
    p = caller()
    if not is_admin(p):
        raise PermissionDenied("this method is for admins", reason="ADMIN_REQUIRED")
    return p


def service(*names: str) -> Principal:
    """A service identity; one of `names` when given."""
    p = caller()
    if p.kind != "service" or (names and p.subject not in names):
        who = " or ".join(f"the {n} service" for n in names) if names else "internal services"
        raise PermissionDenied(f"this method is for {who}", reason="SERVICE_REQUIRED")
    return p


def actor_id(p: Principal) -> uuid.UUID | None:
    """The admin user behind a moderation act (None for a service identity)."""
    return maybe_uuid(p.user_id) if p.kind == "user" else None


def actor_label(p: Principal) -> str:
    return f"{p.kind}:{p.subject}"


def subject_user(p: Principal, user_id: str, field: str = "user_id") -> uuid.UUID:
    """A user id from the request, where "me" means the caller."""
    if user_id == "me":
        if p.kind != "user":
            raise invalid(field, '"me" needs a user token')
        return uuid.UUID(p.user_id)
    return parse_uuid(user_id, field)


def user_not_found() -> NotFound:
    return NotFound("no such user", reason="USER_NOT_FOUND")


def display_name(first: str | None, last: str | None) -> tuple[str, str, str]:
    """(first name, last initial, "First L.")."""
    first = (first or "").strip()
    initial = (last or "").strip()[:1].upper()
    name = f"{first} {initial}." if initial else first
    return first, initial, name.strip()
