"""Every users RPC: UNAUTHENTICATED without a token; random and malformed requests (client streams
included) from every kind of caller never produce INTERNAL (or UNKNOWN), and a rejected call
leaves no row and no file behind."""
from __future__ import annotations

import grpc
import psycopg
import pytest
from google.protobuf import descriptor as d
from google.protobuf import message_factory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from p2p.users.v1 import users_pb2 as pb
from services.users.store import TABLES
from tests.auth.test_fuzz import nasty_text
from tests.conftest import md
from tests.users.conftest import new_user, stream_call, wait_for

SERVICE = pb.DESCRIPTOR.services_by_name["UserService"]


def message(desc: d.Descriptor, depth: int = 0) -> st.SearchStrategy:
    fields = {}
    for f in desc.fields:
        if f.type == d.FieldDescriptor.TYPE_MESSAGE and f.message_type.GetOptions().map_entry:
            continue
        if f.type == d.FieldDescriptor.TYPE_MESSAGE:
            if depth > 3:
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
    if f.type == t.TYPE_BYTES:
        return st.one_of(st.binary(max_size=256), st.sampled_from([b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", b"%PDF-1.4",
                                                                   b"\x89PNG\r\n\x1a\n"]))
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
        if f.is_repeated and f.type == d.FieldDescriptor.TYPE_MESSAGE:
            for v in value:
                getattr(msg, name).add().CopyFrom(v)
        elif f.is_repeated:
            getattr(msg, name).extend(value)
        elif f.type == d.FieldDescriptor.TYPE_MESSAGE:
            getattr(msg, name).CopyFrom(value)
        else:
            setattr(msg, name, value)
    return msg


def call_of(ch: grpc.aio.Channel, m):
    path = f"/{SERVICE.full_name}/{m.name}"
    kw = dict(request_serializer=lambda x: x.SerializeToString(), response_deserializer=lambda b: b)
    return ch.stream_unary(path, **kw) if m.client_streaming else ch.unary_unary(path, **kw)


async def invoke(call, m, req, metadata):
    if m.client_streaming:
        return await stream_call(call, req, metadata)
    return await call(req, metadata=metadata, timeout=15)


@pytest.mark.parametrize("method", [m.name for m in SERVICE.methods])
async def test_every_rpc_needs_a_token(method, users_server):
    m = SERVICE.methods_by_name[method]
    ch = grpc.aio.insecure_channel(users_server.address)
    try:
        req = message_factory.GetMessageClass(m.input_type)()
        for token in (None, "abc.def.ghi"):
            with pytest.raises(grpc.aio.AioRpcError) as ei:
                await invoke(call_of(ch, m), m, [req] if m.client_streaming else req, md(token))
            assert ei.value.code() == grpc.StatusCode.UNAUTHENTICATED, (method, ei.value.details())
    finally:
        await ch.close()


@pytest.fixture
async def tokens(stub, sql, usql, service_md, admin_md, users_server):
    u = await new_user(stub, sql, "both")
    await wait_for(lambda: usql("SELECT 1 FROM user_profiles WHERE user_id = %s AND first_name IS NOT NULL", u.id))
    raw = {"user": u.md, "admin": admin_md(), "deliveries": service_md("deliveries"), "auth": service_md("auth"),
           "trips": service_md("trips"), "admin_service": service_md("admin", ("admin",))}
    return {k: dict(v)["authorization"][7:] for k, v in raw.items()} | {"none": None, "garbage": "abc.def.ghi"}


@pytest.mark.parametrize("method", [m.name for m in SERVICE.methods])
async def test_random_requests_never_internal(method, users_server, users_db, tokens, sql):
    m = SERVICE.methods_by_name[method]
    ch = grpc.aio.insecure_channel(users_server.address)
    call = call_of(ch, m)
    strategy = message(m.input_type)
    if m.client_streaming:
        strategy = st.lists(strategy, max_size=4)
    seen = []

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(req=strategy, auth=st.sampled_from(sorted(tokens)))
    def gen(req, auth):
        seen.append((req, auth))
    gen()

    def state():
        with psycopg.connect(users_db) as conn:
            rows = dict(conn.execute(" UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in TABLES)).fetchall())
        return rows, users_server.blobs.files()

    started = sql("SELECT now()")[0][0]

    def auth_events_pending():   # user events this test's calls made auth publish, not yet delivered to users
        return sql("SELECT 1 FROM outbox_events WHERE topic IN (%s, %s) AND created_at >= %s AND delivered_at IS NULL",
                   "auth.user.registered", "auth.user.deleted", started)
    try:
        for req, auth in seen:
            before = state()
            try:
                await invoke(call, m, req, md(tokens[auth]))
                # A call that succeeds may have consequences that arrive later: DeleteMyAccount with
                # the right password (nasty_text holds it) makes auth publish auth.user.deleted, which
                # users records when it arrives. Let it land before the next call's before/after.
                assert await wait_for(lambda: not auth_events_pending()), "auth's user events stay undelivered"
                continue
            except grpc.aio.AioRpcError as e:
                assert e.code() not in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN), (method, req, e.details())
            assert state() == before, (method, req)
    finally:
        await ch.close()
