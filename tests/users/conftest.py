"""Users test helpers: users, admins, service identities, delivery events and files. The users
server, its database and the local Nominatim stand-in are session fixtures of
tests/support/services.py; auth is the real auth server of tests/conftest.py."""
from __future__ import annotations

import asyncio
import datetime as dt
import io
import time
import uuid

import grpc
import pytest
from PIL import Image

from p2p.auth.v1 import auth_pb2
from p2p.common.v1 import common_pb2 as cpb
from p2p.users.v1 import users_pb2 as pb
from tests.conftest import md, signed_up


class User:
    def __init__(self, email: str, login):
        self.email = email
        self.login = login
        self.id = login.account.id
        self.token = login.tokens.access_token
        self.first_name = login.account.first_name
        self.last_name = login.account.last_name

    @property
    def md(self):
        return md(self.token)


async def new_user(stub, sql, kind: str = "both", **kw) -> User:
    t = {"customer": auth_pb2.USER_TYPE_CUSTOMER, "traveler": auth_pb2.USER_TYPE_TRAVELER,
         "both": auth_pb2.USER_TYPE_BOTH}[kind]
    email, login = await signed_up(stub, sql, user_type=t, **kw)
    return User(email, login)


@pytest.fixture
def make_user(stub, sql, users_server, usql):
    """A signed-up user whose registration has reached users (auth's outbox -> HandleUserRegistered)."""
    async def make(kind: str = "both", **kw) -> User:
        u = await new_user(stub, sql, kind, **kw)
        arrived = await wait_for(lambda: usql("SELECT 1 FROM user_profiles WHERE user_id = %s AND first_name IS NOT "
                                              "NULL", u.id))
        assert arrived, "the registration event did not reach the users service"
        return u
    return make


@pytest.fixture
async def alice(make_user) -> User:
    return await make_user("customer", first_name="Alice", last_name="Martin")


@pytest.fixture
async def bob(make_user) -> User:
    return await make_user("traveler", first_name="Bob", last_name="Ray")


@pytest.fixture(scope="session")
def admin_md(auth_server):
    """A user token with the role "admin", signed by auth's own key ring (auth issues no admin
    tokens yet: the admin service will hold admin accounts)."""
    admin_id = str(uuid.uuid4())

    def make() -> list[tuple[str, str]]:
        now = int(time.time())
        token = auth_server.domain.ring.sign({
            "iss": "p2p-auth", "aud": "p2p-api", "sub": admin_id, "sid": str(uuid.uuid4()), "typ": "access",
            "roles": ["admin"], "iat": now, "exp": now + 600})
        return md(token)
    make.user_id = admin_id
    return make


async def expect(code: grpc.StatusCode, coro, reason: str | None = None) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as ei:
        await coro
    assert ei.value.code() == code, (ei.value.code(), ei.value.details())
    if reason is not None:
        assert error_reason(ei.value) == reason, (error_reason(ei.value), ei.value.details())
    return ei.value


def error_reason(err: grpc.aio.AioRpcError) -> str:
    from google.rpc import error_details_pb2
    from grpc_status import rpc_status
    st = rpc_status.from_call(err)
    for d in st.details if st else []:
        if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            d.Unpack(info)
            return info.reason
    return ""


def violations(err: grpc.aio.AioRpcError) -> dict[str, str]:
    from google.rpc import error_details_pb2
    from grpc_status import rpc_status
    st = rpc_status.from_call(err)
    out = {}
    for d in st.details if st else []:
        if d.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            br = error_details_pb2.BadRequest()
            d.Unpack(br)
            out.update({v.field: v.description for v in br.field_violations})
    return out


def eur(amount: int) -> cpb.Money:
    return cpb.Money(amount_minor=amount, currency_code="EUR")


def stamp(value: dt.datetime):
    from google.protobuf import timestamp_pb2
    t = timestamp_pb2.Timestamp()
    t.FromDatetime(value)
    return t


async def delivery_event(users, service_md, kind: str, delivery_id: str, customer: str, traveler: str,
                         event_id: str | None = None, **kw):
    """What deliveries' dispatcher will send (HandleDeliveryEvent, service identity "deliveries")."""
    req = pb.HandleDeliveryEventRequest(
        event_id=event_id or f"{kind}:{delivery_id}", type=getattr(pb, f"DELIVERY_EVENT_TYPE_{kind.upper()}"),
        delivery_id=delivery_id, customer_id=customer, traveler_id=traveler, **kw)
    return await users.HandleDeliveryEvent(req, metadata=service_md("deliveries"))


async def completed_delivery(users, service_md, customer: User, traveler: User, price: int = 4500,
                             trip_id: str | None = None) -> str:
    """A delivery accepted then completed between the two (on `trip_id`, else a trip of its own),
    as deliveries' events tell it."""
    did = str(uuid.uuid4())
    await delivery_event(users, service_md, "accepted", did, customer.id, traveler.id, price=eur(price),
                         trip_id=trip_id or str(uuid.uuid4()), delivery_number=f"D-{did[:6].upper()}")
    await delivery_event(users, service_md, "completed", did, customer.id, traveler.id)
    return did


# -- client streams -----------------------------------------------------------------------------
def client_bug(err: grpc.aio.AioRpcError) -> bool:
    """grpc/grpc#36066 (notes/grpc-python.md): when a server ends a client stream while the client
    is still writing (it refused the call before reading it: no token, wrong caller), the Python
    client sometimes reports INTERNAL "Failed execute_batch" instead of the server's status."""
    return err.code() == grpc.StatusCode.INTERNAL and "execute_batch" in (err.debug_error_string() or "")


async def stream_call(multicallable, msgs: list, metadata, timeout: float = 15, tries: int = 20):
    """Call a client-streaming RPC; on the client bug above, call again to read the real status
    (the server refused that call without reading it, so repeating it changes nothing)."""
    for _ in range(tries):
        try:
            return await multicallable(iter(msgs), metadata=metadata, timeout=timeout)
        except grpc.aio.AioRpcError as e:
            if not client_bug(e):
                raise
            last = e
    raise last


# -- files --------------------------------------------------------------------------------------
def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (640, 480), color=(200, 80, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, fmt)
    return buf.getvalue()


def pdf_bytes() -> bytes:
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
            b"trailer << /Root 1 0 R >>\n%%EOF\n")


def chunks(data: bytes, size: int = 64 * 1024) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)] or [b""]


def photo_stream(data: bytes, content_type: str = "", filename: str = "me.jpg"):
    msgs = [pb.UploadProfilePhotoRequest(metadata=pb.UploadMetadata(filename=filename, content_type=content_type))]
    return msgs + [pb.UploadProfilePhotoRequest(chunk=c) for c in chunks(data)]


def document_stream(data: bytes, doc_type=pb.DOCUMENT_TYPE_PASSPORT, side=pb.DOCUMENT_SIDE_FRONT,
                    content_type: str = "", filename: str = "passport.jpg"):
    msgs = [pb.UploadVerificationDocumentRequest(metadata=pb.DocumentUploadMetadata(
        document_type=doc_type, side=side, filename=filename, content_type=content_type))]
    return msgs + [pb.UploadVerificationDocumentRequest(chunk=c) for c in chunks(data)]


async def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05):
    """Poll predicate() (sync or async) until truthy; returns its last value."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(interval)
