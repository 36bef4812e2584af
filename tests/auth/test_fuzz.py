"""Property-based: random and malformed requests to every auth RPC never produce INTERNAL
(or UNKNOWN), and a rejected call leaves no row behind."""
from __future__ import annotations

import grpc
import pytest
from google.protobuf import descriptor as d
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from p2p.auth.v1 import auth_pb2 as pb
from tests.conftest import md, signed_up

SERVICE = pb.DESCRIPTOR.services_by_name["AuthService"]
TABLES = ("users", "user_sessions", "user_two_factor_auth", "password_reset_tokens", "email_verification_tokens",
          "user_social_identities", "signing_keys", "idempotency_keys", "outbox_events")

nasty_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "\x00", "a@b", "x" * 300, "DROP TABLE users;--", "é@ü.com", "+33612345678",
                     "Europe/Paris", "EUR", "en", "Sup3r#Secret!", "00000000-0000-0000-0000-000000000000",
                     "not-a-uuid", "2024-01-01", "\u202e\u0000\ud7ff", "a" * 5000]),
)


def message(desc: d.Descriptor, depth: int = 0) -> st.SearchStrategy:
    fields = {}
    for f in desc.fields:
        if f.type == d.FieldDescriptor.TYPE_MESSAGE:
            if depth > 2:
                continue
            inner = message(f.message_type, depth + 1)
        elif f.type == d.FieldDescriptor.TYPE_STRING:
            inner = nasty_text
        elif f.type == d.FieldDescriptor.TYPE_BYTES:
            inner = st.binary(max_size=64)
        elif f.type == d.FieldDescriptor.TYPE_BOOL:
            inner = st.booleans()
        elif f.type == d.FieldDescriptor.TYPE_ENUM:
            inner = st.one_of(st.sampled_from([v.number for v in f.enum_type.values]), st.integers(-5, 99))
        elif f.type in (d.FieldDescriptor.TYPE_INT32, d.FieldDescriptor.TYPE_SINT32):
            inner = st.integers(-(2**31), 2**31 - 1)
        elif f.type in (d.FieldDescriptor.TYPE_INT64, d.FieldDescriptor.TYPE_SINT64):
            inner = st.integers(-(2**63), 2**63 - 1)
        else:
            continue
        if f.is_repeated:
            inner = st.lists(inner, max_size=3)
        fields[f.name] = st.one_of(st.none(), inner)
    return st.fixed_dictionaries({}, optional=fields).map(lambda kv: _build(desc, kv))


def _build(desc: d.Descriptor, values: dict):
    from google.protobuf import message_factory
    cls = message_factory.GetMessageClass(desc)
    msg = cls()
    for name, value in values.items():
        if value is None:
            continue
        f = desc.fields_by_name[name]
        if f.is_repeated:
            if f.type == d.FieldDescriptor.TYPE_MESSAGE:
                for v in value:
                    getattr(msg, name).add().CopyFrom(v)
            else:
                getattr(msg, name).extend(value)
        elif f.type == d.FieldDescriptor.TYPE_MESSAGE:
            getattr(msg, name).CopyFrom(value)
        else:
            setattr(msg, name, value)
    return msg


def counts(sql) -> dict[str, int]:
    q = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in TABLES)
    return dict(sql(q))


@pytest.fixture(scope="module")
async def valid_token(stub, sql):
    _, login = await signed_up(stub, sql)
    return login.tokens.access_token


@pytest.mark.parametrize("method", [m.name for m in SERVICE.methods])
async def test_random_requests_never_internal(method, stub, channel, sql, valid_token):
    m = SERVICE.methods_by_name[method]
    call = channel.unary_unary(f"/{SERVICE.full_name}/{method}",
                               request_serializer=lambda x: x.SerializeToString(),
                               response_deserializer=lambda b: b)
    seen = []

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(req=message(m.input_type), auth=st.sampled_from(["none", "garbage", "valid"]))
    def run(req, auth):
        seen.append((req, auth))

    run()  # hypothesis drives generation synchronously; the calls are made below on the loop
    for req, auth in seen:
        token = {"none": None, "garbage": "abc.def.ghi", "valid": valid_token}[auth]
        before = counts(sql)
        try:
            await call(req, metadata=md(token), timeout=10)
            ok = True
        except grpc.aio.AioRpcError as e:
            assert e.code() not in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN), (method, req, e.details())
            ok = False
        if not ok:
            assert counts(sql) == before, (method, req)
