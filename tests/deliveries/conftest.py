"""Deliveries test helpers: users, messages and error checks. The servers themselves (a real
trips server and two deliveries replicas on one database) are session fixtures of
tests/support/services.py, shared by every package."""
from __future__ import annotations

import datetime as dt
import random
import uuid

import grpc
import pytest
from google.type import latlng_pb2

from p2p.auth.v1 import auth_pb2
from p2p.common.v1 import common_pb2 as cpb
from p2p.deliveries.v1 import deliveries_pb2 as pb
from tests.conftest import md, signed_up
# The trips service and its helpers, from the trips tests (imported, not copied).
from tests.trips.conftest import (BERLIN, BRUSSELS, COLOGNE, LYON, PARIS, create_trip, eur, place,  # noqa: F401
                                  trip_msg)

# -- users ------------------------------------------------------------------------------------
class User:
    def __init__(self, login):
        self.login = login
        self.id = login.account.id
        self.token = login.tokens.access_token

    @property
    def md(self):
        return md(self.token)


async def new_user(stub, sql, kind: str) -> User:
    t = {"customer": auth_pb2.USER_TYPE_CUSTOMER, "traveler": auth_pb2.USER_TYPE_TRAVELER,
         "both": auth_pb2.USER_TYPE_BOTH}[kind]
    _, login = await signed_up(stub, sql, user_type=t)
    return User(login)


@pytest.fixture
async def customer(stub, sql) -> User:
    return await new_user(stub, sql, "customer")


@pytest.fixture
async def traveler(stub, sql) -> User:
    return await new_user(stub, sql, "traveler")


@pytest.fixture
async def stranger(stub, sql) -> User:
    return await new_user(stub, sql, "both")


@pytest.fixture
def users(stub, sql):
    async def make(kind: str = "traveler") -> User:
        return await new_user(stub, sql, kind)
    return make


# -- messages ---------------------------------------------------------------------------------
def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def latlng(at: tuple[float, float]) -> latlng_pb2.LatLng:
    return latlng_pb2.LatLng(latitude=at[0], longitude=at[1])


def money(amount: int, currency: str = "EUR") -> cpb.Money:
    return cpb.Money(amount_minor=amount, currency_code=currency)


def stamp(value: dt.datetime):
    from google.protobuf import timestamp_pb2
    t = timestamp_pb2.Timestamp()
    t.FromDatetime(value)
    return t


# Requests and trips of the tests that are not about matching live on their own route (Lisbon ->
# Porto), so the matching tests' Paris -> Berlin corridor only holds what they put there.
LISBON, PORTO = (38.7223, -9.1393), (41.1579, -8.6291)
BXL_CGN = {"pickup": ("Rue Royale 1, Brussels", BRUSSELS), "dropoff": ("Domkloster 4, Cologne", COLOGNE)}


def request_msg(pickup=("Rua Augusta 1, Lisbon", LISBON), dropoff=("Avenida dos Aliados 1, Porto", PORTO),
                weight: int = 2_000, category=pb.ITEM_CATEGORY_ELECTRONICS, urgency=pb.URGENCY_STANDARD,
                **kw) -> pb.DeliveryRequest:
    item = kw.pop("item", None) or pb.Item(name="Laptop", description="A 14-inch laptop in its box",
                                           category=category, quantity=1, weight_grams=weight,
                                           dimensions=pb.Dimensions(length_cm=40, width_cm=30, height_cm=10),
                                           value=money(90_000), fragile=kw.pop("fragile", False))
    r = pb.DeliveryRequest(
        title=kw.pop("title", "Laptop to Cologne"), urgency=urgency, item=item,
        pickup=pb.Stop(place=place(*pickup), contact_name="Anne", contact_phone="+32470000001",
                       instructions="Ring twice"),
        delivery=pb.Stop(place=place(*dropoff), contact_name="Bernd", contact_phone="+49170000002",
                         instructions="Leave with the concierge"),
        currency_code="EUR", **kw)
    return r


def far_day() -> float:
    """A departure this many days ahead, unlikely to be shared with any other test's trip."""
    return 30 + random.random() * 300


def around(msg: pb.DeliveryRequest, trip, hours: float = 2) -> pb.DeliveryRequest:
    """Time windows that fit `trip` closely (pickup around its departure, delivery around its
    arrival): trips of other tests, leaving on other days, do not fit them."""
    dep = trip.departure_time.ToDatetime(tzinfo=dt.timezone.utc)
    arr = trip.arrival_time.ToDatetime(tzinfo=dt.timezone.utc)
    margin = dt.timedelta(hours=hours)
    msg.pickup.window_start.CopyFrom(stamp(dep - margin))
    msg.pickup.window_end.CopyFrom(stamp(dep + margin))
    msg.delivery.window_start.CopyFrom(stamp(arr - margin))
    msg.delivery.window_end.CopyFrom(stamp(arr + margin))
    return msg


async def create_request(dl, user: User, around_trip=None, **kw) -> pb.DeliveryRequest:
    rid = kw.pop("request_id", "")
    msg = request_msg(**kw)
    if around_trip is not None:
        around(msg, around_trip)
    return await dl.CreateDeliveryRequest(pb.CreateDeliveryRequestRequest(delivery_request=msg, request_id=rid),
                                          metadata=user.md)


async def make_offer(dl, user: User, delivery_request_id: str, trip_id: str, price: int = 4_000,
                     request_id: str = "", **kw) -> pb.Offer:
    offer = pb.Offer(trip_id=trip_id, price=money(price), message=kw.pop("message", "Happy to take it"), **kw)
    return await dl.CreateOffer(pb.CreateOfferRequest(delivery_request_id=delivery_request_id, offer=offer,
                                                      request_id=request_id), metadata=user.md)


async def paris_berlin_trip(trips, user: User, **kw):
    """A published Paris -> Berlin car trip (20 kg, 5 items) of `user`, a week ahead by default."""
    return await create_trip(trips, user.login, **kw)


async def any_trip(trips, user: User, **kw):
    """A published Lisbon -> Porto car trip a week ahead (20 kg, 5 items) of `user`."""
    kw.setdefault("origin", ("Lisbon", LISBON))
    kw.setdefault("destination", ("Porto", PORTO))
    return await create_trip(trips, user.login, **kw)


def new_id() -> str:
    return str(uuid.uuid4())


# -- error helpers ----------------------------------------------------------------------------
def error_details(err: grpc.aio.AioRpcError) -> dict:
    from google.rpc import error_details_pb2
    from grpc_status import rpc_status
    st = rpc_status.from_call(err)
    out = {}
    for d in st.details if st else []:
        for cls in (error_details_pb2.BadRequest, error_details_pb2.ErrorInfo):
            if d.Is(cls.DESCRIPTOR):
                m = cls()
                d.Unpack(m)
                out[cls.__name__] = m
    return out


async def expect(code: grpc.StatusCode, coro, reason: str | None = None) -> dict:
    with pytest.raises(grpc.aio.AioRpcError) as ei:
        await coro
    assert ei.value.code() == code, (ei.value.code(), ei.value.details())
    d = error_details(ei.value)
    if reason is not None:
        assert d["ErrorInfo"].reason == reason, (d["ErrorInfo"].reason, ei.value.details())
    return d


def violations(d: dict) -> dict[str, str]:
    return {v.field: v.description for v in d["BadRequest"].field_violations}
