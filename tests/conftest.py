"""Shared fixtures: a migrated auth database cloned from a template, a real in-process auth
server (grpc.aio, port 0), local social-provider servers and an SMTP server.

Each test run makes its own databases (migrate once into a template, clone it), on
$DATABASE_URL's cluster or the private test cluster that `make test` starts.
"""
from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
import uuid

import grpc
import psycopg
import pytest
from aiosmtpd.controller import Controller

from p2p.auth.v1 import auth_pb2 as pb
from p2p.auth.v1 import auth_pb2_grpc
from p2p.common.v1 import common_pb2 as cpb
from services.common import dbadmin, migrations
from tests.support.providers import FacebookGraph, OIDCProvider

ADMIN_URL = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:55432/postgres"
RUN = uuid.uuid4().hex[:8]

# The trips and deliveries servers, shared by every package (one session instance each).
pytest_plugins = ["tests.support.services"]
PASSWORD = "Sup3r#Secret!"


def db_url(name: str) -> str:
    return dbadmin.server_url(ADMIN_URL, name)


@pytest.fixture(scope="session")
def auth_template() -> str:
    name = f"tpl_auth_{RUN}"
    dbadmin.create_database(ADMIN_URL, name, ("postgis", "citext", "btree_gist", "pgcrypto"))
    migrations.upgrade("auth", db_url(name))
    yield name
    dbadmin.drop_database(ADMIN_URL, name)


@pytest.fixture(scope="session")
def auth_db(auth_template) -> str:
    name = f"test_auth_{RUN}"
    dbadmin.create_database(ADMIN_URL, name, (), template=auth_template)
    yield db_url(name)
    dbadmin.drop_database(ADMIN_URL, name)


@pytest.fixture(scope="session")
def providers():
    with OIDCProvider("https://accounts.google.com", "google") as google, \
            OIDCProvider("https://appleid.apple.com", "apple") as apple, \
            FacebookGraph("1234567890", "fb-app-secret") as fb:
        yield {"google": google, "apple": apple, "facebook": fb}


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture(scope="session")
def smtp():
    box = Mailbox()
    with socket.socket() as s:  # a free port: aiosmtpd's Controller needs a number, not 0
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctl = Controller(box, hostname="127.0.0.1", port=port)
    ctl.start()
    box.port = port
    yield box
    ctl.stop()


@pytest.fixture(scope="session")
def auth_env(auth_db, providers, smtp):
    env = {
        "AUTH_DATABASE_URL": auth_db, "AUTH_PORT": "0", "LOG_LEVEL": "WARNING",
        "GOOGLE_JWKS_URL": providers["google"].jwks_url, "GOOGLE_CLIENT_IDS": "google-client",
        "APPLE_JWKS_URL": providers["apple"].jwks_url, "APPLE_CLIENT_IDS": "apple.bundle",
        "FACEBOOK_GRAPH_URL": providers["facebook"].base_url, "FACEBOOK_APP_ID": "1234567890",
        "FACEBOOK_APP_SECRET": "fb-app-secret",
        "EMAIL_TRANSPORT": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port),
        "OUTBOX_POLL_SECONDS": "0.5", "OTEL_TRACES_SAMPLER": "parentbased_always_on",
        # The tests play a trusted load balancer in front of Envoy: each declares its client
        # address in x-forwarded-for, so per-IP rate limits do not leak between tests.
        "TRUSTED_PROXY_HOPS": "1", "AUTH_KEY_PUBLISH_DELAY_SECONDS": "0",
        # Every service of the tests runs in this one process and event loop: on a slow 2-core
        # machine a trips call behind six racing accepts took longer than deliveries' 3 s.
        "DELIVERIES_TRIPS_TIMEOUT_SECONDS": "10", "USERS_AUTH_TIMEOUT_SECONDS": "10",
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield env
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
async def auth_server(auth_env):
    from services.auth import server
    app = server.build()
    port = await app.start(port=0)
    app.address = f"127.0.0.1:{port}"
    for _ in range(100):  # wait for SERVING (database answered)
        if app.health._server_status.get("", None) == 1:
            break
        await asyncio.sleep(0.05)
    yield app
    await app.stop(grace=1)


@pytest.fixture(scope="session")
async def channel(auth_server):
    ch = grpc.aio.insecure_channel(auth_server.address)
    yield ch
    await ch.close()


@pytest.fixture(scope="session")
def stub(channel) -> auth_pb2_grpc.AuthServiceStub:
    return auth_pb2_grpc.AuthServiceStub(channel)


@pytest.fixture(scope="session")
def sql(auth_db):
    """Run SQL against the test database (read what the service recorded, e.g. outbox events)."""
    def run(query: str, *args):
        with psycopg.connect(auth_db, autocommit=True) as conn:
            return conn.execute(query, args).fetchall()
    return run


# -- helpers --------------------------------------------------------------------------------
def random_ip() -> str:
    """A fresh client address (IPv6 documentation prefix, 96 random bits) for per-IP rate limits.
    Drawn from os.urandom, not the global `random`: Hypothesis reseeds that one identically for every
    example, which would give each example of a fuzz test the same addresses (and exhaust their limits)."""
    return str(ipaddress.IPv6Address(b"\x20\x01\x0d\xb8" + os.urandom(12)))


def md(token: str | None = None, ip: str | None = None) -> list[tuple[str, str]]:
    out = [("x-forwarded-for", ip or random_ip())]
    if token:
        out.append(("authorization", f"Bearer {token}"))
    return out


def new_email(tag: str = "user") -> str:
    return f"{tag}.{uuid.uuid4().hex[:10]}@example.com"


def device(device_id: str | None = None) -> pb.DeviceInfo:
    return pb.DeviceInfo(device_id=device_id or uuid.uuid4().hex, device_type=cpb.DEVICE_TYPE_MOBILE,
                         platform=cpb.PLATFORM_IOS, app_version="1.4.0", push_token="push-abc", location="Paris, FR")


def register_request(email: str, **kw) -> pb.RegisterRequest:
    fields = dict(email=email, password=PASSWORD, first_name="Alice", last_name="Martin",
                  user_type=pb.USER_TYPE_CUSTOMER, accept_terms=True, accept_privacy=True)
    fields.update(kw)
    return pb.RegisterRequest(**fields)


def latest_event_token(sql, topic: str, email: str) -> str:
    rows = sql("SELECT payload->>'token' FROM outbox_events WHERE topic = %s AND payload->>'email' = %s "
               "ORDER BY created_at DESC LIMIT 1", topic, email.lower())
    assert rows, f"no {topic} event recorded for {email}"
    return rows[0][0]


async def signed_up(stub, sql, email: str | None = None, **kw):
    """Register, verify by the token recorded in the outbox event, log in. -> (email, LoginResponse)"""
    email = email or new_email()
    await stub.Register(register_request(email, **kw), metadata=md())
    token = latest_event_token(sql, "auth.email.verification", email)
    await stub.VerifyEmail(pb.VerifyEmailRequest(token=token), metadata=md())
    resp = await stub.Login(pb.LoginRequest(email=email, password=kw.get("password", PASSWORD), device=device()),
                            metadata=md())
    return email, resp
