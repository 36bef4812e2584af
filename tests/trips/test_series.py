"""Recurring trips: the pattern generates the series' child trips at creation; publishing,
updating and cancelling "this trip" or "this and the following trips" of a series."""
from __future__ import annotations

import datetime as dt
import zoneinfo

import grpc
from google.protobuf import field_mask_pb2

from p2p.trips.v1 import trips_pb2 as tpb
from services.trips.domain import Recurrence, occurrences
from tests.auth.test_auth_flows import expect, violations
from tests.trips.conftest import bearer, eur, new_id, outbox, query, stamp, trip_msg, utc

OK = grpc.StatusCode
DAY = 86400


async def series(trips, login, *, frequency, publish=True, days=3, **rec) -> tuple[tpb.Trip, list[tpb.Trip]]:
    msg = trip_msg(days=days)
    msg.recurrence.frequency = frequency
    for k, v in rec.items():
        if k == "until":
            msg.recurrence.until.FromDatetime(v)
        elif k == "weekdays":
            msg.recurrence.weekdays.extend(v)
        else:
            setattr(msg.recurrence, k, v)
    root = await trips.CreateTrip(tpb.CreateTripRequest(trip=msg, publish=publish), metadata=bearer(login))
    got = await trips.ListMyTrips(tpb.ListMyTripsRequest(series_id=root.id, page_size=200), metadata=bearer(login))
    ordered = sorted(got.trips, key=lambda t: t.departure_time.seconds)
    assert ordered[0].id == root.id
    return root, ordered[1:]


async def statuses(trips, login, root_id) -> dict[str, int]:
    got = await trips.ListMyTrips(tpb.ListMyTripsRequest(series_id=root_id, page_size=200), metadata=bearer(login))
    return {t.id: t.status for t in got.trips}


# -- generation -------------------------------------------------------------------------------------
async def test_every_n_days_until_a_date(trips, traveler, trips_db):
    first = utc(trip_msg(days=3).departure_time)
    root, children = await series(trips, traveler, frequency=tpb.RECURRENCE_FREQUENCY_DAILY, interval=3,
                                  until=first + dt.timedelta(days=10))
    assert [(c.departure_time.seconds - root.departure_time.seconds) // DAY for c in children] == [3, 6, 9]
    assert root.is_recurring and root.recurrence.interval == 3 and not root.parent_trip_id
    for c in children:
        assert c.parent_trip_id == root.id and c.is_recurring and not c.HasField("recurrence")
        assert c.arrival_time.seconds - c.departure_time.seconds == root.arrival_time.seconds - root.departure_time.seconds
        assert c.status == tpb.TRIP_STATUS_PUBLISHED and c.available == root.capacity
        assert outbox(trips_db, "trips.trip.published", c.id)


async def test_weekly_on_weekdays(trips, traveler):
    first = utc(trip_msg(days=3).departure_time)
    other = (first.isoweekday() % 7) + 1                    # the weekday after the first trip's
    root, children = await series(trips, traveler, frequency=tpb.RECURRENCE_FREQUENCY_WEEKLY,
                                  weekdays=[first.isoweekday(), other], until=first + dt.timedelta(days=20))
    assert [(c.departure_time.seconds - root.departure_time.seconds) // DAY for c in children] == [1, 7, 8, 14, 15]
    assert {utc(c.departure_time).time() for c in children} == {first.time()}


async def test_horizon_caps_the_series_at_52_trips(trips, traveler):
    root, children = await series(trips, traveler, frequency=tpb.RECURRENCE_FREQUENCY_DAILY, publish=False)
    assert len(children) == 51                              # 52 trips in all, the first included
    assert all(c.status == tpb.TRIP_STATUS_DRAFT for c in children)
    root, children = await series(trips, traveler, frequency=tpb.RECURRENCE_FREQUENCY_DAILY, interval=7, publish=False)
    assert (children[-1].departure_time.seconds - root.departure_time.seconds) // DAY <= 90 and len(children) == 12


def test_occurrences_keep_the_local_time_across_daylight_saving():
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    first = dt.datetime(2027, 3, 15, 8, 0, tzinfo=paris).astimezone(dt.timezone.utc)   # CET: 07:00 UTC
    got = occurrences(first, Recurrence("weekly", 1, [], first + dt.timedelta(days=21), "Europe/Paris"))
    assert [g.astimezone(paris).strftime("%m-%d %H:%M") for g in got] == ["03-22 08:00", "03-29 08:00", "04-05 08:00"]
    assert [g.hour for g in got] == [7, 6, 6]                # after the switch to CEST: 06:00 UTC
    utc_only = occurrences(first, Recurrence("weekly", 1, [], first + dt.timedelta(days=21)))
    assert {g.hour for g in utc_only} == {7}
    got = occurrences(first, Recurrence("daily", 2, [], first + dt.timedelta(days=400)))
    assert len(got) == 45 and (got[-1] - first).days == 90   # capped at the 90-day horizon


async def test_recurrence_is_validated(trips, traveler, trips_db):
    before = query(trips_db, "SELECT count(*) FROM trips")[0][0]
    bad = trip_msg()
    bad.recurrence.weekdays.extend([0, 8])
    bad.recurrence.time_zone = "Mars/Olympus"
    bad.recurrence.interval = 60
    bad.recurrence.until.CopyFrom(bad.departure_time)
    v = violations(await expect(OK.INVALID_ARGUMENT, trips.CreateTrip(tpb.CreateTripRequest(trip=bad),
                                                                      metadata=bearer(traveler))))
    for f in ("trip.recurrence.frequency", "trip.recurrence.weekdays", "trip.recurrence.time_zone",
              "trip.recurrence.interval", "trip.recurrence.until"):
        assert f in v, f
    daily = trip_msg()
    daily.recurrence.frequency = tpb.RECURRENCE_FREQUENCY_DAILY
    daily.recurrence.weekdays.append(1)
    v = violations(await expect(OK.INVALID_ARGUMENT, trips.CreateTrip(tpb.CreateTripRequest(trip=daily),
                                                                      metadata=bearer(traveler))))
    assert "trip.recurrence.weekdays" in v
    assert query(trips_db, "SELECT count(*) FROM trips")[0][0] == before


# -- series operations -------------------------------------------------------------------------------
async def test_publish_a_draft_series_from_its_first_trip(trips, traveler):
    root, children = await series(trips, traveler, frequency=tpb.RECURRENCE_FREQUENCY_WEEKLY, publish=False,
                                  until=utc(trip_msg(days=3).departure_time) + dt.timedelta(days=15))
    await trips.PublishTrip(tpb.PublishTripRequest(trip_id=children[0].id), metadata=bearer(traveler))
    st = await statuses(trips, traveler, root.id)
    assert st[root.id] == tpb.TRIP_STATUS_DRAFT and st[children[0].id] == tpb.TRIP_STATUS_PUBLISHED
    assert st[children[1].id] == tpb.TRIP_STATUS_DRAFT
    await trips.PublishTrip(tpb.PublishTripRequest(trip_id=root.id, scope=tpb.CANCEL_SCOPE_SERIES),
                            metadata=bearer(traveler))
    assert set((await statuses(trips, traveler, root.id)).values()) == {tpb.TRIP_STATUS_PUBLISHED}


async def test_cancel_this_and_following(trips, traveler, trips_db):
    tok = bearer(traveler)
    root, children = await series(trips, traveler, frequency=tpb.RECURRENCE_FREQUENCY_WEEKLY,
                                  until=utc(trip_msg(days=3).departure_time) + dt.timedelta(days=22))
    assert len(children) == 3
    # this trip only (the default)
    await trips.CancelTrip(tpb.CancelTripRequest(trip_id=children[2].id, reason="holiday"), metadata=tok)
    st = await statuses(trips, traveler, root.id)
    assert [st[c.id] for c in children] == [tpb.TRIP_STATUS_PUBLISHED] * 2 + [tpb.TRIP_STATUS_CANCELLED]
    # an already started trip of the series is left alone
    await trips.StartTrip(tpb.StartTripRequest(trip_id=children[1].id), metadata=tok)
    await trips.CancelTrip(tpb.CancelTripRequest(trip_id=children[0].id, reason="moved to Hamburg",
                                                 scope=tpb.CANCEL_SCOPE_SERIES), metadata=tok)
    st = await statuses(trips, traveler, root.id)
    assert st[root.id] == tpb.TRIP_STATUS_PUBLISHED and st[children[0].id] == tpb.TRIP_STATUS_CANCELLED
    assert st[children[1].id] == tpb.TRIP_STATUS_IN_PROGRESS
    assert outbox(trips_db, "trips.trip.cancelled", children[0].id)[0]["reason"] == "moved to Hamburg"
    assert [e["reason"] for e in outbox(trips_db, "trips.trip.cancelled", children[2].id)] == ["holiday"]
    assert not outbox(trips_db, "trips.trip.cancelled", root.id)


async def test_update_this_and_following(trips, traveler):
    tok = bearer(traveler)
    root, children = await series(trips, traveler, frequency=tpb.RECURRENCE_FREQUENCY_WEEKLY,
                                  until=utc(trip_msg(days=3).departure_time) + dt.timedelta(days=22))
    before = {t.id: t for t in [root, *children]}
    one = children[0]
    shift = dt.timedelta(hours=1, minutes=30)
    upd = tpb.Trip(id=one.id, title="Early bird", departure_time=stamp(utc(one.departure_time) + shift),
                   arrival_time=stamp(utc(one.arrival_time) + shift), pricing=tpb.Pricing(base_price=eur(999)))
    fm = field_mask_pb2.FieldMask(paths=["title", "departure_time", "arrival_time", "pricing"])
    # this trip only
    await trips.UpdateTrip(tpb.UpdateTripRequest(trip=tpb.Trip(id=one.id, title="Just once"),
                                                 update_mask=field_mask_pb2.FieldMask(paths=["title"])), metadata=tok)
    got = await trips.ListMyTrips(tpb.ListMyTripsRequest(series_id=root.id), metadata=tok)
    assert {t.id: t.title for t in got.trips}[children[1].id] == before[children[1].id].title
    # this and the following: same title and price, times shifted by the same amount
    await trips.UpdateTrip(tpb.UpdateTripRequest(trip=upd, update_mask=fm, scope=tpb.CANCEL_SCOPE_SERIES), metadata=tok)
    got = {t.id: t for t in (await trips.ListMyTrips(tpb.ListMyTripsRequest(series_id=root.id), metadata=tok)).trips}
    assert got[root.id].title == root.title and got[root.id].departure_time == root.departure_time
    for c in children:
        assert got[c.id].title == "Early bird" and got[c.id].pricing.base_price.amount_minor == 999
        assert utc(got[c.id].departure_time) == utc(before[c.id].departure_time) + shift
        assert utc(got[c.id].arrival_time) == utc(before[c.id].arrival_time) + shift


async def test_series_update_is_all_or_nothing(trips, traveler, service_token):
    tok = bearer(traveler)
    root, children = await series(trips, traveler, frequency=tpb.RECURRENCE_FREQUENCY_WEEKLY,
                                  until=utc(trip_msg(days=3).departure_time) + dt.timedelta(days=15))
    # a delivery rides on the last trip: its times are locked
    from tests.conftest import md
    await trips.ReserveCapacity(tpb.ReserveCapacityRequest(trip_id=children[-1].id, delivery_id=new_id(),
                                                           weight_grams=1000, items=1), metadata=md(service_token))
    shift = dt.timedelta(hours=2)
    upd = tpb.Trip(id=root.id, title="Later", departure_time=stamp(utc(root.departure_time) + shift),
                   arrival_time=stamp(utc(root.arrival_time) + shift))
    fm = field_mask_pb2.FieldMask(paths=["title", "departure_time", "arrival_time"])
    d = await expect(OK.FAILED_PRECONDITION, trips.UpdateTrip(tpb.UpdateTripRequest(
        trip=upd, update_mask=fm, scope=tpb.CANCEL_SCOPE_SERIES), metadata=tok))
    assert d["ErrorInfo"].reason == "TRIP_HAS_RESERVATIONS"
    assert d["ErrorInfo"].metadata["trip_id"] == children[-1].id
    assert set(d["ErrorInfo"].metadata["fields"].split(",")) == {"departure_time", "arrival_time"}
    got = {t.id: t for t in (await trips.ListMyTrips(tpb.ListMyTripsRequest(series_id=root.id), metadata=tok)).trips}
    assert got[root.id].title == root.title and got[root.id].departure_time == root.departure_time   # nothing changed
    # a change the delivery does not depend on goes through for the whole series
    await trips.UpdateTrip(tpb.UpdateTripRequest(trip=upd, update_mask=field_mask_pb2.FieldMask(paths=["title"]),
                                                 scope=tpb.CANCEL_SCOPE_SERIES), metadata=tok)
    got = await trips.ListMyTrips(tpb.ListMyTripsRequest(series_id=root.id), metadata=tok)
    assert {t.title for t in got.trips} == {"Later"}
