"""Trips fixtures: its own migrated database, a local Open-Meteo stand-in serving recorded
responses, and a real in-process trips server that verifies tokens against the real auth
server (tests/conftest.py)."""
from __future__ import annotations

import datetime as dt
import json
import os
import pathlib
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import grpc
import pytest
from google.type import latlng_pb2

from p2p.auth.v1 import auth_pb2
from p2p.common.v1 import common_pb2 as cpb
from p2p.trips.v1 import trips_pb2 as tpb
from p2p.trips.v1 import trips_pb2_grpc
from services.common import dbadmin, identity, migrations
from tests.conftest import ADMIN_URL, RUN, db_url, md, signed_up

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
PARIS, BERLIN = (48.8566, 2.3522), (52.5200, 13.4050)
BRUSSELS, COLOGNE, LYON = (50.8503, 4.3517), (50.9375, 6.9603), (45.7640, 4.8357)


class OpenMeteoServer:
    """Answers GET /v1/forecast like Open-Meteo, from recorded responses: the Berlin fixture
    (a storm) for latitudes above 52, the calm Paris one elsewhere, with the requested day
    substituted. `.mode = "error"` answers 500; `.stop()` refuses connections."""

    def __init__(self):
        self.mode = "ok"
        self.calls = 0
        calm = json.loads((FIXTURES / "open_meteo_paris.json").read_text())
        storm = json.loads((FIXTURES / "open_meteo_berlin_storm.json").read_text())
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.calls += 1
                u = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(u.query).items()}
                if outer.mode == "error" or u.path != "/v1/forecast":
                    body, status = b'{"error":true,"reason":"Internal error"}', 500
                else:
                    doc = json.loads(json.dumps(storm if float(q["latitude"]) > 52 else calm))
                    doc["hourly"]["time"] = [f"{q['start_date']}T{h:02d}:00" for h in range(24)]
                    body, status = json.dumps(doc).encode(), 200
                self.send_response(status)
                self.send_header("content-type", "application/json; charset=utf-8")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def weather_server():
    w = OpenMeteoServer()
    yield w
    w.stop()


@pytest.fixture(scope="session")
def trips_db():
    tpl, name = f"tpl_trips_{RUN}", f"test_trips_{RUN}"
    dbadmin.create_database(ADMIN_URL, tpl, ("postgis", "citext", "btree_gist", "pgcrypto"))
    migrations.upgrade("trips", db_url(tpl))
    dbadmin.create_database(ADMIN_URL, name, (), template=tpl)
    yield db_url(name)
    dbadmin.drop_database(ADMIN_URL, name)
    dbadmin.drop_database(ADMIN_URL, tpl)


@pytest.fixture(scope="session")
async def trips_server(auth_server, trips_db, weather_server):
    os.environ.update({"TRIPS_DATABASE_URL": trips_db, "AUTH_ADDR": auth_server.address,
                       "WEATHER_BASE_URL": weather_server.url, "WEATHER_REFRESH_SECONDS": "3600"})
    from services.trips import server
    app = server.build()
    port = await app.start(port=0)
    app.address = f"127.0.0.1:{port}"
    yield app
    await app.stop(grace=1)


@pytest.fixture(scope="session")
async def trips(trips_server):
    ch = grpc.aio.insecure_channel(trips_server.address)
    yield trips_pb2_grpc.TripServiceStub(ch)
    await ch.close()


@pytest.fixture(scope="session")
def service_token(auth_server):
    return identity.ServiceIdentity("deliveries", auth_server.settings.service_key, "p2p-api").token()


@pytest.fixture
async def traveler(stub, sql):
    _, login = await signed_up(stub, sql, user_type=auth_pb2.USER_TYPE_TRAVELER)
    return login


@pytest.fixture
async def customer(stub, sql):
    _, login = await signed_up(stub, sql, user_type=auth_pb2.USER_TYPE_CUSTOMER)
    return login


def place(address: str, at: tuple[float, float]) -> cpb.Place:
    return cpb.Place(address=address, location=latlng_pb2.LatLng(latitude=at[0], longitude=at[1]))


def eur(amount: int) -> cpb.Money:
    return cpb.Money(amount_minor=amount, currency_code="EUR")


def trip_msg(origin=("Paris", PARIS), destination=("Berlin", BERLIN), days: float = 7, hours: float = 10,
             weight: int = 20_000, **kw) -> tpb.Trip:
    dep = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(days=days)
    t = tpb.Trip(
        title=kw.pop("title", f"{origin[0]} to {destination[0]}"), transport_type=kw.pop("transport_type", tpb.TRANSPORT_TYPE_CAR),
        origin=tpb.Endpoint(place=place(*origin)), destination=tpb.Endpoint(place=place(*destination)),
        capacity=tpb.Capacity(weight_grams=weight, volume_cm3=100_000, items=5),
        pricing=tpb.Pricing(base_price=eur(1500), price_per_kg=eur(200), price_per_km=eur(2)),
        visibility=tpb.TRIP_VISIBILITY_PUBLIC, **kw)
    t.departure_time.FromDatetime(dep)
    t.arrival_time.FromDatetime(dep + dt.timedelta(hours=hours))
    return t


async def create_trip(trips, login, publish=True, **kw) -> tpb.Trip:
    return await trips.CreateTrip(tpb.CreateTripRequest(trip=trip_msg(**kw), publish=publish),
                                  metadata=md(login.tokens.access_token))


def svc(token: str):
    return md(token)


def new_id() -> str:
    return str(uuid.uuid4())
