"""Every deliveries RPC: UNAUTHENTICATED without a token; random and malformed requests never
produce INTERNAL (or UNKNOWN), and a rejected call leaves no row behind."""
from __future__ import annotations

import asyncio

import grpc
import psycopg
import pytest
from google.protobuf import descriptor as d
from google.protobuf import message_factory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from p2p.auth.v1 import auth_pb2
from p2p.deliveries.v1 import deliveries_pb2 as pb
from tests.auth.test_fuzz import nasty_text
from tests.conftest import md, signed_up

SERVICE = pb.DESCRIPTOR.services_by_name["DeliveryService"]
TABLES = ("delivery_requests", "delivery_offers", "deliveries", "delivery_request_views", "delivery_request_reports",
          "idempotency_keys", "outbox_events")


def message(desc: d.Descriptor, depth: int = 0) -> st.SearchStrategy:
    """Random messages of `desc` (like the auth fuzz test's, plus map fields)."""
    fields = {}
    for f in desc.fields:
        if f.type == d.FieldDescriptor.TYPE_MESSAGE and f.message_type.GetOptions().map_entry:
            fields[f.name] = st.dictionaries(nasty_text, _scalar(f.message_type.fields_by_name["value"]), max_size=3)
            continue
        if f.type == d.FieldDescriptor.TYPE_MESSAGE:
            if depth > 2:
                continue
            inner = message(f.message_type, depth + 1)
        else:
            inner = _scalar(f)
            if inner is None:
                continue
        fields[f.name] = st.lists(inner, max_size=3) if f.is_repeated else inner
    return st.fixed_dictionaries({}, optional={k: st.one_of(st.none(), v) for k, v in fields.items()}).map(
        lambda kv: _build(desc, kv))


def _scalar(f):
    t = d.FieldDescriptor
    if f.type == t.TYPE_STRING:
        return nasty_text
    if f.type == t.TYPE_BOOL:
        return st.booleans()
    if f.type == t.TYPE_ENUM:
        return st.one_of(st.sampled_from([v.number for v in f.enum_type.values]), st.integers(-5, 99))
    if f.type in (t.TYPE_INT32, t.TYPE_SINT32):
        return st.integers(-(2**31), 2**31 - 1)
    if f.type in (t.TYPE_INT64, t.TYPE_SINT64):
        return st.integers(-(2**63), 2**63 - 1)
    if f.type == t.TYPE_DOUBLE:
        return st.floats(allow_nan=True, allow_infinity=True)
    return None


def _build(desc: d.Descriptor, values: dict):
    msg = message_factory.GetMessageClass(desc)()
    for name, value in values.items():
        if value is None:
            continue
        f = desc.fields_by_name[name]
        target = getattr(msg, name) if (f.is_repeated or f.type == d.FieldDescriptor.TYPE_MESSAGE) else None
        if f.type == d.FieldDescriptor.TYPE_MESSAGE and f.message_type.GetOptions().map_entry:
            target.update(value)
        elif f.is_repeated and f.type == d.FieldDescriptor.TYPE_MESSAGE:
            for v in value:
                target.add().CopyFrom(v)
        elif f.is_repeated:
            target.extend(value)
        elif f.type == d.FieldDescriptor.TYPE_MESSAGE:
            target.CopyFrom(value)
        else:
            setattr(msg, name, value)
    return msg


def method_call(ch: grpc.aio.Channel, m):
    path = f"/{SERVICE.full_name}/{m.name}"
    kw = dict(request_serializer=lambda x: x.SerializeToString(), response_deserializer=lambda b: b)
    return ch.unary_stream(path, **kw) if m.server_streaming else ch.unary_unary(path, **kw)


async def invoke(call, m, req, metadata):
    if not m.server_streaming:
        return await call(req, metadata=metadata, timeout=10)
    stream = call(req, metadata=metadata, timeout=10)
    try:
        await asyncio.wait_for(stream.__aiter__().__anext__(), 1.0)
    except (asyncio.TimeoutError, StopAsyncIteration):
        pass      # accepted and waiting (or ended): fine
    finally:
        stream.cancel()


@pytest.mark.parametrize("method", [m.name for m in SERVICE.methods])
async def test_every_rpc_needs_a_token(method, deliveries_server):
    m = SERVICE.methods_by_name[method]
    ch = grpc.aio.insecure_channel(deliveries_server.address)
    try:
        req = message_factory.GetMessageClass(m.input_type)()
        with pytest.raises(grpc.aio.AioRpcError) as ei:
            await invoke(method_call(ch, m), m, req, md())
            if m.server_streaming:
                raise AssertionError("stream accepted without a token")
        assert ei.value.code() == grpc.StatusCode.UNAUTHENTICATED, (method, ei.value.details())
    finally:
        await ch.close()


@pytest.fixture(scope="module")
async def tokens(stub, sql, service_md):
    _, login = await signed_up(stub, sql, user_type=auth_pb2.USER_TYPE_BOTH)
    return {"none": None, "garbage": "abc.def.ghi", "user": login.tokens.access_token,
            "trips": dict(service_md("trips"))["authorization"][7:]}


@pytest.mark.parametrize("method", [m.name for m in SERVICE.methods])
async def test_random_requests_never_internal(method, deliveries_server, deliveries_db, trips_server, tokens):
    m = SERVICE.methods_by_name[method]
    ch = grpc.aio.insecure_channel(deliveries_server.address)
    call = method_call(ch, m)
    seen = []

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(req=message(m.input_type), auth=st.sampled_from(sorted(tokens)))
    def gen(req, auth):
        seen.append((req, auth))
    gen()

    def counts():
        with psycopg.connect(deliveries_db) as conn:
            return dict(conn.execute(" UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in TABLES)).fetchall())
    try:
        for req, auth in seen:
            before = counts()
            try:
                await invoke(call, m, req, md(tokens[auth]))
                continue
            except grpc.aio.AioRpcError as e:
                assert e.code() not in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN), (method, req, e.details())
            assert counts() == before, (method, req)
    finally:
        await ch.close()
