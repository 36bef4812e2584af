"""Events from other services: registration and deletion (auth), deliveries (deliveries), trips
(trips). They keep profiles, statistics, participations and the activity feed current.

Every handler runs in ONE transaction that first records the event id (processed_events):
a replayed event finds its id and changes nothing. On top of that, each delivery transition
counts once whatever the number of events announcing it (the participation's status decides),
and a trip's completion counts once (a natural key "trip-completed:<trip id>").

Statistics rows of two users are locked in user-id order, so concurrent events never deadlock.
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.common.validation import Violations
from services.users import store
from services.users.domain import activity
from services.users.domain.common import Deps, service
from services.users.domain.preferences import defaults

log = logging.getLogger("p2p.users.events")

DELIVERY_EVENTS = ("accepted", "completed", "cancelled")
TRIP_EVENTS = ("completed", "cancelled")


@dataclass
class DeliveryEvent:
    event_id: str
    type: str                      # DELIVERY_EVENTS; "" / "?" when unspecified / unknown
    delivery_id: str
    customer_id: str
    traveler_id: str
    trip_id: str = ""
    delivery_request_id: str = ""
    delivery_number: str = ""
    price_minor: int | None = None
    currency: str = ""
    occurred_at: dt.datetime | None = None
    cancelled_by: str = ""
    reason: str = ""
    traveler_response_seconds: int = 0


@dataclass
class TripEvent:
    event_id: str
    type: str                      # TRIP_EVENTS
    trip_id: str
    traveler_id: str
    occurred_at: dt.datetime | None = None
    reason: str = ""


def _uuid(v: Violations, field: str, value: str, required: bool = True) -> uuid.UUID | None:
    if not value:
        if required:
            v.add(field, "is required")
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        v.add(field, "must be a UUID")
        return None


def _event_id(v: Violations, value: str) -> None:
    if not value:
        v.add("event_id", "is required")
    else:
        v.text("event_id", value, 1, 200)


def add_money(doc: dict | None, currency: str, amount: int) -> dict:
    out = dict(doc or {})
    out[currency] = int(out.get(currency, 0)) + int(amount)
    return out


def completion_rate(st: store.Statistics) -> float:
    done = st.successful_deliveries + st.cancelled_deliveries
    return round(st.successful_deliveries / done, 4) if done else 0.0


def touch(st: store.Statistics, at: dt.datetime) -> None:
    if st.last_active_at is None or at > st.last_active_at:
        st.last_active_at = at


async def lock_statistics(s, ids: list[uuid.UUID]) -> dict[uuid.UUID, store.Statistics]:
    q = (sa.select(store.Statistics).where(store.Statistics.user_id.in_(ids))
         .order_by(store.Statistics.user_id).with_for_update())
    return {st.user_id: st for st in (await s.execute(q)).scalars()}


def _label(number: str, delivery_id: uuid.UUID) -> str:
    return number or str(delivery_id)[:8]


def _money_text(amount: int | None, currency: str | None) -> str:
    if amount is None or not currency:
        return ""
    return f" for {amount / 100:.2f} {currency}"


class Events:
    def __init__(self, deps: Deps):
        self.d = deps

    # -- auth ------------------------------------------------------------------------------------
    async def user_registered(self, event_id: str, user_id: str, first_name: str, last_name: str, user_type: str,
                              registered_at: dt.datetime | None) -> bool:
        """Create the profile, default preferences and zeroed statistics. True for a duplicate."""
        service("auth")
        v = Violations()
        _event_id(v, event_id)
        uid = _uuid(v, "user_id", user_id)
        for name, value in (("first_name", first_name), ("last_name", last_name)):
            if value:
                v.text(name, value, 1, 100)
        if user_type not in ("", *store.USER_TYPES):
            v.add("user_type", "unknown value")
        v.raise_if_any()
        async with self.d.sessions.begin() as s:
            if not await store.claim_event(s, event_id, "user_registered"):
                return True
            now = await store.db_now(s)
            await store.ensure_user(s, uid, defaults(), first_name=first_name.strip() or None,
                                    last_name=last_name.strip() or None, user_type=user_type or None,
                                    registered_at=registered_at or now)
            await activity.record(s, uid, "account_registered", "Your account was created", registered_at or now)
        return False

    async def user_deleted(self, event_id: str, user_id: str) -> bool:
        service("auth")
        v = Violations()
        _event_id(v, event_id)
        uid = _uuid(v, "user_id", user_id)
        v.raise_if_any()
        async with self.d.sessions.begin() as s:
            if not await store.claim_event(s, event_id, "user_deleted"):
                return True
            await erase(s, uid)
        await erase_files(self.d, uid)
        return False

    # -- deliveries ------------------------------------------------------------------------------
    async def delivery_event(self, e: DeliveryEvent) -> bool:
        service("deliveries")
        v = Violations()
        _event_id(v, e.event_id)
        if e.type not in DELIVERY_EVENTS:
            v.add("type", "must be ACCEPTED, COMPLETED or CANCELLED")
        did = _uuid(v, "delivery_id", e.delivery_id)
        cid = _uuid(v, "customer_id", e.customer_id)
        tid = _uuid(v, "traveler_id", e.traveler_id)
        if cid and tid and cid == tid:
            v.add("traveler_id", "must differ from customer_id")
        trip = _uuid(v, "trip_id", e.trip_id, required=False)
        req = _uuid(v, "delivery_request_id", e.delivery_request_id, required=False)
        if e.delivery_number:
            v.text("delivery_number", e.delivery_number, 1, 40)
        if e.price_minor is not None:
            if e.price_minor < 0 or e.price_minor > 10**12:
                v.add("price.amount_minor", "must be between 0 and 10^12")
            v.currency("price.currency_code", e.currency)
        elif e.type == "accepted":
            v.add("price", "is required for ACCEPTED")
        if e.cancelled_by:
            v.text("cancelled_by", e.cancelled_by, 1, 100)
        if len(e.reason) > 1000:
            v.add("reason", "must be at most 1000 characters")
        if not 0 <= e.traveler_response_seconds <= 10**9:
            v.add("traveler_response_seconds", "must be between 0 and 10^9")
        v.raise_if_any()
        async with self.d.sessions.begin() as s:
            if not await store.claim_event(s, e.event_id, "delivery_event"):
                return True
            now = e.occurred_at or await store.db_now(s)
            for u in (cid, tid):
                await store.ensure_user(s, u, defaults())
            stats = await lock_statistics(s, [cid, tid])
            part = (await s.execute(sa.select(store.Participation).where(store.Participation.delivery_id == did)
                                    .with_for_update())).scalar_one_or_none()
            if part is None:
                part = store.Participation(delivery_id=did, customer_id=cid, traveler_id=tid, status=e.type)
                s.add(part)
                for st in stats.values():
                    st.total_deliveries += 1
                new = True
            else:
                new = False
                if (part.customer_id, part.traveler_id) != (cid, tid):
                    log.warning("delivery event with other participants ignored",
                                extra={"fields": {"delivery_id": str(did), "event_id": e.event_id}})
                    return False
            part.trip_id = part.trip_id or trip
            part.delivery_request_id = part.delivery_request_id or req
            part.delivery_number = part.delivery_number or (e.delivery_number or None)
            if e.price_minor is not None and (part.price_minor is None or e.type == "completed"):
                part.price_minor, part.currency = e.price_minor, e.currency
            label = _label(part.delivery_number or "", did)
            if e.type == "accepted":
                part.accepted_at = part.accepted_at or now
                if new:
                    money = _money_text(part.price_minor, part.currency)
                    await activity.record(s, cid, "delivery_accepted", f"Delivery {label} accepted{money}", now,
                                          subject_id=str(did), counterpart=tid, amount_minor=part.price_minor,
                                          currency=part.currency)
                    await activity.record(s, tid, "delivery_accepted", f"You carry delivery {label}{money}", now,
                                          subject_id=str(did), counterpart=cid, amount_minor=part.price_minor,
                                          currency=part.currency)
                    if e.traveler_response_seconds > 0:
                        st = stats[tid]
                        minutes = e.traveler_response_seconds / 60
                        n = st.response_samples
                        st.response_time_minutes = round(((st.response_time_minutes or 0) * n + minutes) / (n + 1))
                        st.response_samples = n + 1
            elif e.type == "completed" and (new or part.status == "accepted"):
                part.status, part.completed_at = "completed", now
                for st in stats.values():
                    st.successful_deliveries += 1
                if part.price_minor is not None:
                    stats[tid].total_earnings = add_money(stats[tid].total_earnings, part.currency, part.price_minor)
                    stats[cid].total_spent = add_money(stats[cid].total_spent, part.currency, part.price_minor)
                money = _money_text(part.price_minor, part.currency)
                await activity.record(s, cid, "delivery_completed", f"Delivery {label} completed{money}", now,
                                      subject_id=str(did), counterpart=tid, amount_minor=part.price_minor,
                                      currency=part.currency)
                await activity.record(s, tid, "delivery_completed", f"You delivered {label}{money}", now,
                                      subject_id=str(did), counterpart=cid, amount_minor=part.price_minor,
                                      currency=part.currency)
            elif e.type == "cancelled" and (new or part.status == "accepted"):
                part.status, part.cancelled_at = "cancelled", now
                for st in stats.values():
                    st.cancelled_deliveries += 1
                why = f": {e.reason}" if e.reason else ""
                for u, other in ((cid, tid), (tid, cid)):
                    await activity.record(s, u, "delivery_cancelled", f"Delivery {label} cancelled{why}", now,
                                          subject_id=str(did), counterpart=other)
            for st in stats.values():
                st.completion_rate = completion_rate(st)
                touch(st, now)
        return False

    # -- trips -----------------------------------------------------------------------------------
    async def trip_event(self, e: TripEvent) -> bool:
        service("trips")
        v = Violations()
        _event_id(v, e.event_id)
        if e.type not in TRIP_EVENTS:
            v.add("type", "must be COMPLETED or CANCELLED")
        trip = _uuid(v, "trip_id", e.trip_id)
        tid = _uuid(v, "traveler_id", e.traveler_id)
        if len(e.reason) > 1000:
            v.add("reason", "must be at most 1000 characters")
        v.raise_if_any()
        async with self.d.sessions.begin() as s:
            if not await store.claim_event(s, e.event_id, "trip_event"):
                return True
            # The same trip's completion (or cancellation) announced twice counts once.
            if not await store.claim_event(s, f"trip-{e.type}:{trip}", "trip_event"):
                return False
            now = e.occurred_at or await store.db_now(s)
            await store.ensure_user(s, tid, defaults())
            st = (await lock_statistics(s, [tid]))[tid]
            if e.type == "completed":
                st.total_trips += 1
                await activity.record(s, tid, "trip_completed", "Trip completed", now, subject_id=str(trip))
            else:
                why = f": {e.reason}" if e.reason else ""
                await activity.record(s, tid, "trip_cancelled", f"Trip cancelled{why}", now, subject_id=str(trip))
            touch(st, now)
        return False


async def erase(s, uid: uuid.UUID) -> None:
    """Erase the personal data users holds about a user (in the caller's transaction): addresses,
    preferences, phone codes, photo, documents' files, favorites and the user's blocks. Reviews
    stay (they are about deliveries), without their author's name; statistics stay (no personal
    data); reports stay (moderation records)."""
    await s.execute(sa.delete(store.Address).where(store.Address.user_id == uid))
    await s.execute(sa.delete(store.Preferences).where(store.Preferences.user_id == uid))
    await s.execute(sa.delete(store.PhoneVerification).where(store.PhoneVerification.user_id == uid))
    await s.execute(sa.delete(store.Favorite).where(sa.or_(store.Favorite.customer_id == uid,
                                                            store.Favorite.traveler_id == uid)))
    await s.execute(sa.delete(store.Block).where(store.Block.blocker_id == uid))
    await s.execute(sa.update(store.Review).where(store.Review.reviewer_id == uid).values(is_anonymous=True))
    await s.execute(sa.update(store.VerificationDocument).where(store.VerificationDocument.user_id == uid)
                    .values(front_image_url=None, back_image_url=None, selfie_image_url=None))
    await s.execute(sa.update(store.VerificationDocument).where(
        store.VerificationDocument.user_id == uid,
        store.VerificationDocument.status.in_(store.OPEN_VERIFICATION_STATUSES)).values(
        status="rejected", rejection_reason="account deleted"))
    await s.execute(pg_insert(store.UserProfile).values(user_id=uid).on_conflict_do_nothing())
    await s.execute(sa.update(store.UserProfile).where(store.UserProfile.user_id == uid).values(
        first_name=None, last_name=None, photo_id=None, photo_content_type=None, photo_width=None,
        photo_height=None, photo_updated_at=None, phone_number=None, deleted_at=sa.func.coalesce(
            store.UserProfile.deleted_at, sa.func.now())))


async def erase_files(deps: Deps, uid: uuid.UUID) -> None:
    """After the commit: the user's photo and document files."""
    for prefix in (f"photos/{uid}", f"documents/{uid}"):
        try:
            await deps.blobs.delete_prefix(prefix)
        except Exception:  # noqa: BLE001 - files left behind are logged, the erasure stands
            log.exception("could not delete %s", prefix)
