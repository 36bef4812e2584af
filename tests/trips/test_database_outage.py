"""A trips server whose database goes away: callers get UNAVAILABLE (DATABASE_UNAVAILABLE), the
status their service configs retry, not INTERNAL; when it comes back the server answers again
without a restart. The database sits behind a TCP relay (tests/support/relay.py) that the test
cuts: both of the service's paths to it, SQLAlchemy's sessions (GetTrip) and the plain psycopg
pool (MatchTrips), are exercised. Through a real Envoy, mobile apps get HTTP 503, which they may
retry, never 500."""
from __future__ import annotations

import asyncio
import contextlib

import grpc
import httpx
from sqlalchemy.engine import make_url

from p2p.trips.v1 import trips_pb2 as tpb
from p2p.trips.v1 import trips_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.auth.test_auth_flows import expect
from tests.conftest import md
from tests.e2e.conftest import start_envoy
from tests.support.relay import TcpRelay
from tests.trips.conftest import BRUSSELS, COLOGNE, bearer, create_trip, ll


@contextlib.asynccontextmanager
async def server_behind_relay(trips_db, users_server, **base):
    """A second trips server whose database connection goes through a TcpRelay: (port, relay).
    `base`: Settings fields to override (e.g. db_check_seconds)."""
    from services.trips import server
    from services.trips.settings import TripsSettings
    url = make_url(trips_db)
    relay = await TcpRelay(url.host, url.port).start()
    s = TripsSettings.from_env()
    s.base.database_url = url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    for k, v in base.items():
        setattr(s.base, k, v)
    app = server.build(s, users_address=users_server.address)
    try:
        yield await app.start(port=0), relay
    finally:
        await app.stop(grace=0.2)
        await relay.stop()
    assert relay.accepted >= 3         # the calls did go through the relay


@contextlib.asynccontextmanager
async def edge(tmp_path_factory, auth_server, users_server, deliveries_server, trips: str, user):
    """A real Envoy in front of the services, trips at `trips` (replicas separated by commas), and an
    HTTP client holding `user`'s token: (client, admin port)."""
    proc, log, base, _, admin = await start_envoy(tmp_path_factory, {
        "auth": auth_server.address, "users": users_server.address, "deliveries": deliveries_server.address,
        "trips": trips})
    try:
        async with httpx.AsyncClient(base_url=base, timeout=20,
                                     headers={"authorization": f"Bearer {user.tokens.access_token}"}) as c:
            yield c, admin
    finally:
        proc.terminate()
        await proc.wait()
        log.close()


async def test_a_lost_database_is_unavailable_and_the_server_recovers(trips, trips_db, users_server, traveler,
                                                                     service_token):
    t = await create_trip(trips, traveler)
    async with server_behind_relay(trips_db, users_server) as (port, relay):
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
            stub = trips_pb2_grpc.TripServiceStub(ch)

            def get():
                return stub.GetTrip(tpb.GetTripRequest(trip_id=t.id), metadata=bearer(traveler), timeout=20)

            def match():
                return stub.MatchTrips(tpb.MatchTripsRequest(pickup=ll(BRUSSELS), dropoff=ll(COLOGNE), page_size=200,
                                                             max_detour_meters=150_000, weight_grams=1000),
                                       metadata=md(service_token), timeout=2)   # deliveries' deadline

            async def matched() -> set[str]:
                return {m.trip.id for m in (await match()).matches}

            assert (await get()).id == t.id and t.id in await matched()
            relay.cut()
            # pooled connections now fail on use, new ones as they connect: each call says so. A
            # MatchTrips that finds no connection gives up before its 2 s deadline, not at the pool's 5 s.
            for call in (get, match, get, match):
                d = await expect(grpc.StatusCode.UNAVAILABLE, call())
                assert d["ErrorInfo"].reason == "DATABASE_UNAVAILABLE"
                assert d["ErrorInfo"].domain == "trips.p2p-delivery"
            relay.restore()
            assert (await get()).id == t.id          # SQLAlchemy connects again on the next call
            # the psycopg pool reconnects in the background, with backoff: it may take a few tries
            for _ in range(30):
                try:
                    ids = await matched()
                    break
                except grpc.aio.AioRpcError as e:
                    assert e.code() == grpc.StatusCode.UNAVAILABLE, e
                    await asyncio.sleep(0.5)
            else:
                raise AssertionError("MatchTrips did not recover")
            assert t.id in ids


async def test_a_database_that_stops_answering_turns_health_not_serving_until_it_answers(
        trips, trips_db, users_server, traveler):
    """The database accepts connections but answers nothing (TcpRelay.stall: a hung server, or a
    network dropping packets). The server's database watch (here a check every second, allowed 1 s)
    gives up on its check and reports NOT_SERVING within seconds, though psycopg takes ~10 s more to
    wind the cancelled check down (it was 10-20 s before the watch stopped waiting for that), and stays
    NOT_SERVING while the stall lasts. Once bytes flow again, SERVING, and calls are answered."""
    t = await create_trip(trips, traveler)
    async with server_behind_relay(trips_db, users_server, db_check_seconds=1.0, db_check_timeout=1.0) as (port, relay):
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
            health = health_pb2_grpc.HealthStub(ch)
            stub = trips_pb2_grpc.TripServiceStub(ch)
            loop = asyncio.get_running_loop()

            async def status() -> int:
                return (await health.Check(health_pb2.HealthCheckRequest(), timeout=2)).status

            async def becomes(want: int, within: float) -> None:
                end = loop.time() + within
                while (got := await status()) != want:
                    assert loop.time() < end, f"health still {got}, not {want}, after {within} s"
                    await asyncio.sleep(0.1)

            await becomes(health_pb2.HealthCheckResponse.SERVING, 10)
            relay.stall()
            await becomes(health_pb2.HealthCheckResponse.NOT_SERVING, 6)   # ~2 s here; >= 11 s before
            end = loop.time() + 12         # past the ~10 s psycopg takes to drop each cancelled check
            while loop.time() < end:
                assert await status() == health_pb2.HealthCheckResponse.NOT_SERVING
                await asyncio.sleep(0.5)
            relay.resume()
            await becomes(health_pb2.HealthCheckResponse.SERVING, 30)
            got = await stub.GetTrip(tpb.GetTripRequest(trip_id=t.id), metadata=bearer(traveler), timeout=20)
            assert got.id == t.id


async def test_through_envoy_a_lost_database_is_503_and_the_route_recovers(
        trips, trips_db, auth_server, users_server, deliveries_server, traveler, tmp_path_factory):
    """GET /api/v1/trips/{id} through Envoy while the trips database is cut: first the service's own
    UNAVAILABLE (google.rpc.Status JSON with its ErrorInfo), then, once Envoy's health check sees
    the service NOT_SERVING, Envoy's own 503 without calling it; after the restore, 200 again."""
    t = await create_trip(trips, traveler)
    async with server_behind_relay(trips_db, users_server) as (port, relay), \
            edge(tmp_path_factory, auth_server, users_server, deliveries_server,
                 f"127.0.0.1:{port}", traveler) as (c, _):
        async def get() -> httpx.Response:
            return await c.get(f"/api/v1/trips/{t.id}")

        r = await get()
        assert r.status_code == 200 and r.json()["id"] == t.id
        relay.cut()
        r = await get()
        assert r.status_code == 503, r.text
        body = r.json()
        assert body["code"] == grpc.StatusCode.UNAVAILABLE.value[0]
        info = [d for d in body["details"] if d["@type"].endswith("google.rpc.ErrorInfo")]
        assert info and info[0]["reason"] == "DATABASE_UNAVAILABLE", body
        # the server's database watch (every 5 s) turns its health NOT_SERVING, and Envoy's
        # health check (every 2 s, twice) takes it out of rotation: ~6 s here
        seen, end = set(), asyncio.get_running_loop().time() + 30
        while True:
            r = await get()
            assert r.status_code == 503, r.text        # never a 500 on the way
            seen.add(r.json()["message"])
            if r.json()["message"] == "no healthy upstream":
                break
            assert asyncio.get_running_loop().time() < end, f"Envoy kept routing to it: {seen}"
            await asyncio.sleep(0.1)
        assert r.json()["code"] == grpc.StatusCode.UNAVAILABLE.value[0]
        relay.restore()
        end = asyncio.get_running_loop().time() + 30
        while (r := await get()).status_code != 200:
            assert r.status_code == 503, r.text
            assert asyncio.get_running_loop().time() < end, "the route did not recover"
            await asyncio.sleep(0.1)
        assert r.json()["id"] == t.id


async def test_through_envoy_a_read_is_answered_by_another_replica(
        trips, trips_db, auth_server, users_server, deliveries_server, trips_server, traveler, tmp_path_factory):
    """Two trips replicas behind Envoy, and one loses its database: it answers UNAVAILABLE until
    Envoy's health check takes it out of rotation (seconds). Meanwhile Envoy sends each read
    (a GET) that it had routed there to the other replica: every read is answered."""
    t = await create_trip(trips, traveler)
    async with server_behind_relay(trips_db, users_server) as (port, relay), \
            edge(tmp_path_factory, auth_server, users_server, deliveries_server,
                 f"{trips_server.address},127.0.0.1:{port}", traveler) as (c, admin):
        async def retries() -> int:
            stats = (await c.get(f"http://127.0.0.1:{admin}/stats?filter=cluster.trips.upstream_rq_retry$"))
            return int(stats.text.split(": ")[1])

        async def reads(n: int) -> list[int]:
            got = await asyncio.gather(*[c.get(f"/api/v1/trips/{t.id}") for _ in range(n)])
            return [r.status_code for r in got]

        assert await reads(10) == [200] * 10 and await retries() == 0
        relay.cut()
        assert await reads(20) == [200] * 20
        assert await retries() >= 1          # some went to the replica without its database first
