"""trip_db persistence: trips, trip_templates, trip_weather (the spec's three tables) plus
trip_capacity_reservations (idempotent reserve/release per delivery), trip_events (each trip's
timeline), outbox_events and idempotency_keys. Weights are grams, volumes cm3, money minor
units (integers)."""
from __future__ import annotations

import collections
import datetime as dt
import math
import uuid
from statistics import median_low

from geoalchemy2 import Geography
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import (ARRAY, BigInteger, Boolean, Computed, DateTime, Double, Enum, ForeignKey, Index, Integer,
                        LargeBinary, MetaData, String, Text, and_, bindparam, delete, func, inspect, literal_column, or_,
                        select, text, update)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB, TSTZRANGE, UUID, insert
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import UserDefinedType

from services.common import db
from services.common.geo import EARTH_RADIUS_M, fraction_sql, unit_vector
from services.common.outbox import outbox_table

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s", "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

TRANSPORT_TYPES = ("flight", "train", "bus", "car", "ferry", "other")
STATUSES = ("draft", "published", "in_progress", "completed", "cancelled")
VISIBILITIES = ("public", "private")
TS = DateTime(timezone=True)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    metadata = metadata


class Cube(UserDefinedType):
    """PostgreSQL's `cube` (contrib extension): a box in n dimensions, with GiST support."""
    cache_ok = True

    def get_col_spec(self, **kw) -> str:
        return "CUBE"


ischema_names["cube"] = Cube  # reflected as such, so models and migrated schema compare equal


# A trip underway for at most a day: its departure is at most a day before any moment it is underway.
SHORT_TRIP = "(upper(schedule) - lower(schedule)) <= '1 day'::interval"


class Trip(Base):
    __tablename__ = "trips"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    traveler_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False, server_default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    trip_type: Mapped[str] = mapped_column(Enum(*TRANSPORT_TYPES, name="trip_type_enum"), nullable=False)
    status: Mapped[str] = mapped_column(Enum(*STATUSES, name="trip_status_enum"), nullable=False, server_default="draft")
    origin_address: Mapped[str] = mapped_column(String(500), nullable=False)
    origin_coordinates = mapped_column(Geography("POINT", srid=4326, spatial_index=False), nullable=False)
    origin_airport: Mapped[str | None] = mapped_column(String(8))
    origin_terminal: Mapped[str | None] = mapped_column(String(32))
    origin_details: Mapped[str | None] = mapped_column(Text)
    destination_address: Mapped[str] = mapped_column(String(500), nullable=False)
    destination_coordinates = mapped_column(Geography("POINT", srid=4326, spatial_index=False), nullable=False)
    destination_airport: Mapped[str | None] = mapped_column(String(8))
    destination_terminal: Mapped[str | None] = mapped_column(String(32))
    destination_details: Mapped[str | None] = mapped_column(Text)
    # Deferred, like the matching columns below: SQL reads them, a Trip message does not (loading a row
    # skips their decoding: a tstzrange costs ~30 us in Python).
    route = mapped_column(Geography("LINESTRING", srid=4326, spatial_index=False), nullable=False, deferred=True)
    route_distance_m: Mapped[int] = mapped_column(Integer, nullable=False)
    departure_time: Mapped[dt.datetime] = mapped_column(TS, nullable=False)
    arrival_time: Mapped[dt.datetime] = mapped_column(TS, nullable=False)
    # [departure, arrival] as one range, so matching can ask "underway during the pickup window" of an index.
    schedule = mapped_column(TSTZRANGE, Computed("tstzrange(departure_time, arrival_time, '[]')", persisted=True),
                             deferred=True)
    # The unit normal (x, y, z) of the route's great circle (migration 0003, trip_route_pole): a point p is
    # within d of the route only if |pole . p| <= sin(d / R), a cheap test that spares most geodesic distances.
    route_pole = mapped_column(ARRAY(Double), Computed("trip_route_pole(route)", persisted=True), deferred=True)
    # Route box (geocentric), pole and schedule in one 7-D box (migrations 0004 and 0005, trip_match_cube),
    # for matching (match_cubes): requests whose points are far apart, and close ones at the full detour.
    match_cube = mapped_column(Cube, Computed("trip_match_cube(route, departure_time, arrival_time)", persisted=True),
                               deferred=True)
    # Origin, unit tangent there and arc angle (trip_route_frame): positions along the route (services/common/geo.py).
    route_frame = mapped_column(ARRAY(Double), Computed("trip_route_frame(route)", persisted=True), deferred=True)
    estimated_duration: Mapped[int] = mapped_column(Integer, nullable=False)  # minutes
    actual_departure_time: Mapped[dt.datetime | None] = mapped_column(TS)
    actual_arrival_time: Mapped[dt.datetime | None] = mapped_column(TS)
    weight_capacity: Mapped[int] = mapped_column(BigInteger, nullable=False)     # grams
    volume_capacity: Mapped[int] = mapped_column(BigInteger, nullable=False)     # cm3
    item_capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    available_weight: Mapped[int] = mapped_column(BigInteger, nullable=False)
    available_volume: Mapped[int] = mapped_column(BigInteger, nullable=False)
    available_items: Mapped[int] = mapped_column(Integer, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, server_default="EUR")
    base_price: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")       # minor units
    price_per_kg: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    price_per_km: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    express_multiplier: Mapped[int] = mapped_column(Integer, nullable=False, server_default="10000")  # basis points
    fragile_multiplier: Mapped[int] = mapped_column(Integer, nullable=False, server_default="10000")
    restrictions: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default="{}")
    preferences: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default="{}")
    is_recurring: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    recurring_pattern: Mapped[dict | None] = mapped_column(JSONB)
    parent_trip_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("trips.id"))
    visibility: Mapped[str] = mapped_column(Enum(*VISIBILITIES, name="trip_visibility_enum"), nullable=False,
                                            server_default="public")
    auto_accept: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    auto_accept_price: Mapped[int | None] = mapped_column(BigInteger)
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    last_position = mapped_column(Geography("POINT", srid=4326, spatial_index=False))
    revised_arrival_time: Mapped[dt.datetime | None] = mapped_column(TS)
    position_updated_at: Mapped[dt.datetime | None] = mapped_column(TS)
    status_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now(), onupdate=_utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(TS)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(TS)
    cancellation_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        # Matching: the route corridor of bookable public trips. Trips of up to a day (nearly all) by
        # departure first, so a pickup window reads only its days (btree_gist); longer ones by route.
        Index("ix_trips_match_short", "departure_time", "route", postgresql_using="gist",
              postgresql_where=text(f"status = 'published' AND visibility = 'public' AND {SHORT_TRIP}")),
        Index("ix_trips_match_long", "route", "schedule", postgresql_using="gist",
              postgresql_where=text(f"status = 'published' AND visibility = 'public' AND NOT {SHORT_TRIP}")),
        # ... and, for requests whose points are far apart, by route box, direction and departure at once.
        Index("ix_trips_match_cube", "match_cube", postgresql_using="gist",
              postgresql_where=text(f"status = 'published' AND visibility = 'public' AND {SHORT_TRIP}")),
        # Search near origin / destination (notes/postgres.md: one composite GiST index).
        Index("ix_trips_search", "origin_coordinates", "destination_coordinates", "departure_time",
              postgresql_using="gist", postgresql_where=text("status = 'published' AND visibility = 'public'")),
        Index("ix_trips_traveler", "traveler_id", "created_at"),
        Index("ix_trips_parent", "parent_trip_id"),
    )


class TripTemplate(Base):
    __tablename__ = "trip_templates"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    trip_data: Mapped[dict] = mapped_column(JSONB, nullable=False)
    usage_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    last_used_at: Mapped[dt.datetime | None] = mapped_column(TS)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now(), onupdate=_utcnow)

    __table_args__ = (Index("uq_trip_templates_user_name", "user_id", "name", unique=True),)


class TripWeather(Base):
    __tablename__ = "trip_weather"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    trip_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("trips.id"), nullable=False, unique=True)
    # Null until a forecast was fetched once (an outage is recorded in status/last_error).
    origin_weather: Mapped[dict | None] = mapped_column(JSONB)
    destination_weather: Mapped[dict | None] = mapped_column(JSONB)
    travel_conditions: Mapped[str | None] = mapped_column(String(32))
    alerts: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    fetched_at: Mapped[dt.datetime | None] = mapped_column(TS)
    # "available" (the last attempt succeeded) or "unavailable" (it failed; see last_error).
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="available")
    last_error: Mapped[str | None] = mapped_column(Text)
    attempted_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())


class TripEvent(Base):
    """A trip's timeline: state changes, edits, status reports and capacity changes."""
    __tablename__ = "trip_events"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    trip_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("trips.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    detail: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    position = mapped_column(Geography("POINT", srid=4326, spatial_index=False))
    # clock_timestamp(): several events of one transaction keep their order.
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=text("clock_timestamp()"))

    __table_args__ = (Index("ix_trip_events_trip", "trip_id", "id"),)


class Reservation(Base):
    __tablename__ = "trip_capacity_reservations"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    trip_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("trips.id"), nullable=False, index=True)
    delivery_id: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    weight_grams: Mapped[int] = mapped_column(BigInteger, nullable=False)
    volume_cm3: Mapped[int] = mapped_column(BigInteger, nullable=False)
    items: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())
    released_at: Mapped[dt.datetime | None] = mapped_column(TS)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    response: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=func.now())


outbox_events = outbox_table(metadata)


# -- queries -------------------------------------------------------------------------------------
def point(lat: float, lng: float) -> str:
    return f"SRID=4326;POINT({lng} {lat})"


def line(a: tuple[float, float], b: tuple[float, float]) -> str:
    return f"SRID=4326;LINESTRING({a[1]} {a[0]}, {b[1]} {b[0]})"


TRIP_COLUMNS = (
    Trip,
    func.ST_Y(func.geometry(Trip.origin_coordinates)).label("o_lat"), func.ST_X(func.geometry(Trip.origin_coordinates)).label("o_lng"),
    func.ST_Y(func.geometry(Trip.destination_coordinates)).label("d_lat"), func.ST_X(func.geometry(Trip.destination_coordinates)).label("d_lng"),
    func.ST_Y(func.geometry(Trip.last_position)).label("p_lat"), func.ST_X(func.geometry(Trip.last_position)).label("p_lng"),
)


# The same as plain columns (a Core row, no Trip instance): what a Trip message reads, for matching,
# which returns pages of up to 200 trips. Loading ORM instances cost ~3 ms a page of 50 (identity map,
# instrumented attributes); the geography columns are left out (their coordinates are o_lat ...).
TRIP_FIELDS = (
    *(attr.columns[0] for attr in inspect(Trip).column_attrs
      if not attr.deferred and not isinstance(attr.columns[0].type, Geography)),
    *TRIP_COLUMNS[1:],
)


async def route_length(s: AsyncSession, a: tuple[float, float], b: tuple[float, float]) -> int:
    return int((await s.execute(select(func.ST_Length(func.ST_GeogFromText(line(a, b)))))).scalar_one())


async def trip_row(s: AsyncSession, trip_id: uuid.UUID, for_update: bool = False):
    q = select(*TRIP_COLUMNS).where(Trip.id == trip_id)
    if for_update:
        q = q.with_for_update(of=Trip)
    return (await s.execute(q)).first()


async def trips_page(s: AsyncSession, where, limit: int, after: tuple[dt.datetime, uuid.UUID] | None, order_desc=True):
    q = select(*TRIP_COLUMNS).where(*where)
    if order_desc:
        if after:
            q = q.where(func.row(Trip.created_at, Trip.id) < func.row(after[0], after[1]))
        q = q.order_by(Trip.created_at.desc(), Trip.id.desc())
    else:
        if after:
            q = q.where(func.row(Trip.departure_time, Trip.id) > func.row(after[0], after[1]))
        q = q.order_by(Trip.departure_time, Trip.id)
    return list((await s.execute(q.limit(limit))).all())


def near(col, lat: float, lng: float, radius: int):
    return func.ST_DWithin(col, func.ST_GeogFromText(point(lat, lng)), radius)


async def series_rows(s: AsyncSession, root_id: uuid.UUID, departure: dt.datetime, statuses: tuple[str, ...]):
    """The trips of a series departing at or after `departure` in the given states, locked, in
    departure order."""
    q = (select(*TRIP_COLUMNS).where(or_(Trip.parent_trip_id == root_id, Trip.id == root_id),
                                     Trip.departure_time >= departure, Trip.status.in_(statuses))
         .order_by(Trip.departure_time, Trip.id).with_for_update(of=Trip))
    return list((await s.execute(q)).all())


async def add_event(s: AsyncSession, trip_id: uuid.UUID, kind: str, detail: str = "", position: str | None = None) -> None:
    s.add(TripEvent(trip_id=trip_id, kind=kind, detail=detail[:2000], position=position))


async def events_of(s: AsyncSession, trip_id: uuid.UUID):
    q = (select(TripEvent.kind, TripEvent.detail, TripEvent.created_at,
                func.ST_Y(func.geometry(TripEvent.position)).label("lat"),
                func.ST_X(func.geometry(TripEvent.position)).label("lng"))
         .where(TripEvent.trip_id == trip_id).order_by(TripEvent.id))
    return list((await s.execute(q)).all())


async def reservations_of(s: AsyncSession, trip_id: uuid.UUID) -> list[Reservation]:
    q = select(Reservation).where(Reservation.trip_id == trip_id).order_by(Reservation.created_at)
    return list((await s.execute(q)).scalars())


async def live_reservations(s: AsyncSession, trip_id: uuid.UUID) -> list[Reservation]:
    q = select(Reservation).where(Reservation.trip_id == trip_id, Reservation.released_at.is_(None))
    return list((await s.execute(q)).scalars())


async def reservation(s: AsyncSession, delivery_id: str, for_update: bool = False) -> Reservation | None:
    q = select(Reservation).where(Reservation.delivery_id == delivery_id)
    if for_update:
        q = q.with_for_update()
    return (await s.execute(q)).scalar_one_or_none()


async def take_capacity(s: AsyncSession, trip_id: uuid.UUID, w: int, v: int, n: int):
    """Atomically decrement available capacity if it suffices; None when it does not."""
    q = (update(Trip).where(Trip.id == trip_id, Trip.available_weight >= w, Trip.available_volume >= v,
                            Trip.available_items >= n, Trip.status.in_(("published", "in_progress")))
         .values(available_weight=Trip.available_weight - w, available_volume=Trip.available_volume - v,
                 available_items=Trip.available_items - n)
         .returning(Trip.available_weight, Trip.available_volume, Trip.available_items))
    return (await s.execute(q)).first()


async def give_back(s: AsyncSession, trip_id: uuid.UUID, w: int, v: int, n: int):
    q = (update(Trip).where(Trip.id == trip_id)
         .values(available_weight=func.least(Trip.available_weight + w, Trip.weight_capacity),
                 available_volume=func.least(Trip.available_volume + v, Trip.volume_capacity),
                 available_items=func.least(Trip.available_items + n, Trip.item_capacity))
         .returning(Trip.available_weight, Trip.available_volume, Trip.available_items))
    return (await s.execute(q)).first()


# Trips whose route passes within :detour of the pickup and then of the drop-off (geodesic distance,
# order along the route's great circle: services/common/geo.py), with a total detour (pickup +
# drop-off) of at most :total, underway during the pickup window, with the capacity and category
# asked, nearest first. Candidates come from the GiST indexes; then three filters from cheap to
# exact: the great-circle tests on route_pole (necessary conditions, with 1 % + 100 m a point to
# spare for the spheroid: each point's, and their sum's, see match_cubes) and the direction test
# (the pickup comes first only if pole . (pickup x drop-off) >= 0, see match_cubes; the near way's
# index has no direction, the far way's already applied it), the distance on the sphere (same
# margin), the distance on the spheroid.
#
# Two ways to find candidates among trips underway for at most a day (nearly all; longer ones are
# always found by route box and schedule in ix_trips_match_long):
# * near: pickup and drop-off at most FAR_FACTOR detours apart, where a route through both may run
#   in any direction: route box near both points and departure no earlier than a day before the
#   window (ix_trips_match_short). Since the band (below) it answers only points that no box of
#   poles covers (the same point twice, nearly antipodal points) and is the tests' reference;
# * far: one scan of ix_trips_match_cube for route box, direction (the pole near pickup x drop-off,
#   see match_cubes) and schedule together, over the pieces of the pole region that match_cubes
#   cuts it into (`&& ANY`: one index scan a piece, one bitmap). The sphere test is then written
#   _ST_DWithin (ST_DWithin without its index support), or the planner could pick the route boxes.
#   Close points at the full detour take it too ("band"): their region of poles is a band, half a
#   great circle long, that match_cubes cuts into pieces as well; cheaper than the near way.
# The points are geography parameters, converted once when bound: a prepared statement's generic plan
# (which the read pool's connections always run, db.READ_CONNECTION) would parse ST_GeogFromText(:pickup)
# for every row.
# c is MATERIALIZED so that each distance is computed once a row: inlined, the filter on c.dp and
# c.dd was pushed into the scan and the sort key and output computed ST_Distance again (~2.4 us each
# on the spheroid; 15-20 % of the statement handed exactly its matches, bench/README.md).
# match_step says which statements answer a request (and with which total).
_MATCH = """
WITH c AS MATERIALIZED (
  SELECT t.id, t.route_frame AS f, t.departure_time,
         ST_Distance(t.route, CAST(:pickup AS geography)) AS dp, ST_Distance(t.route, CAST(:dropoff AS geography)) AS dd
  FROM trips t
  WHERE t.status = 'published' AND t.visibility = 'public'
    AND {candidates}
    AND t.schedule && tstzrange(CAST(:window_start AS timestamptz), CAST(:window_end AS timestamptz), '[]')
    AND (CAST(:delivery_start AS timestamptz) IS NULL OR t.arrival_time >= CAST(:delivery_start AS timestamptz))
    AND (CAST(:delivery_end AS timestamptz) IS NULL OR t.departure_time <= CAST(:delivery_end AS timestamptz))
    AND t.available_weight >= :w AND t.available_volume >= :v AND t.available_items >= :n
    AND NOT (t.traveler_id = ANY(CAST(:exclude AS uuid[])))
    AND (CAST(:category AS text) = '' OR (
          NOT (t.restrictions -> 'refused_categories' ? CAST(:category AS text))
          AND (jsonb_array_length(COALESCE(t.restrictions -> 'accepted_categories', '[]'::jsonb)) = 0
               OR t.restrictions -> 'accepted_categories' ? CAST(:category AS text))))
    AND abs(t.route_pole[1] * :px + t.route_pole[2] * :py + t.route_pole[3] * :pz) <= :sin_reach
    AND abs(t.route_pole[1] * :dx + t.route_pole[2] * :dy + t.route_pole[3] * :dz) <= :sin_reach
    AND abs(t.route_pole[1] * :px + t.route_pole[2] * :py + t.route_pole[3] * :pz)
        + abs(t.route_pole[1] * :dx + t.route_pole[2] * :dy + t.route_pole[3] * :dz) <= :sin_sum
    AND (t.route_pole[1] * :wx + t.route_pole[2] * :wy + t.route_pole[3] * :wz >= -1e-12
         OR t.route_frame[7] > radians(150))
    AND {dwithin}(t.route, CAST(:pickup AS geography), :reach, false)
    AND {dwithin}(t.route, CAST(:dropoff AS geography), :reach, false))
SELECT c.id, c.dp::int AS pickup_detour, c.dd::int AS dropoff_detour, {pickup_fraction} AS pickup_fraction,
       {dropoff_fraction} AS dropoff_fraction, row_number() OVER (ORDER BY c.dp + c.dd, c.departure_time) AS rank,
       count(*) OVER () AS found
FROM c
WHERE c.dp <= :detour AND c.dd <= :detour AND c.dp + c.dd <= :total AND {pickup_fraction} < {dropoff_fraction}
ORDER BY c.dp + c.dd, c.departure_time
LIMIT :limit
"""
_FRAME = [f"c.f[{i}]" for i in range(1, 8)]
_FRACTIONS = {"pickup_fraction": fraction_sql(_FRAME, ":px", ":py", ":pz"),
              "dropoff_fraction": fraction_sql(_FRAME, ":dx", ":dy", ":dz")}
_SHORT = SHORT_TRIP.replace("schedule", "t.schedule")
_LEFT_IN_TIME = """t.departure_time >= CAST(:window_start AS timestamptz) - interval '1 day'
          AND t.departure_time <= CAST(:window_end AS timestamptz)"""
_ROUTE_BOX = """t.route && _ST_Expand(CAST(:pickup AS geography), :detour)
    AND t.route && _ST_Expand(CAST(:dropoff AS geography), :detour)"""
MATCH_SQL = {
    "near": text(_MATCH.format(**_FRACTIONS, dwithin="ST_DWithin", candidates=f"""{_ROUTE_BOX}
    AND (({_SHORT} AND {_LEFT_IN_TIME})                 -- ix_trips_match_short
         OR NOT {_SHORT})                               -- ix_trips_match_long""")),
    "far": text(_MATCH.format(**_FRACTIONS, dwithin="_ST_DWithin", candidates=f"""(({_SHORT}
          AND t.match_cube && ANY(CAST(:cube_p AS cube[])) AND t.match_cube && CAST(:cube_q AS cube))  -- ix_trips_match_cube
         OR (NOT {_SHORT} AND {_ROUTE_BOX}))           -- ix_trips_match_long""")),
}
MATCH_SQL["band"] = MATCH_SQL["far"]    # the same statement over the band of poles of close points (match_cubes)

FAR_FACTOR = 2              # the far way from 2 detours (+ 5 % and 1 km) between pickup and drop-off
CUBE_DAY_SECONDS = 86400 * 30  # trip_match_cube's time unit (migrations 0004, 0005)
POLE_PIECES = 16            # match_cubes cuts a long pole region into at most this many boxes
FAR_STEP_PIECES = 4         # ... and at most this many for a total step of points far apart (match_step):
                            # 16 boxes cost ~0.5 ms more Python a step and no less index time (bench/README.md)
SPARSE_BAND_PIECES = 4      # ... and the band when no total step ran before it (trips sparse, match_step)


def _norm(a) -> tuple[list[float], float]:
    n = math.sqrt(sum(x * x for x in a))
    return [x / n for x in a], n


def _cross_angle(p, q) -> tuple[list[float], float]:
    """p x q and the angle between unit vectors p and q."""
    cross = [p[1] * q[2] - p[2] * q[1], p[2] * q[0] - p[0] * q[2], p[0] * q[1] - p[1] * q[0]]
    return cross, math.atan2(math.sqrt(sum(c * c for c in cross)), sum(a * b for a, b in zip(p, q)))


def match_cubes(pickup: tuple[float, float], dropoff: tuple[float, float], reach: float, window: dict,
                pole_reach: float | None = None, band: bool = False, boxes: bool = True,
                pieces: int = POLE_PIECES) -> tuple[list[str], str] | None:
    """The query boxes of the far way in trip_match_cube's dimensions: a list around the pickup (one
    a piece of the pole region) and one around the drop-off; None when the points are too close
    for it (unless `band`). `reach` bounds each point's distance to the route, `pole_reach` (by
    default `reach`) half their sum. With boxes=False, ([], "") where there would be boxes: whether
    the way applies, without the cost of the boxes (~0.5 ms of Python for 16).

    A route whose great circle has the unit normal n (oriented origin -> destination) passes
    within reach of p and q only if |n.p| <= s and |n.q| <= s (s = sin(reach / R)). In the
    orthonormal frame u = (p+q)/|p+q|, v = (p-q)/|p-q|, w = p x q/|p x q|, with n = a u + b v + g w
    and 2t the angle between p and q, n.p = a cos t + b sin t and n.q = a cos t - b sin t: both
    tests are the rhombus |a| cos t + |b| sin t <= s. And p comes before q along the route
    (services/common/geo.py) only if n.(p x q) >= 0: it equals sin(q's along-track angle - p's)
    cos(p's cross-track angle) cos(q's), and that difference is between 0 and the arc plus twice
    the detour, under 180 degrees for arcs up to 150 (longer arcs have the whole pole range in
    their cube): g >= 0.

    A bound on the sum of the two distances, 2 pole_reach, bounds |n.p| + |n.q| = 2 max(|a| cos t,
    |b| sin t) by 2 s' (s' = sin(pole_reach / R); the sum of two sines is at most twice the sine of
    half the sum): the rectangle |a| <= s' / cos t, |b| <= s' / sin t. For a total T that is about
    the rhombus of detour T/2, a quarter of the far way's region at detour T (bench/README.md).

    The region (the rhombus within the rectangle) is long and thin when the points are close: 2 s'
    / sin t along v, 2 s' / cos t across. One box in x, y, z around it, at an angle to the axes,
    would hold far more poles than the region, so a total step's is cut along v into pieces about
    twice as long as wide (at most `pieces`; match_step asks FAR_STEP_PIECES for points far apart,
    whose boxes cost more Python than index time they save). The full detour keeps one box: where trips are
    dense total steps answer, and where they are sparse (a table with history) there are few hits
    to spare and sixteen index scans were no faster (bench/README.md). A piece's a, b part is boxed exactly from its
    polygon's corners (a u + b v is linear); g = sqrt(1 - a^2 - b^2) lies between its values at
    the farthest corner and at the least |b|. The route-box part of each box is the point +- the chord of reach; the
    time part is the pickup window (the cube holds each trip's schedule).

    Points closer than about two reaches (s' / sin t >= 1: any direction of the route fits) have
    no such rectangle: the region is the band |a| <= s' / cos t around the great circle
    perpendicular to u, half of it (g >= 0). With `band`, match_cubes covers it anyway, the length
    capped at |b| <= 1 and cut into pieces of equal angle along the half circle (b = sin of the
    angle): at the full detour that is cheaper than the near way for every close request the
    benchmark measured (bench/README.md). Only nearly identical points (under a metre apart) and
    nearly antipodal ones have no boxes then."""
    p, q = unit_vector(*pickup), unit_vector(*dropoff)
    pole_reach = reach if pole_reach is None else min(pole_reach, reach)
    s, s_sum = (math.sin(min(math.pi / 2, x / EARTH_RADIUS_M)) for x in (reach, pole_reach))
    cross, angle = _cross_angle(p, q)
    close = angle * EARTH_RADIUS_M <= FAR_FACTOR * pole_reach * 1.05 + 1000
    if (close and not band) or angle * EARTH_RADIUS_M < 1 or math.cos(angle / 2) <= s_sum:
        return None  # close points (any direction fits), or nearly antipodal ones (any great circle)
    ct, st = math.cos(angle / 2), math.sin(angle / 2)
    wide, long = s_sum / ct, s_sum / st       # half the rectangle across (a) and along (b)
    if wide >= 1 or (long >= 1 and not band):
        return None
    long = min(long, 1.0)
    if not boxes:
        return [], ""
    u, _ = _norm([a + b for a, b in zip(p, q)])
    v, _ = _norm([a - b for a, b in zip(p, q)])
    w, _ = _norm(cross)
    cap = (s - wide * ct) / st                # where the rhombus's sides cut the rectangle's

    def across(b: float) -> float:
        return min(wide, (s - abs(b) * st) / ct)

    def pole_box(b0: float, b1: float) -> tuple[list[float], list[float]]:
        corners = [(sign * across(b), b) for b in [b0, b1] + [x for x in (0.0, cap, -cap) if b0 < x < b1]
                   for sign in (1, -1)]
        g_lo = math.sqrt(max(0.0, 1 - max(a * a + b * b for a, b in corners)))
        g_hi = math.sqrt(max(0.0, 1 - (0.0 if b0 <= 0 <= b1 else min(b0 * b0, b1 * b1))))
        lo, hi = [], []
        for i in range(3):
            linear = [a * u[i] + b * v[i] for a, b in corners]
            lo.append(max(-1.0, min(linear) + min(g_lo * w[i], g_hi * w[i]) - 1e-9))
            hi.append(min(1.0, max(linear) + max(g_lo * w[i], g_hi * w[i]) + 1e-9))
        return lo, hi

    k = min(pieces, math.ceil(long / (2 * wide))) if pole_reach < reach or band else 1
    if band:    # equal angles along the half circle
        cuts = [math.sin(math.asin(long) * (2 * j / k - 1)) for j in range(k + 1)]
    else:
        cuts = [long * (2 * j / k - 1) for j in range(k + 1)]
    cuts[0], cuts[-1] = -long, long
    pieces = [pole_box(cuts[j], cuts[j + 1]) for j in range(k)]
    chord = 2 * math.sin(min(math.pi / 2, reach / (2 * EARTH_RADIUS_M))) * 1.0001 + 1e-9
    first = window["window_start"].timestamp() / CUBE_DAY_SECONDS
    last = window["window_end"].timestamp() / CUBE_DAY_SECONDS

    def box(x, lo, hi):
        low = [x[i] - chord for i in range(3)] + lo + [first]
        high = [x[i] + chord for i in range(3)] + hi + [last]
        return f"({', '.join(map(repr, low))}), ({', '.join(map(repr, high))})"
    whole = ([min(lo[i] for lo, _ in pieces) for i in range(3)], [max(hi[i] for _, hi in pieces) for i in range(3)])
    return [box(p, *piece) for piece in pieces], box(q, *whole)


FOREVER = dt.datetime.max.replace(tzinfo=dt.timezone.utc)


def pickup_window(start: dt.datetime | None, end: dt.datetime | None) -> dict | None:
    """The part of the pickup window still ahead (from now on), as MATCH_SQL's window_start and
    window_end; None when the window is already over (no trip can pick up any more)."""
    now = _utcnow()
    lo, hi = max(start or now, now), end or FOREVER
    return {"window_start": lo, "window_end": hi} if lo <= hi else None


def match_params(pickup: tuple[float, float], dropoff: tuple[float, float], detour: int,
                 total: int | None = None) -> dict:
    """MATCH_SQL's geometry parameters: the two points, the detour and the total detour (pickup +
    drop-off; by default twice the detour, which each point's detour implies) with their margins,
    and the pole reach of match_cubes (half the total's margin)."""
    total = 2 * detour if total is None else min(total, 2 * detour)
    detour = min(detour, total)
    reach, half = detour * 1.01 + 100, (total * 1.01 + 200) / 2     # half == reach at 2 detours
    (px, py, pz), (dx, dy, dz) = unit_vector(*pickup), unit_vector(*dropoff)
    return {"pickup": point(*pickup), "dropoff": point(*dropoff), "detour": detour, "reach": reach,
            "sin_reach": math.sin(min(math.pi / 2, reach / EARTH_RADIUS_M)), "total": total, "pole_reach": half,
            "sin_sum": 2 * math.sin(min(math.pi / 2, half / EARTH_RADIUS_M)),
            "px": px, "py": py, "pz": pz, "dx": dx, "dy": dy, "dz": dz,
            "wx": py * dz - pz * dy, "wy": pz * dx - px * dz, "wz": px * dy - py * dx}    # pickup x drop-off


def _joined(sql):
    # The match joined back to the trips it found: every column a Trip message needs, best first, in
    # one statement (one round trip, and the trips are read in the same snapshot as the match). Only
    # when the rows are the answer (match_step's `final`: at the full detour, :complete, or a full
    # page): a total step whose page is not full returns the match figures alone, the trips' columns
    # null (reading and decoding them cost ~25 us a row, bench/README.md).
    m = sql.columns(id=UUID(as_uuid=True), pickup_detour=Integer, dropoff_detour=Integer, pickup_fraction=Double,
                    dropoff_fraction=Double, rank=BigInteger, found=BigInteger).subquery("m")
    answer = or_(bindparam("complete", type_=Boolean), m.c.found >= bindparam("limit", type_=Integer))
    return (select(*(m.c.id if c is Trip.__table__.c.id else c for c in TRIP_FIELDS), m.c.pickup_detour,
                   m.c.dropoff_detour, m.c.pickup_fraction, m.c.dropoff_fraction)
            .select_from(m).outerjoin(Trip, and_(Trip.id == m.c.id, answer)).order_by(m.c.rank))


MATCH_QUERY = {way: _joined(sql) for way, sql in MATCH_SQL.items()}
# The same as psycopg statements (%(name)s parameters; tests and EXPLAIN use them), and with
# PostgreSQL's own $1, $2 ... placeholders (db.Raw): store.match runs MATCH_RAW on the service's
# plain psycopg pool (services/common/db.make_read_pool), which costs ~3 ms less a page than
# SQLAlchemy's async path did; its raw cursors send them as written, where psycopg would parse
# these ~5 KB statements again on every execute (~0.3 ms, bench/README.md).
MATCH_STATEMENTS = {way: str(q.compile(dialect=postgresql.dialect())) for way, q in MATCH_QUERY.items()}
MATCH_RAW = {way: db.Raw.of(sql) for way, sql in MATCH_STATEMENTS.items()}


def match_bind(*, pickup: tuple[float, float], dropoff: tuple[float, float], detour: int, windows: dict, w: int,
               v: int, n: int, exclude: list[uuid.UUID], category: str, limit: int, total: int | None = None,
               way: str | None = None, boxes: bool = True, pieces: int = POLE_PIECES) -> tuple[str, dict] | None:
    """(way, parameters) of MATCH_SQL for a request, with at most `total` of detour in all (by
    default twice the detour): "far" when match_cubes applies (points far apart); for closer
    points, at the full detour, "band" (the far way's statement over the band of poles,
    match_cubes' `band`), else "near" (`way` forces one); None when the pickup window is already
    over. So "far" means points far apart, "band" and "near" close points (or degenerate ones).
    With a total, the trips' columns are read only if the page is full (the rows are the answer
    only then, match_step). With boxes=False, the way alone: its parameters lack the boxes. `pieces`:
    at most this many boxes of the pole region, far way or band (match_cubes)."""
    window = pickup_window(windows.get("pickup_start"), windows.get("pickup_end"))
    if window is None:
        return None
    bind = {**match_params(pickup, dropoff, detour, total), **window, "w": w, "v": v, "n": n, "exclude": exclude,
            "category": category, "limit": limit, "delivery_start": windows.get("delivery_start"),
            "delivery_end": windows.get("delivery_end"), "complete": total is None}
    chosen, cubes = "near", None
    if way in (None, "far"):
        chosen, cubes = "far", match_cubes(pickup, dropoff, bind["reach"], window, bind["pole_reach"], boxes=boxes,
                                           pieces=pieces)
    if cubes is None and (way == "band" or (way is None and total is None)):
        chosen, cubes = "band", match_cubes(pickup, dropoff, bind["reach"], window, bind["pole_reach"], band=True,
                                            boxes=boxes, pieces=pieces)
    if cubes is None:
        if way in ("far", "band"):
            raise ValueError(f"the {way} way does not apply to these points")
        return "near", bind
    if boxes:
        bind["cube_p"], bind["cube_q"] = cubes
    return chosen, bind


def widest_total(pickup: tuple[float, float], dropoff: tuple[float, float]) -> int:
    """The largest total detour (metres) for which match_cubes takes pickup and drop-off as far apart."""
    arc = _cross_angle(unit_vector(*pickup), unit_vector(*dropoff))[1] * EARTH_RADIUS_M
    # match_params: pole reach = (total * 1.01 + 200) / 2; match_cubes: far when arc > FAR_FACTOR * pole reach * 1.05 + 1000
    return math.floor((2 * (arc - 1000) / (FAR_FACTOR * 1.05) - 200) / 1.01) - 1


MIN_TOTAL = 1000        # no total step below this: points that close go the full detour at once
WIDEN_FACTOR = 3        # a total step that did not fill the page is followed by one at most 3 times wider
WIDEN_UP_TO = 0.8       # points far apart: no total step beyond 80 % of 2 detours, the far way itself instead


def kind_of(way: str) -> str:
    """The kind of a request whose way at the full detour (match_bind) is `way`: "far" (points far
    apart) or "close" (the band or the near way), as Widening learns and widest_step bounds them."""
    return "far" if way == "far" else "close"


def widest_step(request: dict, way: str) -> int:
    """The widest total step (match_step) for a request whose way at the full detour is `way`."""
    detour = request["detour"]
    if way == "far":
        return int(WIDEN_UP_TO * 2 * detour)
    return min(widest_total(request["pickup"], request["dropoff"]), 2 * detour - 1)


def match_step(request: dict, start: int | None = None, after=None,
               full: tuple[str, dict] | None = None) -> tuple[str, dict, int | None] | None:
    """The next statement of MATCH_QUERY that answers a request, as (way, parameters, total): run it,
    and its rows are the answer if `final`; if not, run match_step(request, after=(those rows,
    total)). None when the pickup window is over (no trip can pick up any more).

    A total step (the far way with a total detour T) returns the best trips among those with a
    pickup + drop-off detour of at most T. When they fill the page they are the answer: trips are
    ranked by total detour, so every other trip comes after them. Its pole region is that of
    detour T/2 (match_cubes): where trips are dense it settles a request with a small T, far cheaper
    than the full detour's region. It applies to points closer together than the far way does, up
    to widest_total.

    The first step is a total step with T = `start` (Widening, learnt from recent requests): for
    points far apart if T is at most WIDEN_UP_TO of 2 detours, for close points at most widest_total
    (at that if more). Otherwise, or with a forced `way`, the way match_bind picks, at the full
    detour. After a total step T whose k rows did not fill the page, the next one is at T times
    1.2 sqrt(limit / k) (trips within T grow about as T squared), between 1.4 and WIDEN_FACTOR, under
    the same limits; past them, the way match_bind picks. `full`: match_bind(**request, boxes=False)
    if the caller has it (matching: the same for every step of a request); the full detour's boxes
    are built only when its statement is the one returned (the band's 16 cost ~0.5 ms of Python).
    """
    full = match_bind(**request, boxes=False) if full is None else full
    if full is None:
        return None
    total = None
    if request.get("way") is None:
        limit, top = request["limit"], widest_step(request, full[0])
        if after is None:
            total = start
        else:
            rows, last = after
            grow = WIDEN_FACTOR if not rows else min(WIDEN_FACTOR, max(1.4, 1.2 * math.sqrt(limit / len(rows))))
            total = last * grow if last < top else None
        if total is not None and total > top:
            total = top if full[0] != "far" else None      # close points: once at the widest
    if total is not None and total >= MIN_TOTAL:
        step = match_bind(**request, total=int(total), pieces=FAR_STEP_PIECES if full[0] == "far" else POLE_PIECES)
        if step is None:
            return None         # the pickup window ended meanwhile
        if step[0] == "far":
            return (*step, int(total))
    if full[0] != "near" and "cube_p" not in full[1]:
        # with its boxes: the band in 16 pieces after total steps (trips dense: a hub), else in 4,
        # where fewer boxes cost less Python than the index time more would save (bench/README.md)
        full = match_bind(**request, pieces=POLE_PIECES if after is not None else SPARSE_BAND_PIECES)
    return None if full is None else (*full, None)


def final(rows, total: int | None, limit: int) -> bool:
    """Whether a step's rows are the answer (match_step): always at the full detour; for a total
    step, when they fill the page."""
    return total is None or len(rows) == limit


class Widening:
    """Where match_step's total steps start, learnt from recent requests, for points far apart and
    close points apart: none (the full detour at once) until MIN_SEEN of a kind, or unless at least
    half of the last WINDOW of them could have been settled by a total step (their page was full
    within their widest_step); then the median total detour that their pages reached.

    Every request tells, whatever statements answered it: its answer is the page, so its last row's
    total is the smallest total a step would have settled it with. The choice only changes the time
    a request takes, never its rows. Measured on 1M trips (bench/README.md): where every trip is
    live, a page of 50 was full within the widest step for ~80 % of the requests whose points are
    far apart, at a median total of 35 km; with two years of history, for 1 %."""
    WINDOW = 40
    MIN_SEEN = 5

    def __init__(self):
        self.seen = {kind: collections.deque(maxlen=self.WINDOW) for kind in ("far", "close")}

    def start(self, kind: str) -> int | None:
        seen = self.seen[kind]
        if len(seen) < self.MIN_SEEN or 2 * sum(fits for _, fits in seen) < len(seen):
            return None
        return median_low(total for total, _ in seen)

    def saw(self, kind: str, rows, limit: int, widest: int) -> None:
        """What a request of this kind, whose widest_step was `widest`, was answered with."""
        # each detour is rounded to the metre: 2 m more, so that a step with this total holds the last row
        total = rows[-1].pickup_detour + rows[-1].dropoff_detour + 2 if len(rows) == limit and rows else math.inf
        self.seen[kind].append((total, total <= widest))


def matching(request: dict, widening: Widening | None = None):
    """The statements that answer a request, as a generator: it yields match_step's (way,
    parameters, total); send it the rows of each, and it returns the answer (StopIteration.value).
    With `widening`, the first step starts where it says, and it learns from the answer."""
    full = match_bind(**request, boxes=False)
    if full is None:
        return []
    kind, widest = kind_of(full[0]), widest_step(request, full[0])
    step = match_step(request, start=widening.start(kind) if widening is not None else None, full=full)
    while step is not None:      # None: the pickup window ended meanwhile
        rows = yield step
        if final(rows, step[2], request["limit"]):
            break
        step = match_step(request, after=(rows, step[2]), full=full)
    else:
        return []
    if widening is not None:
        widening.saw(kind, rows, request["limit"], widest)
    return rows


async def match(reads: AsyncConnectionPool, widening: Widening | None = None, **request) -> list:
    """Rows (named tuples) of TRIP_FIELDS and the match figures, best first (the statements of
    `matching`). `reads`: a psycopg pool in autocommit (db.make_read_pool): each statement reads one
    snapshot, and a request needs one or more of them. The wait for a connection ends before the
    caller's deadline (db.read_connection)."""
    steps = matching(request, widening)
    async with db.read_connection(reads) as conn:
        try:
            way, bind, _ = next(steps)
            while True:
                rows = await (await conn.execute(MATCH_RAW[way].sql, MATCH_RAW[way].args(bind))).fetchall()
                way, bind, _ = steps.send(rows)
        except StopIteration as done:
            return done.value


# Routes on a 0.1 degree grid (about 10 km) of origin and destination, per currency: trip count,
# median base price, the most common address, ISO weekday and UTC hour of departure. Without a
# traveler: public trips of every traveler; with one: that traveler's own trips (any visibility).
POPULAR_SQL = text("""
SELECT round(ST_Y(origin_coordinates::geometry)::numeric, 1)::float8 AS o_lat,
       round(ST_X(origin_coordinates::geometry)::numeric, 1)::float8 AS o_lng,
       round(ST_Y(destination_coordinates::geometry)::numeric, 1)::float8 AS d_lat,
       round(ST_X(destination_coordinates::geometry)::numeric, 1)::float8 AS d_lng,
       currency,
       mode() WITHIN GROUP (ORDER BY origin_address) AS origin_address,
       mode() WITHIN GROUP (ORDER BY destination_address) AS destination_address,
       count(*)::int AS trips, percentile_disc(0.5) WITHIN GROUP (ORDER BY base_price) AS median_price,
       mode() WITHIN GROUP (ORDER BY extract(isodow FROM departure_time AT TIME ZONE 'UTC')::int) AS weekday,
       mode() WITHIN GROUP (ORDER BY extract(hour FROM departure_time AT TIME ZONE 'UTC')::int) AS hour
FROM trips
WHERE status IN ('published', 'in_progress', 'completed')
  AND (CASE WHEN CAST(:traveler AS uuid) IS NULL THEN visibility = 'public'
            ELSE traveler_id = CAST(:traveler AS uuid) END)
GROUP BY 1, 2, 3, 4, 5
ORDER BY trips DESC, 1, 2, 3, 4, 5
LIMIT :limit
""")


async def popular_routes(s: AsyncSession, limit: int, traveler: uuid.UUID | None = None):
    return (await s.execute(POPULAR_SQL, {"limit": limit, "traveler": traveler})).all()


async def statistics(s: AsyncSession, traveler: uuid.UUID):
    by_status = dict((await s.execute(select(Trip.status, func.count()).where(Trip.traveler_id == traveler)
                                      .group_by(Trip.status))).all())
    distance, offered = (await s.execute(
        select(func.coalesce(func.sum(Trip.route_distance_m).filter(Trip.status == "completed"), 0),
               func.coalesce(func.sum(Trip.weight_capacity).filter(
                   Trip.status.in_(("published", "in_progress", "completed"))), 0))
        .where(Trip.traveler_id == traveler))).one()
    top = (await s.execute(select(Trip.origin_address, Trip.destination_address, func.count().label("n"))
                           .where(Trip.traveler_id == traveler).group_by(Trip.origin_address, Trip.destination_address)
                           .order_by(literal_column("n").desc()).limit(5))).all()
    return by_status, int(distance), int(offered), top


async def templates_page(s: AsyncSession, user_id: uuid.UUID, limit: int, after):
    q = select(TripTemplate).where(TripTemplate.user_id == user_id)
    if after:
        q = q.where(func.row(TripTemplate.created_at, TripTemplate.id) < func.row(after[0], after[1]))
    q = q.order_by(TripTemplate.created_at.desc(), TripTemplate.id.desc()).limit(limit)
    return list((await s.execute(q)).scalars())


async def template(s: AsyncSession, template_id: uuid.UUID, for_update: bool = False) -> TripTemplate | None:
    q = select(TripTemplate).where(TripTemplate.id == template_id)
    if for_update:
        q = q.with_for_update()
    return (await s.execute(q)).scalar_one_or_none()


async def weather(s: AsyncSession, trip_id: uuid.UUID) -> TripWeather | None:
    return (await s.execute(select(TripWeather).where(TripWeather.trip_id == trip_id))).scalar_one_or_none()


async def save_weather(s: AsyncSession, trip_id: uuid.UUID, origin: dict, destination: dict, conditions: str,
                       alerts: list[str]) -> None:
    stmt = insert(TripWeather).values(trip_id=trip_id, origin_weather=origin, destination_weather=destination,
                                      travel_conditions=conditions, alerts=alerts, fetched_at=func.now(),
                                      status="available", last_error=None, attempted_at=func.now())
    await s.execute(stmt.on_conflict_do_update(index_elements=[TripWeather.trip_id], set_={
        "origin_weather": stmt.excluded.origin_weather, "destination_weather": stmt.excluded.destination_weather,
        "travel_conditions": stmt.excluded.travel_conditions, "alerts": stmt.excluded.alerts,
        "fetched_at": func.now(), "status": "available", "last_error": None, "attempted_at": func.now()}))


async def save_weather_failure(s: AsyncSession, trip_id: uuid.UUID, error: str) -> None:
    """Record a failed fetch; an earlier forecast, if any, is kept."""
    stmt = insert(TripWeather).values(trip_id=trip_id, status="unavailable", last_error=error[:500],
                                      attempted_at=func.now())
    await s.execute(stmt.on_conflict_do_update(index_elements=[TripWeather.trip_id], set_={
        "status": "unavailable", "last_error": stmt.excluded.last_error, "attempted_at": func.now()}))


async def forget_weather(s: AsyncSession, trip_id: uuid.UUID) -> None:
    """The route or times changed: the stored forecast is for another place or hour."""
    await s.execute(delete(TripWeather).where(TripWeather.trip_id == trip_id))


async def trips_needing_weather(s: AsyncSession, horizon_days: int, ttl: dt.timedelta, retry: dt.timedelta,
                                limit: int = 20) -> list:
    """Upcoming DRAFT/PUBLISHED trips arriving within the forecast horizon whose forecast is
    missing, older than `ttl`, or failed more than `retry` ago."""
    W = TripWeather
    q = (select(*TRIP_COLUMNS).outerjoin(W, W.trip_id == Trip.id)
         .where(Trip.status.in_(("draft", "published")), Trip.departure_time > func.now(),
                Trip.arrival_time < func.now() + dt.timedelta(days=horizon_days),
                or_(W.id.is_(None),
                    and_(W.status == "available", W.fetched_at < func.now() - ttl),
                    and_(W.status == "unavailable", W.attempted_at < func.now() - retry)))
         .order_by(Trip.departure_time).limit(limit))
    return list((await s.execute(q)).all())


async def idempotent_response(s: AsyncSession, key: str) -> bytes | None:
    return (await s.execute(select(IdempotencyKey.response).where(IdempotencyKey.key == key))).scalar_one_or_none()


async def save_idempotent_response(s: AsyncSession, key: str, response: bytes) -> None:
    await s.execute(insert(IdempotencyKey).values(key=key, response=response).on_conflict_do_nothing())


async def claim_idempotency_key(s: AsyncSession, key: str, value: bytes) -> bytes | None:
    """Record `value` under `key` in the caller's transaction; None when this call claimed it,
    else the value of the earlier claim. A concurrent claim of the same key blocks on the unique
    index until the first transaction ends, so two racing requests resolve to one result."""
    got = (await s.execute(insert(IdempotencyKey).values(key=key, response=value).on_conflict_do_nothing()
                           .returning(IdempotencyKey.key))).first()
    if got is not None:
        return None
    return await idempotent_response(s, key)


async def db_now(s: AsyncSession) -> dt.datetime:
    return (await s.execute(select(func.now()))).scalar_one()
