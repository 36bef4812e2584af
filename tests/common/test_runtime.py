"""The common runtime, exercised through a real auth server: health, graceful drain,
authentication of users and services, key refresh, deadlines, tracing and error mapping."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from p2p.auth.v1 import auth_pb2 as pb
from p2p.auth.v1 import auth_pb2_grpc
from services.common import deadlines, errors, identity
from services.common.clients import AuthClient
from services.common.config import Settings
from services.common.interceptors import client_ip
from tests.conftest import PASSWORD, device, md, register_request, signed_up, new_email


# -- pure pieces ------------------------------------------------------------------------------------
@pytest.mark.parametrize("peer,xff,hops,expected", [
    ("ipv4:127.0.0.1:5000", None, 0, "127.0.0.1"),
    ("ipv4:127.0.0.1:5000", "203.0.113.9", 0, "203.0.113.9"),
    ("ipv4:127.0.0.1:5000", "203.0.113.9, 10.0.0.1", 0, "10.0.0.1"),      # what Envoy saw
    ("ipv4:127.0.0.1:5000", "203.0.113.9, 10.0.0.1", 1, "203.0.113.9"),   # one trusted LB before Envoy
    ("ipv4:198.51.100.7:5000", "203.0.113.9", 0, "198.51.100.7"),         # untrusted peer: XFF ignored
    ("ipv6:[::1]:5000", "garbage", 0, "::1"),
])
def test_client_ip(peer, xff, hops, expected):
    assert client_ip(peer, xff, ("127.0.0.1", "::1"), hops) == expected


class _Ctx:
    def __init__(self, remaining):
        self._r = remaining

    def time_remaining(self):
        return self._r


def test_deadline_budget():
    tok = deadlines.set_from_context(_Ctx(None))
    assert deadlines.timeout(2.0) == 2.0
    deadlines.reset(tok)
    tok = deadlines.set_from_context(_Ctx(9.2e18))       # sync servers' "no deadline"
    assert deadlines.timeout(2.0) == 2.0
    deadlines.reset(tok)
    tok = deadlines.set_from_context(_Ctx(0.5))
    assert 0.3 < deadlines.timeout(2.0) <= 0.45
    deadlines.reset(tok)
    tok = deadlines.set_from_context(_Ctx(0.01))
    assert deadlines.timeout(2.0) == pytest.approx(0.001)
    deadlines.reset(tok)


def test_error_mapping_carries_details():
    from google.rpc import error_details_pb2
    st = errors.to_status(errors.InvalidArgument("bad", [("email", "is required")]), "x.p2p-delivery")
    assert st.code == grpc.StatusCode.INVALID_ARGUMENT
    md_bin = dict(st.trailing_metadata)["grpc-status-details-bin"]
    from google.rpc import status_pb2
    s = status_pb2.Status.FromString(md_bin)
    kinds = {a.type_url.rsplit("/", 1)[1] for a in s.details}
    assert kinds == {"google.rpc.ErrorInfo", "google.rpc.BadRequest"}
    rl = errors.to_status(errors.ResourceExhausted("slow down", 12.5), "x")
    s = status_pb2.Status.FromString(dict(rl.trailing_metadata)["grpc-status-details-bin"])
    info = error_details_pb2.RetryInfo()
    [a for a in s.details if a.Is(error_details_pb2.RetryInfo.DESCRIPTOR)][0].Unpack(info)
    assert (info.retry_delay.seconds, info.retry_delay.nanos) == (12, 500_000_000)


# -- through a real server ---------------------------------------------------------------------------
async def test_health_serving_and_watch(channel):
    h = health_pb2_grpc.HealthStub(channel)
    for svc in ("", "p2p.auth.v1.AuthService"):
        r = await h.Check(health_pb2.HealthCheckRequest(service=svc))
        assert r.status == health_pb2.HealthCheckResponse.SERVING
    stream = h.Watch(health_pb2.HealthCheckRequest(service=""))  # server stream through the interceptor
    first = await stream.read()
    assert first.status == health_pb2.HealthCheckResponse.SERVING
    stream.cancel()


async def test_not_serving_until_database_answers(auth_env):
    """A server whose database is unreachable reports NOT_SERVING (and still answers health)."""
    from services.auth import server
    from services.auth.settings import AuthSettings
    s = AuthSettings.from_env()
    s.base.database_url = "postgresql://postgres@127.0.0.1:1/auth_db"   # nothing listens on port 1
    app = server.build(s)
    app._startup.clear()  # the key ring and the outbox need the database: leave them out here
    port = await app.start(port=0)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
            h = health_pb2_grpc.HealthStub(ch)
            await asyncio.sleep(0.5)
            r = await h.Check(health_pb2.HealthCheckRequest(service=""))
            assert r.status == health_pb2.HealthCheckResponse.NOT_SERVING
    finally:
        await app.stop(grace=0.2)


async def test_sigterm_drains_in_flight_calls(auth_db, auth_env, tmp_path):
    """SIGTERM: health goes NOT_SERVING, new calls are refused, in-flight calls finish, exit 0."""
    port = 31000 + os.getpid() % 1000
    env = {**os.environ, "AUTH_PORT": str(port), "AUTH_DATABASE_URL": auth_db, "LOG_LEVEL": "INFO",
           "SHUTDOWN_GRACE_SECONDS": "10", "AUTH_LIMIT_LOGIN": "1000/60"}
    log = open(tmp_path / "auth.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "services.auth.server"], env=env, stdout=log, stderr=log,
                            start_new_session=True)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
            h = health_pb2_grpc.HealthStub(ch)
            for _ in range(200):
                try:
                    if (await h.Check(health_pb2.HealthCheckRequest(), timeout=1)).status == 1:
                        break
                except grpc.aio.AioRpcError:
                    pass
                await asyncio.sleep(0.05)
            stub = auth_pb2_grpc.AuthServiceStub(ch)
            watch = h.Watch(health_pb2.HealthCheckRequest(service=""))
            assert (await watch.read()).status == health_pb2.HealthCheckResponse.SERVING
            # 12 logins in flight (argon2 makes each take a while), then SIGTERM
            calls = [stub.Login(pb.LoginRequest(email=new_email(), password=PASSWORD, device=device()),
                                metadata=md(), timeout=20) for _ in range(12)]
            tasks = [asyncio.ensure_future(c) for c in calls]
            await asyncio.sleep(0.1)
            proc.send_signal(signal.SIGTERM)
            assert (await watch.read()).status == health_pb2.HealthCheckResponse.NOT_SERVING
            results = await asyncio.gather(*tasks, return_exceptions=True)
            answered = [r for r in results if r.code() == grpc.StatusCode.UNAUTHENTICATED]
            # Calls the server had not yet accepted when it stopped are refused; none is INTERNAL.
            assert {r.code() for r in results} <= {grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.CANCELLED,
                                                    grpc.StatusCode.UNAVAILABLE}
        rc = await asyncio.get_running_loop().run_in_executor(None, proc.wait, 15)
        assert rc == 0
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
            with pytest.raises(grpc.aio.AioRpcError) as ei:
                await health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=1)
            assert ei.value.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
    lines = (tmp_path / "auth.log").read_text().splitlines()
    drain_at = next(i for i, line in enumerate(lines) if '"draining"' in line)
    finished = [i for i, line in enumerate(lines) if "AuthService/Login" in line]
    # every call the server started got its real answer, some of them after the drain began
    assert len(finished) == len(answered) and answered
    assert any(i > drain_at for i in finished)


async def test_remote_verifier_refreshes_on_unknown_kid(auth_server, stub, sql):
    """Another service verifies auth's tokens with the published JWKS, refetching on a new kid."""
    settings = Settings.for_service("auth")
    settings.service = "trips"
    client = AuthClient(settings, target=auth_server.address)
    fetches = []

    async def source():
        fetches.append(1)
        return await client.get_jwks()

    v = identity.TokenVerifier(source, issuer="p2p-auth", audience="p2p-api", service_key=settings.service_key)
    try:
        _, login = await signed_up(stub, sql)
        p = await v.authenticate(login.tokens.access_token)
        assert p.kind == "user" and p.user_id == login.account.id and p.session_id == login.tokens.session_id
        assert len(fetches) == 1
        await v.authenticate(login.tokens.access_token)   # cached
        assert len(fetches) == 1
        admin = identity.ServiceIdentity("admin", settings.service_key, "p2p-api", ("admin",)).token()
        await stub.RotateSigningKey(pb.RotateSigningKeyRequest(), metadata=md(admin))
        _, fresh = await signed_up(stub, sql)              # signed with the new key (publish delay 0 in tests)
        await asyncio.sleep(1.1)                            # the verifier refetches at most once a second
        p2 = await v.authenticate(fresh.tokens.access_token)
        assert p2.user_id == fresh.account.id and len(fetches) == 2
        # service identity tokens
        svc = await v.authenticate(identity.ServiceIdentity("payments", settings.service_key, "p2p-api").token())
        assert svc.is_service and svc.subject == "payments"
        with pytest.raises(errors.Unauthenticated):
            await v.authenticate(identity.ServiceIdentity("evil", "wrong-key" * 5, "p2p-api").token())
    finally:
        await client.close()


async def test_trace_context_crosses_the_hop(auth_server):
    exporter = InMemorySpanExporter()
    trace.get_tracer_provider().add_span_processor(SimpleSpanProcessor(exporter))
    settings = Settings.for_service("auth")
    client = AuthClient(settings, target=auth_server.address)
    try:
        with trace.get_tracer("test").start_as_current_span("caller") as span:
            await client.get_jwks()
            trace_id = span.get_span_context().trace_id
        for _ in range(50):
            server_spans = [s for s in exporter.get_finished_spans()
                            if s.kind == trace.SpanKind.SERVER and s.name.endswith("GetJwks")]
            if server_spans:
                break
            await asyncio.sleep(0.02)
        assert server_spans and server_spans[-1].context.trace_id == trace_id
    finally:
        await client.close()


async def test_client_calls_carry_a_deadline(auth_server):
    settings = Settings.for_service("auth")
    client = AuthClient(settings, target=auth_server.address)
    try:
        kw = client.call_kwargs()
        assert kw["timeout"] == client.default_timeout
        assert kw["metadata"][0][1].startswith("Bearer ")
    finally:
        await client.close()


async def test_database_statements_are_spans_of_the_call_that_ran_them(stub, sql, auth_server):
    """A client span for each statement, child of the server span of the call, with the statement's
    text and no parameters: on the plain psycopg read pool (GetAccount's session read) and on
    SQLAlchemy's sessions (ListSessions)."""
    _, login = await signed_up(stub, sql)
    exporter = InMemorySpanExporter()
    trace.get_tracer_provider().add_span_processor(SimpleSpanProcessor(exporter))
    user_md = md(login.tokens.access_token)
    with trace.get_tracer("test").start_as_current_span("caller") as span:
        account = await stub.GetAccount(pb.GetAccountRequest(), metadata=user_md)
        await stub.ListSessions(pb.ListSessionsRequest(), metadata=user_md)
        trace_id = span.get_span_context().trace_id

    def spans():
        return [s for s in exporter.get_finished_spans() if s.context.trace_id == trace_id]

    def server(method: str):
        return [s for s in spans() if s.kind == trace.SpanKind.SERVER and s.name.endswith(method)]
    for _ in range(100):
        if server("GetAccount") and server("ListSessions"):
            break
        await asyncio.sleep(0.02)
    for method, table in (("GetAccount", "FROM users u JOIN user_sessions s"), ("ListSessions", "user_sessions")):
        (parent,) = server(method)
        children = [s for s in spans() if s.parent is not None and s.parent.span_id == parent.context.span_id
                    and s.kind == trace.SpanKind.CLIENT]
        statements = [s.attributes.get("db.statement", "") for s in children
                      if s.attributes.get("db.system") == "postgresql"]
        assert any(table in st for st in statements), (method, [s.name for s in children], statements)
        assert not any(account.id in st for st in statements)       # the user's id was a parameter
        assert not any("db.statement.parameters" in s.attributes for s in children)
