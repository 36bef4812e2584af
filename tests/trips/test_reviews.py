"""ListTripReviews: the reviews the trip's traveler received for the deliveries that rode on the
trip, read from the real users service (ListUserReviews with trip_id). The deliveries are told
to users as deliveries' events tell them (HandleDeliveryEvent, service identity "deliveries"),
so no deliveries server is needed. The trip must be visible to the caller as for GetTrip."""
from __future__ import annotations

import socket

import grpc
import pytest

from p2p.trips.v1 import trips_pb2 as tpb
from p2p.trips.v1 import trips_pb2_grpc
from p2p.users.v1 import users_pb2 as upb
from services.common import dbadmin
from tests.auth.test_auth_flows import expect, violations
from tests.conftest import ADMIN_URL, RUN, db_url, md, signed_up
from tests.trips.conftest import LYON, PARIS, bearer, create_trip, eur, new_id

OK = grpc.StatusCode


async def completed_delivery(users, service_md, trip_id: str, customer, traveler) -> str:
    """A delivery on the trip, accepted then completed, as deliveries' events tell users."""
    did = new_id()
    for kind, extra in (("ACCEPTED", {"price": eur(2500)}), ("COMPLETED", {})):
        await users.HandleDeliveryEvent(upb.HandleDeliveryEventRequest(
            event_id=f"{kind}:{did}", type=getattr(upb, f"DELIVERY_EVENT_TYPE_{kind}"), delivery_id=did,
            customer_id=customer.account.id, traveler_id=traveler.account.id, trip_id=trip_id, **extra),
            metadata=service_md("deliveries"))
    return did


async def review(users, who, delivery_id: str, stars: int, **kw) -> upb.Review:
    return await users.CreateReview(upb.CreateReviewRequest(delivery_id=delivery_id, overall_rating=stars, **kw),
                                    metadata=bearer(who))


async def all_pages(trips, trip_id: str, who, page_size: int = 1):
    got, token = [], ""
    while True:
        page = await trips.ListTripReviews(tpb.ListTripReviewsRequest(trip_id=trip_id, page_size=page_size,
                                                                      page_token=token), metadata=bearer(who))
        got += list(page.reviews)
        token = page.next_page_token
        if not token:
            return got, page


async def test_a_trip_lists_the_reviews_of_its_deliveries(trips, users, service_md, traveler, customer, stranger,
                                                          stub, sql):
    _, customer2 = await signed_up(stub, sql)
    trip = await create_trip(trips, traveler)
    other = await create_trip(trips, traveler, origin=("Lyon", LYON), destination=("Paris", PARIS))
    d1 = await completed_delivery(users, service_md, trip.id, customer, traveler)
    d2 = await completed_delivery(users, service_md, trip.id, customer2, traveler)
    d3 = await completed_delivery(users, service_md, other.id, customer, traveler)
    r1 = await review(users, customer, d1, 5, comment="Careful and on time")
    r2 = await review(users, customer2, d2, 4, is_anonymous=True)
    r3 = await review(users, customer, d3, 2)
    await review(users, traveler, d1, 3)          # the traveler's review of the customer is not the trip's
    # anyone who sees the trip pages through its reviews, newest first
    got, last = await all_pages(trips, trip.id, stranger)
    assert [r.id for r in got] == [r2.id, r1.id]
    assert (last.average_rating, last.rating_count) == (4.5, 2)
    assert got[1].reviewer_id == customer.account.id and got[1].reviewee_id == traveler.account.id
    assert got[1].comment == "Careful and on time" and got[1].reviewer_role == upb.PARTICIPANT_ROLE_CUSTOMER
    assert got[0].reviewer_id == "" and got[0].reviewer_display_name == "Anonymous"   # anonymous stays so
    # another trip of the same traveler lists only its own
    page = await trips.ListTripReviews(tpb.ListTripReviewsRequest(trip_id=other.id), metadata=bearer(traveler))
    assert [r.id for r in page.reviews] == [r3.id] and (page.average_rating, page.rating_count) == (2.0, 1)
    # a hidden review leaves the list and the trip's rating
    await users.ModerateReview(upb.ModerateReviewRequest(review_id=r1.id, action=upb.MODERATION_ACTION_HIDE),
                               metadata=service_md("admin", ("admin",)))
    page = await trips.ListTripReviews(tpb.ListTripReviewsRequest(trip_id=trip.id), metadata=bearer(stranger))
    assert [r.id for r in page.reviews] == [r2.id] and (page.average_rating, page.rating_count) == (4.0, 1)
    assert page.next_page_token == ""


async def test_only_a_trip_the_caller_sees_lists_reviews(trips, traveler, stranger):
    private = await create_trip(trips, traveler, visibility=tpb.TRIP_VISIBILITY_PRIVATE)
    draft = await create_trip(trips, traveler, publish=False)
    for t in (private, draft):
        d = await expect(OK.NOT_FOUND, trips.ListTripReviews(tpb.ListTripReviewsRequest(trip_id=t.id),
                                                             metadata=bearer(stranger)))
        assert d["ErrorInfo"].reason == "TRIP_NOT_FOUND"
        page = await trips.ListTripReviews(tpb.ListTripReviewsRequest(trip_id=t.id), metadata=bearer(traveler))
        assert list(page.reviews) == [] and page.rating_count == 0 and page.next_page_token == ""
    await expect(OK.NOT_FOUND, trips.ListTripReviews(tpb.ListTripReviewsRequest(trip_id=new_id()),
                                                     metadata=bearer(stranger)))
    assert "trip_id" in violations(await expect(OK.INVALID_ARGUMENT, trips.ListTripReviews(
        tpb.ListTripReviewsRequest(trip_id="not-a-trip"), metadata=bearer(stranger))))
    # paging mistakes are named as users names them
    public = await create_trip(trips, traveler)
    for req, field in ((tpb.ListTripReviewsRequest(trip_id=public.id, page_token="@@"), "page_token"),
                       (tpb.ListTripReviewsRequest(trip_id=public.id, page_size=-1), "page_size")):
        assert field in violations(await expect(OK.INVALID_ARGUMENT, trips.ListTripReviews(req,
                                                                                           metadata=bearer(stranger))))
    await expect(OK.UNAUTHENTICATED, trips.ListTripReviews(tpb.ListTripReviewsRequest(trip_id=public.id), metadata=md()))


# -- users down ----------------------------------------------------------------------------------
@pytest.fixture
def lone_trips_db(trips_db):
    """A trips database of its own (cloned from the session's template), so the outbox dispatcher
    of the server below never touches the events of the shared trips server."""
    name = f"test_trips_lone_{RUN}"
    dbadmin.create_database(ADMIN_URL, name, (), template=f"tpl_trips_{RUN}")
    yield db_url(name)
    dbadmin.drop_database(ADMIN_URL, name)


@pytest.fixture
async def trips_without_users(lone_trips_db, trips_server, monkeypatch):
    """A trips server whose users (and deliveries) address answers nothing."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        nobody = f"127.0.0.1:{s.getsockname()[1]}"   # closed again: connections are refused
    monkeypatch.setenv("TRIPS_DATABASE_URL", lone_trips_db)
    from services.trips import server
    app = server.build(deliveries_address=nobody, users_address=nobody)
    port = await app.start(port=0)
    ch = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield trips_pb2_grpc.TripServiceStub(ch)
    await ch.close()
    await app.stop(grace=0.5)


async def test_users_down_is_unavailable(trips_without_users, traveler):
    trip = await create_trip(trips_without_users, traveler)
    d = await expect(OK.UNAVAILABLE, trips_without_users.ListTripReviews(tpb.ListTripReviewsRequest(trip_id=trip.id),
                                                                         metadata=bearer(traveler)))
    assert d["ErrorInfo"].reason == "USERS_UNAVAILABLE"
