"""What every part of the deliveries rules shares: callers, ids, the dependencies bag."""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import async_sessionmaker

from services.common.errors import InvalidArgument, NotFound, PermissionDenied
from services.common.identity import Principal, caller
from services.deliveries.domain.ports import BlockList, RatingSource, TripsGateway
from services.deliveries.settings import DeliveriesSettings

log = logging.getLogger("p2p.deliveries")

# Outbox topics. deliveries.capacity.release (retries a capacity release that could not be done
# at once) and deliveries.accept.guard (gives an accept's reservation back unless its delivery
# exists: offers._guard) are handled by this service's own dispatcher; the others are for the
# services that come later (payments, QR, notifications).
TOPIC_ACCEPTED = "deliveries.delivery.accepted"
TOPIC_STATUS_CHANGED = "deliveries.delivery.status_changed"
TOPIC_CANCELLED = "deliveries.delivery.cancelled"
TOPIC_REQUEST_CREATED = "deliveries.request.created"
TOPIC_REQUEST_CANCELLED = "deliveries.request.cancelled"
TOPIC_REQUEST_REPORTED = "deliveries.request.reported"
TOPIC_OFFER_CREATED = "deliveries.offer.created"
TOPIC_CAPACITY_RELEASE = "deliveries.capacity.release"
TOPIC_ACCEPT_GUARD = "deliveries.accept.guard"


@dataclass
class Deps:
    settings: DeliveriesSettings
    sessions: async_sessionmaker
    trips: TripsGateway
    ratings: RatingSource
    blocks: BlockList


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def parse_uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        if not value:
            raise InvalidArgument("the request has invalid fields", [(field, "is required")]) from None
        raise InvalidArgument("the request has invalid fields", [(field, "must be a UUID")]) from None


def maybe_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return None


def user() -> Principal:
    """A signed-in user (services get PERMISSION_DENIED)."""
    p = caller()
    if p.kind != "user":
        raise PermissionDenied("this method is for signed-in users", reason="USER_REQUIRED")
    return p


def customer() -> Principal:
    p = user()
    if not p.has_role("customer"):
        raise PermissionDenied("only customers post delivery requests", reason="CUSTOMER_REQUIRED")
    return p


def traveler() -> Principal:
    p = user()
    if not p.has_role("traveler"):
        raise PermissionDenied("only travelers make offers and browse requests", reason="TRAVELER_REQUIRED")
    return p


def service(name: str) -> Principal:
    p = caller()
    if p.kind != "service" or p.subject != name:
        raise PermissionDenied(f"this method is for the {name} service", reason="SERVICE_REQUIRED")
    return p


def not_found(what: str = "delivery request") -> NotFound:
    reason = {"delivery request": "REQUEST_NOT_FOUND", "offer": "OFFER_NOT_FOUND",
              "delivery": "DELIVERY_NOT_FOUND", "trip": "TRIP_NOT_FOUND"}.get(what, "NOT_FOUND")
    return NotFound(f"no such {what}", reason=reason)
