"""The delivery lifecycle (table-driven), cancellations with the capacity given back, trip
cancellation (HandleTripCancelled), listing, and the expiry job."""
from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import grpc
import pytest

from p2p.deliveries.v1 import deliveries_pb2 as pb
from p2p.trips.v1 import trips_pb2 as tpb
from services.deliveries.domain import lifecycle
from tests.deliveries.conftest import (create_request, expect, make_offer, now, any_trip, stamp,
                                       violations)

OK = grpc.StatusCode
S = pb.DeliveryStatus
NAME = {v.number: v.name.removeprefix("DELIVERY_STATUS_").lower() for v in pb.DeliveryStatus.DESCRIPTOR.values}
# The path through the lifecycle used to bring a delivery to each status.
PATH = [S.DELIVERY_STATUS_PICKUP_SCHEDULED, S.DELIVERY_STATUS_PICKED_UP, S.DELIVERY_STATUS_IN_TRANSIT,
        S.DELIVERY_STATUS_DELIVERY_SCHEDULED, S.DELIVERY_STATUS_DELIVERED, S.DELIVERY_STATUS_COMPLETED]


async def new_delivery(dl, trips, users, c=None, t=None, **trip_kw):
    c, t = c or await users("customer"), t or await users("traveler")
    trip = await any_trip(trips, t, **trip_kw)
    r = await create_request(dl, c)
    o = await make_offer(dl, t, r.id, trip.id)
    d = await dl.AcceptOffer(pb.AcceptOfferRequest(delivery_request_id=r.id, offer_id=o.id), metadata=c.md)
    return c, t, trip, r, d


def move(to: int, **kw) -> dict:
    extra = {}
    if to in (S.DELIVERY_STATUS_PICKUP_SCHEDULED, S.DELIVERY_STATUS_DELIVERY_SCHEDULED):
        extra["scheduled_time"] = stamp(now() + dt.timedelta(days=1))
    if to in (S.DELIVERY_STATUS_CANCELLED, S.DELIVERY_STATUS_DISPUTED):
        extra["reason"] = "something went wrong"
    extra.update(kw)
    return extra


async def transition(dl, md, delivery_id: str, to: int, **kw) -> pb.Delivery:
    return await dl.TransitionDelivery(pb.TransitionDeliveryRequest(delivery_id=delivery_id, status=to,
                                                                    **move(to, **kw)), metadata=md)


async def bring_to(dl, d: pb.Delivery, c, t, target: int, service_md) -> pb.Delivery:
    """Walk the delivery to `target` along PATH (or through DISPUTED)."""
    if target == S.DELIVERY_STATUS_ACCEPTED:
        return d
    if target == S.DELIVERY_STATUS_CANCELLED:
        return await transition(dl, c.md, d.id, target)
    if target == S.DELIVERY_STATUS_DISPUTED:
        d = await transition(dl, t.md, d.id, S.DELIVERY_STATUS_PICKED_UP)
        return await transition(dl, c.md, d.id, target)
    for step in PATH:
        who = c.md if step == S.DELIVERY_STATUS_COMPLETED else t.md
        d = await transition(dl, who, d.id, step)
        if step == target:
            return d
    raise AssertionError(target)


ACTOR_MD = ("customer", "traveler", "qr", "admin", "payments")


@pytest.mark.parametrize("frm", [s for s in NAME if s], ids=lambda s: NAME[s])
async def test_the_transition_table(dl, trips, users, service_md, frm):
    """From each status, every target and every actor: allowed exactly when the table says so;
    a move that does not exist is INVALID_TRANSITION, a forbidden actor TRANSITION_NOT_ALLOWED."""
    c, t = await users("customer"), await users("traveler")
    for to in [s for s in NAME if s and s != S.DELIVERY_STATUS_ACCEPTED]:
        for actor in ACTOR_MD:
            _, _, _, _, d = await new_delivery(dl, trips, users, c, t)
            d = await bring_to(dl, d, c, t, frm, service_md)
            assert d.status == frm
            md = {"customer": c.md, "traveler": t.md}.get(actor) or service_md(actor)
            key = actor if actor in ("customer", "traveler") else f"service:{actor}"
            call = transition(dl, md, d.id, to)
            if lifecycle.allowed(NAME[frm], NAME[to], key):
                moved = await call
                assert moved.status == to
            elif lifecycle.move_exists(NAME[frm], NAME[to]):
                await expect(OK.PERMISSION_DENIED, call, "TRANSITION_NOT_ALLOWED")
            else:
                await expect(OK.FAILED_PRECONDITION, call, "INVALID_TRANSITION")
            if not lifecycle.move_exists(NAME[frm], NAME[to]):
                break   # the answer does not depend on the actor: one is enough


async def test_happy_path_records_every_timestamp_and_proof(dl, trips, users, service_md, dsql):
    c, t, trip, r, d = await new_delivery(dl, trips, users)
    when = now() + dt.timedelta(days=2)
    d = await transition(dl, t.md, d.id, S.DELIVERY_STATUS_PICKUP_SCHEDULED, scheduled_time=stamp(when))
    assert d.pickup_schedule_time.seconds and d.scheduled_pickup_time == stamp(when)
    d = await transition(dl, service_md("qr"), d.id, S.DELIVERY_STATUS_PICKED_UP, proof=pb.Proof(
        verification={"qr_code": "PICKUP-123", "id_checked": "yes"}, photo_url="https://img.example.com/p.jpg"))
    assert d.pickup_time.seconds and d.pickup_verification["qr_code"] == "PICKUP-123"
    assert d.pickup_verification["photo_url"] == "https://img.example.com/p.jpg"
    d = await transition(dl, t.md, d.id, S.DELIVERY_STATUS_IN_TRANSIT)
    d = await transition(dl, t.md, d.id, S.DELIVERY_STATUS_DELIVERY_SCHEDULED)
    d = await transition(dl, t.md, d.id, S.DELIVERY_STATUS_DELIVERED, proof=pb.Proof(
        verification={"qr_code": "DROP-9"}, signature_url="https://img.example.com/sig.png",
        photo_url="https://img.example.com/door.jpg", notes="Left with the concierge"))
    assert d.deliver_time.seconds and d.recipient_signature_url.endswith("sig.png")
    assert d.delivery_photo_url.endswith("door.jpg") and d.delivery_notes == "Left with the concierge"
    assert dict(d.delivery_verification) == {"qr_code": "DROP-9"}
    d = await transition(dl, c.md, d.id, S.DELIVERY_STATUS_COMPLETED)
    assert d.status == S.DELIVERY_STATUS_COMPLETED and d.complete_time.seconds
    stamps = [d.accept_time, d.pickup_schedule_time, d.pickup_time, d.in_transit_time, d.delivery_schedule_time,
              d.deliver_time, d.complete_time]
    assert all(s.seconds for s in stamps) and stamps == sorted(stamps, key=lambda s: (s.seconds, s.nanos))
    got = await dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=r.id), metadata=c.md)
    assert got.status == pb.DELIVERY_REQUEST_STATUS_COMPLETED
    moves = dsql("SELECT payload->>'to' FROM outbox_events WHERE topic = 'deliveries.delivery.status_changed' "
                 "AND aggregate_id = %s ORDER BY created_at", d.id)
    assert [m[0] for m in moves] == ["pickup_scheduled", "picked_up", "in_transit", "delivery_scheduled",
                                     "delivered", "completed"]


async def test_transition_input(dl, trips, users, stranger):
    c, t, _, _, d = await new_delivery(dl, trips, users)
    v = violations(await expect(OK.INVALID_ARGUMENT, dl.TransitionDelivery(pb.TransitionDeliveryRequest(
        delivery_id=d.id, status=S.DELIVERY_STATUS_PICKUP_SCHEDULED), metadata=t.md)))
    assert v == {"scheduled_time": "is required to move to PICKUP_SCHEDULED"}
    v = violations(await expect(OK.INVALID_ARGUMENT, dl.TransitionDelivery(pb.TransitionDeliveryRequest(
        delivery_id=d.id, status=S.DELIVERY_STATUS_CANCELLED), metadata=t.md)))
    assert v == {"reason": "is required"}
    v = violations(await expect(OK.INVALID_ARGUMENT, dl.TransitionDelivery(pb.TransitionDeliveryRequest(
        delivery_id=d.id, status=0, proof=pb.Proof(photo_url="not a url")), metadata=t.md)))
    assert set(v) == {"status", "proof.photo_url"}
    await expect(OK.INVALID_ARGUMENT, dl.TransitionDelivery(pb.TransitionDeliveryRequest(
        delivery_id=d.id, status=S.DELIVERY_STATUS_ACCEPTED), metadata=t.md))
    await expect(OK.INVALID_ARGUMENT, dl.TransitionDelivery(pb.TransitionDeliveryRequest(
        delivery_id=d.id, status=S.DELIVERY_STATUS_PICKUP_SCHEDULED,
        scheduled_time=stamp(now() - dt.timedelta(hours=1))), metadata=t.md))
    await expect(OK.NOT_FOUND, transition(dl, stranger.md, d.id, S.DELIVERY_STATUS_PICKED_UP), "DELIVERY_NOT_FOUND")
    await expect(OK.NOT_FOUND, transition(dl, t.md, str(uuid.uuid4()), S.DELIVERY_STATUS_PICKED_UP))
    await expect(OK.UNAUTHENTICATED, dl.TransitionDelivery(pb.TransitionDeliveryRequest(
        delivery_id=d.id, status=S.DELIVERY_STATUS_PICKED_UP)))


async def test_traveler_cancel_releases_capacity_and_reopens_the_request(dl, trips, users, dsql):
    c, t, trip, r, d = await new_delivery(dl, trips, users)
    assert (await trips.GetTrip(tpb.GetTripRequest(trip_id=trip.id), metadata=t.md)).available.weight_grams == 18_000
    d = await transition(dl, t.md, d.id, S.DELIVERY_STATUS_CANCELLED, reason="Flight moved")
    assert d.status == S.DELIVERY_STATUS_CANCELLED and d.cancellation_reason == "Flight moved"
    assert d.cancelled_by == t.id and d.cancel_time.seconds and d.capacity_release_time.seconds
    assert (await trips.GetTrip(tpb.GetTripRequest(trip_id=trip.id), metadata=t.md)).available.weight_grams == 20_000
    got = await dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=r.id), metadata=c.md)
    assert got.status == pb.DELIVERY_REQUEST_STATUS_OPEN and not got.delivery_id
    ev = dsql("SELECT payload FROM outbox_events WHERE topic = 'deliveries.delivery.cancelled' AND aggregate_id = %s",
              d.id)
    assert len(ev) == 1 and ev[0][0]["request_reopened"] is True and ev[0][0]["cancelled_by"] == t.id
    # the durable release event is delivered too (a no-op: the release was already done)
    for _ in range(50):
        if dsql("SELECT delivered_at IS NOT NULL FROM outbox_events WHERE topic = 'deliveries.capacity.release' "
                "AND aggregate_id = %s", d.id)[0][0]:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("release event not delivered")
    assert (await trips.GetTrip(tpb.GetTripRequest(trip_id=trip.id), metadata=t.md)).available.weight_grams == 20_000
    # reopened: another traveler can offer and be accepted (a second delivery for the request)
    t2 = await users()
    o2 = await make_offer(dl, t2, r.id, (await any_trip(trips, t2)).id)
    d2 = await dl.AcceptOffer(pb.AcceptOfferRequest(delivery_request_id=r.id, offer_id=o2.id), metadata=c.md)
    assert d2.id != d.id and d2.delivery_number != d.delivery_number


async def test_customer_cancel_cancels_the_request(dl, trips, users):
    c, t, trip, r, d = await new_delivery(dl, trips, users)
    await transition(dl, c.md, d.id, S.DELIVERY_STATUS_CANCELLED, reason="No longer needed")
    got = await dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=r.id), metadata=c.md)
    assert got.status == pb.DELIVERY_REQUEST_STATUS_CANCELLED
    assert (await trips.GetTrip(tpb.GetTripRequest(trip_id=trip.id), metadata=t.md)).available.weight_grams == 20_000


async def test_no_cancellation_after_pickup_but_a_dispute(dl, trips, users, service_md):
    c, t, trip, r, d = await new_delivery(dl, trips, users)
    await transition(dl, t.md, d.id, S.DELIVERY_STATUS_PICKED_UP)
    await expect(OK.FAILED_PRECONDITION, transition(dl, c.md, d.id, S.DELIVERY_STATUS_CANCELLED), "INVALID_TRANSITION")
    d = await transition(dl, c.md, d.id, S.DELIVERY_STATUS_DISPUTED, reason="Item damaged")
    assert d.dispute_reason == "Item damaged" and d.dispute_time.seconds
    await expect(OK.PERMISSION_DENIED, transition(dl, c.md, d.id, S.DELIVERY_STATUS_CANCELLED),
                 "TRANSITION_NOT_ALLOWED")
    d = await transition(dl, service_md("admin"), d.id, S.DELIVERY_STATUS_CANCELLED, reason="Refund agreed")
    assert d.cancelled_by == "service:admin"
    got = await dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=r.id), metadata=c.md)
    assert got.status == pb.DELIVERY_REQUEST_STATUS_CANCELLED


async def test_list_my_deliveries(dl, trips, users, stranger):
    both = await users("both")
    c1, t1, _, _, as_customer = await new_delivery(dl, trips, users)
    # `both` carries one delivery and orders another
    trip = await any_trip(trips, both)
    r = await create_request(dl, c1)
    o = await make_offer(dl, both, r.id, trip.id)
    carried = await dl.AcceptOffer(pb.AcceptOfferRequest(delivery_request_id=r.id, offer_id=o.id), metadata=c1.md)
    r2 = await create_request(dl, both)
    o2 = await make_offer(dl, t1, r2.id, (await any_trip(trips, t1)).id)
    ordered = await dl.AcceptOffer(pb.AcceptOfferRequest(delivery_request_id=r2.id, offer_id=o2.id), metadata=both.md)
    mine = await dl.ListDeliveries(pb.ListDeliveriesRequest(), metadata=both.md)
    assert [d.id for d in mine.deliveries] == [ordered.id, carried.id]
    as_t = await dl.ListDeliveries(pb.ListDeliveriesRequest(role=pb.PARTICIPANT_ROLE_TRAVELER), metadata=both.md)
    assert [d.id for d in as_t.deliveries] == [carried.id]
    as_c = await dl.ListDeliveries(pb.ListDeliveriesRequest(role=pb.PARTICIPANT_ROLE_CUSTOMER), metadata=both.md)
    assert [d.id for d in as_c.deliveries] == [ordered.id]
    page = await dl.ListDeliveries(pb.ListDeliveriesRequest(page_size=1), metadata=both.md)
    page2 = await dl.ListDeliveries(pb.ListDeliveriesRequest(page_size=1, page_token=page.next_page_token),
                                    metadata=both.md)
    assert [page.deliveries[0].id, page2.deliveries[0].id] == [ordered.id, carried.id]
    await transition(dl, both.md, carried.id, S.DELIVERY_STATUS_PICKED_UP)
    picked = await dl.ListDeliveries(pb.ListDeliveriesRequest(statuses=[S.DELIVERY_STATUS_PICKED_UP]),
                                     metadata=both.md)
    assert [d.id for d in picked.deliveries] == [carried.id]
    assert not (await dl.ListDeliveries(pb.ListDeliveriesRequest(), metadata=stranger.md)).deliveries
    v = violations(await expect(OK.INVALID_ARGUMENT, dl.ListDeliveries(pb.ListDeliveriesRequest(
        role=7, statuses=[0], page_size=500, page_token="x"), metadata=both.md)))
    assert set(v) == {"role", "statuses[0]", "page_size", "page_token"}
    await expect(OK.UNAUTHENTICATED, dl.ListDeliveries(pb.ListDeliveriesRequest()))
    await expect(OK.NOT_FOUND, dl.GetDelivery(pb.GetDeliveryRequest(delivery_id=as_customer.id), metadata=both.md))
    await expect(OK.INVALID_ARGUMENT, dl.GetDelivery(pb.GetDeliveryRequest(delivery_id="x"), metadata=both.md))
    await expect(OK.UNAUTHENTICATED, dl.GetDelivery(pb.GetDeliveryRequest(delivery_id=as_customer.id)))


# -- trip cancelled -----------------------------------------------------------------------------
async def test_handle_trip_cancelled(dl, trips, users, service_md, dsql):
    t = await users()
    trip = await any_trip(trips, t)
    c = await users("customer")
    pending_r = await create_request(dl, c)
    pending = await make_offer(dl, t, pending_r.id, trip.id)
    acc_r = await create_request(dl, c)
    acc_o = await make_offer(dl, t, acc_r.id, trip.id)
    accepted = await dl.AcceptOffer(pb.AcceptOfferRequest(delivery_request_id=acc_r.id, offer_id=acc_o.id),
                                    metadata=c.md)
    moving_r = await create_request(dl, c)
    moving_o = await make_offer(dl, t, moving_r.id, trip.id)
    moving = await dl.AcceptOffer(pb.AcceptOfferRequest(delivery_request_id=moving_r.id, offer_id=moving_o.id),
                                  metadata=c.md)
    await transition(dl, t.md, moving.id, S.DELIVERY_STATUS_PICKED_UP)
    req = pb.HandleTripCancelledRequest(trip_id=trip.id, reason="Flight cancelled")
    for md in (c.md, t.md, service_md("qr"), service_md("deliveries")):
        await expect(OK.PERMISSION_DENIED, dl.HandleTripCancelled(req, metadata=md), "SERVICE_REQUIRED")
    await expect(OK.UNAUTHENTICATED, dl.HandleTripCancelled(req))
    await expect(OK.INVALID_ARGUMENT, dl.HandleTripCancelled(pb.HandleTripCancelledRequest(trip_id="x"),
                                                             metadata=service_md("trips")))
    res = await dl.HandleTripCancelled(req, metadata=service_md("trips"))
    assert (res.withdrawn_offers, res.cancelled_deliveries, list(res.deliveries_in_progress)) == (1, 1, [moving.id])
    o = await dl.GetOffer(pb.GetOfferRequest(delivery_request_id=pending_r.id, offer_id=pending.id), metadata=t.md)
    assert o.status == pb.OFFER_STATUS_WITHDRAWN and o.withdraw_reason == "trip cancelled: Flight cancelled"
    d = await dl.GetDelivery(pb.GetDeliveryRequest(delivery_id=accepted.id), metadata=c.md)
    assert d.status == S.DELIVERY_STATUS_CANCELLED and d.cancelled_by == "service:trips"
    assert d.cancellation_reason == "trip cancelled: Flight cancelled" and d.capacity_release_time.seconds
    got = await dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=acc_r.id), metadata=c.md)
    assert got.status == pb.DELIVERY_REQUEST_STATUS_OPEN
    assert (await dl.GetDelivery(pb.GetDeliveryRequest(delivery_id=moving.id), metadata=c.md)).status == \
        S.DELIVERY_STATUS_PICKED_UP
    assert dsql("SELECT count(*) FROM outbox_events WHERE topic = 'deliveries.delivery.cancelled' AND aggregate_id = %s",
                accepted.id)[0][0] == 1
    # idempotent: a repeat (the event delivered twice) changes nothing
    again = await dl.HandleTripCancelled(req, metadata=service_md("trips"))
    assert (again.withdrawn_offers, again.cancelled_deliveries, list(again.deliveries_in_progress)) == \
        (0, 0, [moving.id])
    assert dsql("SELECT count(*) FROM outbox_events WHERE topic = 'deliveries.delivery.cancelled' AND aggregate_id = %s",
                accepted.id)[0][0] == 1
    unknown = await dl.HandleTripCancelled(pb.HandleTripCancelledRequest(trip_id=str(uuid.uuid4())),
                                           metadata=service_md("trips"))
    assert unknown.withdrawn_offers == unknown.cancelled_deliveries == 0


# -- expiry ---------------------------------------------------------------------------------------
async def test_background_job_expires_requests_and_offers(dl, trips, customer, users):
    soon = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1.5)
    r = await create_request(dl, customer, expire_time=stamp(soon))
    keep = await create_request(dl, customer)
    t1, t2 = await users(), await users()
    on_expiring = await make_offer(dl, t1, r.id, (await any_trip(trips, t1)).id)
    short = await make_offer(dl, t2, keep.id, (await any_trip(trips, t2)).id, valid_until=stamp(soon))
    long_ = await make_offer(dl, t1, keep.id, (await any_trip(trips, t1)).id)
    for _ in range(60):
        got = await dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=r.id), metadata=customer.md)
        o = await dl.GetOffer(pb.GetOfferRequest(delivery_request_id=keep.id, offer_id=short.id), metadata=t2.md)
        if got.status == pb.DELIVERY_REQUEST_STATUS_EXPIRED and o.status == pb.OFFER_STATUS_EXPIRED:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("not expired in time")
    assert (await dl.GetOffer(pb.GetOfferRequest(delivery_request_id=r.id, offer_id=on_expiring.id),
                              metadata=t1.md)).status == pb.OFFER_STATUS_EXPIRED
    assert (await dl.GetOffer(pb.GetOfferRequest(delivery_request_id=keep.id, offer_id=long_.id),
                              metadata=t1.md)).status == pb.OFFER_STATUS_PENDING
    assert (await dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=keep.id),
                                        metadata=customer.md)).status == pb.DELIVERY_REQUEST_STATUS_OPEN
    # an expired request takes no offers and is not found by other travelers
    t3 = await users()
    await expect(OK.NOT_FOUND, make_offer(dl, t3, r.id, (await any_trip(trips, t3)).id))
