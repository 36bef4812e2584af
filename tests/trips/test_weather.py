"""Weather: the Open-Meteo provider against a local server replaying recorded responses (Paris
calm, Berlin stormy in the early morning); outages (500, timeout, dropped connection, refused)
never fail a trip and show as a status."""
from __future__ import annotations

import asyncio
import datetime as dt

import grpc
import pytest
from google.protobuf import field_mask_pb2

from p2p.trips.v1 import trips_pb2 as tpb
from services.trips.weather import OpenMeteo, WeatherUnavailable, assess
from tests.auth.test_auth_flows import expect, violations
from tests.conftest import md
from tests.trips.conftest import BERLIN, PARIS, bearer, create_trip, query, stamp, trip_msg, utc

OK = grpc.StatusCode


def night_trip_departure(days: int = 4) -> dt.datetime:
    """21:00 UTC in `days` days: Paris -> Berlin overnight, arriving at 07:00 in the storm."""
    d = dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=days)
    return dt.datetime(d.year, d.month, d.day, 21, tzinfo=dt.timezone.utc)


async def weather(trips, login, trip_id, **kw) -> tpb.TripWeather:
    return await trips.GetTripWeather(tpb.GetTripWeatherRequest(trip_id=trip_id, **kw), metadata=bearer(login))


async def wait_for_row(trips_db, trip_id: str, status: str, timeout: float = 5.0):
    for _ in range(int(timeout / 0.05)):
        rows = query(trips_db, "SELECT status FROM trip_weather WHERE trip_id = %s", trip_id)
        if rows and rows[0][0] == status:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {status} weather row for {trip_id}")


@pytest.fixture
def weather_mode(weather_server):
    """Set the stand-in's mode for one test; back to "ok" afterwards."""
    def set_mode(mode: str):
        weather_server.mode = mode
    yield set_mode
    weather_server.mode = "ok"


async def test_forecast_alerts_from_recorded_responses(trips, traveler, customer, weather_server, trips_db):
    dep = night_trip_departure()
    t = await create_trip(trips, traveler, departure=dep, hours=10)
    await wait_for_row(trips_db, t.id, "available")      # fetched in the background after creation
    asked = [q for q in weather_server.requests if q["latitude"] in ("48.8566", "52.5200")][-2:]
    assert {q["latitude"] for q in asked} == {"48.8566", "52.5200"}
    q = next(q for q in asked if q["latitude"] == "48.8566")
    assert q["longitude"] == "2.3522" and q["hourly"] == "temperature_2m,precipitation,weather_code,wind_speed_10m"
    assert (q["start_date"], q["end_date"]) == (dep.date().isoformat(), (dep.date() + dt.timedelta(days=1)).isoformat())
    assert q["timezone"] == "GMT"
    w = await weather(trips, customer, t.id)                     # anyone who sees the trip sees its weather
    assert w.status == tpb.WEATHER_STATUS_AVAILABLE and w.available and w.fetch_time.seconds > 0
    assert utc(w.origin.time) == dep and w.origin.weather_code == 3 and w.origin.summary == "overcast"
    assert w.origin.temperature_celsius == pytest.approx(4.8) and w.origin.max_wind_speed_kmh == pytest.approx(9.8)
    assert utc(w.destination.time) == dep + dt.timedelta(hours=10) and w.destination.weather_code == 95
    assert w.destination.max_precipitation_mm == pytest.approx(14.2) and w.destination.max_wind_speed_kmh == pytest.approx(74.1)
    assert w.travel_conditions == "severe"
    alerts = " | ".join(w.alerts)
    assert "THUNDERSTORM: thunderstorm expected at destination around 06:00 UTC" in alerts
    assert "HEAVY_PRECIPITATION: up to 14.2 mm/h at destination" in alerts
    assert "STRONG_WIND: wind up to 74 km/h at destination" in alerts and "origin" not in alerts
    # stored as the spec's trip_weather row
    row = query(trips_db, "SELECT travel_conditions, alerts, origin_weather->>'summary' FROM trip_weather "
                          "WHERE trip_id = %s", t.id)[0]
    assert row[0] == "severe" and len(row[1]) == 3 and row[2] == "overcast"
    # fresh: no new request unless asked
    n = len(weather_server.requests)
    await weather(trips, traveler, t.id)
    assert len(weather_server.requests) == n
    await weather(trips, traveler, t.id, refresh=True)
    assert len(weather_server.requests) == n + 2


async def test_an_outage_never_fails_creation(trips, traveler, weather_server, weather_mode, trips_db):
    weather_mode("error")
    t = await create_trip(trips, traveler)                        # created all the same
    assert t.status == tpb.TRIP_STATUS_PUBLISHED
    w = await weather(trips, traveler, t.id)
    assert w.status == tpb.WEATHER_STATUS_UNAVAILABLE and not w.available
    assert "answered 500: Internal error" in w.message and "try again later" in w.message
    weather_mode("ok")
    n = len(weather_server.requests)
    w = await weather(trips, traveler, t.id)                      # failed a moment ago: not asked again yet
    assert w.status == tpb.WEATHER_STATUS_UNAVAILABLE and len(weather_server.requests) == n
    w = await weather(trips, traveler, t.id, refresh=True)
    assert w.status == tpb.WEATHER_STATUS_AVAILABLE and w.available and not w.message


async def test_timeout_and_dropped_connection(trips, traveler, weather_mode, trips_db):
    weather_mode("slow")                                          # answers after 3 s; the client waits 1 s
    t = await create_trip(trips, traveler)
    w = await weather(trips, traveler, t.id)
    assert w.status == tpb.WEATHER_STATUS_UNAVAILABLE and "did not answer in time" in w.message
    weather_mode("ok")
    assert (await weather(trips, traveler, t.id, refresh=True)).status == tpb.WEATHER_STATUS_AVAILABLE
    weather_mode("down")
    w = await weather(trips, traveler, t.id, refresh=True)
    assert w.status == tpb.WEATHER_STATUS_UNAVAILABLE and "unreachable" in w.message
    assert w.available and w.origin.summary and "showing the forecast of" in w.message   # the older forecast stays


async def test_refused_connection_and_bad_answers():
    dead = OpenMeteo("http://127.0.0.1:9", timeout=1)
    with pytest.raises(WeatherUnavailable, match="unreachable"):
        await dead.forecast(*PARIS, dt.datetime.now(dt.timezone.utc))
    await dead.aclose()


async def test_bad_answers_are_unavailable(weather_server):
    wrong_path = OpenMeteo(weather_server.url + "/elsewhere", timeout=2)
    with pytest.raises(WeatherUnavailable, match="answered 500"):
        await wrong_path.forecast(*PARIS, dt.datetime.now(dt.timezone.utc))
    await wrong_path.aclose()


async def test_beyond_the_forecast_horizon(trips, traveler, weather_server):
    t = await create_trip(trips, traveler, days=30)
    n = len(weather_server.requests)
    w = await weather(trips, traveler, t.id)
    assert w.status == tpb.WEATHER_STATUS_NOT_YET_AVAILABLE and not w.available and "16 days" in w.message
    assert utc(w.available_from_time) == utc(t.arrival_time) - dt.timedelta(days=16)
    assert len(weather_server.requests) == n


async def test_new_times_forget_the_old_forecast(trips, traveler, trips_db):
    t = await create_trip(trips, traveler)
    await wait_for_row(trips_db, t.id, "available")
    old = query(trips_db, "SELECT id FROM trip_weather WHERE trip_id = %s", t.id)[0][0]
    later = utc(t.departure_time) + dt.timedelta(hours=3)
    await trips.UpdateTrip(tpb.UpdateTripRequest(
        trip=tpb.Trip(id=t.id, departure_time=stamp(later), arrival_time=stamp(later + dt.timedelta(hours=10))),
        update_mask=field_mask_pb2.FieldMask(paths=["departure_time", "arrival_time"])), metadata=bearer(traveler))
    await wait_for_row(trips_db, t.id, "available")
    new = query(trips_db, "SELECT id, origin_weather->>'time' FROM trip_weather WHERE trip_id = %s", t.id)[0]
    nearest_hour = (later + dt.timedelta(minutes=30)).replace(minute=0, second=0, microsecond=0)
    assert new[0] != old and dt.datetime.fromisoformat(new[1]) == nearest_hour


async def test_weather_access(trips, traveler, customer, service_token):
    draft = await create_trip(trips, traveler, publish=False)
    await expect(OK.NOT_FOUND, trips.GetTripWeather(tpb.GetTripWeatherRequest(trip_id=draft.id),
                                                    metadata=bearer(customer)))
    await expect(OK.UNAUTHENTICATED, trips.GetTripWeather(tpb.GetTripWeatherRequest(trip_id=draft.id), metadata=md()))
    assert "trip_id" in violations(await expect(OK.INVALID_ARGUMENT, trips.GetTripWeather(
        tpb.GetTripWeatherRequest(trip_id="?"), metadata=bearer(customer))))
    w = await trips.GetTripWeather(tpb.GetTripWeatherRequest(trip_id=draft.id), metadata=md(service_token))
    assert w.trip_id == draft.id
    private = await create_trip(trips, traveler, visibility=tpb.TRIP_VISIBILITY_PRIVATE)
    share = await trips.ShareTrip(tpb.ShareTripRequest(trip_id=private.id), metadata=bearer(traveler))
    await expect(OK.NOT_FOUND, trips.GetTripWeather(tpb.GetTripWeatherRequest(trip_id=private.id),
                                                    metadata=bearer(customer)))
    w = await trips.GetTripWeather(tpb.GetTripWeatherRequest(trip_id=private.id, share_token=share.share_token),
                                   metadata=bearer(customer))
    assert w.trip_id == private.id


def test_assess_conditions_and_alerts():
    def hour(code, rain=0.0, wind=10.0):
        return {"time": "2030-01-01T12:00:00+00:00", "weather_code": code, "precipitation_mm": rain,
                "wind_speed_kmh": wind, "temperature_celsius": 5.0}
    assert assess(hour(1), hour(2)) == ("good", [])
    assert assess(hour(61, 1.2), hour(2))[0] == "fair"
    cond, alerts = assess(hour(45), hour(2))
    assert cond == "poor" and alerts == ["FOG: fog expected at origin around 12:00 UTC"]
    cond, alerts = assess(hour(2), hour(3, wind=80))
    assert cond == "severe" and alerts == ["STORM: wind up to 80 km/h at destination"]
    cond, alerts = assess(hour(75), hour(66))
    assert cond == "severe" and [a.split(":")[0] for a in alerts] == ["HEAVY_SNOW", "FREEZING_RAIN"]
    assert assess(hour(3, rain=9.0), hour(2)) == ("poor", ["HEAVY_PRECIPITATION: up to 9.0 mm/h at origin"])
