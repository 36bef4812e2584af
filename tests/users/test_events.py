"""Events from other services: auth's registration reaches users through auth's outbox; delivery
and trip events keep statistics and the activity feed current; every handler is idempotent by
event id (a replay changes nothing) and counts each transition once. Statistics all time and for
a period, and who sees what."""
from __future__ import annotations

import datetime as dt
import uuid

import grpc
from google.protobuf import field_mask_pb2

from p2p.auth.v1 import auth_pb2
from p2p.users.v1 import users_pb2 as pb
from services.users.store import TABLES
from tests.conftest import md, new_email, register_request
from tests.users.conftest import delivery_event, eur, expect, stamp, violations, wait_for


def snapshot(usql) -> dict:
    rows = {t: usql(f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}
    rows["stats"] = usql("SELECT md5(string_agg(s::text, ',' ORDER BY user_id)) FROM user_statistics s")[0][0]
    rows["parts"] = usql("SELECT md5(string_agg(p::text, ',' ORDER BY delivery_id)) FROM delivery_participations p")[0][0]
    return rows


async def test_registration_reaches_users_through_auths_outbox(stub, sql, usql, users_server):
    email = new_email("reg")
    r = await stub.Register(register_request(email, first_name="Rosa", last_name="Lind",
                                             user_type=auth_pb2.USER_TYPE_TRAVELER), metadata=md())
    uid = r.account.id
    row = await wait_for(lambda: usql("SELECT first_name, last_name, user_type::text, registered_at IS NOT NULL "
                                      "FROM user_profiles WHERE user_id = %s", uid))
    assert row == [("Rosa", "Lind", "traveler", True)]
    assert usql("SELECT count(*) FROM user_preferences WHERE user_id = %s", uid)[0][0] == 1
    assert usql("SELECT total_deliveries, total_ratings FROM user_statistics WHERE user_id = %s", uid) == [(0, 0)]
    assert usql("SELECT kind::text FROM activity_events WHERE user_id = %s", uid) == [("account_registered",)]
    delivered = await wait_for(lambda: sql("SELECT delivered_at IS NOT NULL FROM outbox_events WHERE topic = "
                                           "'auth.user.registered' AND aggregate_id = %s", uid) == [(True,)])
    assert delivered
    assert usql("SELECT handler FROM processed_events WHERE event_id = %s", f"registered:{uid}") == [("user_registered",)]


async def test_handle_user_registered_is_idempotent_and_for_auth_only(users, service_md, usql):
    uid = str(uuid.uuid4())
    req = pb.HandleUserRegisteredRequest(event_id=f"registered:{uid}", user_id=uid, first_name="Ivo",
                                         last_name="Kask", user_type=auth_pb2.USER_TYPE_CUSTOMER)
    for caller in (service_md("deliveries"), service_md("trips")):
        await expect(grpc.StatusCode.PERMISSION_DENIED, users.HandleUserRegistered(req, metadata=caller),
                     "SERVICE_REQUIRED")
    r = await users.HandleUserRegistered(req, metadata=service_md("auth"))
    assert not r.duplicate
    before = snapshot(usql)
    again = await users.HandleUserRegistered(req, metadata=service_md("auth"))
    assert again.duplicate and snapshot(usql) == before
    err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.HandleUserRegistered(
        pb.HandleUserRegisteredRequest(user_id="x", user_type=9), metadata=service_md("auth")))
    assert {"event_id", "user_id", "user_type"} <= set(violations(err))


async def test_delivery_events_update_both_participants_once(users, service_md, make_user, usql):
    c, t = await make_user("customer"), await make_user("traveler")
    did = str(uuid.uuid4())
    await delivery_event(users, service_md, "accepted", did, c.id, t.id, price=eur(4500), trip_id=str(uuid.uuid4()),
                         delivery_number="D-0001", traveler_response_seconds=1800)
    before = snapshot(usql)
    r = await delivery_event(users, service_md, "accepted", did, c.id, t.id, price=eur(4500))
    assert r.duplicate and snapshot(usql) == before                           # replay: nothing changes
    # the same transition announced by another event (another id) counts once too
    await delivery_event(users, service_md, "accepted", did, c.id, t.id, price=eur(4500), event_id=f"x:{did}")
    await delivery_event(users, service_md, "completed", did, c.id, t.id,
                         occur_time=stamp(dt.datetime.now(dt.timezone.utc)))
    await delivery_event(users, service_md, "completed", did, c.id, t.id, event_id=f"status:{did}:completed:2")
    await delivery_event(users, service_md, "cancelled", did, c.id, t.id)     # after completion: ignored
    ts_ = await users.GetUserStatistics(pb.GetUserStatisticsRequest(user_id="me"), metadata=t.md)
    assert (ts_.total_deliveries, ts_.successful_deliveries, ts_.cancelled_deliveries) == (1, 1, 0)
    assert [(m.currency_code, m.amount_minor) for m in ts_.total_earnings] == [("EUR", 4500)]
    assert list(ts_.total_spent) == [] and ts_.completion_rate == 1.0 and ts_.response_time_minutes == 30
    cs = await users.GetUserStatistics(pb.GetUserStatisticsRequest(user_id="me"), metadata=c.md)
    assert [(m.currency_code, m.amount_minor) for m in cs.total_spent] == [("EUR", 4500)]
    assert cs.successful_deliveries == 1 and cs.last_active_time.seconds > 0
    # a cancelled delivery of the same pair
    other = str(uuid.uuid4())
    await delivery_event(users, service_md, "accepted", other, c.id, t.id, price=eur(1000))
    await delivery_event(users, service_md, "cancelled", other, c.id, t.id, reason="changed plans",
                         cancelled_by=c.id)
    await delivery_event(users, service_md, "completed", other, c.id, t.id)   # after cancellation: ignored
    cs = await users.GetUserStatistics(pb.GetUserStatisticsRequest(user_id="me"), metadata=c.md)
    assert (cs.total_deliveries, cs.successful_deliveries, cs.cancelled_deliveries) == (2, 1, 1)
    assert cs.completion_rate == 0.5 and [m.amount_minor for m in cs.total_spent] == [4500]
    feed = await users.ListMyActivity(pb.ListMyActivityRequest(categories=[pb.ACTIVITY_CATEGORY_DELIVERIES]),
                                      metadata=c.md)
    assert [e.kind for e in feed.events] == [pb.ACTIVITY_KIND_DELIVERY_CANCELLED, pb.ACTIVITY_KIND_DELIVERY_ACCEPTED,
                                             pb.ACTIVITY_KIND_DELIVERY_COMPLETED, pb.ACTIVITY_KIND_DELIVERY_ACCEPTED]
    assert feed.events[0].summary.endswith("changed plans") and feed.events[2].amount.amount_minor == 4500
    assert all(e.counterpart_user_id == t.id for e in feed.events)


async def test_events_out_of_order_and_validation(users, service_md, make_user):
    c, t = await make_user("customer"), await make_user("traveler")
    did = str(uuid.uuid4())
    # completed arrives before accepted: counted once, the price comes with the late accepted
    await delivery_event(users, service_md, "completed", did, c.id, t.id)
    await delivery_event(users, service_md, "accepted", did, c.id, t.id, price=eur(700))
    st = await users.GetUserStatistics(pb.GetUserStatisticsRequest(user_id=t.id), metadata=t.md)
    assert (st.total_deliveries, st.successful_deliveries) == (1, 1)
    err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.HandleDeliveryEvent(pb.HandleDeliveryEventRequest(
        event_id="e", type=pb.DELIVERY_EVENT_TYPE_ACCEPTED, delivery_id="x", customer_id=c.id, traveler_id=c.id),
        metadata=service_md("deliveries")))
    assert {"delivery_id", "traveler_id", "price"} <= set(violations(err))
    for caller in (c.md, service_md("trips"), service_md("auth")):
        await expect(grpc.StatusCode.PERMISSION_DENIED, delivery_event(users, lambda _n, c_=caller: c_, "accepted",
                                                                       did, c.id, t.id, price=eur(1)))


async def test_trip_events_count_each_trip_once(users, service_md, make_user, usql):
    t = await make_user("traveler")
    trip = str(uuid.uuid4())
    for event_id in (f"trips.trip.completed:{trip}", f"trips.trip.completed:{trip}", "another-id"):
        await users.HandleTripEvent(pb.HandleTripEventRequest(
            event_id=event_id, type=pb.TRIP_EVENT_TYPE_COMPLETED, trip_id=trip, traveler_id=t.id),
            metadata=service_md("trips"))
    await users.HandleTripEvent(pb.HandleTripEventRequest(
        event_id=str(uuid.uuid4()), type=pb.TRIP_EVENT_TYPE_CANCELLED, trip_id=str(uuid.uuid4()), traveler_id=t.id,
        reason="flight cancelled"), metadata=service_md("trips"))
    st = await users.GetUserStatistics(pb.GetUserStatisticsRequest(user_id="me"), metadata=t.md)
    assert st.total_trips == 1
    feed = await users.ListMyActivity(pb.ListMyActivityRequest(categories=[pb.ACTIVITY_CATEGORY_TRIPS]), metadata=t.md)
    assert [e.kind for e in feed.events] == [pb.ACTIVITY_KIND_TRIP_CANCELLED, pb.ACTIVITY_KIND_TRIP_COMPLETED]
    await expect(grpc.StatusCode.PERMISSION_DENIED, users.HandleTripEvent(pb.HandleTripEventRequest(
        event_id="x", type=pb.TRIP_EVENT_TYPE_COMPLETED, trip_id=trip, traveler_id=t.id),
        metadata=service_md("deliveries")), "SERVICE_REQUIRED")


async def test_statistics_for_a_period_and_who_sees_money(users, service_md, make_user, admin_md):
    c, t, other = await make_user("customer"), await make_user("traveler"), await make_user()
    long_ago = dt.datetime(2020, 1, 10, tzinfo=dt.timezone.utc)
    old = str(uuid.uuid4())
    await delivery_event(users, service_md, "accepted", old, c.id, t.id, price=eur(900), occur_time=stamp(long_ago))
    await delivery_event(users, service_md, "completed", old, c.id, t.id, occur_time=stamp(long_ago))
    new = str(uuid.uuid4())
    await delivery_event(users, service_md, "accepted", new, c.id, t.id, price=eur(2500))
    await delivery_event(users, service_md, "completed", new, c.id, t.id)
    period = pb.GetUserStatisticsRequest(user_id=t.id, start_time=stamp(dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)),
                                         end_time=stamp(dt.datetime(2020, 2, 1, tzinfo=dt.timezone.utc)))
    st = await users.GetUserStatistics(period, metadata=t.md)
    assert (st.total_deliveries, st.successful_deliveries) == (1, 1) and st.period_start_time.seconds > 0
    assert [m.amount_minor for m in st.total_earnings] == [900]
    st = await users.GetUserStatistics(pb.GetUserStatisticsRequest(user_id=t.id), metadata=t.md)
    assert [m.amount_minor for m in st.total_earnings] == [3400] and st.includes_money
    # another user: counts, no money
    seen = await users.GetUserStatistics(pb.GetUserStatisticsRequest(user_id=t.id), metadata=other.md)
    assert seen.successful_deliveries == 2 and list(seen.total_earnings) == [] and not seen.includes_money
    seen = await users.GetUserStatistics(period, metadata=other.md)
    assert seen.total_deliveries == 1 and not seen.includes_money
    # admins and services see money
    for caller in (admin_md(), service_md("deliveries")):
        st = await users.GetUserStatistics(pb.GetUserStatisticsRequest(user_id=t.id), metadata=caller)
        assert st.includes_money and [m.amount_minor for m in st.total_earnings] == [3400]
    # the traveler hides their statistics
    req = pb.UpdatePreferencesRequest(update_mask=field_mask_pb2.FieldMask(paths=["privacy_settings.show_statistics"]))
    await users.UpdatePreferences(req, metadata=t.md)
    await expect(grpc.StatusCode.PERMISSION_DENIED, users.GetUserStatistics(
        pb.GetUserStatisticsRequest(user_id=t.id), metadata=other.md), "STATISTICS_PRIVATE")
    assert (await users.GetUserStatistics(pb.GetUserStatisticsRequest(user_id=t.id), metadata=t.md)).total_deliveries == 2
    await expect(grpc.StatusCode.NOT_FOUND, users.GetUserStatistics(
        pb.GetUserStatisticsRequest(user_id=str(uuid.uuid4())), metadata=other.md))
    err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.GetUserStatistics(pb.GetUserStatisticsRequest(
        user_id=t.id, start_time=stamp(dt.datetime(2021, 1, 1, tzinfo=dt.timezone.utc))), metadata=t.md))
    assert "end_time" in violations(err)


async def test_activity_feed_filters_and_pages(users, service_md, make_user):
    c, t = await make_user("customer"), await make_user("traveler")
    for _ in range(3):
        did = str(uuid.uuid4())
        await delivery_event(users, service_md, "accepted", did, c.id, t.id, price=eur(100))
    seen, token = [], ""
    while True:
        r = await users.ListMyActivity(pb.ListMyActivityRequest(page_size=2, page_token=token), metadata=c.md)
        seen += [e.id for e in r.events]
        token = r.next_page_token
        if not token:
            break
    assert len(seen) == len(set(seen)) == 4                                  # 3 deliveries + registration
    r = await users.ListMyActivity(pb.ListMyActivityRequest(categories=[pb.ACTIVITY_CATEGORY_REVIEWS]), metadata=c.md)
    assert list(r.events) == []
    future = stamp(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1))
    r = await users.ListMyActivity(pb.ListMyActivityRequest(start_time=future), metadata=c.md)
    assert list(r.events) == []
    for req, field in ((pb.ListMyActivityRequest(categories=[7]), "categories[0]"),
                       (pb.ListMyActivityRequest(page_token="x"), "page_token"),
                       (pb.ListMyActivityRequest(start_time=future, end_time=future), "end_time")):
        err = await expect(grpc.StatusCode.INVALID_ARGUMENT, users.ListMyActivity(req, metadata=c.md))
        assert field in violations(err)


async def test_account_deletion_in_auth_reaches_users(users, make_user, stub, usql, service_md):
    from tests.conftest import PASSWORD
    u = await make_user()
    await users.CreateAddress(pb.CreateAddressRequest(address=pb.Address(
        type=pb.ADDRESS_TYPE_HOME, street="Rīgas iela 1", city="Valmiera", country="LV")), metadata=u.md)
    await stub.DeleteAccount(auth_pb2.DeleteAccountRequest(password=PASSWORD), metadata=u.md)   # auth directly
    gone = await wait_for(lambda: usql("SELECT deleted_at IS NOT NULL FROM user_profiles WHERE user_id = %s",
                                       u.id) == [(True,)])
    assert gone
    assert usql("SELECT count(*) FROM user_addresses WHERE user_id = %s", u.id)[0][0] == 0
    # replaying the event changes nothing; the handler is auth's only
    before = snapshot(usql)
    r = await users.HandleUserDeleted(pb.HandleUserDeletedRequest(event_id=f"deleted:{u.id}", user_id=u.id),
                                      metadata=service_md("auth"))
    assert r.duplicate and snapshot(usql) == before
    await expect(grpc.StatusCode.PERMISSION_DENIED, users.HandleUserDeleted(
        pb.HandleUserDeletedRequest(event_id="x", user_id=u.id), metadata=service_md("deliveries")))
