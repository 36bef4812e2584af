"""Trips over a real in-process server, real PostGIS and real tokens from the auth server:
creation, reading and who sees what, listing, the state machine and its events, updates."""
from __future__ import annotations

import asyncio
import datetime as dt

import grpc
import pytest
from google.protobuf import field_mask_pb2

from p2p.trips.v1 import trips_pb2 as tpb
from tests.auth.test_auth_flows import expect, violations
from tests.conftest import md
from tests.trips.conftest import (BERLIN, COLOGNE, PARIS, bearer, create_trip, eur, ll, new_id, outbox, query, stamp,
                                  trip_msg, utc)

OK = grpc.StatusCode


def mask(*paths: str) -> field_mask_pb2.FieldMask:
    return field_mask_pb2.FieldMask(paths=list(paths))


# -- create / read -----------------------------------------------------------------------------------
async def test_create_publish_and_read(trips, traveler, customer, trips_db):
    t = await create_trip(trips, traveler, tags=["Weekly", "weekly", "ev"])
    assert t.status == tpb.TRIP_STATUS_PUBLISHED and t.traveler_id == traveler.account.id
    assert t.available == t.capacity and t.capacity.weight_grams == 20_000
    assert 870_000 < t.route_distance_meters < 890_000          # Paris-Berlin great circle ≈ 878 km
    assert t.estimated_duration_minutes == 600 and t.publish_time.seconds > 0
    assert list(t.tags) == ["weekly", "ev"] and t.title == "Paris to Berlin"
    assert t.pricing.base_price == eur(1500) and t.pricing.express_multiplier_bp == 10000
    # the route column is the line origin -> destination, in the GiST-indexed geography column
    (wkt,) = query(trips_db, "SELECT ST_AsText(route) FROM trips WHERE id = %s", t.id)[0]
    assert wkt == f"LINESTRING({PARIS[1]} {PARIS[0]},{BERLIN[1]} {BERLIN[0]})"
    got = await trips.GetTrip(tpb.GetTripRequest(trip_id=t.id), metadata=bearer(customer))
    assert got.origin.place.location.latitude == pytest.approx(PARIS[0]) and got.id == t.id
    assert outbox(trips_db, "trips.trip.published", t.id)[0]["traveler_id"] == traveler.account.id


async def test_default_title_and_draft(trips, traveler, trips_db):
    msg = trip_msg(title="")
    t = await trips.CreateTrip(tpb.CreateTripRequest(trip=msg), metadata=bearer(traveler))
    assert t.status == tpb.TRIP_STATUS_DRAFT and t.title == "Paris → Berlin" and not t.publish_time.seconds
    assert not outbox(trips_db, "trips.trip.published", t.id)


async def test_who_sees_a_trip(trips, traveler, customer, stranger, service_token):
    published = await create_trip(trips, traveler)
    draft = await create_trip(trips, traveler, publish=False)
    private = await create_trip(trips, traveler, visibility=tpb.TRIP_VISIBILITY_PRIVATE)
    cancelled = await create_trip(trips, traveler)
    await trips.CancelTrip(tpb.CancelTripRequest(trip_id=cancelled.id, reason="ill"), metadata=bearer(traveler))
    for t in (published, draft, private, cancelled):             # the owner and services see everything
        assert (await trips.GetTrip(tpb.GetTripRequest(trip_id=t.id), metadata=bearer(traveler))).id == t.id
        assert (await trips.GetTrip(tpb.GetTripRequest(trip_id=t.id), metadata=md(service_token))).id == t.id
    assert (await trips.GetTrip(tpb.GetTripRequest(trip_id=published.id), metadata=bearer(customer))).id
    for t in (draft, private, cancelled):                        # others: NOT_FOUND, as for a missing trip
        for who in (customer, stranger):
            d = await expect(OK.NOT_FOUND, trips.GetTrip(tpb.GetTripRequest(trip_id=t.id), metadata=bearer(who)))
            assert d["ErrorInfo"].reason == "TRIP_NOT_FOUND"
    await expect(OK.NOT_FOUND, trips.GetTrip(tpb.GetTripRequest(trip_id=new_id()), metadata=bearer(customer)))
    await expect(OK.UNAUTHENTICATED, trips.GetTrip(tpb.GetTripRequest(trip_id=published.id), metadata=md()))
    d = await expect(OK.INVALID_ARGUMENT, trips.GetTrip(tpb.GetTripRequest(trip_id="x"), metadata=bearer(customer)))
    assert "trip_id" in violations(d)


async def test_only_travelers_create_trips(trips, customer, service_token, trips_db):
    before = query(trips_db, "SELECT count(*) FROM trips")[0][0]
    d = await expect(OK.PERMISSION_DENIED, create_trip(trips, customer))
    assert d["ErrorInfo"].reason == "TRAVELER_REQUIRED"
    await expect(OK.PERMISSION_DENIED, trips.CreateTrip(tpb.CreateTripRequest(trip=trip_msg()), metadata=md(service_token)))
    await expect(OK.UNAUTHENTICATED, trips.CreateTrip(tpb.CreateTripRequest(trip=trip_msg()), metadata=md()))
    assert query(trips_db, "SELECT count(*) FROM trips")[0][0] == before


async def test_create_validates_every_field(trips, traveler, trips_db):
    before = query(trips_db, "SELECT count(*) FROM trips")[0][0]
    bad = tpb.Trip(transport_type=0, capacity=tpb.Capacity(weight_grams=-1, items=0, volume_cm3=-5),
                   pricing=tpb.Pricing(base_price=tpb.Pricing().base_price, express_multiplier_bp=5,
                                       fragile_multiplier_bp=60_000),
                   auto_accept=True, tags=["x" * 41], title="t" * 201,
                   restrictions=tpb.Restrictions(accepted_categories=["food"], refused_categories=["Food"]))
    bad.origin.place.address = "Paris"
    bad.origin.airport = "C1"
    bad.destination.place.location.latitude = 95
    bad.departure_time.FromDatetime(dt.datetime(2020, 1, 1))
    bad.arrival_time.FromDatetime(dt.datetime(2019, 1, 1))
    d = await expect(OK.INVALID_ARGUMENT, trips.CreateTrip(tpb.CreateTripRequest(trip=bad), metadata=bearer(traveler)))
    v = violations(d)
    for f in ("trip.transport_type", "trip.origin.place.location", "trip.origin.airport", "trip.destination.place.address",
              "trip.destination.place.location.latitude", "trip.departure_time", "trip.capacity.weight_grams",
              "trip.capacity.items", "trip.capacity.volume_cm3", "trip.pricing.base_price.currency_code",
              "trip.pricing.express_multiplier_bp", "trip.pricing.fragile_multiplier_bp", "trip.auto_accept_price",
              "trip.tags", "trip.title", "trip.visibility", "trip.restrictions.refused_categories"):
        assert f in v, f
    assert d["ErrorInfo"].domain == "trips.p2p-delivery"
    # more rules: arrival after departure, different origin and destination, one currency
    t = trip_msg(destination=("Paris again", PARIS))
    t.arrival_time.CopyFrom(t.departure_time)
    t.pricing.price_per_kg.currency_code = "USD"
    v = violations(await expect(OK.INVALID_ARGUMENT, trips.CreateTrip(tpb.CreateTripRequest(trip=t),
                                                                      metadata=bearer(traveler))))
    assert {"trip.arrival_time", "trip.destination", "trip.pricing"} <= set(v)
    far = trip_msg(days=400)
    v = violations(await expect(OK.INVALID_ARGUMENT, trips.CreateTrip(tpb.CreateTripRequest(trip=far),
                                                                      metadata=bearer(traveler))))
    assert v["trip.departure_time"] == "must be within a year"
    assert query(trips_db, "SELECT count(*) FROM trips")[0][0] == before


async def test_request_id_is_idempotent_also_when_racing(trips, traveler, trips_db):
    req = tpb.CreateTripRequest(trip=trip_msg(), request_id=new_id())
    a = await trips.CreateTrip(req, metadata=bearer(traveler))
    b = await trips.CreateTrip(req, metadata=bearer(traveler))
    assert a.id == b.id
    race = tpb.CreateTripRequest(trip=trip_msg(), request_id=new_id(), publish=True)
    got = await asyncio.gather(*[trips.CreateTrip(race, metadata=bearer(traveler)) for _ in range(8)])
    assert len({t.id for t in got}) == 1
    assert query(trips_db, "SELECT count(*) FROM outbox_events WHERE aggregate_id = %s", got[0].id)[0][0] == 1
    d = await expect(OK.INVALID_ARGUMENT, trips.CreateTrip(tpb.CreateTripRequest(trip=trip_msg(), request_id="r" * 101),
                                                           metadata=bearer(traveler)))
    assert "request_id" in violations(d)


async def test_list_mine_paginates_and_filters(trips, traveler, customer):
    ids = [(await create_trip(trips, traveler, publish=i % 2 == 0)).id for i in range(5)]
    tok = bearer(traveler)
    page = await trips.ListMyTrips(tpb.ListMyTripsRequest(page_size=2), metadata=tok)
    seen = [t.id for t in page.trips]
    while page.next_page_token:
        page = await trips.ListMyTrips(tpb.ListMyTripsRequest(page_size=2, page_token=page.next_page_token), metadata=tok)
        assert len(page.trips) <= 2
        seen += [t.id for t in page.trips]
    assert seen == list(reversed(ids))            # newest first, each once
    drafts = await trips.ListMyTrips(tpb.ListMyTripsRequest(statuses=[tpb.TRIP_STATUS_DRAFT]), metadata=tok)
    assert sorted(t.id for t in drafts.trips) == sorted(ids[1::2])
    both = await trips.ListMyTrips(tpb.ListMyTripsRequest(statuses=[tpb.TRIP_STATUS_DRAFT, tpb.TRIP_STATUS_PUBLISHED]),
                                   metadata=tok)
    assert len(both.trips) == 5
    assert not (await trips.ListMyTrips(tpb.ListMyTripsRequest(), metadata=bearer(customer))).trips
    v = violations(await expect(OK.INVALID_ARGUMENT, trips.ListMyTrips(tpb.ListMyTripsRequest(
        page_size=201, page_token="garbage!", statuses=[42], series_id="nope"), metadata=tok)))
    assert "statuses[0]" in v
    v = violations(await expect(OK.INVALID_ARGUMENT, trips.ListMyTrips(tpb.ListMyTripsRequest(
        page_size=201, page_token="garbage!", series_id="nope"), metadata=tok)))
    assert {"page_size", "page_token", "series_id"} <= set(v)
    await expect(OK.UNAUTHENTICATED, trips.ListMyTrips(tpb.ListMyTripsRequest(), metadata=md()))


# -- state machine ----------------------------------------------------------------------------------
async def test_state_machine_with_times_and_events(trips, traveler, customer, stranger, trips_db):
    tok = bearer(traveler)
    t = await create_trip(trips, traveler, publish=False)
    for call in (trips.StartTrip(tpb.StartTripRequest(trip_id=t.id), metadata=tok),
                 trips.CompleteTrip(tpb.CompleteTripRequest(trip_id=t.id), metadata=tok)):
        assert (await expect(OK.FAILED_PRECONDITION, call))["ErrorInfo"].reason == "INVALID_TRANSITION"
    for who in (customer, stranger):
        await expect(OK.NOT_FOUND, trips.PublishTrip(tpb.PublishTripRequest(trip_id=t.id), metadata=bearer(who)))
    await expect(OK.UNAUTHENTICATED, trips.PublishTrip(tpb.PublishTripRequest(trip_id=t.id), metadata=md()))
    await expect(OK.INVALID_ARGUMENT, trips.PublishTrip(tpb.PublishTripRequest(trip_id="1"), metadata=tok))
    t = await trips.PublishTrip(tpb.PublishTripRequest(trip_id=t.id), metadata=tok)
    assert t.status == tpb.TRIP_STATUS_PUBLISHED and t.publish_time.seconds > 0
    await expect(OK.FAILED_PRECONDITION, trips.PublishTrip(tpb.PublishTripRequest(trip_id=t.id), metadata=tok))
    for who in (customer, stranger):
        await expect(OK.NOT_FOUND, trips.StartTrip(tpb.StartTripRequest(trip_id=t.id), metadata=bearer(who)))
    future = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2)
    v = violations(await expect(OK.INVALID_ARGUMENT, trips.StartTrip(tpb.StartTripRequest(
        trip_id=t.id, actual_departure_time=stamp(future)), metadata=tok)))
    assert "actual_departure_time" in v
    left = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(minutes=30)
    t = await trips.StartTrip(tpb.StartTripRequest(trip_id=t.id, position=ll(PARIS), actual_departure_time=stamp(left)),
                              metadata=tok)
    assert t.status == tpb.TRIP_STATUS_IN_PROGRESS and utc(t.actual_departure_time) == left
    assert t.last_position.latitude == pytest.approx(PARIS[0])
    d = await expect(OK.FAILED_PRECONDITION, trips.CancelTrip(tpb.CancelTripRequest(trip_id=t.id, reason="late"),
                                                              metadata=tok))
    assert d["ErrorInfo"].reason == "INVALID_TRANSITION"
    v = violations(await expect(OK.INVALID_ARGUMENT, trips.CompleteTrip(tpb.CompleteTripRequest(
        trip_id=t.id, actual_arrival_time=stamp(left - dt.timedelta(hours=1))), metadata=tok)))
    assert "actual_arrival_time" in v
    for who in (customer, stranger):
        await expect(OK.NOT_FOUND, trips.CompleteTrip(tpb.CompleteTripRequest(trip_id=t.id), metadata=bearer(who)))
    t = await trips.CompleteTrip(tpb.CompleteTripRequest(trip_id=t.id, position=ll(BERLIN)), metadata=tok)
    assert t.status == tpb.TRIP_STATUS_COMPLETED and utc(t.actual_arrival_time) >= left
    await expect(OK.FAILED_PRECONDITION, trips.CompleteTrip(tpb.CompleteTripRequest(trip_id=t.id), metadata=tok))
    # completed trips are the owner's again: others no longer see them
    await expect(OK.NOT_FOUND, trips.GetTrip(tpb.GetTripRequest(trip_id=t.id), metadata=bearer(customer)))
    for topic in ("trips.trip.published", "trips.trip.started", "trips.trip.completed"):
        (ev,) = outbox(trips_db, topic, t.id)
        assert ev["trip_id"] == t.id and ev["traveler_id"] == traveler.account.id
    assert outbox(trips_db, "trips.trip.completed", t.id)[0]["actual_arrival_time"]


async def test_cancel_needs_reason_and_publishes_event(trips, traveler, customer, trips_db):
    tok = bearer(traveler)
    t = await create_trip(trips, traveler)
    d = await expect(OK.INVALID_ARGUMENT, trips.CancelTrip(tpb.CancelTripRequest(trip_id=t.id, reason="  "), metadata=tok))
    assert "reason" in violations(d)
    await expect(OK.NOT_FOUND, trips.CancelTrip(tpb.CancelTripRequest(trip_id=t.id, reason="mine now"),
                                                metadata=bearer(customer)))
    await expect(OK.UNAUTHENTICATED, trips.CancelTrip(tpb.CancelTripRequest(trip_id=t.id, reason="x"), metadata=md()))
    c = await trips.CancelTrip(tpb.CancelTripRequest(trip_id=t.id, reason="car broke down"), metadata=tok)
    assert c.status == tpb.TRIP_STATUS_CANCELLED and c.cancellation_reason == "car broke down" and c.cancel_time.seconds
    assert outbox(trips_db, "trips.trip.cancelled", t.id) == [
        {"trip_id": t.id, "traveler_id": traveler.account.id, "reason": "car broke down"}]
    await expect(OK.FAILED_PRECONDITION, trips.CancelTrip(tpb.CancelTripRequest(trip_id=t.id, reason="again"),
                                                          metadata=tok))
    # a cancelled trip takes no reservations and is not editable
    await expect(OK.FAILED_PRECONDITION, trips.UpdateTrip(tpb.UpdateTripRequest(
        trip=tpb.Trip(id=t.id, title="x"), update_mask=mask("title")), metadata=tok))


async def test_publish_refuses_a_departure_in_the_past(trips, traveler, trips_db):
    t = await create_trip(trips, traveler, publish=False)
    query(trips_db, "UPDATE trips SET departure_time = now() - interval '1 hour' WHERE id = %s", t.id)
    d = await expect(OK.FAILED_PRECONDITION, trips.PublishTrip(tpb.PublishTripRequest(trip_id=t.id),
                                                               metadata=bearer(traveler)))
    assert d["ErrorInfo"].reason == "DEPARTURE_PASSED"


async def test_report_status(trips, traveler, customer, trips_db):
    tok = bearer(traveler)
    draft = await create_trip(trips, traveler, publish=False)
    await expect(OK.FAILED_PRECONDITION, trips.ReportTripStatus(tpb.ReportTripStatusRequest(
        trip_id=draft.id, position=ll(PARIS)), metadata=tok))
    t = await create_trip(trips, traveler)
    v = violations(await expect(OK.INVALID_ARGUMENT, trips.ReportTripStatus(tpb.ReportTripStatusRequest(
        trip_id=t.id, note="n" * 501), metadata=tok)))
    assert {"position", "note"} <= set(v)
    bad = tpb.ReportTripStatusRequest(trip_id=t.id, position=ll(PARIS), revised_arrival_time=t.departure_time)
    assert "revised_arrival_time" in violations(await expect(OK.INVALID_ARGUMENT, trips.ReportTripStatus(bad, metadata=tok)))
    await expect(OK.NOT_FOUND, trips.ReportTripStatus(tpb.ReportTripStatusRequest(
        trip_id=t.id, position=ll(PARIS)), metadata=bearer(customer)))
    await expect(OK.UNAUTHENTICATED, trips.ReportTripStatus(tpb.ReportTripStatusRequest(trip_id=t.id), metadata=md()))
    eta = utc(t.arrival_time) + dt.timedelta(minutes=45)
    r = await trips.ReportTripStatus(tpb.ReportTripStatusRequest(trip_id=t.id, position=ll(COLOGNE), note="A4 closed",
                                                                 revised_arrival_time=stamp(eta)), metadata=tok)
    assert r.last_position.latitude == pytest.approx(COLOGNE[0]) and utc(r.revised_arrival_time) == eta
    assert r.status_note == "A4 closed" and r.position_update_time.seconds > 0
    assert r.status == tpb.TRIP_STATUS_PUBLISHED and r.arrival_time == t.arrival_time   # the plan stays
    (ev,) = outbox(trips_db, "trips.trip.status_reported", t.id)
    assert ev["latitude"] == pytest.approx(COLOGNE[0]) and ev["note"] == "A4 closed"


# -- update ----------------------------------------------------------------------------------------------
async def test_update_with_a_field_mask(trips, traveler, customer, trips_db):
    tok = bearer(traveler)
    t = await create_trip(trips, traveler, description="keep me")
    upd = tpb.Trip(id=t.id, title="Paris → Berlin via Cologne", description="ignored: not in the mask",
                   capacity=tpb.Capacity(weight_grams=30_000, volume_cm3=150_000, items=8),
                   pricing=tpb.Pricing(base_price=eur(2000), price_per_kg=eur(150)),
                   restrictions=tpb.Restrictions(refused_categories=["Food"]), tags=["ev"],
                   auto_accept=True, auto_accept_price=eur(3000))
    t2 = await trips.UpdateTrip(tpb.UpdateTripRequest(trip=upd, update_mask=mask(
        "title", "capacity", "pricing", "restrictions", "tags", "auto_accept", "auto_accept_price")), metadata=tok)
    assert t2.title == "Paris → Berlin via Cologne" and t2.description == "keep me"
    assert t2.capacity == t2.available == tpb.Capacity(weight_grams=30_000, volume_cm3=150_000, items=8)
    assert t2.pricing.base_price.amount_minor == 2000 and list(t2.restrictions.refused_categories) == ["food"]
    assert t2.auto_accept and t2.auto_accept_price.amount_minor == 3000 and t2.update_time.seconds > 0
    # new times: validated together, weather forgotten (it was for another hour)
    later = utc(t.departure_time) + dt.timedelta(days=2)
    moved = tpb.Trip(id=t.id, departure_time=stamp(later), arrival_time=stamp(later + dt.timedelta(hours=9)))
    t3 = await trips.UpdateTrip(tpb.UpdateTripRequest(trip=moved, update_mask=mask("departure_time", "arrival_time")),
                                metadata=tok)
    assert utc(t3.departure_time) == later and t3.estimated_duration_minutes == 540
    # departure moved after the stored arrival: the arrival is checked too
    late = tpb.Trip(id=t.id, departure_time=stamp(later + dt.timedelta(hours=12)))
    v = violations(await expect(OK.INVALID_ARGUMENT, trips.UpdateTrip(tpb.UpdateTripRequest(
        trip=late, update_mask=mask("departure_time")), metadata=tok)))
    assert "trip.arrival_time" in v
    v = violations(await expect(OK.INVALID_ARGUMENT, trips.UpdateTrip(tpb.UpdateTripRequest(
        trip=tpb.Trip(id=t.id), update_mask=mask("status", "visibility", "auto_accept")), metadata=tok)))
    assert "update_mask" in v
    v = violations(await expect(OK.INVALID_ARGUMENT, trips.UpdateTrip(tpb.UpdateTripRequest(
        trip=tpb.Trip(id=t.id)), metadata=tok)))
    assert "update_mask" in v
    v = violations(await expect(OK.INVALID_ARGUMENT, trips.UpdateTrip(tpb.UpdateTripRequest(
        trip=tpb.Trip(id=t.id, auto_accept=True), update_mask=mask("auto_accept", "auto_accept_price", "visibility")),
        metadata=tok)))
    assert {"trip.auto_accept_price", "trip.visibility"} <= set(v)
    await expect(OK.NOT_FOUND, trips.UpdateTrip(tpb.UpdateTripRequest(trip=upd, update_mask=mask("title")),
                                                metadata=bearer(customer)))
    await expect(OK.UNAUTHENTICATED, trips.UpdateTrip(tpb.UpdateTripRequest(trip=upd, update_mask=mask("title")),
                                                      metadata=md()))
    kinds = [r[0] for r in query(trips_db, "SELECT kind FROM trip_events WHERE trip_id = %s ORDER BY id", t.id)]
    assert kinds == ["created", "published", "updated", "updated"]
