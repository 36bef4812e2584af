"""WatchOffers: a server stream fed by the durable offers table and woken by LISTEN/NOTIFY, so an
offer written through one replica reaches a watcher on another within a second (the periodic
re-read is set to 5 s in these tests: only the wake-up can be that fast)."""
from __future__ import annotations

import asyncio
import time

import grpc
from google.protobuf import field_mask_pb2

from p2p.deliveries.v1 import deliveries_pb2 as pb
from tests.deliveries.conftest import create_request, expect, make_offer, money, any_trip

OK = grpc.StatusCode


async def next_message(stream, timeout: float = 5.0) -> pb.WatchOffersResponse:
    return await asyncio.wait_for(stream.__anext__(), timeout)


async def test_offers_reach_a_watcher_on_another_replica(dl, dl_replica, deliveries_replica, trips, customer, users):
    assert deliveries_replica.notifier.listening
    r = await create_request(dl, customer)
    t1, t2, t3 = await users(), await users(), await users()
    existing = await make_offer(dl, t1, r.id, (await any_trip(trips, t1)).id, price=3_000)
    trip2 = await any_trip(trips, t2)
    trip3 = await any_trip(trips, t3)
    call = dl.WatchOffers(pb.WatchOffersRequest(delivery_request_id=r.id), metadata=customer.md)
    stream = call.__aiter__()
    first = await next_message(stream)
    assert first.change == pb.OFFER_CHANGE_EXISTING and first.offer.id == existing.id
    # a new offer, written through replica B, reaches the watcher on replica A
    t0 = time.monotonic()
    new = await make_offer(dl_replica, t2, r.id, trip2.id, price=2_800)
    msg = await next_message(stream, timeout=1.0)
    assert time.monotonic() - t0 < 1.0
    assert msg.change == pb.OFFER_CHANGE_CREATED and msg.offer.id == new.id and msg.offer.price == money(2_800)
    # changes to offers are streamed too
    await dl_replica.UpdateOffer(pb.UpdateOfferRequest(offer=pb.Offer(id=new.id, delivery_request_id=r.id,
                                                                      price=money(2_700)),
                                                       update_mask=field_mask_pb2.FieldMask(paths=["price"])),
                                 metadata=t2.md)
    msg = await next_message(stream, timeout=1.0)
    assert msg.change == pb.OFFER_CHANGE_UPDATED and msg.offer.price == money(2_700)
    third = await make_offer(dl, t3, r.id, trip3.id)
    msg = await next_message(stream, timeout=1.0)
    assert msg.change == pb.OFFER_CHANGE_CREATED and msg.offer.id == third.id
    # accepting closes the request: the last changes arrive, then the stream ends
    await dl_replica.AcceptOffer(pb.AcceptOfferRequest(delivery_request_id=r.id, offer_id=new.id), metadata=customer.md)
    rest = []
    async for m in stream:
        rest.append(m)
    assert {(m.offer.id, m.offer.status) for m in rest} == {(new.id, pb.OFFER_STATUS_ACCEPTED),
                                                           (existing.id, pb.OFFER_STATUS_DECLINED),
                                                           (third.id, pb.OFFER_STATUS_DECLINED)}
    assert all(m.change == pb.OFFER_CHANGE_UPDATED for m in rest)
    assert await call.code() == OK.OK


async def test_watch_is_validated_before_the_first_message(dl, customer, traveler, stranger):
    r = await create_request(dl, customer)
    for who in (traveler, stranger):
        call = dl.WatchOffers(pb.WatchOffersRequest(delivery_request_id=r.id), metadata=who.md)
        await expect(OK.NOT_FOUND, next_message(call.__aiter__()), "REQUEST_NOT_FOUND")
    call = dl.WatchOffers(pb.WatchOffersRequest(delivery_request_id="nope"), metadata=customer.md)
    await expect(OK.INVALID_ARGUMENT, next_message(call.__aiter__()))
    call = dl.WatchOffers(pb.WatchOffersRequest(delivery_request_id=r.id))
    await expect(OK.UNAUTHENTICATED, next_message(call.__aiter__()))


async def test_watching_a_closed_request_ends_at_once(dl, customer):
    r = await create_request(dl, customer)
    await dl.CancelDeliveryRequest(pb.CancelDeliveryRequestRequest(delivery_request_id=r.id, reason="x"),
                                   metadata=customer.md)
    call = dl.WatchOffers(pb.WatchOffersRequest(delivery_request_id=r.id), metadata=customer.md)
    assert [m async for m in call] == []
    assert await call.code() == OK.OK


async def test_many_watchers_on_one_request(dl, dl_replica, trips, customer, traveler):
    r = await create_request(dl, customer)
    trip = await any_trip(trips, traveler)
    calls = [(dl if i % 2 else dl_replica).WatchOffers(pb.WatchOffersRequest(delivery_request_id=r.id),
                                                        metadata=customer.md) for i in range(6)]
    await asyncio.sleep(0.3)    # let every stream subscribe
    o = await make_offer(dl, traveler, r.id, trip.id)
    got = await asyncio.gather(*[next_message(c.__aiter__(), timeout=1.0) for c in calls])
    assert all(m.offer.id == o.id and m.change == pb.OFFER_CHANGE_CREATED for m in got)
    for c in calls:
        c.cancel()
