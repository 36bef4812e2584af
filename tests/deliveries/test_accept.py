"""The accept saga against the real trips service: reservation, delivery, compensation,
auto-accept and the concurrency guarantees."""
from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import socket
import uuid

import grpc
import psycopg
import pytest

from p2p.deliveries.v1 import deliveries_pb2 as pb
from p2p.trips.v1 import trips_pb2 as tpb
from tests.deliveries.conftest import create_request, expect, make_offer, money, any_trip, stamp
from tests.support.services import start_deliveries

OK = grpc.StatusCode
NUMBER = re.compile(r"^DLV-[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}$")


def accept(dl, user, r, o, **kw):
    return dl.AcceptOffer(pb.AcceptOfferRequest(delivery_request_id=r.id, offer_id=o.id, **kw), metadata=user.md)


async def available(trips, user, trip_id: str) -> tpb.Capacity:
    return (await trips.GetTrip(tpb.GetTripRequest(trip_id=trip_id), metadata=user.md)).available


def reservations(trips_db: str, trip_id: str) -> list[tuple]:
    with psycopg.connect(trips_db) as conn:
        return conn.execute("SELECT delivery_id, weight_grams, released_at IS NOT NULL FROM trip_capacity_reservations "
                            "WHERE trip_id = %s ORDER BY created_at", (trip_id,)).fetchall()


async def test_accept_creates_the_delivery_and_closes_the_request(dl, trips, customer, users, stranger, dsql,
                                                                   trips_db):
    r = await create_request(dl, customer)
    t1, t2 = await users(), await users()
    trip = await any_trip(trips, t1)
    before = await available(trips, t1, trip.id)
    o1 = await make_offer(dl, t1, r.id, trip.id, price=4_100)
    o2 = await make_offer(dl, t2, r.id, (await any_trip(trips, t2)).id)
    d = await accept(dl, customer, r, o1, special_requests="Call before arriving")
    assert NUMBER.match(d.delivery_number), d.delivery_number
    assert (d.status, d.customer_id, d.traveler_id, d.trip_id, d.offer_id) == \
        (pb.DELIVERY_STATUS_ACCEPTED, customer.id, t1.id, trip.id, o1.id)
    assert d.final_price == money(4_100) and d.weight_grams == 2_000 and d.volume_cm3 == 12_000 and d.items == 1
    assert d.special_requests == "Call before arriving" and d.accept_time.seconds > 0
    after = await available(trips, t1, trip.id)
    assert (before.weight_grams - after.weight_grams, before.volume_cm3 - after.volume_cm3,
            before.items - after.items) == (2_000, 12_000, 1)
    got = await dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=r.id), metadata=customer.md)
    assert got.status == pb.DELIVERY_REQUEST_STATUS_MATCHED and got.delivery_id == d.id
    # the traveler of the delivery sees the full request (contacts for the pickup)
    full = await dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=r.id), metadata=t1.md)
    assert not full.public_view and full.pickup.contact_phone == "+32470000001"
    offers = {o.id: o for o in (await dl.ListOffers(pb.ListOffersRequest(delivery_request_id=r.id),
                                                    metadata=customer.md)).offers}
    assert offers[o1.id].status == pb.OFFER_STATUS_ACCEPTED and offers[o1.id].delivery_id == d.id
    assert offers[o2.id].status == pb.OFFER_STATUS_DECLINED
    assert offers[o2.id].decline_reason == "another offer was accepted"
    event = dsql("SELECT payload FROM outbox_events WHERE topic = 'deliveries.delivery.accepted' AND aggregate_id = %s",
                 d.id)
    assert len(event) == 1 and event[0][0]["delivery_number"] == d.delivery_number
    assert event[0][0]["final_price_minor"] == 4_100 and event[0][0]["trip_id"] == trip.id
    for who in (customer, t1):
        assert (await dl.GetDelivery(pb.GetDeliveryRequest(delivery_id=d.id), metadata=who.md)).id == d.id
    for who in (t2, stranger):
        await expect(OK.NOT_FOUND, dl.GetDelivery(pb.GetDeliveryRequest(delivery_id=d.id), metadata=who.md),
                     "DELIVERY_NOT_FOUND")
    # accepting again returns the same delivery; another offer cannot be accepted any more
    assert (await accept(dl, customer, r, o1)).id == d.id
    await expect(OK.FAILED_PRECONDITION, accept(dl, customer, r, o2), "REQUEST_NOT_OPEN")
    assert len(reservations(trips_db, trip.id)) == 1


async def test_accept_access_and_input(dl, trips, customer, traveler, stranger):
    r = await create_request(dl, customer)
    o = await make_offer(dl, traveler, r.id, (await any_trip(trips, traveler)).id)
    await expect(OK.NOT_FOUND, accept(dl, stranger, r, o))
    await expect(OK.NOT_FOUND, accept(dl, traveler, r, o))
    await expect(OK.NOT_FOUND, dl.AcceptOffer(pb.AcceptOfferRequest(delivery_request_id=str(uuid.uuid4()),
                                                                    offer_id=o.id), metadata=customer.md))
    await expect(OK.INVALID_ARGUMENT, dl.AcceptOffer(pb.AcceptOfferRequest(delivery_request_id=r.id, offer_id="x"),
                                                     metadata=customer.md))
    await expect(OK.INVALID_ARGUMENT, accept(dl, customer, r, o, request_id="x" * 101))
    await expect(OK.INVALID_ARGUMENT, accept(dl, customer, r, o, special_requests="x" * 2001))
    await expect(OK.UNAUTHENTICATED, dl.AcceptOffer(pb.AcceptOfferRequest(delivery_request_id=r.id, offer_id=o.id)))
    rid = uuid.uuid4().hex
    a = await accept(dl, customer, r, o, request_id=rid)
    b = await accept(dl, customer, r, o, request_id=rid)
    assert a == b


async def test_capacity_exceeded_changes_nothing(dl, trips, customer, traveler, dsql, trips_db):
    trip = await any_trip(trips, traveler, weight=1_000)
    r = await create_request(dl, customer)          # 2 kg
    o = await make_offer(dl, traveler, r.id, trip.id)
    await expect(OK.FAILED_PRECONDITION, accept(dl, customer, r, o), "CAPACITY_EXCEEDED")
    got = await dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=r.id), metadata=customer.md)
    assert got.status == pb.DELIVERY_REQUEST_STATUS_OPEN and not got.delivery_id and got.pending_offer_count == 1
    assert dsql("SELECT count(*) FROM deliveries WHERE delivery_request_id = %s", r.id)[0][0] == 0
    assert dsql("SELECT count(*) FROM outbox_events WHERE topic = 'deliveries.delivery.accepted' "
                "AND payload->>'delivery_request_id' = %s", r.id)[0][0] == 0
    assert (await available(trips, traveler, trip.id)).weight_grams == 1_000
    assert reservations(trips_db, trip.id) == []


async def test_a_cancelled_trip_is_not_bookable(dl, trips, customer, traveler):
    trip = await any_trip(trips, traveler)
    r = await create_request(dl, customer)
    o = await make_offer(dl, traveler, r.id, trip.id)
    await trips.CancelTrip(tpb.CancelTripRequest(trip_id=trip.id, reason="car broke down"), metadata=traveler.md)
    # (the shared trips server delivers trips.trip.cancelled to no deliveries server here, so the
    # offer is still pending and the trip itself refuses the reservation)
    await expect(OK.FAILED_PRECONDITION, accept(dl, customer, r, o), "TRIP_NOT_BOOKABLE")


async def test_expired_offer_cannot_be_accepted(dl, trips, customer, traveler):
    r = await create_request(dl, customer)
    o = await make_offer(dl, traveler, r.id, (await any_trip(trips, traveler)).id,
                         valid_until=stamp(dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1)))
    await asyncio.sleep(1.2)
    d = await expect(OK.FAILED_PRECONDITION, accept(dl, customer, r, o))
    assert d["ErrorInfo"].reason in ("OFFER_EXPIRED", "OFFER_NOT_PENDING")   # the expiry job may be first


async def test_auto_accept_at_or_below_the_price(dl, trips, customer, users, dsql):
    r = await create_request(dl, customer, max_price=money(6_000), auto_accept_price=money(3_000))
    t1, t2 = await users(), await users()
    high = await make_offer(dl, t1, r.id, (await any_trip(trips, t1)).id, price=3_500)
    assert high.status == pb.OFFER_STATUS_PENDING
    trip2 = await any_trip(trips, t2)
    low = await make_offer(dl, t2, r.id, trip2.id, price=3_000)
    assert low.status == pb.OFFER_STATUS_ACCEPTED and low.delivery_id
    d = await dl.GetDelivery(pb.GetDeliveryRequest(delivery_id=low.delivery_id), metadata=customer.md)
    assert d.trip_id == trip2.id and d.final_price == money(3_000)
    assert (await dl.GetOffer(pb.GetOfferRequest(delivery_request_id=r.id, offer_id=high.id),
                              metadata=t1.md)).status == pb.OFFER_STATUS_DECLINED


async def test_auto_accept_when_an_edit_lowers_the_price(dl, trips, customer, traveler):
    from google.protobuf import field_mask_pb2
    r = await create_request(dl, customer, auto_accept_price=money(2_000))
    o = await make_offer(dl, traveler, r.id, (await any_trip(trips, traveler)).id, price=2_500)
    assert o.status == pb.OFFER_STATUS_PENDING
    u = await dl.UpdateOffer(pb.UpdateOfferRequest(offer=pb.Offer(id=o.id, delivery_request_id=r.id,
                                                                  price=money(2_000)),
                                                   update_mask=field_mask_pb2.FieldMask(paths=["price"])),
                             metadata=traveler.md)
    assert u.status == pb.OFFER_STATUS_ACCEPTED and u.delivery_id


async def test_auto_accept_without_capacity_leaves_the_offer_pending(dl, trips, customer, traveler):
    r = await create_request(dl, customer, auto_accept_price=money(5_000))
    trip = await any_trip(trips, traveler, weight=500)
    o = await make_offer(dl, traveler, r.id, trip.id, price=1_000)
    assert o.status == pb.OFFER_STATUS_PENDING and not o.delivery_id


# -- concurrency --------------------------------------------------------------------------------
async def test_racing_accepts_never_overbook_a_trip(dl, dl_replica, trips, users, traveler, dsql, trips_db):
    """Eight customers accept offers on one 5 kg trip at once (through two replicas): exactly two
    2 kg deliveries fit; the others are refused with CAPACITY_EXCEEDED and change nothing."""
    trip = await any_trip(trips, traveler, weight=5_000)
    pairs = []
    for i in range(8):
        c = await users("customer")
        r = await create_request(dl, c, title=f"race {i}")
        pairs.append((c, r, await make_offer(dl, traveler, r.id, trip.id)))
    results = await asyncio.gather(*[accept(dl if i % 2 else dl_replica, c, r, o)
                                     for i, (c, r, o) in enumerate(pairs)], return_exceptions=True)
    ok = [x for x in results if isinstance(x, pb.Delivery)]
    refused = [x for x in results if isinstance(x, grpc.aio.AioRpcError)]
    assert len(ok) == 2 and len(refused) == 6, results
    assert all(e.code() == OK.FAILED_PRECONDITION for e in refused)
    left = await available(trips, traveler, trip.id)
    assert left.weight_grams == 1_000 and left.items == 5 - 2
    live = [row for row in reservations(trips_db, trip.id) if not row[2]]
    assert sorted(str(row[0]) for row in live) == sorted(d.id for d in ok)
    ids = [r.id for _, r, _ in pairs]
    assert dsql("SELECT count(*) FROM deliveries WHERE delivery_request_id = ANY(%s::uuid[])", ids)[0][0] == 2
    assert dsql("SELECT count(*) FROM delivery_requests WHERE id = ANY(%s::uuid[]) AND status = 'open'", ids)[0][0] == 6


async def test_two_accepts_of_one_request_make_one_delivery(dl, dl_replica, trips, customer, users, dsql, trips_db):
    """Five offers on one request, each on its own trip, all accepted at once: one delivery. The
    losers wait for the request's lock, then find it matched: they never reserve capacity (before
    the lock, each reserved and then released it)."""
    r = await create_request(dl, customer)
    offers, trips_of = [], []
    for _ in range(5):
        t = await users()
        trip = await any_trip(trips, t)
        trips_of.append((t, trip))
        offers.append(await make_offer(dl, t, r.id, trip.id))
    results = await asyncio.gather(*[accept(dl if i % 2 else dl_replica, customer, r, o)
                                     for i, o in enumerate(offers)], return_exceptions=True)
    ok = [x for x in results if isinstance(x, pb.Delivery)]
    assert len({d.id for d in ok}) == 1, results
    assert all(e.code() == OK.FAILED_PRECONDITION for e in results if isinstance(e, grpc.aio.AioRpcError))
    assert dsql("SELECT count(*) FROM deliveries WHERE delivery_request_id = %s", r.id)[0][0] == 1
    winner = ok[0]
    for t, trip in trips_of:
        cap = await available(trips, t, trip.id)
        assert cap.weight_grams == (20_000 - 2_000 if trip.id == winner.trip_id else 20_000)
        assert [(str(d), released) for d, _, released in reservations(trips_db, trip.id)] == \
            ([(winner.id, False)] if trip.id == winner.trip_id else [])


async def test_the_same_offer_accepted_concurrently_is_one_delivery(dl, dl_replica, trips, customer, traveler,
                                                                     trips_db):
    r = await create_request(dl, customer)
    trip = await any_trip(trips, traveler)
    o = await make_offer(dl, traveler, r.id, trip.id)
    results = await asyncio.gather(*[accept(dl if i % 2 else dl_replica, customer, r, o) for i in range(6)],
                                   return_exceptions=True)
    failed = [f"{e.code().name}: {e.details()}" if isinstance(e, grpc.aio.AioRpcError) else repr(e)
              for e in results if not isinstance(e, pb.Delivery)]
    assert not failed, failed
    assert {d.id for d in results} == {results[0].id}, results
    assert (await available(trips, traveler, trip.id)).weight_grams == 18_000
    assert [row for row in reservations(trips_db, trip.id) if not row[2]] == \
        [(results[0].id, 2_000, False)]


# -- compensation when the trips service cannot be reached -------------------------------------
def _dead_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
async def no_trips_server(deliveries_env, ratings, blocks):
    before = os.environ.get("DELIVERIES_TRIPS_TIMEOUT_SECONDS")
    app = await start_deliveries({**deliveries_env, "DELIVERIES_TRIPS_TIMEOUT_SECONDS": "0.5"}, ratings, blocks,
                                 f"127.0.0.1:{_dead_port()}")
    # start_deliveries set the environment: servers started later keep the usual deadline
    if before is None:
        os.environ.pop("DELIVERIES_TRIPS_TIMEOUT_SECONDS", None)
    else:
        os.environ["DELIVERIES_TRIPS_TIMEOUT_SECONDS"] = before
    ch = grpc.aio.insecure_channel(app.address)
    from p2p.deliveries.v1 import deliveries_pb2_grpc
    stub = deliveries_pb2_grpc.DeliveryServiceStub(ch)
    stub.app = app
    yield stub
    await ch.close()
    if not app.stopping.is_set():
        await app.stop(grace=0.5)


async def test_trips_unreachable_leaves_nothing_behind(dl, no_trips_server, trips, customer, traveler, dsql):
    r = await create_request(dl, customer)
    o = await make_offer(dl, traveler, r.id, (await any_trip(trips, traveler)).id)
    await expect(OK.UNAVAILABLE, accept(no_trips_server, customer, r, o), "TRIPS_UNAVAILABLE")
    assert dsql("SELECT count(*) FROM deliveries WHERE delivery_request_id = %s", r.id)[0][0] == 0
    got = await dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=r.id), metadata=customer.md)
    assert got.status == pb.DELIVERY_REQUEST_STATUS_OPEN
    # the reservation may or may not have been made, and the release could not be done: the
    # accept's guard stays pending, and a replica that reaches trips runs it (the reservation is
    # given back unless the delivery exists; ReleaseCapacity of an unknown id is a no-op)
    def guard() -> list[tuple]:
        return dsql("SELECT delivered_at IS NOT NULL FROM outbox_events WHERE topic = 'deliveries.accept.guard' "
                    "AND payload->>'trip_id' = %s", o.trip_id)
    assert len(guard()) == 1
    # other calls needing trips answer UNAVAILABLE too, never INTERNAL
    await expect(OK.UNAVAILABLE, no_trips_server.FindMatchingTrips(pb.FindMatchingTripsRequest(
        delivery_request_id=(await create_request(dl, customer)).id), metadata=customer.md), "TRIPS_UNAVAILABLE")
    # The replica that cannot reach trips goes away (its dispatcher would keep claiming the event
    # and pushing its retry further out); a healthy replica delivers it within its backoff.
    await no_trips_server.app.stop(grace=0.5)
    for _ in range(600):
        if guard() == [(True,)]:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the accept's guard was not run")
    # and the request can still be accepted through a healthy replica
    d = await accept(dl, customer, r, o)
    assert d.status == pb.DELIVERY_STATUS_ACCEPTED
