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
from tests.auth.test_auth_flows import expect
from tests.conftest import md
from tests.e2e.conftest import start_envoy
from tests.support.relay import TcpRelay
from tests.trips.conftest import BRUSSELS, COLOGNE, bearer, create_trip, ll


@contextlib.asynccontextmanager
async def server_behind_relay(trips_db, users_server):
    """A second trips server whose database connection goes through a TcpRelay: (port, relay)."""
    from services.trips import server
    from services.trips.settings import TripsSettings
    url = make_url(trips_db)
    relay = await TcpRelay(url.host, url.port).start()
    s = TripsSettings.from_env()
    s.base.database_url = url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    app = server.build(s, users_address=users_server.address)
    try:
        yield await app.start(port=0), relay
    finally:
        await app.stop(grace=0.2)
        await relay.stop()
    assert relay.accepted >= 3         # the calls did go through the relay


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


async def test_through_envoy_a_lost_database_is_503_and_the_route_recovers(
        trips, trips_db, auth_server, users_server, deliveries_server, traveler, tmp_path_factory):
    """GET /api/v1/trips/{id} through Envoy while the trips database is cut: first the service's own
    UNAVAILABLE (google.rpc.Status JSON with its ErrorInfo), then, once Envoy's health check sees
    the service NOT_SERVING, Envoy's own 503 without calling it; after the restore, 200 again."""
    t = await create_trip(trips, traveler)
    async with server_behind_relay(trips_db, users_server) as (port, relay):
        proc, log, base, _, _ = await start_envoy(tmp_path_factory, {
            "auth": auth_server.address, "users": users_server.address, "deliveries": deliveries_server.address,
            "trips": f"127.0.0.1:{port}"})
        try:
            async with httpx.AsyncClient(base_url=base, timeout=20,
                                         headers={"authorization": f"Bearer {traveler.tokens.access_token}"}) as c:
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
        finally:
            proc.terminate()
            await proc.wait()
            log.close()
