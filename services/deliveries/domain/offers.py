"""Offers: make, edit, withdraw, decline, list, watch, and the accept saga.

Accept (customer, or auto-accept when an offer is at or below the request's auto-accept price):

  1. the guard: the offer's trip is read (NOT_FOUND unless the caller owns the request and it
     has this offer) and a deliveries.accept.guard event for a NEW delivery id is committed,
     deferred by DELIVERIES_ACCEPT_GUARD_SECONDS (see _guard).
  2. one local transaction that holds the request's row lock (then the offer's) from its checks to
     its commit, so the accepts of one request's offers run one at a time and each sees the
     outcome of the one before. The checks: the request is open, the offer pending and valid (a
     refusal calls the guard off); a repeat of an accept that succeeded, also one that raced
     with it, returns its delivery.
  3. ReserveCapacity on the offer's trip, keyed by the delivery id (CAPACITY_EXCEEDED /
     TRIP_NOT_BOOKABLE -> FAILED_PRECONDITION, nothing changed), then the writes: insert the
     delivery (unique human-friendly number; the partial unique index on
     deliveries.delivery_request_id allows one live delivery per request), mark the offer
     accepted, decline the other pending offers, mark the request matched, publish
     deliveries.delivery.accepted, settle the guard; commit.
  4. compensation: when the reservation's outcome is unknown (trips unreachable) or a write fails
     before the commit, ReleaseCapacity at once. When the commit itself fails, its outcome is
     unknown: the saga looks (the delivery exists once the lock is free, or it does not) and
     returns the delivery or releases; when it cannot tell, it releases nothing. Whatever the saga
     could not settle, the guard settles later: the reservation is given back unless the
     delivery exists.
The lock is held across the trips call (bounded by its deadline). Before, the checks took no lock
and the reservation came before the transaction: racing repeats of one accept each reserved, and
one of them could be refused for capacity that the others held for a moment. And a failed commit
always released: when only its reply was lost, the delivery stood with its capacity given back.
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets
import uuid
from dataclasses import dataclass
from typing import AsyncIterator

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from services.common import outbox
from services.common.errors import AlreadyExists, DomainError, FailedPrecondition, InvalidArgument, Unavailable
from services.common.identity import Principal
from services.common.validation import Violations
from services.deliveries import store
from services.deliveries.domain import paging, rules
from services.deliveries.domain.common import (TOPIC_ACCEPT_GUARD, TOPIC_ACCEPTED, TOPIC_OFFER_CREATED, Deps,
                                               maybe_uuid, not_found, parse_uuid, traveler, user)
from services.deliveries.domain.matching import qualifies
from services.deliveries.domain.requests import Requests
from services.deliveries.domain.values import OfferInput
from services.deliveries.store import DeliveryRequestRow, DeliveryRow, OfferRow

log = logging.getLogger("p2p.deliveries.offers")

NUMBER_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"   # no I, L, O, U, 0, 1


def delivery_number() -> str:
    """"DLV-XXXX-XXXX": 30^8 (6.6e11) values, unambiguous characters."""
    chars = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))
    return f"DLV-{chars[:4]}-{chars[4:]}"


@dataclass
class WatchEvent:
    change: str      # "existing" | "created" | "updated"
    offer: OfferRow


class Offers:
    def __init__(self, deps: Deps, requests: Requests, notifier=None):
        self.d = deps
        self.requests = requests
        self.notifier = notifier

    # -- making and editing --------------------------------------------------------------------
    async def _check_price(self, req: DeliveryRequestRow, inp: OfferInput, prefix: str = "offer.") -> None:
        if inp.price.currency_code and inp.price.currency_code != req.currency:
            raise InvalidArgument("the offer must be in the request's currency",
                                  [(f"{prefix}price.currency_code", f"must be {req.currency}")],
                                  reason="CURRENCY_MISMATCH")
        if req.max_price_minor is not None and inp.price.amount_minor > req.max_price_minor:
            raise FailedPrecondition(f"the price is above the request's maximum ({req.max_price_minor})",
                                     reason="OFFER_ABOVE_MAX_PRICE")

    async def create(self, request_id: str, inp: OfferInput) -> OfferRow:
        p = traveler()
        rid = parse_uuid(request_id, "delivery_request_id")
        v = Violations()
        async with self.d.sessions() as s:
            now = await store.db_now(s)
            rules.check_offer(v, inp, now)
            v.raise_if_any()
            req = await store.request_by_id(s, rid)
            if req is None:
                raise not_found()
            view = await self.requests.view_of(s, req, p, now)
        if view is None:
            raise not_found()
        if view == "owner":
            raise FailedPrecondition("you cannot offer on your own request", reason="OWN_REQUEST")
        if req.status != "open" or req.expires_at <= now:
            raise FailedPrecondition("this request no longer takes offers", reason="REQUEST_NOT_OPEN")
        await self._check_price(req, inp)
        rating = (await self.d.ratings.ratings([p.user_id])).get(p.user_id)
        if not qualifies(float(req.min_traveler_rating or 0), rating):
            raise FailedPrecondition(f"this request requires a traveler rating of at least "
                                     f"{float(req.min_traveler_rating):.2f}", reason="TRAVELER_RATING_TOO_LOW")
        trip = await self.d.trips.get_trip(inp.trip_id)
        if trip is None or trip.traveler_id != p.user_id:
            raise FailedPrecondition("the offer must ride on one of your trips", reason="TRIP_NOT_OWNED")
        if trip.status != "published":
            raise FailedPrecondition(f"the trip is {trip.status}; offers ride on published trips",
                                     reason="TRIP_NOT_BOOKABLE")
        async with self.d.sessions.begin() as s:
            req = await store.request_by_id(s, rid, for_update=True)
            now = await store.db_now(s)
            if req.status != "open" or req.expires_at <= now:
                raise FailedPrecondition("this request no longer takes offers", reason="REQUEST_NOT_OPEN")
            offer = OfferRow(
                delivery_request_id=rid, traveler_id=uuid.UUID(p.user_id), trip_id=uuid.UUID(inp.trip_id),
                price_minor=inp.price.amount_minor, currency=req.currency, message=inp.message or None,
                estimated_pickup_time=inp.estimated_pickup_time, estimated_delivery_time=inp.estimated_delivery_time,
                status="pending", guarantees=list(inp.guarantees), special_services=list(inp.special_services),
                valid_until=inp.valid_until or req.expires_at, created_at=now, updated_at=now)
            s.add(offer)
            try:
                await s.flush()
            except IntegrityError:
                raise AlreadyExists("you already have a live offer on this request", reason="OFFER_EXISTS") from None
            await outbox.publish(s, TOPIC_OFFER_CREATED, {
                "offer_id": str(offer.id), "delivery_request_id": str(rid), "customer_id": str(req.customer_id),
                "traveler_id": p.user_id, "price_minor": offer.price_minor, "currency": offer.currency},
                aggregate_id=str(rid), idempotency_key=f"offer-created:{offer.id}")
            auto = req.auto_accept_price_minor is not None and offer.price_minor <= req.auto_accept_price_minor
        if auto:
            offer = await self._auto_accept(offer)
        return offer

    async def _auto_accept(self, offer: OfferRow) -> OfferRow:
        try:
            await self.accept_as_system(str(offer.delivery_request_id), str(offer.id))
        except DomainError as e:
            log.info("auto-accept of offer %s did not go through: %s (%s)", offer.id, e.message, e.reason)
        async with self.d.sessions() as s:
            return await store.offer_by_id(s, offer.id)

    async def update(self, request_id: str, offer_id: str, inp: OfferInput, paths: list[str]) -> OfferRow:
        p = traveler()
        rid = parse_uuid(request_id, "offer.delivery_request_id")
        oid = parse_uuid(offer_id, "offer.id")
        v = Violations()
        if not paths:
            v.add("update_mask", "is required")
        for path in paths:
            if path not in rules.OFFER_UPDATABLE:
                v.add("update_mask", f"unknown or read-only path {path!r}")
        v.raise_if_any()
        async with self.d.sessions.begin() as s:
            now = await store.db_now(s)
            rules.check_offer(v, inp, now, paths=frozenset(paths))
            v.raise_if_any()
            req = await store.request_by_id(s, rid, for_update=True)
            offer = await store.offer_by_id(s, oid, for_update=True)
            if req is None or offer is None or offer.delivery_request_id != rid or str(offer.traveler_id) != p.user_id:
                raise not_found("offer")
            if offer.status != "pending":
                raise FailedPrecondition(f"only a pending offer can be changed (this one is {offer.status})",
                                         reason="OFFER_NOT_PENDING")
            if "price" in paths:
                await self._check_price(req, inp)
                offer.price_minor = inp.price.amount_minor
            for name in ("message", "estimated_pickup_time", "estimated_delivery_time", "guarantees",
                         "special_services"):
                if name in paths:
                    value = getattr(inp, name)
                    setattr(offer, name, list(value) if isinstance(value, list) else (value or None))
            if "valid_until" in paths:
                offer.valid_until = inp.valid_until or req.expires_at
            if offer.estimated_pickup_time and offer.estimated_delivery_time \
                    and offer.estimated_delivery_time < offer.estimated_pickup_time:
                raise InvalidArgument("the request has invalid fields", [
                    ("offer.estimated_delivery_time", "must not be before estimated_pickup_time")])
            offer.updated_at = now
            auto = (req.status == "open" and req.auto_accept_price_minor is not None
                    and offer.price_minor <= req.auto_accept_price_minor)
        if auto:
            return await self._auto_accept(offer)
        async with self.d.sessions() as s:
            return await store.offer_by_id(s, oid)

    async def withdraw(self, request_id: str, offer_id: str, reason: str) -> OfferRow:
        p = traveler()
        rid = parse_uuid(request_id, "delivery_request_id")
        oid = parse_uuid(offer_id, "offer_id")
        v = Violations()
        _reason(v, reason, required=False)
        async with self.d.sessions.begin() as s:
            await store.request_by_id(s, rid, for_update=True)
            offer = await store.offer_by_id(s, oid, for_update=True)
            if offer is None or offer.delivery_request_id != rid or str(offer.traveler_id) != p.user_id:
                raise not_found("offer")
            if offer.status != "pending":
                raise FailedPrecondition(f"only a pending offer can be withdrawn (this one is {offer.status})",
                                         reason="OFFER_NOT_PENDING")
            now = await store.db_now(s)
            offer.status, offer.withdrawn_at, offer.withdrawn_reason = "withdrawn", now, reason.strip() or None
            offer.updated_at = now
        return offer

    async def decline(self, request_id: str, offer_id: str, reason: str) -> OfferRow:
        p = user()
        rid = parse_uuid(request_id, "delivery_request_id")
        oid = parse_uuid(offer_id, "offer_id")
        v = Violations()
        _reason(v, reason, required=True)
        async with self.d.sessions.begin() as s:
            req = await store.request_by_id(s, rid, for_update=True)
            offer = await store.offer_by_id(s, oid, for_update=True)
            if req is None or str(req.customer_id) != p.user_id or offer is None or offer.delivery_request_id != rid:
                raise not_found("offer")
            if offer.status != "pending":
                raise FailedPrecondition(f"only a pending offer can be declined (this one is {offer.status})",
                                         reason="OFFER_NOT_PENDING")
            now = await store.db_now(s)
            offer.status, offer.declined_at, offer.declined_reason = "declined", now, reason.strip()
            offer.updated_at = now
        return offer

    # -- reading -------------------------------------------------------------------------------
    async def get(self, request_id: str, offer_id: str) -> OfferRow:
        p = user()
        rid = parse_uuid(request_id, "delivery_request_id")
        oid = parse_uuid(offer_id, "offer_id")
        async with self.d.sessions() as s:
            offer = await store.offer_by_id(s, oid)
            req = await store.request_by_id(s, rid)
        if offer is None or req is None or offer.delivery_request_id != rid or \
                p.user_id not in (str(offer.traveler_id), str(req.customer_id)):
            raise not_found("offer")
        return offer

    async def list(self, request_id: str, role: str, statuses: list[str], page_size: int, page_token: str):
        p = user()
        me = uuid.UUID(p.user_id)
        v = Violations()
        size = paging.page_size(v, page_size)
        for i, st in enumerate(statuses):
            if st not in store.OFFER_STATUSES:
                v.add(f"statuses[{i}]", "must be a known status (UNSPECIFIED is not allowed)")
        if role == "?":
            v.add("role", "unknown value")
        after = paging.keyset_after(v, page_token, "offers")
        if request_id != "-":
            rid = maybe_uuid(request_id)
            if rid is None:
                v.add("delivery_request_id", "must be a UUID or '-'" if request_id else "is required")
        v.raise_if_any()
        O, R = OfferRow, DeliveryRequestRow
        q = sa.select(O)
        if request_id == "-":
            sent, received = O.traveler_id == me, O.delivery_request_id.in_(sa.select(R.id).where(R.customer_id == me))
            q = q.where({"traveler": sent, "customer": received}.get(role, sa.or_(sent, received)))
        else:
            async with self.d.sessions() as s:
                req = await store.request_by_id(s, rid)
                if req is None:
                    raise not_found()
                if req.customer_id == me:
                    q = q.where(O.delivery_request_id == rid)
                else:
                    view = await self.requests.view_of(s, req, p, await store.db_now(s))
                    if view is None:
                        raise not_found()
                    q = q.where(O.delivery_request_id == rid, O.traveler_id == me)
        if statuses:
            q = q.where(O.status.in_(statuses))
        if after:
            q = q.where(sa.tuple_(O.created_at, O.id) < sa.tuple_(sa.literal(after[0]), sa.literal(uuid.UUID(after[1]))))
        q = q.order_by(O.created_at.desc(), O.id.desc()).limit(size + 1)
        async with self.d.sessions() as s:
            rows = list((await s.execute(q)).scalars())
        nxt = ""
        if len(rows) > size:
            rows = rows[:size]
            nxt = paging.keyset_token("offers", rows[-1].created_at, rows[-1].id)
        return rows, nxt

    # -- accept saga ---------------------------------------------------------------------------
    async def accept(self, request_id: str, offer_id: str, special_requests: str) -> DeliveryRow:
        p = user()
        return await self._accept(p, request_id, offer_id, special_requests)

    async def accept_as_system(self, request_id: str, offer_id: str) -> DeliveryRow:
        return await self._accept(None, request_id, offer_id, "")

    async def _accept(self, p: Principal | None, request_id: str, offer_id: str, special_requests: str) -> DeliveryRow:
        rid = parse_uuid(request_id, "delivery_request_id")
        oid = parse_uuid(offer_id, "offer_id")
        v = Violations()
        if special_requests:
            if len(special_requests) > 2000:
                v.add("special_requests", "must be at most 2000 characters long")
        v.raise_if_any()
        delivery_id = uuid.uuid4()
        trip_id, guard = await self._guard(p, rid, oid, delivery_id)
        commit_error: Exception | None = None
        # One transaction, the request's and the offer's rows locked to the end (module docstring).
        # On a failure the session is closed (rolled back, its connection given back) before the
        # compensation, which needs a connection of its own.
        async with self.d.sessions() as s:
            try:
                req, offer, existing, now = await self._acceptable(s, p, rid, oid)
            except BaseException:
                await s.close()
                await self._call_off(guard)
                raise
            if existing is not None:
                await s.close()
                await self._call_off(guard)
                return existing
            try:
                await self.d.trips.reserve(trip_id, str(delivery_id), req.weight_grams, req.volume_cm3, req.quantity)
            except FailedPrecondition:
                await s.close()
                await self._call_off(guard)             # refused: nothing was reserved, nothing changed
                raise
            except BaseException:
                await s.close()
                await self._release_now(trip_id, delivery_id, guard)   # it may have been made, or be in flight
                raise
            try:
                delivery = await self._record_accept(s, req, offer, delivery_id, special_requests, now)
                await outbox.settle(s, guard)
            except BaseException as e:                  # not committed: the rollback undoes it all
                await s.close()
                await self._release_now(trip_id, delivery_id, guard)
                if isinstance(e, IntegrityError):
                    raise FailedPrecondition("another offer was accepted for this request",
                                             reason="REQUEST_NOT_OPEN") from None
                raise
            try:
                await s.commit()
            except Exception as e:                      # noqa: BLE001 - its outcome is unknown: look
                commit_error = e
        if commit_error is None:
            return delivery
        committed = await self._outcome(rid, delivery_id)
        if committed is True:
            async with self.d.sessions() as s:
                return await store.delivery_by_id(s, delivery_id)
        if committed is False:
            await self._release_now(trip_id, delivery_id, guard)
        raise commit_error

    @classmethod
    async def _acceptable(cls, s, p: Principal | None, rid: uuid.UUID, oid: uuid.UUID):
        """(request, offer, None, now) when the offer can be accepted now, (request, offer, delivery,
        None) for a repeat of an accept that succeeded; raises the refusal otherwise. The request's
        row, then the offer's, stay locked to the end of the transaction."""
        req = await store.request_by_id(s, rid, for_update=True)
        offer = await store.offer_by_id(s, oid, for_update=True)
        if req is None or offer is None or offer.delivery_request_id != rid \
                or (p is not None and str(req.customer_id) != p.user_id):
            raise not_found("offer")
        if offer.status == "accepted" and offer.delivery_id is not None:
            existing = await store.delivery_by_id(s, offer.delivery_id)
            if existing is not None:
                return req, offer, existing, None
        now = await store.db_now(s)
        cls._check_acceptable(req, offer, now)
        return req, offer, None, now

    # The guard: before the reservation, a deferred deliveries.accept.guard event is committed. Unless
    # the accept's own transaction settles it (outbox.settle, with the delivery) or the saga calls it
    # off, a dispatcher runs check_accept_guard DELIVERIES_ACCEPT_GUARD_SECONDS later: the
    # reservation is given back unless the delivery exists. It covers what the saga cannot settle
    # itself: a process that dies after reserving, a commit whose reply was lost while the database
    # stays out of reach, a reservation still in flight when the saga gave up, a release that
    # failed.
    async def _guard(self, p: Principal | None, rid: uuid.UUID, oid: uuid.UUID,
                     delivery_id: uuid.UUID) -> tuple[str, str]:
        """(trip id, guard key): commits the guard on the offer's trip (an offer's trip never
        changes: not in rules.OFFER_UPDATABLE); NOT_FOUND when the caller has no such offer
        (nothing written)."""
        key = f"accept-guard:{delivery_id}"
        async with self.d.sessions.begin() as s:
            found = await store.offer_trip(s, rid, oid)
            if found is None or (p is not None and str(found.customer_id) != p.user_id):
                raise not_found("offer")
            trip_id = str(found.trip_id)
            await outbox.publish(s, TOPIC_ACCEPT_GUARD, {"delivery_request_id": str(rid), "trip_id": trip_id,
                                                         "delivery_id": str(delivery_id)},
                                 aggregate_id=str(delivery_id), idempotency_key=key,
                                 delay_seconds=self.d.settings.accept_guard_seconds)
        return trip_id, key

    async def _call_off(self, guard: str) -> None:
        """Settle the guard now: nothing was reserved, or it was given back. Best effort: a guard
        left pending only runs a check that finds nothing to do."""
        try:
            async with self.d.sessions.begin() as s:
                await outbox.settle(s, guard)
        except Exception as e:  # noqa: BLE001
            log.warning("accept guard %s left to run: %s", guard, e)

    async def _release_now(self, trip_id: str, delivery_id: uuid.UUID, guard: str) -> None:
        """Give a reservation back at once; the guard stays for whatever this cannot settle (trips
        unreachable, or nothing reserved yet by a call that may still be in flight)."""
        try:
            released = await self.d.trips.release(trip_id, str(delivery_id))
        except Exception as e:  # noqa: BLE001
            log.warning("capacity release of delivery %s left to its guard: %s", delivery_id, e)
            return
        if released is not None:
            await self._call_off(guard)

    async def _outcome(self, rid: uuid.UUID, delivery_id: uuid.UUID, lock_timeout: str = "2s") -> bool | None:
        """Did the accept that made delivery_id commit? Looks once the request's row lock is free (the
        accept's transaction has ended either way). None when the database cannot tell now."""
        try:
            async with self.d.sessions() as s:
                return await store.delivery_exists_once_unlocked(s, rid, delivery_id, lock_timeout)
        except Exception as e:  # noqa: BLE001
            log.warning("outcome of the accept of delivery %s unknown: %s", delivery_id, e)
            return None

    async def check_accept_guard(self, event) -> None:
        """Outbox handler of deliveries.accept.guard: give the reservation back unless the delivery
        exists. Raises to be retried when it cannot tell or cannot release."""
        pl = event.payload
        outcome = await self._outcome(uuid.UUID(pl["delivery_request_id"]), uuid.UUID(pl["delivery_id"]), "10s")
        if outcome is None:
            raise Unavailable("the database could not tell whether the accept committed")
        if outcome is False:
            await self.d.trips.release(pl["trip_id"], pl["delivery_id"])

    @staticmethod
    def _check_acceptable(req: DeliveryRequestRow, offer: OfferRow, now: dt.datetime) -> None:
        if req.status != "open" or req.expires_at <= now:
            raise FailedPrecondition(f"this request is {req.status if req.status != 'open' else 'expired'}",
                                     reason="REQUEST_NOT_OPEN")
        if offer.status != "pending":
            raise FailedPrecondition(f"this offer is {offer.status}", reason="OFFER_NOT_PENDING")
        if offer.valid_until <= now:
            raise FailedPrecondition("this offer has expired", reason="OFFER_EXPIRED")
        if offer.traveler_id in (req.blacklisted_travelers or []):
            raise FailedPrecondition("this traveler is on the request's blacklist", reason="TRAVELER_BLACKLISTED")

    @staticmethod
    async def _record_accept(s, req: DeliveryRequestRow, offer: OfferRow, delivery_id: uuid.UUID,
                             special_requests: str, now: dt.datetime) -> DeliveryRow:
        """The accept's writes, in the caller's transaction (rows locked): the delivery, the offer
        accepted and the others declined, the request matched, the outbox event."""
        rid, oid = req.id, offer.id
        number = delivery_number()
        while await store.delivery_number_taken(s, number):
            number = delivery_number()
        delivery = DeliveryRow(
            id=delivery_id, delivery_request_id=rid, offer_id=oid, customer_id=req.customer_id,
            traveler_id=offer.traveler_id, trip_id=offer.trip_id, delivery_number=number, status="accepted",
            final_price_minor=offer.price_minor, currency=offer.currency,
            special_requests=special_requests or None, weight_grams=req.weight_grams,
            volume_cm3=req.volume_cm3, items=req.quantity, accepted_at=now, created_at=now, updated_at=now)
        s.add(delivery)
        await s.flush()
        offer.status, offer.accepted_at, offer.delivery_id, offer.updated_at = "accepted", now, delivery_id, now
        await s.execute(sa.update(OfferRow).where(OfferRow.delivery_request_id == rid, OfferRow.id != oid,
                                                  OfferRow.status == "pending")
                        .values(status="declined", declined_at=now, updated_at=now,
                                declined_reason="another offer was accepted"))
        req.status, req.matched_at, req.delivery_id = "matched", now, delivery_id
        await outbox.publish(s, TOPIC_ACCEPTED, {
            "delivery_id": str(delivery_id), "delivery_number": number, "delivery_request_id": str(rid),
            "offer_id": str(oid), "customer_id": str(req.customer_id), "traveler_id": str(offer.traveler_id),
            "trip_id": str(offer.trip_id), "final_price_minor": offer.price_minor, "currency": offer.currency,
            "pickup_address": req.pickup_address, "delivery_address": req.delivery_address,
            "accepted_at": now.isoformat()}, aggregate_id=str(delivery_id), idempotency_key=f"accepted:{delivery_id}")
        return delivery

    # -- watching ------------------------------------------------------------------------------
    async def watch(self, request_id: str, stop: asyncio.Event | None = None) -> AsyncIterator[WatchEvent]:
        """Validate (owner, else NOT_FOUND) before the first message, then stream changes."""
        p = user()
        rid = parse_uuid(request_id, "delivery_request_id")
        async with self.d.sessions() as s:
            req = await store.request_by_id(s, rid)
        if req is None or str(req.customer_id) != p.user_id:
            raise not_found()
        return self._stream(rid, stop)

    async def _stream(self, rid: uuid.UUID, stop: asyncio.Event | None) -> AsyncIterator[WatchEvent]:
        poll = self.d.settings.watch_poll_seconds
        sub = self.notifier.subscribe(str(rid)) if self.notifier else contextlib.nullcontext(asyncio.Event())
        async with sub as wake:
            if self.notifier:
                await self.notifier.wait_listening(timeout=2.0)
            seen: dict[uuid.UUID, int] = {}
            rows, open_ = await self._offers_of(rid)
            for o in rows:
                seen[o.id] = o.version
                if o.status == "pending":
                    yield WatchEvent("existing", o)
            while open_:
                waiters = [asyncio.ensure_future(wake.wait())]
                if stop is not None:
                    waiters.append(asyncio.ensure_future(stop.wait()))
                try:
                    await asyncio.wait(waiters, timeout=poll, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for w in waiters:
                        w.cancel()
                if stop is not None and stop.is_set():
                    return
                wake.clear()
                rows, open_ = await self._offers_of(rid)
                for o in rows:
                    before = seen.get(o.id)
                    if before is None:
                        seen[o.id] = o.version
                        yield WatchEvent("created", o)
                    elif before != o.version:
                        seen[o.id] = o.version
                        yield WatchEvent("updated", o)

    async def _offers_of(self, rid: uuid.UUID) -> tuple[list[OfferRow], bool]:
        async with self.d.sessions() as s:
            rows = list((await s.execute(sa.select(OfferRow).where(OfferRow.delivery_request_id == rid)
                                         .order_by(OfferRow.created_at, OfferRow.id))).scalars())
            status = (await s.execute(sa.select(DeliveryRequestRow.status)
                                      .where(DeliveryRequestRow.id == rid))).scalar_one()
        return rows, status == "open"


def _reason(v: Violations, reason: str, required: bool) -> None:
    if required and not reason.strip():
        v.add("reason", "is required")
    elif reason and len(reason) > 1000:
        v.add("reason", "must be at most 1000 characters long")
    v.raise_if_any()

