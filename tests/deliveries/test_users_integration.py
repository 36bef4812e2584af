"""Deliveries with its default ports: the REAL users service provides blocks and ratings, and
receives the delivery events (services/deliveries/users_gateway.py)."""
from __future__ import annotations

import asyncio

import grpc
import pytest

from p2p.deliveries.v1 import deliveries_pb2 as pb
from p2p.deliveries.v1 import deliveries_pb2_grpc
from p2p.users.v1 import users_pb2 as upb
from p2p.users.v1 import users_pb2_grpc
from tests.deliveries.conftest import any_trip, create_request, expect, make_offer
from tests.support.services import start_deliveries

OK = grpc.StatusCode


@pytest.fixture
async def wired(deliveries_env, trips_server, users_server):
    """A deliveries replica whose ratings and blocks come from the users service."""
    app = await start_deliveries({**deliveries_env, "USERS_ADDR": users_server.address}, None, None,
                                 trips_server.address)
    ch = grpc.aio.insecure_channel(app.address)
    uch = grpc.aio.insecure_channel(users_server.address)
    yield deliveries_pb2_grpc.DeliveryServiceStub(ch), users_pb2_grpc.UserServiceStub(uch)
    await ch.close()
    await uch.close()
    await app.stop(grace=0.5)


async def test_a_blocked_traveler_cannot_offer(wired, trips, customer, traveler):
    dl, users = wired
    trip = await any_trip(trips, traveler)
    before = await create_request(dl, customer)
    await make_offer(dl, traveler, before.id, trip.id)            # not blocked yet: fine
    await users.BlockUser(upb.BlockUserRequest(user_id=traveler.id, reason=upb.BLOCK_REASON_SPAM),
                          metadata=customer.md)
    r = await create_request(dl, customer)
    await expect(OK.NOT_FOUND, make_offer(dl, traveler, r.id, trip.id))
    await expect(OK.NOT_FOUND, dl.GetDeliveryRequest(pb.GetDeliveryRequestRequest(delivery_request_id=r.id),
                                                     metadata=traveler.md))
    await users.UnblockUser(upb.UnblockUserRequest(user_id=traveler.id), metadata=customer.md)
    assert (await make_offer(dl, traveler, r.id, trip.id)).status == pb.OFFER_STATUS_PENDING


async def _stats(users, who):
    return await users.GetUserStatistics(upb.GetUserStatisticsRequest(user_id="me"), metadata=who.md)


async def _until(fn, ok):
    for _ in range(300):   # delivered by the outbox dispatcher of one of the replicas
        got = await fn()
        if ok(got):
            return got
        await asyncio.sleep(0.1)
    return got


async def test_delivery_events_reach_users_statistics_and_unlock_reviews(wired, trips, customer, traveler,
                                                                           service_md):
    dl, users = wired
    trip = await any_trip(trips, traveler)
    r = await create_request(dl, customer)
    o = await make_offer(dl, traveler, r.id, trip.id, price=4_200)
    d = await dl.AcceptOffer(pb.AcceptOfferRequest(delivery_request_id=r.id, offer_id=o.id), metadata=customer.md)
    st = await _until(lambda: _stats(users, traveler), lambda x: x.total_deliveries == 1)
    assert st.total_deliveries == 1 and not st.total_earnings          # earned on completion only
    # not completed yet: no review
    await expect(OK.FAILED_PRECONDITION, users.CreateReview(
        upb.CreateReviewRequest(delivery_id=d.id, overall_rating=5), metadata=customer.md))
    S = pb
    for who, to, kw in ((traveler.md, S.DELIVERY_STATUS_PICKUP_SCHEDULED, {"scheduled_time": _later()}),
                        (service_md("qr"), S.DELIVERY_STATUS_PICKED_UP, {}),
                        (traveler.md, S.DELIVERY_STATUS_IN_TRANSIT, {}),
                        (traveler.md, S.DELIVERY_STATUS_DELIVERY_SCHEDULED, {"scheduled_time": _later()}),
                        (traveler.md, S.DELIVERY_STATUS_DELIVERED, {}),
                        (customer.md, S.DELIVERY_STATUS_COMPLETED, {})):
        await dl.TransitionDelivery(pb.TransitionDeliveryRequest(delivery_id=d.id, status=to, **kw), metadata=who)
    spent = await _until(lambda: _stats(users, customer), lambda x: x.successful_deliveries == 1)
    assert [(m.amount_minor, m.currency_code) for m in spent.total_spent] == [(4_200, "EUR")]
    earned = await _stats(users, traveler)
    assert [(m.amount_minor, m.currency_code) for m in earned.total_earnings] == [(4_200, "EUR")]
    review = await users.CreateReview(upb.CreateReviewRequest(delivery_id=d.id, overall_rating=4,
                                                              comment="Careful and on time"), metadata=customer.md)
    assert review.overall_rating == 4
    await expect(OK.ALREADY_EXISTS, users.CreateReview(
        upb.CreateReviewRequest(delivery_id=d.id, overall_rating=5), metadata=customer.md))


def _later():
    import datetime as dt
    from tests.deliveries.conftest import stamp
    return stamp(dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(days=1))
