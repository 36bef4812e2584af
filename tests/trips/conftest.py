"""Trips test helpers: places, trip messages, users and SQL reads. The trips server, its database
and the local Open-Meteo stand-in are session fixtures of tests/support/services.py."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from google.type import latlng_pb2

from p2p.auth.v1 import auth_pb2
from p2p.common.v1 import common_pb2 as cpb
from p2p.trips.v1 import trips_pb2 as tpb
from tests.conftest import md, signed_up

PARIS, BERLIN = (48.8566, 2.3522), (52.5200, 13.4050)
BRUSSELS, COLOGNE, LYON = (50.8503, 4.3517), (50.9375, 6.9603), (45.7640, 4.8357)


@pytest.fixture
async def traveler(stub, sql):
    _, login = await signed_up(stub, sql, user_type=auth_pb2.USER_TYPE_TRAVELER)
    return login


@pytest.fixture
async def customer(stub, sql):
    _, login = await signed_up(stub, sql, user_type=auth_pb2.USER_TYPE_CUSTOMER)
    return login


def place(address: str, at: tuple[float, float]) -> cpb.Place:
    return cpb.Place(address=address, location=latlng_pb2.LatLng(latitude=at[0], longitude=at[1]))


def eur(amount: int) -> cpb.Money:
    return cpb.Money(amount_minor=amount, currency_code="EUR")


def trip_msg(origin=("Paris", PARIS), destination=("Berlin", BERLIN), days: float = 7, hours: float = 10,
             weight: int = 20_000, departure: dt.datetime | None = None, **kw) -> tpb.Trip:
    dep = departure or dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(days=days)
    t = tpb.Trip(
        title=kw.pop("title", f"{origin[0]} to {destination[0]}"), transport_type=kw.pop("transport_type", tpb.TRANSPORT_TYPE_CAR),
        origin=tpb.Endpoint(place=place(*origin)), destination=tpb.Endpoint(place=place(*destination)),
        capacity=kw.pop("capacity", tpb.Capacity(weight_grams=weight, volume_cm3=100_000, items=5)),
        pricing=kw.pop("pricing", tpb.Pricing(base_price=eur(1500), price_per_kg=eur(200), price_per_km=eur(2))),
        visibility=kw.pop("visibility", tpb.TRIP_VISIBILITY_PUBLIC), **kw)
    t.departure_time.FromDatetime(dep)
    t.arrival_time.FromDatetime(dep + dt.timedelta(hours=hours))
    return t


async def create_trip(trips, login, publish=True, **kw) -> tpb.Trip:
    return await trips.CreateTrip(tpb.CreateTripRequest(trip=trip_msg(**kw), publish=publish),
                                  metadata=md(login.tokens.access_token))


def svc(token: str):
    return md(token)


def new_id() -> str:
    return str(uuid.uuid4())


def bearer(login) -> list[tuple[str, str]]:
    """Call metadata of a signed-in user (a LoginResponse)."""
    return md(login.tokens.access_token)


def ll(at: tuple[float, float]) -> latlng_pb2.LatLng:
    return latlng_pb2.LatLng(latitude=at[0], longitude=at[1])


def stamp(value: dt.datetime):
    from google.protobuf import timestamp_pb2
    t = timestamp_pb2.Timestamp()
    t.FromDatetime(value)
    return t


def utc(msg_ts) -> dt.datetime:
    return msg_ts.ToDatetime(tzinfo=dt.timezone.utc)


def outbox(trips_db: str, topic: str, trip_id: str) -> list[dict]:
    import psycopg
    with psycopg.connect(trips_db) as conn:
        return [r[0] for r in conn.execute("SELECT payload FROM outbox_events WHERE topic = %s AND aggregate_id = %s "
                                           "ORDER BY created_at", (topic, trip_id)).fetchall()]


def query(trips_db: str, sql: str, *args):
    import psycopg
    with psycopg.connect(trips_db, autocommit=True) as conn:
        cur = conn.execute(sql, args)
        return cur.fetchall() if cur.description else []


@pytest.fixture
async def stranger(stub, sql):
    """Another traveler (user type both): sees nothing private of the others."""
    _, login = await signed_up(stub, sql, user_type=auth_pb2.USER_TYPE_BOTH)
    return login
