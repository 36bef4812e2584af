"""The delivery lifecycle: a table-driven state machine, cancellations with the capacity given
back, trip cancellations, and the expiry of requests and offers.

Actors: "customer" and "traveler" (the delivery's own; any other user gets NOT_FOUND), and
service identities "service:qr" (scan confirmations), "service:admin" (dispute resolution),
"service:trips" (through HandleTripCancelled only).

Cancelling a delivery (from ACCEPTED or PICKUP_SCHEDULED by its customer or traveler, or
from DISPUTED by admin) gives the trip capacity back: a deliveries.capacity.release outbox
event is written in the same transaction (so the release cannot be lost), and the release is
also tried at once after the commit; ReleaseCapacity is idempotent, so both may run. The
request is reopened (open again, or expired if past its expiry) when the traveler or the
trip cancelled before pickup; it is cancelled with the delivery otherwise.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from services.common import outbox
from services.common.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from services.common.identity import Principal, caller
from services.common.validation import Violations
from services.deliveries import store
from services.deliveries.domain import paging, rules
from services.deliveries.domain.common import (TOPIC_CANCELLED, TOPIC_CAPACITY_RELEASE, TOPIC_STATUS_CHANGED, Deps,
                                               log, not_found, parse_uuid, service, user)
from services.deliveries.domain.values import Proof
from services.deliveries.store import DeliveryRequestRow, DeliveryRow, OfferRow


@dataclass(frozen=True)
class Rule:
    to: str
    sources: frozenset[str]
    actors: frozenset[str]


def _rule(to: str, sources: set[str], actors: set[str]) -> Rule:
    return Rule(to, frozenset(sources), frozenset(actors))


# The whole lifecycle: (target, from which states, who may move it there).
RULES: tuple[Rule, ...] = (
    _rule("pickup_scheduled", {"accepted"}, {"traveler"}),
    _rule("picked_up", {"accepted", "pickup_scheduled"}, {"traveler", "service:qr"}),
    _rule("in_transit", {"picked_up"}, {"traveler"}),
    _rule("delivery_scheduled", {"in_transit"}, {"traveler"}),
    _rule("delivered", {"in_transit", "delivery_scheduled"}, {"traveler", "service:qr"}),
    _rule("completed", {"delivered"}, {"customer", "service:qr"}),
    _rule("cancelled", {"accepted", "pickup_scheduled"}, {"customer", "traveler"}),
    _rule("disputed", {"picked_up", "in_transit", "delivery_scheduled", "delivered"}, {"customer", "traveler"}),
    _rule("completed", {"disputed"}, {"service:admin"}),
    _rule("cancelled", {"disputed"}, {"service:admin"}),
)
TERMINAL = frozenset({"completed", "cancelled"})
NEEDS_SCHEDULE = frozenset({"pickup_scheduled", "delivery_scheduled"})
NEEDS_REASON = frozenset({"cancelled", "disputed"})
BEFORE_PICKUP = frozenset({"accepted", "pickup_scheduled"})
IN_PROGRESS = frozenset({"picked_up", "in_transit", "delivery_scheduled"})
# The column that records when a delivery entered each status.
STAMP = {"pickup_scheduled": "pickup_scheduled_at", "picked_up": "pickup_completed_at", "in_transit": "in_transit_at",
         "delivery_scheduled": "delivery_scheduled_at", "delivered": "delivery_completed_at",
         "completed": "completed_at", "cancelled": "cancelled_at", "disputed": "disputed_at"}


def move_exists(frm: str, to: str) -> bool:
    return any(r.to == to and frm in r.sources for r in RULES)


def allowed(frm: str, to: str, actor: str) -> bool:
    return any(r.to == to and frm in r.sources and actor in r.actors for r in RULES)


def actor_of(p: Principal, d: DeliveryRow) -> str | None:
    if p.is_service:
        return f"service:{p.subject}"
    if str(d.customer_id) == p.user_id:
        return "customer"
    if str(d.traveler_id) == p.user_id:
        return "traveler"
    return None


def _check_proof(v: Violations, proof: Proof | None) -> None:
    if proof is None:
        return
    if len(proof.verification) > 20:
        v.add("proof.verification", "must have at most 20 entries")
    for k, val in list(proof.verification.items())[:20]:
        if not 1 <= len(k) <= 50 or len(val) > 500:
            v.add("proof.verification", "keys must be 1-50 and values at most 500 characters long")
            break
    if proof.signature_url:
        rules.check_url(v, "proof.signature_url", proof.signature_url)
    if proof.photo_url:
        rules.check_url(v, "proof.photo_url", proof.photo_url)
    if len(proof.notes) > 2000:
        v.add("proof.notes", "must be at most 2000 characters long")


class Lifecycle:
    def __init__(self, deps: Deps):
        self.d = deps

    async def get(self, delivery_id: str) -> DeliveryRow:
        p = caller()
        did = parse_uuid(delivery_id, "delivery_id")
        async with self.d.sessions() as s:
            d = await store.delivery_by_id(s, did)
        if d is None or actor_of(p, d) is None:
            raise not_found("delivery")
        return d

    async def list_mine(self, role: str, statuses: list[str], page_size: int, page_token: str):
        p = user()
        me = uuid.UUID(p.user_id)
        v = Violations()
        size = paging.page_size(v, page_size)
        if role == "?":
            v.add("role", "unknown value")
        for i, st in enumerate(statuses):
            if st not in store.DELIVERY_STATUSES:
                v.add(f"statuses[{i}]", "must be a known status (UNSPECIFIED is not allowed)")
        after = paging.keyset_after(v, page_token, "deliveries")
        v.raise_if_any()
        D = DeliveryRow
        mine = {"traveler": D.traveler_id == me, "customer": D.customer_id == me}.get(
            role, sa.or_(D.traveler_id == me, D.customer_id == me))
        q = sa.select(D).where(mine)
        if statuses:
            q = q.where(D.status.in_(statuses))
        if after:
            q = q.where(sa.tuple_(D.created_at, D.id) < sa.tuple_(sa.literal(after[0]), sa.literal(uuid.UUID(after[1]))))
        q = q.order_by(D.created_at.desc(), D.id.desc()).limit(size + 1)
        async with self.d.sessions() as s:
            rows = list((await s.execute(q)).scalars())
        nxt = ""
        if len(rows) > size:
            rows = rows[:size]
            nxt = paging.keyset_token("deliveries", rows[-1].created_at, rows[-1].id)
        return rows, nxt

    async def transition(self, delivery_id: str, to: str, scheduled_time: dt.datetime | None, proof: Proof | None,
                         reason: str) -> DeliveryRow:
        p = caller()
        did = parse_uuid(delivery_id, "delivery_id")
        v = Violations()
        if to == "":
            v.add("status", "must be set (UNSPECIFIED is not allowed)")
        elif to not in store.DELIVERY_STATUSES:
            v.add("status", "unknown value")
        elif to == "accepted":
            v.add("status", "a delivery cannot be moved back to ACCEPTED")
        if to in NEEDS_SCHEDULE and scheduled_time is None:
            v.add("scheduled_time", f"is required to move to {to.upper()}")
        if to in NEEDS_REASON:
            if v.required("reason", reason.strip()):
                v.text("reason", reason.strip(), 1, 1000)
        elif reason and len(reason) > 1000:
            v.add("reason", "must be at most 1000 characters long")
        _check_proof(v, proof)
        v.raise_if_any()
        release = None
        async with self.d.sessions.begin() as s:
            d = await store.delivery_by_id(s, did, for_update=True)
            actor = actor_of(p, d) if d is not None else None
            if actor is None:
                raise not_found("delivery")
            now = await store.db_now(s)
            if to in NEEDS_SCHEDULE and scheduled_time <= now:
                raise InvalidArgument("the request has invalid fields", [("scheduled_time", "must be in the future")])
            frm = d.status
            if not move_exists(frm, to):
                raise FailedPrecondition(f"a delivery cannot go from {frm} to {to}", reason="INVALID_TRANSITION",
                                         metadata={"from": frm, "to": to})
            if not allowed(frm, to, actor):
                raise PermissionDenied(f"the {actor.replace('service:', 'service ')} cannot move a delivery "
                                       f"from {frm} to {to}", reason="TRANSITION_NOT_ALLOWED")
            d.status = to
            setattr(d, STAMP[to], now)
            d.updated_at = now
            who = p.user_id if not p.is_service else f"service:{p.subject}"
            if to == "pickup_scheduled":
                d.scheduled_pickup_time = scheduled_time
            elif to == "delivery_scheduled":
                d.scheduled_delivery_time = scheduled_time
            elif to == "picked_up" and proof is not None:
                data = dict(proof.verification)
                for key, val in (("signature_url", proof.signature_url), ("photo_url", proof.photo_url),
                                 ("notes", proof.notes)):
                    if val:
                        data[key] = val
                d.pickup_verification = data
            elif to == "delivered" and proof is not None:
                d.delivery_verification = dict(proof.verification)
                d.recipient_signature_url = proof.signature_url or None
                d.delivery_photo_url = proof.photo_url or None
                d.delivery_notes = proof.notes or None
            elif to == "disputed":
                d.dispute_reason = reason.strip()
            req = await store.request_by_id(s, d.delivery_request_id, for_update=True)
            if to == "completed":
                req.status = "completed"
            elif to == "cancelled":
                d.cancellation_reason, d.cancelled_by = reason.strip(), who
                await self._after_cancel(s, d, req, now, reopen=frm in BEFORE_PICKUP and actor == "traveler",
                                         reason=reason.strip())
                release = (str(d.trip_id), str(d.id))
            await outbox.publish(s, TOPIC_STATUS_CHANGED, {
                "delivery_id": str(d.id), "delivery_number": d.delivery_number, "from": frm, "to": to, "by": who,
                "customer_id": str(d.customer_id), "traveler_id": str(d.traveler_id), "at": now.isoformat()},
                aggregate_id=str(d.id), idempotency_key=f"status:{d.id}:{to}:{now.isoformat()}")
        if release is not None:
            await self._release_now(d, *release)
        return d

    async def _after_cancel(self, s, d: DeliveryRow, req: DeliveryRequestRow, now: dt.datetime, reopen: bool,
                            reason: str, release: bool = True) -> None:
        if reopen:
            req.status = "open" if req.expires_at > now else "expired"
            req.delivery_id, req.matched_at = None, None
        else:
            req.status, req.cancelled_at = "cancelled", now
            req.cancellation_reason = f"delivery cancelled: {reason}"
        if release:
            await outbox.publish(s, TOPIC_CAPACITY_RELEASE, {"trip_id": str(d.trip_id), "delivery_id": str(d.id),
                                                             "why": "delivery cancelled"},
                                 aggregate_id=str(d.id), idempotency_key=f"release:{d.id}")
        await outbox.publish(s, TOPIC_CANCELLED, {
            "delivery_id": str(d.id), "delivery_number": d.delivery_number, "delivery_request_id": str(req.id),
            "customer_id": str(d.customer_id), "traveler_id": str(d.traveler_id), "trip_id": str(d.trip_id),
            "cancelled_by": d.cancelled_by, "reason": reason, "request_reopened": reopen},
            aggregate_id=str(d.id), idempotency_key=f"cancelled:{d.id}")

    async def _release_now(self, d: DeliveryRow, trip_id: str, delivery_id: str) -> None:
        try:
            await self.d.trips.release(trip_id, delivery_id)
        except Exception as e:  # noqa: BLE001 - the outbox event retries it
            log.warning("capacity release of delivery %s left to the outbox: %s", delivery_id, e)
            return
        await self.mark_released(uuid.UUID(delivery_id))
        async with self.d.sessions() as s:
            fresh = await store.delivery_by_id(s, uuid.UUID(delivery_id))
        d.capacity_released_at = fresh.capacity_released_at

    async def mark_released(self, delivery_id: uuid.UUID) -> None:
        async with self.d.sessions.begin() as s:
            await s.execute(sa.update(DeliveryRow).where(DeliveryRow.id == delivery_id,
                                                         DeliveryRow.capacity_released_at.is_(None))
                            .values(capacity_released_at=sa.func.now()))

    async def handle_release_event(self, event) -> None:
        """Outbox handler of deliveries.capacity.release: ReleaseCapacity (idempotent), raising to retry."""
        payload = event.payload
        await self.d.trips.release(payload["trip_id"], payload["delivery_id"])
        async with self.d.sessions() as s:
            exists = await store.delivery_by_id(s, uuid.UUID(payload["delivery_id"]))
        if exists is not None:
            await self.mark_released(exists.id)

    # -- trip cancelled --------------------------------------------------------------------------
    async def handle_trip_cancelled(self, trip_id: str, reason: str) -> tuple[int, int, list[str]]:
        service("trips")
        tid = parse_uuid(trip_id, "trip_id")
        v = Violations()
        if len(reason) > 1000:
            v.add("reason", "must be at most 1000 characters long")
        v.raise_if_any()
        why = f"trip cancelled{': ' + reason.strip() if reason.strip() else ''}"
        async with self.d.sessions.begin() as s:
            now = await store.db_now(s)
            withdrawn = (await s.execute(
                sa.update(OfferRow).where(OfferRow.trip_id == tid, OfferRow.status == "pending")
                .values(status="withdrawn", withdrawn_at=now, withdrawn_reason=why, updated_at=now))).rowcount
            rows = list((await s.execute(
                sa.select(DeliveryRow).where(DeliveryRow.trip_id == tid, DeliveryRow.status.in_(BEFORE_PICKUP))
                .order_by(DeliveryRow.id).with_for_update())).scalars())
            for d in rows:
                req = await store.request_by_id(s, d.delivery_request_id, for_update=True)
                frm = d.status
                d.status, d.cancelled_at, d.updated_at = "cancelled", now, now
                d.cancellation_reason, d.cancelled_by = why, "service:trips"
                d.capacity_released_at = now        # the trip is gone: nothing to give back
                await self._after_cancel(s, d, req, now, reopen=True, reason=why, release=False)
                await outbox.publish(s, TOPIC_STATUS_CHANGED, {
                    "delivery_id": str(d.id), "delivery_number": d.delivery_number, "from": frm, "to": "cancelled",
                    "by": "service:trips", "customer_id": str(d.customer_id), "traveler_id": str(d.traveler_id),
                    "at": now.isoformat()}, aggregate_id=str(d.id), idempotency_key=f"status:{d.id}:cancelled:trip")
            in_progress = [str(i) for i in (await s.execute(
                sa.select(DeliveryRow.id).where(DeliveryRow.trip_id == tid, DeliveryRow.status.in_(IN_PROGRESS))
                .order_by(DeliveryRow.id))).scalars()]
        return withdrawn, len(rows), in_progress

    # -- expiry ------------------------------------------------------------------------------------
    async def expire_due(self) -> tuple[int, int]:
        """Open requests past expires_at -> expired (their pending offers too); pending offers past
        valid_until -> expired. Returns (requests, offers) expired."""
        async with self.d.sessions.begin() as s:
            now = await store.db_now(s)
            ids = list((await s.execute(
                sa.update(DeliveryRequestRow).where(DeliveryRequestRow.status == "open",
                                                    DeliveryRequestRow.expires_at <= now)
                .values(status="expired", updated_at=now).returning(DeliveryRequestRow.id))).scalars())
            cond = OfferRow.valid_until <= now
            if ids:
                cond = sa.or_(cond, OfferRow.delivery_request_id.in_(ids))
            offers = (await s.execute(sa.update(OfferRow).where(OfferRow.status == "pending", cond)
                                      .values(status="expired", updated_at=now))).rowcount
        return len(ids), offers
