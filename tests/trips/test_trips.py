"""Trips over a real in-process server, real PostGIS and real tokens from the auth server."""
from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json

import grpc
import pytest
from google.protobuf import field_mask_pb2
from google.type import latlng_pb2

from p2p.trips.v1 import trips_pb2 as tpb
from tests.auth.test_auth_flows import expect, violations
from p2p.auth.v1 import auth_pb2
from tests.conftest import md, signed_up
from tests.trips.conftest import (BERLIN, BRUSSELS, COLOGNE, LYON, PARIS, create_trip, eur, new_id, trip_msg)


def ll(at):
    return latlng_pb2.LatLng(latitude=at[0], longitude=at[1])


# -- create / read -----------------------------------------------------------------------------------
async def test_create_publish_and_read(trips, traveler, customer):
    t = await create_trip(trips, traveler)
    assert t.status == tpb.TRIP_STATUS_PUBLISHED and t.traveler_id == traveler.account.id
    assert t.available.weight_grams == t.capacity.weight_grams == 20_000
    assert 870_000 < t.route_distance_meters < 890_000          # Paris-Berlin great circle ≈ 878 km
    assert t.estimated_duration_minutes == 600
    got = await trips.GetTrip(tpb.GetTripRequest(trip_id=t.id), metadata=md(customer.tokens.access_token))
    assert got.origin.place.location.latitude == pytest.approx(PARIS[0])
    # drafts are invisible to others
    draft = await create_trip(trips, traveler, publish=False)
    assert draft.status == tpb.TRIP_STATUS_DRAFT
    await expect(grpc.StatusCode.NOT_FOUND, trips.GetTrip(tpb.GetTripRequest(trip_id=draft.id),
                                                          metadata=md(customer.tokens.access_token)))
    await expect(grpc.StatusCode.UNAUTHENTICATED, trips.GetTrip(tpb.GetTripRequest(trip_id=t.id), metadata=md()))
    await expect(grpc.StatusCode.INVALID_ARGUMENT, trips.GetTrip(tpb.GetTripRequest(trip_id="x"),
                                                                 metadata=md(customer.tokens.access_token)))


async def test_only_travelers_create_trips(trips, customer):
    d = await expect(grpc.StatusCode.PERMISSION_DENIED, create_trip(trips, customer))
    assert d["ErrorInfo"].reason == "TRAVELER_REQUIRED"


async def test_create_validates_every_field(trips, traveler, sql):
    bad = tpb.Trip(transport_type=0, capacity=tpb.Capacity(weight_grams=-1, items=0),
                   pricing=tpb.Pricing(base_price=tpb.Pricing().base_price, express_multiplier_bp=5),
                   auto_accept=True, tags=["x" * 41])
    bad.origin.place.address = "Paris"
    bad.departure_time.FromDatetime(dt.datetime(2020, 1, 1))
    bad.arrival_time.FromDatetime(dt.datetime(2019, 1, 1))
    d = await expect(grpc.StatusCode.INVALID_ARGUMENT, trips.CreateTrip(tpb.CreateTripRequest(trip=bad),
                                                                        metadata=md(traveler.tokens.access_token)))
    v = violations(d)
    for f in ("trip.transport_type", "trip.origin.place.location", "trip.destination", "trip.departure_time",
              "trip.capacity.weight_grams", "trip.capacity.items", "trip.pricing.express_multiplier_bp",
              "trip.auto_accept_price", "trip.tags"):
        assert f in v, f


async def test_request_id_is_idempotent(trips, traveler):
    req = tpb.CreateTripRequest(trip=trip_msg(), request_id=new_id())
    a = await trips.CreateTrip(req, metadata=md(traveler.tokens.access_token))
    b = await trips.CreateTrip(req, metadata=md(traveler.tokens.access_token))
    assert a.id == b.id


async def test_list_mine_paginates_and_filters(trips, traveler, customer):
    ids = [(await create_trip(trips, traveler, publish=i % 2 == 0)).id for i in range(5)]
    tok = md(traveler.tokens.access_token)
    page = await trips.ListMyTrips(tpb.ListMyTripsRequest(page_size=2), metadata=tok)
    seen = [t.id for t in page.trips]
    while page.next_page_token:
        page = await trips.ListMyTrips(tpb.ListMyTripsRequest(page_size=2, page_token=page.next_page_token), metadata=tok)
        seen += [t.id for t in page.trips]
    assert sorted(seen) == sorted(ids)
    drafts = await trips.ListMyTrips(tpb.ListMyTripsRequest(statuses=[tpb.TRIP_STATUS_DRAFT]), metadata=tok)
    assert len(drafts.trips) == 2
    other = await trips.ListMyTrips(tpb.ListMyTripsRequest(), metadata=md(customer.tokens.access_token))
    assert not other.trips


# -- state machine ----------------------------------------------------------------------------------
async def test_state_machine(trips, traveler, customer, stub, sql):
    tok = md(traveler.tokens.access_token)
    _, other = await signed_up(stub, sql, user_type=auth_pb2.USER_TYPE_BOTH)
    t = await create_trip(trips, traveler, publish=False)
    d = await expect(grpc.StatusCode.FAILED_PRECONDITION, trips.StartTrip(tpb.StartTripRequest(trip_id=t.id), metadata=tok))
    assert d["ErrorInfo"].reason == "INVALID_TRANSITION"
    t = await trips.PublishTrip(tpb.PublishTripRequest(trip_id=t.id), metadata=tok)
    await expect(grpc.StatusCode.NOT_FOUND, trips.StartTrip(tpb.StartTripRequest(trip_id=t.id),
                                                            metadata=md(other.tokens.access_token)))
    await expect(grpc.StatusCode.NOT_FOUND, trips.StartTrip(tpb.StartTripRequest(trip_id=t.id),
                                                            metadata=md(customer.tokens.access_token)))
    t = await trips.StartTrip(tpb.StartTripRequest(trip_id=t.id, position=ll(PARIS)), metadata=tok)
    assert t.status == tpb.TRIP_STATUS_IN_PROGRESS and t.actual_departure_time.seconds > 0
    t = await trips.ReportTripStatus(tpb.ReportTripStatusRequest(trip_id=t.id, position=ll(COLOGNE)), metadata=tok)
    assert t.last_position.latitude == pytest.approx(COLOGNE[0])
    await expect(grpc.StatusCode.FAILED_PRECONDITION, trips.CancelTrip(
        tpb.CancelTripRequest(trip_id=t.id, reason="too late"), metadata=tok))
    t = await trips.CompleteTrip(tpb.CompleteTripRequest(trip_id=t.id), metadata=tok)
    assert t.status == tpb.TRIP_STATUS_COMPLETED and t.actual_arrival_time.seconds > 0


async def test_cancel_needs_reason_and_publishes_event(trips, traveler, trips_db):
    import psycopg
    tok = md(traveler.tokens.access_token)
    t = await create_trip(trips, traveler)
    d = await expect(grpc.StatusCode.INVALID_ARGUMENT, trips.CancelTrip(tpb.CancelTripRequest(trip_id=t.id), metadata=tok))
    assert "reason" in violations(d)
    c = await trips.CancelTrip(tpb.CancelTripRequest(trip_id=t.id, reason="car broke down"), metadata=tok)
    assert c.status == tpb.TRIP_STATUS_CANCELLED and c.cancellation_reason == "car broke down"
    with psycopg.connect(trips_db) as conn:
        ev = conn.execute("SELECT payload FROM outbox_events WHERE topic = 'trips.trip.cancelled' "
                          "AND aggregate_id = %s", (t.id,)).fetchone()
    assert ev and ev[0]["reason"] == "car broke down"


async def test_recurring_series(trips, traveler):
    tok = md(traveler.tokens.access_token)
    msg = trip_msg(days=3)
    dep = msg.departure_time.ToDatetime(tzinfo=dt.timezone.utc)
    msg.recurrence.frequency = tpb.RECURRENCE_FREQUENCY_WEEKLY
    msg.recurrence.until.FromDatetime(dep + dt.timedelta(days=27))
    root = await trips.CreateTrip(tpb.CreateTripRequest(trip=msg, publish=True), metadata=tok)
    mine = await trips.ListMyTrips(tpb.ListMyTripsRequest(page_size=200), metadata=tok)
    children = sorted((t for t in mine.trips if t.parent_trip_id == root.id), key=lambda t: t.departure_time.seconds)
    assert len(children) == 3   # weekly for four weeks: the first trip and three more
    assert [(c.departure_time.seconds - root.departure_time.seconds) // 86400 for c in children] == [7, 14, 21]
    # cancelling the series from the second trip keeps the first
    await trips.CancelTrip(tpb.CancelTripRequest(trip_id=children[0].id, reason="moved", scope=tpb.CANCEL_SCOPE_SERIES),
                           metadata=tok)
    after = {t.id: t.status for t in (await trips.ListMyTrips(tpb.ListMyTripsRequest(page_size=200), metadata=tok)).trips}
    assert after[root.id] == tpb.TRIP_STATUS_PUBLISHED
    assert all(after[c.id] == tpb.TRIP_STATUS_CANCELLED for c in children)
    bad = trip_msg()
    bad.recurrence.frequency = tpb.RECURRENCE_FREQUENCY_DAILY
    d = await expect(grpc.StatusCode.INVALID_ARGUMENT, trips.CreateTrip(tpb.CreateTripRequest(trip=bad), metadata=tok))
    assert "trip.recurrence.until" in violations(d)


# -- update and capacity ---------------------------------------------------------------------------------
async def test_update_with_mask_and_reservation_locks(trips, traveler, customer, service_token):
    tok = md(traveler.tokens.access_token)
    t = await create_trip(trips, traveler)
    upd = tpb.Trip(id=t.id, title="Paris → Berlin via Cologne", capacity=tpb.Capacity(weight_grams=30_000, volume_cm3=100_000, items=5))
    t2 = await trips.UpdateTrip(tpb.UpdateTripRequest(trip=upd, update_mask=field_mask_pb2.FieldMask(paths=["title", "capacity"])),
                                metadata=tok)
    assert t2.title == "Paris → Berlin via Cologne" and t2.available.weight_grams == 30_000
    await expect(grpc.StatusCode.NOT_FOUND, trips.UpdateTrip(tpb.UpdateTripRequest(
        trip=upd, update_mask=field_mask_pb2.FieldMask(paths=["title"])), metadata=md(customer.tokens.access_token)))
    await trips.ReserveCapacity(tpb.ReserveCapacityRequest(trip_id=t.id, delivery_id="dlv-1", weight_grams=12_000, items=1),
                                metadata=md(service_token))
    moved = tpb.Trip(id=t.id, destination=tpb.Endpoint(place=t.origin.place))
    moved.destination.place.address = "Hamburg"
    moved.destination.place.location.latitude, moved.destination.place.location.longitude = 53.55, 9.99
    d = await expect(grpc.StatusCode.FAILED_PRECONDITION, trips.UpdateTrip(tpb.UpdateTripRequest(
        trip=moved, update_mask=field_mask_pb2.FieldMask(paths=["destination"])), metadata=tok))
    assert d["ErrorInfo"].reason == "TRIP_HAS_RESERVATIONS"
    small = tpb.Trip(id=t.id, capacity=tpb.Capacity(weight_grams=10_000, volume_cm3=100_000, items=5))
    await expect(grpc.StatusCode.FAILED_PRECONDITION, trips.UpdateTrip(tpb.UpdateTripRequest(
        trip=small, update_mask=field_mask_pb2.FieldMask(paths=["capacity"])), metadata=tok))
    ok = tpb.Trip(id=t.id, capacity=tpb.Capacity(weight_grams=15_000, volume_cm3=100_000, items=5))
    t3 = await trips.UpdateTrip(tpb.UpdateTripRequest(trip=ok, update_mask=field_mask_pb2.FieldMask(paths=["capacity"])),
                                metadata=tok)
    assert t3.available.weight_grams == 3_000
    d = await expect(grpc.StatusCode.INVALID_ARGUMENT, trips.UpdateTrip(tpb.UpdateTripRequest(
        trip=ok, update_mask=field_mask_pb2.FieldMask(paths=["status"])), metadata=tok))
    assert "update_mask" in violations(d)


async def test_reserve_and_release_are_idempotent(trips, traveler, service_token):
    t = await create_trip(trips, traveler, weight=10_000)
    svc = md(service_token)
    r1 = await trips.ReserveCapacity(tpb.ReserveCapacityRequest(trip_id=t.id, delivery_id="d-a", weight_grams=4000, items=1), metadata=svc)
    r2 = await trips.ReserveCapacity(tpb.ReserveCapacityRequest(trip_id=t.id, delivery_id="d-a", weight_grams=4000, items=1), metadata=svc)
    assert r1.available_weight_grams == r2.available_weight_grams == 6000
    d = await expect(grpc.StatusCode.FAILED_PRECONDITION, trips.ReserveCapacity(
        tpb.ReserveCapacityRequest(trip_id=t.id, delivery_id="d-a", weight_grams=5000, items=1), metadata=svc))
    assert d["ErrorInfo"].reason == "RESERVATION_MISMATCH"
    d = await expect(grpc.StatusCode.FAILED_PRECONDITION, trips.ReserveCapacity(
        tpb.ReserveCapacityRequest(trip_id=t.id, delivery_id="d-b", weight_grams=7000, items=1), metadata=svc))
    assert d["ErrorInfo"].reason == "CAPACITY_EXCEEDED"
    rel = await trips.ReleaseCapacity(tpb.ReleaseCapacityRequest(trip_id=t.id, delivery_id="d-a"), metadata=svc)
    again = await trips.ReleaseCapacity(tpb.ReleaseCapacityRequest(trip_id=t.id, delivery_id="d-a"), metadata=svc)
    assert rel.released and again.released and rel.available_weight_grams == again.available_weight_grams == 10_000
    # users cannot call the internal methods
    await expect(grpc.StatusCode.PERMISSION_DENIED, trips.ReserveCapacity(
        tpb.ReserveCapacityRequest(trip_id=t.id, delivery_id="d-c", weight_grams=1), metadata=md(traveler.tokens.access_token)))


async def test_concurrent_reservations_never_overbook(trips, traveler, service_token):
    t = await create_trip(trips, traveler, weight=10_000)
    calls = [trips.ReserveCapacity(tpb.ReserveCapacityRequest(trip_id=t.id, delivery_id=new_id(), weight_grams=1000, items=0,
                                                              volume_cm3=1), metadata=md(service_token)) for _ in range(25)]
    results = await asyncio.gather(*calls, return_exceptions=True)
    ok = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(ok) == 10 and len(refused) == 15
    assert all(r.code() == grpc.StatusCode.FAILED_PRECONDITION for r in refused)
    got = await trips.GetTrip(tpb.GetTripRequest(trip_id=t.id), metadata=md(service_token))
    assert got.available.weight_grams == 0


# -- matching (hand-checked geography) ------------------------------------------------------------------------
async def test_match_along_the_route_corridor(trips, traveler, service_token):
    t = await create_trip(trips, traveler, tags=["match-geo"])
    svc = md(service_token)

    async def match(a, b, **kw):
        kw.setdefault("weight_grams", 1000)
        r = await trips.MatchTrips(tpb.MatchTripsRequest(pickup=ll(a), dropoff=ll(b), max_detour_meters=150_000,
                                                         page_size=200, **kw), metadata=svc)
        return {m.trip.id: m for m in r.matches}

    hit = await match(BRUSSELS, COLOGNE)
    assert t.id in hit
    m = hit[t.id]
    assert 100_000 < m.pickup_detour_meters < 130_000 and m.dropoff_detour_meters < 50_000
    assert 0 < m.pickup_fraction < m.dropoff_fraction < 1
    assert t.id not in await match(COLOGNE, BRUSSELS)       # wrong direction
    assert t.id not in await match(LYON, BERLIN)            # pickup far off the route
    assert t.id not in await match(BRUSSELS, COLOGNE, exclude_traveler_ids=[traveler.account.id])
    assert t.id not in await match(BRUSSELS, COLOGNE, weight_grams=25_000)
    dep = t.departure_time.ToDatetime(tzinfo=dt.timezone.utc)
    early = tpb.MatchTripsRequest(pickup=ll(BRUSSELS), dropoff=ll(COLOGNE), max_detour_meters=150_000)
    early.pickup_window_end.FromDatetime(dep - dt.timedelta(days=1))
    assert t.id not in {x.trip.id for x in (await trips.MatchTrips(early, metadata=svc)).matches}
    narrow = await match(BRUSSELS, COLOGNE)
    assert t.id in narrow
    await expect(grpc.StatusCode.PERMISSION_DENIED, trips.MatchTrips(early, metadata=md(traveler.tokens.access_token)))
    await expect(grpc.StatusCode.INVALID_ARGUMENT, trips.MatchTrips(tpb.MatchTripsRequest(), metadata=svc))


async def test_match_respects_category_restrictions(trips, traveler, service_token):
    t = await create_trip(trips, traveler, restrictions=tpb.Restrictions(refused_categories=["food"]))
    only_docs = await create_trip(trips, traveler, restrictions=tpb.Restrictions(accepted_categories=["documents"]))

    async def ids(cat):
        r = await trips.MatchTrips(tpb.MatchTripsRequest(pickup=ll(BRUSSELS), dropoff=ll(COLOGNE), max_detour_meters=150_000,
                                                         item_category=cat, page_size=200), metadata=md(service_token))
        return {m.trip.id for m in r.matches}
    assert t.id not in await ids("food") and only_docs.id not in await ids("food")
    assert {t.id, only_docs.id} <= await ids("documents")
    assert t.id in await ids("electronics") and only_docs.id not in await ids("electronics")


# -- search and public insights -----------------------------------------------------------------------------
async def test_public_search_and_popular_routes(trips, traveler):
    t = await create_trip(trips, traveler, origin=("Lyon", LYON), destination=("Brussels", BRUSSELS), weight=9_000)
    r = await trips.SearchTrips(tpb.SearchTripsRequest(origin=ll((45.75, 4.85)), destination=ll(BRUSSELS),
                                                       radius_meters=20_000, page_size=50), metadata=md())
    assert t.id in [x.id for x in r.trips]
    r = await trips.SearchTrips(tpb.SearchTripsRequest(origin=ll(LYON), min_weight_grams=10_000, page_size=50), metadata=md())
    assert t.id not in [x.id for x in r.trips]
    d = await expect(grpc.StatusCode.INVALID_ARGUMENT, trips.SearchTrips(tpb.SearchTripsRequest(page_size=500), metadata=md()))
    assert "page_size" in violations(d)
    pop = await trips.ListPopularRoutes(tpb.ListPopularRoutesRequest(limit=50), metadata=md())
    assert any(x.origin_address == "Lyon" and x.destination_address == "Brussels" for x in pop.routes)


async def test_share_export_analytics_statistics(trips, traveler, customer, service_token):
    tok = md(traveler.tokens.access_token)
    t = await create_trip(trips, traveler)
    await trips.ReserveCapacity(tpb.ReserveCapacityRequest(trip_id=t.id, delivery_id=new_id(), weight_grams=5000, items=1),
                                metadata=md(service_token))
    share = await trips.ShareTrip(tpb.ShareTripRequest(trip_id=t.id), metadata=tok)
    assert share.share_url.endswith(t.id) and share.qr_code_png[:4] == b"\x89PNG"
    js = await trips.ExportTrip(tpb.ExportTripRequest(trip_id=t.id, format=tpb.EXPORT_FORMAT_JSON), metadata=tok)
    assert json.loads(js.content)["id"] == t.id and js.content_type == "application/json"
    cs = await trips.ExportTrip(tpb.ExportTripRequest(trip_id=t.id, format=tpb.EXPORT_FORMAT_CSV), metadata=tok)
    assert next(csv.DictReader(io.StringIO(cs.content.decode())))["id"] == t.id
    await expect(grpc.StatusCode.INVALID_ARGUMENT, trips.ExportTrip(tpb.ExportTripRequest(trip_id=t.id), metadata=tok))
    await expect(grpc.StatusCode.NOT_FOUND, trips.ExportTrip(tpb.ExportTripRequest(trip_id=t.id, format=1),
                                                             metadata=md(customer.tokens.access_token)))
    a = await trips.GetTripAnalytics(tpb.GetTripAnalyticsRequest(trip_id=t.id), metadata=tok)
    assert a.reservations == 1 and a.reserved.weight_grams == 5000 and a.weight_utilisation_bp == 2500
    assert a.estimated_earnings.amount_minor == 1500 + 200 * 5 and [e.kind for e in a.timeline][:2] == ["created", "published"]
    await expect(grpc.StatusCode.NOT_FOUND, trips.GetTripAnalytics(tpb.GetTripAnalyticsRequest(trip_id=t.id),
                                                                   metadata=md(customer.tokens.access_token)))
    st = await trips.GetTripStatistics(tpb.GetTripStatisticsRequest(), metadata=tok)
    assert st.total_trips >= 1 and st.published >= 1 and st.top_routes
    rec = await trips.GetTripRecommendations(tpb.GetTripRecommendationsRequest(limit=5), metadata=tok)
    assert rec.recommendations and rec.recommendations[0].reason
    await expect(grpc.StatusCode.UNIMPLEMENTED, trips.ListTripReviews(tpb.ListTripReviewsRequest(trip_id=t.id), metadata=tok))


async def test_templates_and_duplicate(trips, traveler, customer):
    tok = md(traveler.tokens.access_token)
    t = await create_trip(trips, traveler)
    tpl = await trips.CreateTripTemplate(tpb.CreateTripTemplateRequest(name="Weekly Berlin run", trip_id=t.id), metadata=tok)
    assert tpl.trip.origin.place.address == "Paris" and tpl.usage_count == 0
    lst = await trips.ListTripTemplates(tpb.ListTripTemplatesRequest(), metadata=tok)
    assert tpl.id in [x.id for x in lst.templates]
    req = tpb.CreateTripFromTemplateRequest(template_id=tpl.id)
    dep = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=20)
    req.departure_time.FromDatetime(dep)
    req.arrival_time.FromDatetime(dep + dt.timedelta(hours=9))
    made = await trips.CreateTripFromTemplate(req, metadata=tok)
    assert made.status == tpb.TRIP_STATUS_DRAFT and made.destination.place.address == "Berlin"
    lst = await trips.ListTripTemplates(tpb.ListTripTemplatesRequest(), metadata=tok)
    used = next(x for x in lst.templates if x.id == tpl.id)
    assert used.usage_count == 1 and used.last_use_time.seconds > 0
    await expect(grpc.StatusCode.PERMISSION_DENIED, trips.CreateTripFromTemplate(req, metadata=md(customer.tokens.access_token)))
    dup_req = tpb.DuplicateTripRequest(trip_id=t.id)
    dup_req.departure_time.FromDatetime(dep + dt.timedelta(days=1))
    dup = await trips.DuplicateTrip(dup_req, metadata=tok)
    assert dup.id != t.id and dup.estimated_duration_minutes == t.estimated_duration_minutes
    d = await expect(grpc.StatusCode.INVALID_ARGUMENT, trips.CreateTripTemplate(tpb.CreateTripTemplateRequest(), metadata=tok))
    assert {"name", "source"} <= set(violations(d))


# -- weather ------------------------------------------------------------------------------------------------
async def test_weather_from_open_meteo_and_outage(trips, traveler, weather_server):
    t = await create_trip(trips, traveler)
    w = await trips.GetTripWeather(tpb.GetTripWeatherRequest(trip_id=t.id), metadata=md(traveler.tokens.access_token))
    assert w.available and w.origin.summary and w.destination.weather_code in (61, 63, 65, 95, 82, 3)
    assert w.travel_conditions in ("good", "fair", "poor", "severe")
    weather_server.mode = "error"
    try:
        t2 = await create_trip(trips, traveler)       # creation never fails on a weather outage
        w2 = await trips.GetTripWeather(tpb.GetTripWeatherRequest(trip_id=t2.id), metadata=md(traveler.tokens.access_token))
        assert not w2.available
    finally:
        weather_server.mode = "ok"
    w3 = await trips.GetTripWeather(tpb.GetTripWeatherRequest(trip_id=t2.id), metadata=md(traveler.tokens.access_token))
    assert w3.available


def test_storm_alerts_from_recorded_berlin_response():
    from services.trips.weather import assess
    storm = {"weather_code": 95, "wind_speed_kmh": 74.1, "precipitation_mm": 14.2}
    calm = {"weather_code": 2, "wind_speed_kmh": 12.0, "precipitation_mm": 0.0}
    cond, alerts = assess(calm, storm)
    assert cond == "severe" and any("thunderstorm" in a for a in alerts) and any("wind" in a for a in alerts)
    assert assess(calm, calm) == ("good", [])


def test_weekly_occurrences():
    from services.trips.domain import Recurrence, occurrences
    first = dt.datetime(2026, 12, 7, 9, tzinfo=dt.timezone.utc)        # a Monday
    got = occurrences(first, Recurrence("weekly", 1, [1, 5], first + dt.timedelta(days=14)))
    assert [(d - first).days for d in got] == [4, 7, 11, 14]
    got = occurrences(first, Recurrence("daily", 2, [], first + dt.timedelta(days=400)))
    assert len(got) == 45 and (got[-1] - first).days == 90   # capped at the 90-day horizon
