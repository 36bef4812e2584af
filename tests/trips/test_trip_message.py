"""servicer.fill_trip builds the Trip message in place: which parts are present must not depend on
their values (a zero capacity or empty restrictions are still there, as the nested constructors
made them), and missing values stay absent."""
from __future__ import annotations

import datetime as dt
import types
import uuid

from google.protobuf import json_format

from p2p.trips.v1 import trips_pb2 as pb
from services.trips import servicer

ALWAYS = ("origin", "destination", "departure_time", "arrival_time", "capacity", "available", "pricing",
          "restrictions", "preferences", "create_time", "update_time")
OPTIONAL = ("actual_departure_time", "actual_arrival_time", "cancel_time", "revised_arrival_time", "publish_time",
            "position_update_time", "last_position", "auto_accept_price", "recurrence")


def row(**over):
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    base = dict(
        id=uuid.uuid4(), traveler_id=uuid.uuid4(), title="", description="", trip_type="car", status="draft",
        origin_address="", o_lat=0.0, o_lng=0.0, origin_airport=None, origin_terminal=None, origin_details=None,
        destination_address="", d_lat=0.0, d_lng=0.0, destination_airport=None, destination_terminal=None,
        destination_details=None, departure_time=epoch, arrival_time=epoch, estimated_duration=0,
        actual_departure_time=None, actual_arrival_time=None, weight_capacity=0, volume_capacity=0, item_capacity=0,
        available_weight=0, available_volume=0, available_items=0, currency="EUR", base_price=0, price_per_kg=0,
        price_per_km=0, express_multiplier=0, fragile_multiplier=0, restrictions=None, preferences={},
        parent_trip_id=None, visibility="public", auto_accept=False, auto_accept_price=None, tags=[],
        route_distance_m=0, created_at=epoch, updated_at=epoch, cancelled_at=None, cancellation_reason=None,
        revised_arrival_time=None, p_lat=None, p_lng=None, is_recurring=False, published_at=None,
        position_updated_at=None, status_note=None, recurring_pattern=None)
    return types.SimpleNamespace(**{**base, **over})


def test_zero_and_empty_parts_are_present_and_missing_ones_absent():
    m = servicer.trip_pb(row())
    for name in ALWAYS:
        assert m.HasField(name), name
    for name in OPTIONAL:
        assert not m.HasField(name), name
    assert m.departure_time.seconds == 0 and m.capacity.weight_grams == 0
    assert m.pricing.HasField("base_price") and m.pricing.base_price.currency_code == "EUR"
    # as the apps see it through Envoy: zero parts are objects, not missing keys
    as_json = json_format.MessageToDict(m, preserving_proto_field_name=True)
    assert as_json["capacity"] == {} and as_json["restrictions"] == {} and "last_position" not in as_json


def test_every_value_lands_in_its_field():
    when = dt.datetime(2026, 12, 1, 8, 30, 15, 250000, tzinfo=dt.timezone.utc)
    r = row(title="Paris to Berlin", trip_type="train", status="published", origin_address="Paris", o_lat=48.85,
            o_lng=2.35, origin_airport="CDG", destination_address="Berlin", d_lat=52.52, d_lng=13.4,
            departure_time=when, arrival_time=when + dt.timedelta(hours=8), weight_capacity=20000,
            available_weight=15000, available_items=3, base_price=1500, price_per_kg=200, auto_accept_price=900,
            restrictions={"refused_categories": ["food"], "fragile_ok": True}, tags=["night"], p_lat=50.1, p_lng=8.6,
            position_updated_at=when, recurring_pattern={"frequency": "weekly", "interval": 2, "weekdays": [1]})
    m = servicer.trip_pb(r)
    assert (m.title, m.transport_type, m.status) == ("Paris to Berlin", pb.TRANSPORT_TYPE_TRAIN,
                                                     pb.TRIP_STATUS_PUBLISHED)
    assert (m.origin.place.address, m.origin.place.location.latitude, m.origin.airport) == ("Paris", 48.85, "CDG")
    assert m.destination.place.location.longitude == 13.4
    assert m.departure_time.ToDatetime(tzinfo=dt.timezone.utc) == when
    assert (m.capacity.weight_grams, m.available.weight_grams, m.available.items) == (20000, 15000, 3)
    assert (m.pricing.base_price.amount_minor, m.pricing.price_per_kg.amount_minor) == (1500, 200)
    assert m.auto_accept_price.amount_minor == 900 and list(m.tags) == ["night"]
    assert list(m.restrictions.refused_categories) == ["food"] and m.restrictions.fragile_ok
    assert (m.last_position.latitude, m.last_position.longitude) == (50.1, 8.6)
    assert m.recurrence.frequency == pb.RECURRENCE_FREQUENCY_WEEKLY and m.recurrence.interval == 2


def test_a_match_page_holds_the_same_trips_as_trip_pb():
    out = pb.MatchTripsResponse()
    rows = [row(title=f"trip {i}", available_items=i) for i in range(3)]
    for r in rows:
        servicer.fill_trip(out.matches.add(pickup_detour_meters=5).trip, r)
    assert [m.trip for m in out.matches] == [servicer.trip_pb(r) for r in rows]
