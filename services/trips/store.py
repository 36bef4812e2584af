"""trip_db persistence: trips, trip_templates, trip_weather (the spec's three tables) plus
trip_capacity_reservations (idempotent reserve/release per delivery), trip_events (each trip's
timeline), outbox_events and idempotency_keys. Weights are grams, volumes cm3, money minor
units (integers)."""
from __future__ import annotations

import datetime as dt
import math
import uuid

from geoalchemy2 import Geography
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import (ARRAY, BigInteger, Boolean, Computed, DateTime, Double, Enum, ForeignKey, Index, Integer,
                        LargeBinary, MetaData, String, Text, and_, delete, func, inspect, literal_column, or_, select, text,
                        update)
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
    # Route box (geocentric), pole and departure in one 7-D box (migration 0004, trip_match_cube), for
    # matching requests whose points are far apart (match_cubes).
    match_cube = mapped_column(Cube, Computed("trip_match_cube(route, departure_time)", persisted=True), deferred=True)
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
# order along the route's great circle: services/common/geo.py), underway during the pickup window,
# with the capacity and category asked, nearest first. Candidates come from the GiST indexes; then
# three filters from cheap to exact: the great-circle test on route_pole (a necessary condition,
# with 1 % + 100 m to spare for the spheroid) and the direction test (the pickup comes first only
# if pole . (pickup x drop-off) >= 0, see match_cubes; the near way's index has no direction, the
# far way's already applied it), the distance on the sphere (same margin), the distance on the
# spheroid.
#
# Two ways to find candidates among trips underway for at most a day (nearly all; longer ones are
# always found by route box and schedule in ix_trips_match_long):
# * near: pickup and drop-off at most FAR_FACTOR detours apart, where a route through both may run
#   in any direction: route box near both points and departure no earlier than a day before the
#   window (ix_trips_match_short);
# * far: one scan of ix_trips_match_cube for route box, direction (the pole near pickup x drop-off,
#   see match_cubes) and departure together. The sphere test is then written _ST_DWithin (ST_DWithin
#   without its index support), or the planner could pick the route boxes instead.
# The points are geography parameters, converted once when bound: a prepared statement's generic plan
# (PostgreSQL's usual choice from its 6th run) would parse ST_GeogFromText(:pickup) for every row.
# c is MATERIALIZED so that each distance is computed once a row: inlined, the filter on c.dp and
# c.dd was pushed into the scan and the sort key and output computed ST_Distance again (~2.4 us each
# on the spheroid; 15-20 % of the statement handed exactly its matches, bench/README.md).
# match_step says which statements answer a request.
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
    AND (t.route_pole[1] * :wx + t.route_pole[2] * :wy + t.route_pole[3] * :wz >= -1e-12
         OR t.route_frame[7] > radians(150))
    AND {dwithin}(t.route, CAST(:pickup AS geography), :reach, false)
    AND {dwithin}(t.route, CAST(:dropoff AS geography), :reach, false))
SELECT c.id, c.dp::int AS pickup_detour, c.dd::int AS dropoff_detour, {pickup_fraction} AS pickup_fraction,
       {dropoff_fraction} AS dropoff_fraction, row_number() OVER (ORDER BY c.dp + c.dd, c.departure_time) AS rank
FROM c
WHERE c.dp <= :detour AND c.dd <= :detour AND {pickup_fraction} < {dropoff_fraction}
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
          AND t.match_cube && CAST(:cube_p AS cube) AND t.match_cube && CAST(:cube_q AS cube)  -- ix_trips_match_cube
          AND {_LEFT_IN_TIME})
         OR (NOT {_SHORT} AND {_ROUTE_BOX}))           -- ix_trips_match_long""")),
}

FAR_FACTOR = 2              # the far way from 2 detours (+ 5 % and 1 km) between pickup and drop-off
CUBE_DAY_SECONDS = 86400 * 30  # trip_match_cube's time unit (migration 0004)


def _norm(a) -> tuple[list[float], float]:
    n = math.sqrt(sum(x * x for x in a))
    return [x / n for x in a], n


def _cross_angle(p, q) -> tuple[list[float], float]:
    """p x q and the angle between unit vectors p and q."""
    cross = [p[1] * q[2] - p[2] * q[1], p[2] * q[0] - p[0] * q[2], p[0] * q[1] - p[1] * q[0]]
    return cross, math.atan2(math.sqrt(sum(c * c for c in cross)), sum(a * b for a, b in zip(p, q)))


def match_cubes(pickup: tuple[float, float], dropoff: tuple[float, float], reach: float, window: dict):
    """The two query boxes (pickup, drop-off) of the far way in trip_match_cube's dimensions, or
    None when the points are too close for it.

    A route whose great circle has the unit normal n (oriented origin -> destination) passes
    within reach of p and q only if |n.p| <= s and |n.q| <= s (s = sin(reach / R)). In the
    orthonormal frame u = (p+q)/|p+q|, v = (p-q)/|p-q|, w = p x q/|p x q|, with n = a u + b v + g w
    and 2t the angle between p and q, that is |a| cos t + |b| sin t <= s: |a| <= s / cos t and
    |b| <= s / sin t. And p comes before q along the route (services/common/geo.py) only if
    n.(p x q) >= 0: it equals sin(q's along-track angle - p's) cos(p's cross-track angle)
    cos(q's), and that difference is between 0 and the arc plus twice the detour, under 180
    degrees for arcs up to 150 (longer arcs have the whole pole range in their cube). When both
    bounds are below 1 (points more than about two detours apart) g >= sqrt(1 - max(...)^2):
    the box of that region is the pole part of the query boxes. The route-box part is each point
    +- the chord of reach; the time part the departures of the window."""
    p, q = unit_vector(*pickup), unit_vector(*dropoff)
    s = math.sin(min(math.pi / 2, reach / EARTH_RADIUS_M))
    cross, angle = _cross_angle(p, q)
    if angle * EARTH_RADIUS_M <= FAR_FACTOR * reach * 1.05 + 1000 or math.cos(angle / 2) <= s:
        return None  # close points (any direction fits), or nearly antipodal ones (any great circle)
    half_a, half_b = s / math.cos(angle / 2), s / math.sin(angle / 2)
    if max(half_a, half_b) >= 1:
        return None
    u, _ = _norm([a + b for a, b in zip(p, q)])
    v, _ = _norm([a - b for a, b in zip(p, q)])
    w, _ = _norm(cross)
    g_min = math.sqrt(1 - max(half_a, half_b) ** 2)
    lo, hi = [], []
    for i in range(3):
        h = max(half_a * abs(u[i]), half_b * abs(v[i]))
        g_lo, g_hi = (g_min * w[i], w[i]) if w[i] >= 0 else (w[i], g_min * w[i])
        lo.append(max(-1.0, g_lo - h - 1e-9))
        hi.append(min(1.0, g_hi + h + 1e-9))
    chord = 2 * math.sin(min(math.pi / 2, reach / (2 * EARTH_RADIUS_M))) * 1.0001 + 1e-9
    first = (window["window_start"] - dt.timedelta(days=1)).timestamp() / CUBE_DAY_SECONDS
    last = window["window_end"].timestamp() / CUBE_DAY_SECONDS

    def box(x):
        low = [x[i] - chord for i in range(3)] + lo + [first]
        high = [x[i] + chord for i in range(3)] + hi + [last]
        return f"({', '.join(map(repr, low))}), ({', '.join(map(repr, high))})"
    return box(p), box(q)


FOREVER = dt.datetime.max.replace(tzinfo=dt.timezone.utc)


def pickup_window(start: dt.datetime | None, end: dt.datetime | None) -> dict | None:
    """The part of the pickup window still ahead (from now on), as MATCH_SQL's window_start and
    window_end; None when the window is already over (no trip can pick up any more)."""
    now = _utcnow()
    lo, hi = max(start or now, now), end or FOREVER
    return {"window_start": lo, "window_end": hi} if lo <= hi else None


def match_params(pickup: tuple[float, float], dropoff: tuple[float, float], detour: int) -> dict:
    """MATCH_SQL's geometry parameters: the two points, the detour and its margins."""
    reach = detour * 1.01 + 100
    (px, py, pz), (dx, dy, dz) = unit_vector(*pickup), unit_vector(*dropoff)
    return {"pickup": point(*pickup), "dropoff": point(*dropoff), "detour": detour, "reach": reach,
            "sin_reach": math.sin(min(math.pi / 2, reach / EARTH_RADIUS_M)),
            "px": px, "py": py, "pz": pz, "dx": dx, "dy": dy, "dz": dz,
            "wx": py * dz - pz * dy, "wy": pz * dx - px * dz, "wz": px * dy - py * dx}    # pickup x drop-off


def _joined(sql):
    # The match joined back to the trips it found: every column a Trip message needs, best first, in
    # one statement (one round trip, and the trips are read in the same snapshot as the match).
    m = sql.columns(id=UUID(as_uuid=True), pickup_detour=Integer, dropoff_detour=Integer, pickup_fraction=Double,
                    dropoff_fraction=Double, rank=BigInteger).subquery("m")
    return (select(*TRIP_FIELDS, m.c.pickup_detour, m.c.dropoff_detour, m.c.pickup_fraction, m.c.dropoff_fraction)
            .join_from(Trip, m, Trip.id == m.c.id).order_by(m.c.rank))


MATCH_QUERY = {way: _joined(sql) for way, sql in MATCH_SQL.items()}
# The same as psycopg statements (%(name)s parameters): store.match runs them on the service's plain
# psycopg pool (services/common/db.make_read_pool), which costs ~3 ms less a page than SQLAlchemy's
# async path did (bench/README.md).
MATCH_STATEMENTS = {way: str(q.compile(dialect=postgresql.dialect())) for way, q in MATCH_QUERY.items()}


def match_bind(*, pickup: tuple[float, float], dropoff: tuple[float, float], detour: int, windows: dict, w: int,
               v: int, n: int, exclude: list[uuid.UUID], category: str, limit: int,
               way: str | None = None) -> tuple[str, dict] | None:
    """(way, parameters) of MATCH_SQL for a request: "far" when match_cubes applies, else "near"
    (`way` forces one); None when the pickup window is already over."""
    window = pickup_window(windows.get("pickup_start"), windows.get("pickup_end"))
    if window is None:
        return None
    bind = {**match_params(pickup, dropoff, detour), **window, "w": w, "v": v, "n": n, "exclude": exclude,
            "category": category, "limit": limit, "delivery_start": windows.get("delivery_start"),
            "delivery_end": windows.get("delivery_end")}
    cubes = match_cubes(pickup, dropoff, bind["reach"], window) if way != "near" else None
    if cubes is None:
        if way == "far":
            raise ValueError("the far way needs pickup and drop-off far apart")
        return "near", bind
    bind["cube_p"], bind["cube_q"] = cubes
    return "far", bind


def far_detour(pickup: tuple[float, float], dropoff: tuple[float, float]) -> int:
    """The largest detour (metres) for which match_cubes takes pickup and drop-off as far apart."""
    arc = _cross_angle(unit_vector(*pickup), unit_vector(*dropoff))[1] * EARTH_RADIUS_M
    # match_params: reach = detour * 1.01 + 100; match_cubes: far when arc > FAR_FACTOR * reach * 1.05 + 1000
    return math.floor(((arc - 1000) / (FAR_FACTOR * 1.05) - 100) / 1.01) - 1


SHORTCUT_MIN_DETOUR = 2000  # below this a shortcut would rarely find enough trips: go the near way at once


def _shortcut(request: dict, way_bind: tuple[str, dict]) -> tuple[str, dict, int] | None:
    """match_step's shortcut for a request whose way_bind (match_bind) is the near way, as (way,
    parameters, detour); None when none applies (see shortcut_detour)."""
    if request.get("way") is not None or way_bind[0] != "near":
        return None
    d = min(request["detour"] - 1, far_detour(request["pickup"], request["dropoff"]))
    if d < SHORTCUT_MIN_DETOUR:
        return None
    short = match_bind(**{**request, "detour": d})
    return (*short, d) if short is not None and short[0] == "far" else None


def shortcut_detour(request: dict) -> int | None:
    """The detour d of the shortcut that match_step may try first for this request, or None when
    none applies: the far way already applies at the request's detour, the points are so close that
    a shortcut would rarely find enough trips, the way is forced, or the pickup window is over."""
    way_bind = match_bind(**request)
    short = None if way_bind is None else _shortcut(request, way_bind)
    return None if short is None else short[2]


def match_step(request: dict, after=None, shortcut: bool = True) -> tuple[str, dict, int | None] | None:
    """The next statement of MATCH_QUERY that answers a request, as (way, parameters, bound): run
    it, and its rows are the answer if `final`; if not, run match_step(request, after=those rows).
    None when the pickup window is over (no trip can pick up any more).

    The first step goes the way match_bind picks, except for a request whose points are too close
    for the far way at its detour but not at a smaller one, d (shortcut_detour). There, unless
    `shortcut` is False, a shortcut comes first: the far way with detour d (the bound). Its rows
    are the trips within d of both points, best first. When it fills the page and the last row's
    total detour s is at most d, they are the answer: every trip with a total detour of at most s
    is within s <= d of both points, so among them. Otherwise the near way follows, and when the
    shortcut did fill the page, with the detour cut to s: those rows are `limit` matching trips, so
    the answer's totals are at most s too."""
    if after is not None:
        detour = request["detour"]
        if len(after) == request["limit"]:
            detour = min(detour, after[-1].pickup_detour + after[-1].dropoff_detour + 1)
        way_bind = match_bind(**{**request, "detour": detour, "way": "near"})
        return None if way_bind is None else (*way_bind, None)
    way_bind = match_bind(**request)
    if way_bind is None:
        return None
    return (_shortcut(request, way_bind) if shortcut else None) or (*way_bind, None)


def final(rows, bound: int | None, limit: int) -> bool:
    """Whether a step's rows are the answer (match_step): always without a bound; for a shortcut
    with detour `bound`, when they fill the page and the last one's total detour (each rounded to
    the metre, hence the 1 m) is at most bound."""
    if bound is None:
        return True
    return len(rows) == limit and rows[-1].pickup_detour + rows[-1].dropoff_detour + 1 <= bound


class ShortcutOdds:
    """How often the shortcut settled the requests it could have settled, lately: whether match
    tries it first. It pays where trips are dense, and not where they are sparse.

    Every request with a shortcut (match_step's d) tells: when the shortcut ran, whether it was
    final; when the near way ran first, whether its rows are final with bound d, which is the
    same (a full page with its last total within d holds exactly the trips the shortcut would have
    returned). `rate` is their mean over the first 1/weight of them, then a moving average over
    roughly the last 1/weight; before any, `rate` as given (1: try it). The choice only changes the
    time a request takes, never its rows.

    Measured on 1M trips (bench/README.md, p50s), with p the rate: where every trip is live, the
    shortcut settled ~90 % of the close-point requests in 19 ms, the near way after one that did not
    took 23 ms more, and the near way alone 38 ms: trying first pays while 19 + (1 - p) 23 < 38,
    p > 0.2. On a table that keeps two years of history it settled none, and cost ~2.7 ms before a
    near way of ~4.5 ms: there it would pay from p > 0.6. WORTH lies between the two, with room for
    the rate's swings where trips are dense (at 0.7, a run of failures there sent 10 requests of
    ~190 the near way at once)."""
    WORTH = 0.5

    def __init__(self, weight: float = 0.05, rate: float = 1.0):
        self.weight, self.rate, self.seen = weight, rate, 0

    @property
    def worth_trying(self) -> bool:
        return self.rate >= self.WORTH

    def saw(self, settled: bool) -> None:
        self.seen += 1
        self.rate += max(self.weight, 1 / self.seen) * (float(settled) - self.rate)


def matching(request: dict, odds: ShortcutOdds | None = None):
    """The statements that answer a request, as a generator: it yields match_step's (way,
    parameters, bound); send it the rows of each, and it returns the answer (StopIteration.value).
    With `odds`, it tries the shortcut first only while that is worth it, and tells odds what the
    first statement's rows say of the shortcut."""
    tried = odds is None or odds.worth_trying
    step = match_step(request, shortcut=tried)
    if step is None:
        return []
    rows = yield step
    d = step[2] if tried or step[0] != "near" else shortcut_detour(request)   # the shortcut's detour, if any
    if odds is not None and d is not None:
        odds.saw(final(rows, d, request["limit"]))
    while not final(rows, step[2], request["limit"]):
        step = match_step(request, after=rows)
        if step is None:
            return []
        rows = yield step
    return rows


async def match(reads: AsyncConnectionPool, odds: ShortcutOdds | None = None, **request) -> list:
    """Rows (named tuples) of TRIP_FIELDS and the match figures, best first (the statements of
    `matching`). `reads`: a psycopg pool in autocommit (db.make_read_pool): each statement reads one
    snapshot, and a request needs one or two of them. The wait for a connection ends before the
    caller's deadline (db.read_connection)."""
    steps = matching(request, odds)
    async with db.read_connection(reads) as conn:
        try:
            way, bind, _ = next(steps)
            while True:
                rows = await (await conn.execute(MATCH_STATEMENTS[way], bind)).fetchall()
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
