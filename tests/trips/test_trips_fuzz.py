"""Property-based: random and malformed requests to every trips RPC never produce INTERNAL
(or UNKNOWN), and a rejected call leaves no row behind."""
from __future__ import annotations

import grpc
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from p2p.auth.v1 import auth_pb2
from p2p.trips.v1 import trips_pb2 as tpb
from tests.auth.test_fuzz import message
from tests.conftest import md, signed_up

SERVICE = tpb.DESCRIPTOR.services_by_name["TripService"]
TABLES = ("trips", "trip_templates", "trip_weather", "trip_capacity_reservations", "trip_events", "outbox_events",
          "idempotency_keys")


@pytest.fixture(scope="module")
async def tokens(stub, sql, service_token):
    _, login = await signed_up(stub, sql, user_type=auth_pb2.USER_TYPE_BOTH)
    return {"none": None, "garbage": "abc.def.ghi", "user": login.tokens.access_token, "service": service_token}


@pytest.mark.parametrize("method", [m.name for m in SERVICE.methods])
async def test_random_requests_never_internal(method, trips_server, trips_db, tokens):
    m = SERVICE.methods_by_name[method]
    ch = grpc.aio.insecure_channel(trips_server.address)
    call = ch.unary_unary(f"/{SERVICE.full_name}/{method}", request_serializer=lambda x: x.SerializeToString(),
                          response_deserializer=lambda b: b)
    seen = []

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(req=message(m.input_type), auth=st.sampled_from(sorted(tokens)))
    def gen(req, auth):
        seen.append((req, auth))
    gen()

    def counts():
        with psycopg.connect(trips_db) as conn:
            return dict(conn.execute(" UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in TABLES)).fetchall())
    try:
        for req, auth in seen:
            before = counts()
            try:
                await call(req, metadata=md(tokens[auth]), timeout=10)
                continue
            except grpc.aio.AioRpcError as e:
                assert e.code() not in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN), (method, req, e.details())
            assert counts() == before, (method, req)
    finally:
        await ch.close()
