"""The session-wide service fixtures shared by every test package: the trips server (with a
local Open-Meteo stand-in serving recorded responses) and the deliveries servers (two replicas on
one database), each on its own migrated database cloned from a template, verifying real tokens
issued by the real auth server of tests/conftest.py.

Registered once by tests/conftest.py (pytest_plugins), so every package shares ONE instance of
each: importing these fixtures into several conftests would make several session instances that
create and drop the same databases under each other.

The deliveries servers get pluggable sources the tests can fill: `ratings` (StaticRatings) and
`blocks` (StaticBlocks). Each test uses its own users, so entries never collide.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import pathlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import grpc
import psycopg
import pytest

from p2p.deliveries.v1 import deliveries_pb2_grpc
from p2p.trips.v1 import trips_pb2_grpc
from services.common import dbadmin, identity, migrations
from services.deliveries.domain.ports import StaticBlocks, StaticRatings
from tests.conftest import ADMIN_URL, RUN, db_url, md

EXTENSIONS = ("postgis", "citext", "btree_gist", "pgcrypto")
FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "trips" / "fixtures"


class OpenMeteoServer:
    """Answers GET /v1/forecast like Open-Meteo, from responses recorded in its JSON format:
    the Berlin fixture (a storm in the early morning) for latitudes above 52, the calm Paris one
    elsewhere, its 24 hours repeated over every day from start_date to end_date.

    `.mode`: "ok"; "error" answers 500 with Open-Meteo's error body; "slow" answers after
    `slow_seconds` (beyond the client's timeout); "down" drops the connection without an
    answer. `.requests` records each request's query parameters."""

    def __init__(self):
        self.mode = "ok"
        self.slow_seconds = 3.0
        self.requests: list[dict] = []
        calm = json.loads((FIXTURES / "open_meteo_paris.json").read_text())
        storm = json.loads((FIXTURES / "open_meteo_berlin_storm.json").read_text())
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                u = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(u.query).items()}
                outer.requests.append(q)
                mode = outer.mode
                if mode == "down":
                    self.close_connection = True
                    return
                if mode == "slow":
                    time.sleep(outer.slow_seconds)
                if mode == "error" or u.path != "/v1/forecast":
                    body, status = b'{"error":true,"reason":"Internal error"}', 500
                else:
                    doc = json.loads(json.dumps(storm if float(q["latitude"]) > 52 else calm))
                    start = dt.date.fromisoformat(q["start_date"])
                    days = (dt.date.fromisoformat(q["end_date"]) - start).days + 1
                    h = doc["hourly"]
                    for key in ("temperature_2m", "precipitation", "weather_code", "wind_speed_10m"):
                        h[key] = h[key] * days
                    h["time"] = [f"{start + dt.timedelta(days=i)}T{hour:02d}:00" for i in range(days) for hour in range(24)]
                    doc["latitude"], doc["longitude"] = round(float(q["latitude"]), 2), round(float(q["longitude"]), 2)
                    body, status = json.dumps(doc).encode(), 200
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json; charset=utf-8")
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *a):
                pass
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
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
    dbadmin.create_database(ADMIN_URL, tpl, EXTENSIONS)
    migrations.upgrade("trips", db_url(tpl))
    dbadmin.create_database(ADMIN_URL, name, (), template=tpl)
    yield db_url(name)
    dbadmin.drop_database(ADMIN_URL, name)
    dbadmin.drop_database(ADMIN_URL, tpl)


@pytest.fixture(scope="session")
async def trips_server(auth_server, trips_db, weather_server, users_server):
    """Trip events and ListTripReviews reach the real users server (given explicitly, so trip
    completions land at once instead of retrying until USERS_ADDR appears); cancellations go to
    DELIVERIES_ADDR, unset here: only a test that sets it reaches a deliveries server."""
    os.environ.update({"TRIPS_DATABASE_URL": trips_db, "AUTH_ADDR": auth_server.address,
                       "WEATHER_BASE_URL": weather_server.url, "WEATHER_REFRESH_SECONDS": "3600",
                       "WEATHER_TIMEOUT_SECONDS": "1"})
    from services.trips import server
    app = server.build(users_address=users_server.address)
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


@pytest.fixture(scope="session")
def deliveries_db():
    tpl, name = f"tpl_deliveries_{RUN}", f"test_deliveries_{RUN}"
    dbadmin.create_database(ADMIN_URL, tpl, EXTENSIONS)
    migrations.upgrade("deliveries", db_url(tpl))
    dbadmin.create_database(ADMIN_URL, name, (), template=tpl)
    yield db_url(name)
    dbadmin.drop_database(ADMIN_URL, name)
    dbadmin.drop_database(ADMIN_URL, tpl)


@pytest.fixture(scope="session")
def ratings() -> StaticRatings:
    return StaticRatings({})


@pytest.fixture(scope="session")
def blocks() -> StaticBlocks:
    return StaticBlocks()


async def start_deliveries(env: dict, ratings, blocks, trips_address: str):
    os.environ.update(env)
    from services.deliveries import server
    app = server.build(ratings=ratings, blocks=blocks, trips_address=trips_address)
    port = await app.start(port=0)
    app.address = f"127.0.0.1:{port}"
    for _ in range(100):
        if app.health._server_status.get("", None) == 1:
            break
        await asyncio.sleep(0.05)
    await app.notifier.wait_listening(5)
    return app


@pytest.fixture(scope="session")
def deliveries_env(auth_server, deliveries_db, users_server):
    return {"DELIVERIES_DATABASE_URL": deliveries_db, "AUTH_ADDR": auth_server.address,
            "USERS_ADDR": users_server.address,   # delivery events go to the real users service
            "DELIVERIES_EXPIRY_INTERVAL_SECONDS": "0.3", "DELIVERIES_WATCH_POLL_SECONDS": "5",
            "OUTBOX_POLL_SECONDS": "0.3", "DELIVERIES_ACCEPT_GUARD_SECONDS": "1"}


@pytest.fixture(scope="session")
async def deliveries_server(deliveries_env, trips_server, ratings, blocks):
    app = await start_deliveries(deliveries_env, ratings, blocks, trips_server.address)
    yield app
    await app.stop(grace=1)


@pytest.fixture(scope="session")
async def deliveries_replica(deliveries_env, trips_server, ratings, blocks, deliveries_server):
    """A second replica of the service on the same database."""
    app = await start_deliveries(deliveries_env, ratings, blocks, trips_server.address)
    yield app
    await app.stop(grace=1)


@pytest.fixture(scope="session")
async def dl(deliveries_server):
    ch = grpc.aio.insecure_channel(deliveries_server.address)
    yield deliveries_pb2_grpc.DeliveryServiceStub(ch)
    await ch.close()


@pytest.fixture(scope="session")
async def dl_replica(deliveries_replica):
    ch = grpc.aio.insecure_channel(deliveries_replica.address)
    yield deliveries_pb2_grpc.DeliveryServiceStub(ch)
    await ch.close()


@pytest.fixture(scope="session")
def dsql(deliveries_db):
    """Run SQL against the deliveries test database."""
    def run(query: str, *args):
        with psycopg.connect(deliveries_db, autocommit=True) as conn:
            cur = conn.execute(query, args)
            return cur.fetchall() if cur.description else []
    return run


@pytest.fixture(scope="session")
def service_md(auth_server):
    """Metadata carrying a service identity: service_md("trips")."""
    def make(name: str, roles: tuple[str, ...] = ()):
        return md(identity.ServiceIdentity(name, auth_server.settings.service_key, "p2p-api", roles=roles).token())
    return make


# -- users ------------------------------------------------------------------------------------
USERS_FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "users" / "fixtures"


class NominatimServer:
    """Answers GET /search like Nominatim (format=jsonv2), from responses recorded in its format:
    `city` München/Munich -> Marienplatz, Valmiera -> Valmiera, anything else -> [] (no match).

    `.mode`: "ok"; "error" answers 503 with an HTML page (as Nominatim does when overloaded);
    "slow" answers after `slow_seconds` (beyond the client's timeout); "down" drops the
    connection; "garbage" answers 200 with a body that is not Nominatim's. `.requests` records
    each request's query parameters and user-agent."""

    def __init__(self):
        self.mode = "ok"
        self.slow_seconds = 3.0
        self.requests: list[dict] = []
        answers = {"münchen": "nominatim_marienplatz_munich.json", "munich": "nominatim_marienplatz_munich.json",
                   "valmiera": "nominatim_valmiera.json"}
        bodies = {k: (USERS_FIXTURES / f).read_bytes() for k, f in answers.items()}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                u = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(u.query).items()}
                outer.requests.append({**q, "_path": u.path, "_user_agent": self.headers.get("user-agent", "")})
                mode = outer.mode
                if mode == "down":
                    self.close_connection = True
                    return
                if mode == "slow":
                    time.sleep(outer.slow_seconds)
                ctype = "application/json; charset=utf-8"
                if mode == "error":
                    body, status, ctype = b"<html><body>Service Unavailable</body></html>", 503, "text/html"
                elif mode == "garbage":
                    body, status = b'{"unexpected": true}', 200
                elif u.path != "/search" or q.get("format") != "jsonv2":
                    body, status = b'{"error":{"code":400,"message":"Parameter error"}}', 400
                else:
                    body, status = bodies.get(q.get("city", "").strip().lower(), b"[]"), 200
                try:
                    self.send_response(status)
                    self.send_header("content-type", ctype)
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *a):
                pass
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def nominatim():
    n = NominatimServer()
    yield n
    n.stop()


@pytest.fixture(scope="session")
def users_db():
    tpl, name = f"tpl_users_{RUN}", f"test_users_{RUN}"
    dbadmin.create_database(ADMIN_URL, tpl, EXTENSIONS)
    migrations.upgrade("users", db_url(tpl))
    dbadmin.create_database(ADMIN_URL, name, (), template=tpl)
    yield db_url(name)
    dbadmin.drop_database(ADMIN_URL, name)
    dbadmin.drop_database(ADMIN_URL, tpl)


@pytest.fixture(scope="session")
async def users_server(auth_server, auth_db, users_db, nominatim, tmp_path_factory):
    """The users server (its blobs in a temporary directory, Nominatim stand-in as geocoder).
    Auth's outbox delivers registrations to it (USERS_ADDR); the registrations auth could not
    deliver before it started are made due again and awaited, so they do not land in the
    middle of a test."""
    os.environ.update({"USERS_DATABASE_URL": users_db, "AUTH_ADDR": auth_server.address,
                       "GEOCODER_BASE_URL": nominatim.url, "GEOCODER_TIMEOUT_SECONDS": "1",
                       "USERS_BLOB_DIR": str(tmp_path_factory.mktemp("users-blobs"))})
    from services.users import server
    app = server.build()
    port = await app.start(port=0)
    app.address = f"127.0.0.1:{port}"
    for _ in range(100):
        if app.health._server_status.get("", None) == 1:
            break
        await asyncio.sleep(0.05)
    os.environ["USERS_ADDR"] = app.address
    pending = ("SELECT count(*) FROM outbox_events WHERE topic IN ('auth.user.registered', 'auth.user.deleted') "
               "AND delivered_at IS NULL AND attempts < %s")
    max_attempts = auth_server.settings.outbox_max_attempts
    # Asynchronous, and skipping rows auth's dispatcher holds: a blocking wait on its lock here
    # would stall the event loop the dispatcher runs on.
    async with await psycopg.AsyncConnection.connect(auth_db, autocommit=True) as conn:
        await conn.execute("UPDATE outbox_events SET available_at = now() WHERE id IN (SELECT id FROM outbox_events "
                           "WHERE topic IN ('auth.user.registered', 'auth.user.deleted') AND delivered_at IS NULL "
                           "FOR UPDATE SKIP LOCKED)")
        for _ in range(300):
            if (await (await conn.execute(pending, (max_attempts,))).fetchone())[0] == 0:
                break
            await asyncio.sleep(0.1)
    yield app
    await app.stop(grace=1)


@pytest.fixture(scope="session")
async def users(users_server):
    from p2p.users.v1 import users_pb2_grpc
    ch = grpc.aio.insecure_channel(users_server.address)
    yield users_pb2_grpc.UserServiceStub(ch)
    await ch.close()


@pytest.fixture(scope="session")
def usql(users_db):
    """Run SQL against the users test database."""
    def run(query: str, *args):
        with psycopg.connect(users_db, autocommit=True) as conn:
            cur = conn.execute(query, args)
            return cur.fetchall() if cur.description else []
    return run
