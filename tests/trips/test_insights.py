"""Templates, duplicating, sharing, exporting, analytics, statistics, popular routes and
recommendations (reviews: test_reviews.py)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random

import grpc
import pytest
from PIL import Image

from p2p.trips.v1 import trips_pb2 as tpb
from tests.auth.test_auth_flows import expect, violations
from tests.conftest import md
from tests.trips.conftest import BERLIN, PARIS, bearer, create_trip, eur, ll, new_id, outbox, stamp, trip_msg, utc

OK = grpc.StatusCode


def departure(days: float) -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(days=days)


# -- templates ---------------------------------------------------------------------------------------
async def test_templates_from_a_trip_and_from_data(trips, traveler, customer, stranger, trips_db):
    tok = bearer(traveler)
    t = await create_trip(trips, traveler, restrictions=tpb.Restrictions(refused_categories=["food"]),
                          tags=["berlin"], auto_accept=True, auto_accept_price=eur(2500), hours=9)
    tpl = await trips.CreateTripTemplate(tpb.CreateTripTemplateRequest(name="Weekly Berlin run", trip_id=t.id),
                                         metadata=tok)
    assert tpl.trip.origin.place.address == "Paris" and tpl.usage_count == 0 and not tpl.last_use_time.seconds
    assert list(tpl.trip.restrictions.refused_categories) == ["food"] and tpl.trip.auto_accept_price.amount_minor == 2500
    assert tpl.trip.estimated_duration_minutes == 540 and list(tpl.trip.tags) == ["berlin"]
    d = await expect(OK.ALREADY_EXISTS, trips.CreateTripTemplate(tpb.CreateTripTemplateRequest(
        name="Weekly Berlin run", trip_id=t.id), metadata=tok))
    assert d["ErrorInfo"].reason == "TEMPLATE_NAME_TAKEN"
    data = trip_msg(origin=("Lyon", (45.764, 4.8357)), title="Lyon run")
    data.ClearField("departure_time")
    data.ClearField("arrival_time")
    data.estimated_duration_minutes = 300
    tpl2 = await trips.CreateTripTemplate(tpb.CreateTripTemplateRequest(name="Lyon", trip=data), metadata=tok)
    assert tpl2.trip.origin.place.address == "Lyon" and tpl2.trip.estimated_duration_minutes == 300
    lst = await trips.ListTripTemplates(tpb.ListTripTemplatesRequest(page_size=1), metadata=tok)
    assert [x.id for x in lst.templates] == [tpl2.id] and lst.next_page_token
    lst = await trips.ListTripTemplates(tpb.ListTripTemplatesRequest(page_size=1, page_token=lst.next_page_token),
                                        metadata=tok)
    assert [x.id for x in lst.templates] == [tpl.id] and not lst.next_page_token
    assert not (await trips.ListTripTemplates(tpb.ListTripTemplatesRequest(), metadata=bearer(stranger))).templates
    # a trip from the template: arrival from its duration; usage count and last use updated
    dep = departure(20)
    req = tpb.CreateTripFromTemplateRequest(template_id=tpl.id, departure_time=stamp(dep), request_id=new_id())
    made = await trips.CreateTripFromTemplate(req, metadata=tok)
    again = await trips.CreateTripFromTemplate(req, metadata=tok)
    assert made.id == again.id                                   # idempotent by request_id
    assert made.status == tpb.TRIP_STATUS_DRAFT and made.destination.place.address == "Berlin"
    assert utc(made.arrival_time) == dep + dt.timedelta(minutes=540) and made.auto_accept
    lst = await trips.ListTripTemplates(tpb.ListTripTemplatesRequest(), metadata=tok)
    used = next(x for x in lst.templates if x.id == tpl.id)
    assert used.usage_count == 1 and used.last_use_time.seconds > 0
    pub = await trips.CreateTripFromTemplate(tpb.CreateTripFromTemplateRequest(
        template_id=tpl2.id, departure_time=stamp(dep), arrival_time=stamp(dep + dt.timedelta(hours=4)), publish=True),
        metadata=tok)
    assert pub.status == tpb.TRIP_STATUS_PUBLISHED and outbox(trips_db, "trips.trip.published", pub.id)
    # others, customers, the unauthenticated, bad input
    await expect(OK.NOT_FOUND, trips.CreateTripFromTemplate(req, metadata=bearer(stranger)))
    d = await expect(OK.PERMISSION_DENIED, trips.CreateTripFromTemplate(req, metadata=bearer(customer)))
    assert d["ErrorInfo"].reason == "TRAVELER_REQUIRED"
    await expect(OK.UNAUTHENTICATED, trips.CreateTripFromTemplate(req, metadata=md()))
    v = violations(await expect(OK.INVALID_ARGUMENT, trips.CreateTripFromTemplate(tpb.CreateTripFromTemplateRequest(
        template_id=tpl.id), metadata=tok)))
    assert "request.departure_time" in v
    v = violations(await expect(OK.INVALID_ARGUMENT, trips.CreateTripTemplate(tpb.CreateTripTemplateRequest(),
                                                                              metadata=tok)))
    assert {"name", "source"} <= set(v)
    await expect(OK.NOT_FOUND, trips.CreateTripTemplate(tpb.CreateTripTemplateRequest(name="x", trip_id=t.id),
                                                        metadata=bearer(stranger)))
    await expect(OK.PERMISSION_DENIED, trips.ListTripTemplates(tpb.ListTripTemplatesRequest(), metadata=bearer(customer)))
    await expect(OK.UNAUTHENTICATED, trips.ListTripTemplates(tpb.ListTripTemplatesRequest(), metadata=md()))
    # deleting
    await expect(OK.NOT_FOUND, trips.DeleteTripTemplate(tpb.DeleteTripTemplateRequest(template_id=tpl.id),
                                                        metadata=bearer(stranger)))
    await trips.DeleteTripTemplate(tpb.DeleteTripTemplateRequest(template_id=tpl.id), metadata=tok)
    await expect(OK.NOT_FOUND, trips.DeleteTripTemplate(tpb.DeleteTripTemplateRequest(template_id=tpl.id), metadata=tok))
    await expect(OK.NOT_FOUND, trips.CreateTripFromTemplate(tpb.CreateTripFromTemplateRequest(
        template_id=tpl.id, departure_time=stamp(dep)), metadata=tok))


async def test_duplicate_onto_new_dates(trips, traveler, customer, stranger, service_token):
    tok = bearer(traveler)
    t = await create_trip(trips, traveler, hours=8)
    await trips.ReserveCapacity(tpb.ReserveCapacityRequest(trip_id=t.id, delivery_id=new_id(), weight_grams=5000,
                                                           items=1), metadata=md(service_token))
    await trips.CancelTrip(tpb.CancelTripRequest(trip_id=t.id, reason="sick"), metadata=tok)   # any state is copied
    dep = departure(12)
    req = tpb.DuplicateTripRequest(trip_id=t.id, departure_time=stamp(dep), request_id=new_id())
    dup = await trips.DuplicateTrip(req, metadata=tok)
    assert (await trips.DuplicateTrip(req, metadata=tok)).id == dup.id
    assert dup.id != t.id and dup.status == tpb.TRIP_STATUS_DRAFT and utc(dup.departure_time) == dep
    assert dup.estimated_duration_minutes == 480 and dup.available == dup.capacity == t.capacity
    assert dup.title == t.title and dup.pricing == t.pricing and not dup.cancellation_reason
    pub = await trips.DuplicateTrip(tpb.DuplicateTripRequest(
        trip_id=t.id, departure_time=stamp(dep), arrival_time=stamp(dep + dt.timedelta(hours=5)), publish=True),
        metadata=tok)
    assert pub.status == tpb.TRIP_STATUS_PUBLISHED and pub.estimated_duration_minutes == 300
    await expect(OK.NOT_FOUND, trips.DuplicateTrip(req, metadata=bearer(stranger)))
    await expect(OK.PERMISSION_DENIED, trips.DuplicateTrip(req, metadata=bearer(customer)))
    await expect(OK.UNAUTHENTICATED, trips.DuplicateTrip(req, metadata=md()))
    v = violations(await expect(OK.INVALID_ARGUMENT, trips.DuplicateTrip(tpb.DuplicateTripRequest(
        trip_id=t.id, departure_time=stamp(dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc))), metadata=tok)))
    assert "request.departure_time" in v


# -- sharing -------------------------------------------------------------------------------------------
async def test_share_link_opens_a_private_trip(trips, traveler, customer, stranger):
    tok = bearer(traveler)
    private = await create_trip(trips, traveler, visibility=tpb.TRIP_VISIBILITY_PRIVATE)
    share = await trips.ShareTrip(tpb.ShareTripRequest(trip_id=private.id), metadata=tok)
    assert share.share_url == f"http://127.0.0.1:8080/trips/{private.id}?share={share.share_token}"
    assert share.deep_link == f"p2pdelivery://trips/{private.id}?share={share.share_token}"
    img = Image.open(io.BytesIO(share.qr_code_png))
    assert img.format == "PNG" and img.size[0] == img.size[1] > 100
    await expect(OK.NOT_FOUND, trips.GetTrip(tpb.GetTripRequest(trip_id=private.id), metadata=bearer(customer)))
    got = await trips.GetTrip(tpb.GetTripRequest(trip_id=private.id, share_token=share.share_token),
                              metadata=bearer(customer))
    assert got.id == private.id
    other = await create_trip(trips, traveler, visibility=tpb.TRIP_VISIBILITY_PRIVATE)
    await expect(OK.NOT_FOUND, trips.GetTrip(tpb.GetTripRequest(trip_id=other.id, share_token=share.share_token),
                                             metadata=bearer(customer)))   # a token opens its own trip only
    # not shareable: drafts; not the owner: NOT_FOUND
    draft = await create_trip(trips, traveler, publish=False)
    await expect(OK.FAILED_PRECONDITION, trips.ShareTrip(tpb.ShareTripRequest(trip_id=draft.id), metadata=tok))
    await expect(OK.NOT_FOUND, trips.ShareTrip(tpb.ShareTripRequest(trip_id=private.id), metadata=bearer(stranger)))
    await expect(OK.UNAUTHENTICATED, trips.ShareTrip(tpb.ShareTripRequest(trip_id=private.id), metadata=md()))
    await expect(OK.INVALID_ARGUMENT, trips.ShareTrip(tpb.ShareTripRequest(trip_id=""), metadata=tok))
    # a cancelled trip is closed again, link or not
    await trips.CancelTrip(tpb.CancelTripRequest(trip_id=private.id, reason="x"), metadata=tok)
    await expect(OK.NOT_FOUND, trips.GetTrip(tpb.GetTripRequest(trip_id=private.id, share_token=share.share_token),
                                             metadata=bearer(customer)))


# -- export ----------------------------------------------------------------------------------------------
async def test_export_json_csv_pdf(trips, traveler, customer):
    tok = bearer(traveler)
    t = await create_trip(trips, traveler, tags=["gift", "ev"])
    js = await trips.ExportTrip(tpb.ExportTripRequest(trip_id=t.id, format=tpb.EXPORT_FORMAT_JSON), metadata=tok)
    doc = json.loads(js.content)
    assert js.content_type == "application/json" and js.filename == f"trip-{t.id}.json"
    assert doc["id"] == t.id and doc["origin"]["place"]["address"] == "Paris" and doc["capacity"]["weight_grams"] == "20000"
    assert [e["kind"] for e in doc["timeline"]] == ["created", "published"]
    cs = await trips.ExportTrip(tpb.ExportTripRequest(trip_id=t.id, format=tpb.EXPORT_FORMAT_CSV), metadata=tok)
    row = next(csv.DictReader(io.StringIO(cs.content.decode())))
    assert cs.content_type == "text/csv" and row["id"] == t.id and row["destination.place.address"] == "Berlin"
    assert row["tags"] == "gift; ev" and row["available.weight_grams"] == "20000"
    pdf = await trips.ExportTrip(tpb.ExportTripRequest(trip_id=t.id, format=tpb.EXPORT_FORMAT_PDF), metadata=tok)
    assert pdf.content_type == "application/pdf" and pdf.content.startswith(b"%PDF-") and pdf.filename.endswith(".pdf")
    assert b"/Type /Page" in pdf.content
    await expect(OK.INVALID_ARGUMENT, trips.ExportTrip(tpb.ExportTripRequest(trip_id=t.id), metadata=tok))
    await expect(OK.NOT_FOUND, trips.ExportTrip(tpb.ExportTripRequest(trip_id=t.id, format=1), metadata=bearer(customer)))
    await expect(OK.UNAUTHENTICATED, trips.ExportTrip(tpb.ExportTripRequest(trip_id=t.id, format=1), metadata=md()))


# -- analytics and statistics ----------------------------------------------------------------------------
async def test_analytics_timeline_and_earnings(trips, traveler, customer, service_token):
    tok = bearer(traveler)
    t = await create_trip(trips, traveler)
    svc = md(service_token)
    d1, d2 = new_id(), new_id()
    await trips.ReserveCapacity(tpb.ReserveCapacityRequest(trip_id=t.id, delivery_id=d1, weight_grams=5000, items=1),
                                metadata=svc)
    await trips.ReserveCapacity(tpb.ReserveCapacityRequest(trip_id=t.id, delivery_id=d2, weight_grams=2500, items=1),
                                metadata=svc)
    await trips.ReleaseCapacity(tpb.ReleaseCapacityRequest(trip_id=t.id, delivery_id=d2), metadata=svc)
    await trips.StartTrip(tpb.StartTripRequest(trip_id=t.id, position=ll(PARIS)), metadata=tok)
    a = await trips.GetTripAnalytics(tpb.GetTripAnalyticsRequest(trip_id=t.id), metadata=tok)
    assert a.reservations == 1 and a.released_reservations == 1 and a.status == tpb.TRIP_STATUS_IN_PROGRESS
    assert a.reserved == tpb.Capacity(weight_grams=5000, items=1) and a.capacity.weight_grams == 20_000
    assert a.weight_utilisation_bp == 2500
    assert a.estimated_earnings == eur(1500 + 200 * 5)         # base + per kg x 5 kg
    assert [e.kind for e in a.timeline] == ["created", "published", "capacity_reserved", "capacity_reserved",
                                            "capacity_released", "started"]
    assert d1 in a.timeline[2].detail and a.timeline[-1].position.latitude == pytest.approx(PARIS[0])
    times = [e.time.ToNanoseconds() for e in a.timeline]
    assert times == sorted(times)
    await expect(OK.NOT_FOUND, trips.GetTripAnalytics(tpb.GetTripAnalyticsRequest(trip_id=t.id), metadata=bearer(customer)))
    await expect(OK.UNAUTHENTICATED, trips.GetTripAnalytics(tpb.GetTripAnalyticsRequest(trip_id=t.id), metadata=md()))
    await expect(OK.INVALID_ARGUMENT, trips.GetTripAnalytics(tpb.GetTripAnalyticsRequest(trip_id="x"), metadata=tok))


async def test_statistics_of_my_trips(trips, stub, sql, customer):
    from p2p.auth.v1 import auth_pb2
    from tests.conftest import signed_up
    _, me = await signed_up(stub, sql, user_type=auth_pb2.USER_TYPE_TRAVELER)     # a fresh traveler: exact totals
    tok = bearer(me)
    done = await create_trip(trips, me)
    await trips.StartTrip(tpb.StartTripRequest(trip_id=done.id), metadata=tok)
    await trips.CompleteTrip(tpb.CompleteTripRequest(trip_id=done.id), metadata=tok)
    await create_trip(trips, me, weight=5_000)
    await create_trip(trips, me, publish=False)
    gone = await create_trip(trips, me, origin=("Berlin", BERLIN), destination=("Paris", PARIS))
    await trips.CancelTrip(tpb.CancelTripRequest(trip_id=gone.id, reason="x"), metadata=tok)
    st = await trips.GetTripStatistics(tpb.GetTripStatisticsRequest(), metadata=tok)
    assert (st.total_trips, st.draft, st.published, st.in_progress, st.completed, st.cancelled) == (4, 1, 1, 0, 1, 1)
    assert st.distance_travelled_meters == done.route_distance_meters
    assert st.weight_offered_grams == 25_000
    assert (st.top_routes[0].origin_address, st.top_routes[0].destination_address, st.top_routes[0].trips) == \
        ("Paris", "Berlin", 3)
    d = await expect(OK.PERMISSION_DENIED, trips.GetTripStatistics(tpb.GetTripStatisticsRequest(),
                                                                    metadata=bearer(customer)))
    assert d["ErrorInfo"].reason == "TRAVELER_REQUIRED"
    await expect(OK.UNAUTHENTICATED, trips.GetTripStatistics(tpb.GetTripStatisticsRequest(), metadata=md()))


# -- popular routes and recommendations ---------------------------------------------------------------------
async def test_popular_routes_and_recommendations(trips, stub, sql, traveler, customer):
    from p2p.auth.v1 import auth_pb2
    from tests.conftest import signed_up
    lat, lng = 36 + random.random() * 2, -6 + random.random() * 2          # a route of its own (Andalusia)
    here, there = ("Plaza Mayor", (lat, lng)), ("Estación", (lat + 1.2, lng + 0.8))
    for price in (1000, 3000, 2000, 2000):
        await create_trip(trips, traveler, origin=here, destination=there, pricing=tpb.Pricing(base_price=eur(price)))
    await create_trip(trips, traveler, origin=here, destination=there, publish=False)            # drafts do not count
    await create_trip(trips, traveler, origin=here, destination=there, visibility=tpb.TRIP_VISIBILITY_PRIVATE)
    pop = await trips.ListPopularRoutes(tpb.ListPopularRoutesRequest(limit=50), metadata=md())   # public
    mine = [r for r in pop.routes if r.origin_address == "Plaza Mayor"]
    assert len(mine) == 1 and mine[0].trips == 4 and mine[0].median_base_price == eur(2000)
    assert mine[0].origin.latitude == pytest.approx(round(lat, 1)) and mine[0].destination_address == "Estación"
    assert "limit" in violations(await expect(OK.INVALID_ARGUMENT, trips.ListPopularRoutes(
        tpb.ListPopularRoutesRequest(limit=51), metadata=md())))
    # recommendations: a fresh traveler with one own route gets it first, then popular routes
    _, me = await signed_up(stub, sql, user_type=auth_pb2.USER_TYPE_BOTH)
    own = await create_trip(trips, me, origin=("Home", (lat + 0.3, lng)), destination=("Work", (lat + 0.9, lng)))
    rec = await trips.GetTripRecommendations(tpb.GetTripRecommendationsRequest(limit=50), metadata=bearer(me))
    first = rec.recommendations[0]
    assert first.own_route and first.route.origin_address == "Home" and first.reason == "you travel this route often"
    dep = utc(own.departure_time)
    assert first.suggested_weekday == dep.isoweekday() and first.suggested_hour == dep.hour
    slot = utc(first.suggested_departure_time)
    assert slot > dt.datetime.now(dt.timezone.utc) and slot.isoweekday() == dep.isoweekday() and slot.hour == dep.hour
    others = [r for r in rec.recommendations[1:]]
    assert others and not any(r.own_route for r in others)
    assert any(r.route.origin_address == "Plaza Mayor" for r in others)
    await expect(OK.PERMISSION_DENIED, trips.GetTripRecommendations(tpb.GetTripRecommendationsRequest(),
                                                                    metadata=bearer(customer)))
    await expect(OK.UNAUTHENTICATED, trips.GetTripRecommendations(tpb.GetTripRecommendationsRequest(), metadata=md()))
    assert "limit" in violations(await expect(OK.INVALID_ARGUMENT, trips.GetTripRecommendations(
        tpb.GetTripRecommendationsRequest(limit=-1), metadata=bearer(me))))
