"""A trips server whose database goes away: callers get UNAVAILABLE (DATABASE_UNAVAILABLE), the
status their service configs retry, not INTERNAL; when it comes back the server answers again
without a restart. The database sits behind a TCP relay (tests/support/relay.py) that the test
cuts: both of the service's paths to it, SQLAlchemy's sessions (GetTrip) and the plain psycopg
pool (MatchTrips), are exercised."""
from __future__ import annotations

import asyncio

import grpc
from sqlalchemy.engine import make_url

from p2p.trips.v1 import trips_pb2 as tpb
from p2p.trips.v1 import trips_pb2_grpc
from tests.auth.test_auth_flows import expect
from tests.conftest import md
from tests.support.relay import TcpRelay
from tests.trips.conftest import BRUSSELS, COLOGNE, bearer, create_trip, ll


async def test_a_lost_database_is_unavailable_and_the_server_recovers(trips, trips_db, users_server, traveler,
                                                                     service_token):
    from services.trips import server
    from services.trips.settings import TripsSettings
    t = await create_trip(trips, traveler)
    url = make_url(trips_db)
    relay = await TcpRelay(url.host, url.port).start()
    s = TripsSettings.from_env()
    s.base.database_url = url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    app = server.build(s, users_address=users_server.address)
    port = await app.start(port=0)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
            stub = trips_pb2_grpc.TripServiceStub(ch)

            def get():
                return stub.GetTrip(tpb.GetTripRequest(trip_id=t.id), metadata=bearer(traveler), timeout=20)

            def match():
                return stub.MatchTrips(tpb.MatchTripsRequest(pickup=ll(BRUSSELS), dropoff=ll(COLOGNE), page_size=200,
                                                             max_detour_meters=150_000, weight_grams=1000),
                                       metadata=md(service_token), timeout=20)

            async def matched() -> set[str]:
                return {m.trip.id for m in (await match()).matches}

            assert (await get()).id == t.id and t.id in await matched()
            relay.cut()
            # pooled connections now fail on use, new ones as they connect: each call says so
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
    finally:
        await app.stop(grace=0.2)
        await relay.stop()
    assert relay.accepted >= 3         # the calls did go through the relay
