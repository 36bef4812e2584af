"""Trips' outbox events reach the services that act on them, through the shared trips server's
dispatcher:

* trips.trip.cancelled goes to the real deliveries server (HandleTripCancelled: the pending offer
  is withdrawn, the accepted delivery cancelled), then to the real users server (HandleTripEvent:
  the traveler's activity feed);
* trips.trip.completed goes to users (total_trips and the activity feed).

A replayed event (delivered again with the same idempotency key) changes nothing anywhere.

The shared trips server sends users events to the users server of the session (its fixture gives
the address), but cancellations only where DELIVERIES_ADDR points: the cancellation test sets it
for its own duration, so no other test's offers are withdrawn under it."""
from __future__ import annotations

import asyncio
import datetime as dt

from p2p.deliveries.v1 import deliveries_pb2 as dpb
from p2p.trips.v1 import trips_pb2 as tpb
from p2p.users.v1 import users_pb2 as upb
# Helpers of the deliveries tests; the servers are shared session fixtures (tests/support/services.py).
from tests.deliveries.conftest import any_trip, create_request, make_offer, new_user
from tests.trips.conftest import query, stamp, utc


async def until(fn, ok, tries: int = 200, pause: float = 0.05):
    """Poll fn() (sync or async) until ok(value); returns the last value."""
    for _ in range(tries):
        value = fn()
        if asyncio.iscoroutine(value):
            value = await value
        if ok(value):
            return value
        await asyncio.sleep(pause)
    return value


def delivered(trips_db: str, topic: str, trip_id: str) -> bool:
    rows = query(trips_db, "SELECT delivered_at IS NOT NULL FROM outbox_events WHERE topic = %s AND aggregate_id = %s",
                 topic, trip_id)
    return rows == [(True,)]


async def replay(trips_db: str, topic: str, trip_id: str) -> None:
    """Deliver the trip's event once more, with the same idempotency key (as after a crash between
    the handler's calls and the commit marking it delivered)."""
    query(trips_db, "UPDATE outbox_events SET delivered_at = NULL, available_at = now() "
                    "WHERE topic = %s AND aggregate_id = %s", topic, trip_id)
    query(trips_db, "NOTIFY outbox")          # wake the dispatcher now rather than at its next poll
    assert await until(lambda: delivered(trips_db, topic, trip_id), bool, tries=300), "not delivered again"


def users_state(usql, user_id: str):
    """What trip events change in users for a traveler."""
    return (usql("SELECT total_trips, last_active_at FROM user_statistics WHERE user_id = %s", user_id),
            usql("SELECT kind::text, subject_id, summary, occurred_at FROM activity_events WHERE user_id = %s "
                 "ORDER BY occurred_at, id", user_id))


async def registered(usql, who) -> None:
    """Wait for auth's registration event to reach users (it touches the statistics too)."""
    assert await until(lambda: usql("SELECT 1 FROM user_profiles WHERE user_id = %s AND first_name IS NOT NULL",
                                    who.id), bool), "the registration did not reach users"


async def trip_feed(users, who) -> list:
    r = await users.ListMyActivity(upb.ListMyActivityRequest(categories=[upb.ACTIVITY_CATEGORY_TRIPS]), metadata=who.md)
    return list(r.events)


async def test_a_completed_trip_counts_once_in_the_travelers_statistics(trips, users, usql, stub, sql, trips_db):
    t = await new_user(stub, sql, "traveler")
    await registered(usql, t)
    trip = await any_trip(trips, t)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    await trips.StartTrip(tpb.StartTripRequest(trip_id=trip.id, actual_departure_time=stamp(now - dt.timedelta(hours=3))),
                          metadata=t.md)
    arrived = now - dt.timedelta(minutes=20)
    await trips.CompleteTrip(tpb.CompleteTripRequest(trip_id=trip.id, actual_arrival_time=stamp(arrived)), metadata=t.md)
    rows = await until(lambda: usql("SELECT total_trips FROM user_statistics WHERE user_id = %s", t.id),
                       lambda r: r == [(1,)])
    assert rows == [(1,)], "the completion did not reach users"
    st = await users.GetUserStatistics(upb.GetUserStatisticsRequest(user_id="me"), metadata=t.md)
    assert st.total_trips == 1
    (event,) = await trip_feed(users, t)
    assert event.kind == upb.ACTIVITY_KIND_TRIP_COMPLETED and event.subject_id == trip.id
    assert utc(event.occur_time) == arrived                    # when the trip arrived, not when it was sent
    # counted in the period of its arrival
    period = upb.GetUserStatisticsRequest(user_id="me", start_time=stamp(arrived - dt.timedelta(minutes=1)),
                                          end_time=stamp(arrived + dt.timedelta(minutes=1)))
    assert (await users.GetUserStatistics(period, metadata=t.md)).total_trips == 1
    assert await until(lambda: delivered(trips_db, "trips.trip.completed", trip.id), bool)
    assert usql("SELECT handler FROM processed_events WHERE event_id = %s",
                f"trips.trip.completed:{trip.id}") == [("trip_event",)]
    # the same event again: nothing changes
    before = users_state(usql, t.id)
    await replay(trips_db, "trips.trip.completed", trip.id)
    assert users_state(usql, t.id) == before
    assert (await users.GetUserStatistics(upb.GetUserStatisticsRequest(user_id="me"), metadata=t.md)).total_trips == 1


async def test_cancelled_trip_reaches_deliveries_then_users(trips, dl, users, usql, dsql, deliveries_server, stub, sql,
                                                            trips_db, monkeypatch):
    monkeypatch.setenv("DELIVERIES_ADDR", deliveries_server.address)   # where trips' dispatcher delivers
    t, c = await new_user(stub, sql, "traveler"), await new_user(stub, sql, "customer")
    await registered(usql, t)
    trip = await any_trip(trips, t)
    pending_r = await create_request(dl, c)
    pending = await make_offer(dl, t, pending_r.id, trip.id)
    acc_r = await create_request(dl, c)
    acc_o = await make_offer(dl, t, acc_r.id, trip.id)
    delivery = await dl.AcceptOffer(dpb.AcceptOfferRequest(delivery_request_id=acc_r.id, offer_id=acc_o.id),
                                    metadata=c.md)
    await trips.CancelTrip(tpb.CancelTripRequest(trip_id=trip.id, reason="flight cancelled"), metadata=t.md)
    for _ in range(200):
        o = await dl.GetOffer(dpb.GetOfferRequest(delivery_request_id=pending_r.id, offer_id=pending.id), metadata=t.md)
        d = await dl.GetDelivery(dpb.GetDeliveryRequest(delivery_id=delivery.id), metadata=c.md)
        if o.status == dpb.OFFER_STATUS_WITHDRAWN and d.status == dpb.DELIVERY_STATUS_CANCELLED:
            break
        await asyncio.sleep(0.05)
    assert o.status == dpb.OFFER_STATUS_WITHDRAWN and o.withdraw_reason == "trip cancelled: flight cancelled"
    assert d.status == dpb.DELIVERY_STATUS_CANCELLED and d.cancelled_by == "service:trips"
    assert await until(lambda: delivered(trips_db, "trips.trip.cancelled", trip.id), bool)
    # users heard of it too (after deliveries: the event is delivered only once both answered)
    cancelled = [e for e in await trip_feed(users, t) if e.kind == upb.ACTIVITY_KIND_TRIP_CANCELLED]
    assert [(e.subject_id, e.summary) for e in cancelled] == [(trip.id, "Trip cancelled: flight cancelled")]
    assert usql("SELECT total_trips FROM user_statistics WHERE user_id = %s", t.id) == [(0,)]
    # the same event again: deliveries and users stay as they were
    dl_state = (dsql("SELECT id, status::text, updated_at FROM delivery_offers WHERE trip_id = %s ORDER BY id", trip.id),
                dsql("SELECT id, status::text, updated_at FROM deliveries WHERE trip_id = %s ORDER BY id", trip.id))
    before = users_state(usql, t.id)
    await replay(trips_db, "trips.trip.cancelled", trip.id)
    assert users_state(usql, t.id) == before
    assert (dsql("SELECT id, status::text, updated_at FROM delivery_offers WHERE trip_id = %s ORDER BY id", trip.id),
            dsql("SELECT id, status::text, updated_at FROM deliveries WHERE trip_id = %s ORDER BY id", trip.id)) == dl_state
