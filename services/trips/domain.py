"""Trips' rules: validation, the trip state machine, recurrence, capacity reservations,
matching parameters, templates, weather, analytics. Plain Python: no protobuf, no SQL."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from dataclasses import asdict, dataclass, field, replace

import qrcode

from services.common import outbox
from services.common.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.common.identity import Principal
from services.common.validation import Violations
from services.trips import store
from services.trips.weather import WeatherProvider, WeatherUnavailable, assess

MAX_CAPACITY_GRAMS = 1_000_000        # 1 t
MAX_VOLUME_CM3 = 10_000_000           # 10 m3
MAX_ITEMS = 1000
MAX_PRICE_MINOR = 100_000_000
MAX_SERIES = 52
SERIES_HORIZON = dt.timedelta(days=90)
UPDATABLE = ("title", "description", "transport_type", "origin", "destination", "departure_time", "arrival_time",
             "capacity", "pricing", "restrictions", "preferences", "visibility", "auto_accept", "auto_accept_price",
             "tags")
LOCKED_BY_RESERVATIONS = ("origin", "destination", "departure_time", "arrival_time")
TRANSITIONS = {  # action -> (allowed from, to)
    "publish": (("draft",), "published"),
    "start": (("published",), "in_progress"),
    "complete": (("in_progress",), "completed"),
    "cancel": (("draft", "published"), "cancelled"),
}
VISIBLE_TO_OTHERS = ("published", "in_progress", "completed")


@dataclass
class Endpoint:
    address: str
    lat: float
    lng: float
    has_location: bool = True
    airport: str = ""
    terminal: str = ""
    details: str = ""


@dataclass
class Pricing:
    currency: str = "EUR"
    base: int = 0
    per_kg: int = 0
    per_km: int = 0
    express_bp: int = 10000
    fragile_bp: int = 10000


@dataclass
class Recurrence:
    frequency: str          # "daily" | "weekly"
    interval: int = 1
    weekdays: list[int] = field(default_factory=list)
    until: dt.datetime | None = None


@dataclass
class TripInput:
    title: str = ""
    description: str = ""
    transport_type: str = ""
    origin: Endpoint | None = None
    destination: Endpoint | None = None
    departure: dt.datetime | None = None
    arrival: dt.datetime | None = None
    weight_grams: int = 0
    volume_cm3: int = 0
    items: int = 0
    pricing: Pricing = field(default_factory=Pricing)
    restrictions: dict = field(default_factory=dict)
    preferences: dict = field(default_factory=dict)
    visibility: str = "public"
    auto_accept: bool = False
    auto_accept_price: int | None = None
    tags: list[str] = field(default_factory=list)
    recurrence: Recurrence | None = None


@dataclass
class Match:
    trip: object
    pickup_detour: int
    dropoff_detour: int
    pickup_fraction: float
    dropoff_fraction: float


def _id(v: str, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(v)
    except (ValueError, TypeError, AttributeError):
        raise InvalidArgument("the request has invalid fields", [(name, "must be a UUID")]) from None


def _check_endpoint(v: Violations, name: str, e: Endpoint | None) -> None:
    if e is None:
        v.add(name, "is required")
        return
    if v.required(f"{name}.place.address", e.address):
        v.text(f"{name}.place.address", e.address, 1, 500)
    if not e.has_location:
        v.add(f"{name}.place.location", "is required")
    else:
        if not -90 <= e.lat <= 90:
            v.add(f"{name}.place.location.latitude", "must be between -90 and 90")
        if not -180 <= e.lng <= 180:
            v.add(f"{name}.place.location.longitude", "must be between -180 and 180")
    if e.airport and (len(e.airport) not in (3, 4) or not e.airport.isalpha()):
        v.add(f"{name}.airport", "must be an IATA (3 letters) or ICAO (4 letters) code")
    if e.terminal:
        v.text(f"{name}.terminal", e.terminal, 1, 32)
    if e.details:
        v.text(f"{name}.details", e.details, 1, 2000)


def validate_trip(v: Violations, t: TripInput, fields: tuple[str, ...] = UPDATABLE, now: dt.datetime | None = None) -> None:
    now = now or dt.datetime.now(dt.timezone.utc)
    if "title" in fields and t.title:
        v.text("trip.title", t.title, 1, 200)
    if "description" in fields and t.description:
        v.text("trip.description", t.description, 1, 5000)
    if "transport_type" in fields and t.transport_type not in store.TRANSPORT_TYPES:
        v.add("trip.transport_type", "must be set (UNSPECIFIED is not allowed)")
    if "origin" in fields:
        _check_endpoint(v, "trip.origin", t.origin)
    if "destination" in fields:
        _check_endpoint(v, "trip.destination", t.destination)
    if ("origin" in fields and "destination" in fields and t.origin and t.destination and t.origin.has_location
            and t.destination.has_location and (t.origin.lat, t.origin.lng) == (t.destination.lat, t.destination.lng)):
        v.add("trip.destination", "must differ from the origin")
    if "departure_time" in fields:
        if t.departure is None:
            v.add("trip.departure_time", "is required")
        elif t.departure < now - dt.timedelta(minutes=5):
            v.add("trip.departure_time", "must be in the future")
    if "arrival_time" in fields:
        if t.arrival is None:
            v.add("trip.arrival_time", "is required")
        elif t.departure is not None and t.arrival <= t.departure:
            v.add("trip.arrival_time", "must be after the departure time")
        elif t.departure is not None and t.arrival - t.departure > dt.timedelta(days=30):
            v.add("trip.arrival_time", "a trip may last at most 30 days")
    if "capacity" in fields:
        if not 1 <= t.weight_grams <= MAX_CAPACITY_GRAMS:
            v.add("trip.capacity.weight_grams", f"must be between 1 and {MAX_CAPACITY_GRAMS}")
        if not 0 <= t.volume_cm3 <= MAX_VOLUME_CM3:
            v.add("trip.capacity.volume_cm3", f"must be between 0 and {MAX_VOLUME_CM3}")
        if not 1 <= t.items <= MAX_ITEMS:
            v.add("trip.capacity.items", f"must be between 1 and {MAX_ITEMS}")
    if "pricing" in fields:
        p = t.pricing
        v.currency("trip.pricing.base_price.currency_code", p.currency)
        for name, amount in (("base_price", p.base), ("price_per_kg", p.per_kg), ("price_per_km", p.per_km)):
            if not 0 <= amount <= MAX_PRICE_MINOR:
                v.add(f"trip.pricing.{name}.amount_minor", f"must be between 0 and {MAX_PRICE_MINOR}")
        for name, bp in (("express_multiplier_bp", p.express_bp), ("fragile_multiplier_bp", p.fragile_bp)):
            if not 10000 <= bp <= 50000:
                v.add(f"trip.pricing.{name}", "must be between 10000 (x1) and 50000 (x5)")
    if "restrictions" in fields:
        for name in ("accepted_categories", "refused_categories"):
            cats = t.restrictions.get(name, [])
            if len(cats) > 50 or any(not c or len(c) > 50 for c in cats):
                v.add(f"trip.restrictions.{name}", "at most 50 categories of 1-50 characters")
        if t.restrictions.get("max_item_weight_grams", 0) < 0:
            v.add("trip.restrictions.max_item_weight_grams", "must not be negative")
    if "visibility" in fields and t.visibility not in store.VISIBILITIES:
        v.add("trip.visibility", "must be set (UNSPECIFIED is not allowed)")
    if "auto_accept_price" in fields and t.auto_accept_price is not None and not 0 < t.auto_accept_price <= MAX_PRICE_MINOR:
        v.add("trip.auto_accept_price.amount_minor", f"must be between 1 and {MAX_PRICE_MINOR}")
    if "auto_accept" in fields and t.auto_accept and not t.auto_accept_price:
        v.add("trip.auto_accept_price", "is required when auto_accept is on")
    if "tags" in fields and (len(t.tags) > 20 or any(not x or len(x) > 40 for x in t.tags)):
        v.add("trip.tags", "at most 20 tags of 1-40 characters")


def occurrences(first: dt.datetime, r: Recurrence) -> list[dt.datetime]:
    """Departure times of the series after the first one (the first is the trip itself)."""
    until = min(r.until, first + SERIES_HORIZON) if r.until else first + SERIES_HORIZON
    step = max(r.interval, 1)
    out: list[dt.datetime] = []
    if r.frequency == "daily":
        d = first + dt.timedelta(days=step)
        while d <= until and len(out) < MAX_SERIES - 1:
            out.append(d)
            d += dt.timedelta(days=step)
    else:
        weekdays = sorted(set(r.weekdays or [first.isoweekday()]))
        week_start = first - dt.timedelta(days=first.isoweekday() - 1)
        week = 0
        while len(out) < MAX_SERIES - 1:
            base = week_start + dt.timedelta(weeks=week)
            if base > until:
                break
            for wd in weekdays:
                d = base + dt.timedelta(days=wd - 1)
                if first < d <= until and len(out) < MAX_SERIES - 1:
                    out.append(d)
            week += step
    return out


def validate_recurrence(v: Violations, r: Recurrence | None, first: dt.datetime | None) -> None:
    if r is None:
        return
    if r.frequency not in ("daily", "weekly"):
        v.add("trip.recurrence.frequency", "must be set (UNSPECIFIED is not allowed)")
    if not 0 <= r.interval <= 52:
        v.add("trip.recurrence.interval", "must be between 0 and 52")
    if any(not 1 <= d <= 7 for d in r.weekdays):
        v.add("trip.recurrence.weekdays", "ISO weekdays are 1 (Monday) to 7 (Sunday)")
    if r.until is None:
        v.add("trip.recurrence.until", "is required")
    elif first is not None and r.until <= first:
        v.add("trip.recurrence.until", "must be after the first departure")


def _token(ts: dt.datetime, i: uuid.UUID) -> str:
    return f"{ts.isoformat()}_{i}"


def _parse_token(v: Violations, token: str):
    if not token:
        return None
    try:
        ts, i = token.split("_", 1)
        return dt.datetime.fromisoformat(ts), uuid.UUID(i)
    except ValueError:
        v.add("page_token", "is not a token returned by a previous call")
        return None


def _page_size(v: Violations, n: int) -> int:
    if not 0 <= n <= 200:
        v.add("page_size", "must be between 0 and 200")
    return n or 50


def _trip_data(t: TripInput) -> dict:
    d = asdict(t)
    for k in ("departure", "arrival", "recurrence"):
        d.pop(k, None)
    return d


def _from_data(d: dict) -> TripInput:
    d = dict(d)
    d["origin"] = Endpoint(**d["origin"]) if d.get("origin") else None
    d["destination"] = Endpoint(**d["destination"]) if d.get("destination") else None
    d["pricing"] = Pricing(**d.get("pricing", {}))
    return TripInput(**d)


class TripsDomain:
    def __init__(self, sessions, weather: WeatherProvider, *, share_base_url: str):
        self.sessions = sessions
        self.weather = weather
        self.share_base_url = share_base_url.rstrip("/")

    # -- helpers ---------------------------------------------------------------------------------
    @staticmethod
    def _traveler(p: Principal) -> uuid.UUID:
        if p.kind != "user":
            raise PermissionDenied("this method is for signed-in travelers", reason="USER_REQUIRED")
        if "traveler" not in p.roles:
            raise PermissionDenied("only travelers (user type traveler or both) manage trips",
                                   reason="TRAVELER_REQUIRED")
        return uuid.UUID(p.user_id)

    async def _own(self, s, p: Principal, trip_id: str, for_update: bool = True):
        tid = _id(trip_id, "trip_id")
        row = await store.trip_row(s, tid, for_update=for_update)
        if row is None or p.kind != "user" or str(row.Trip.traveler_id) != p.user_id:
            raise NotFound("no such trip", reason="TRIP_NOT_FOUND")
        return row

    def _new_trip(self, traveler: uuid.UUID, t: TripInput, distance: int, status: str, parent: uuid.UUID | None,
                  departure: dt.datetime, arrival: dt.datetime) -> store.Trip:
        o, d = t.origin, t.destination
        return store.Trip(
            id=uuid.uuid4(), traveler_id=traveler, title=t.title or f"{o.address} → {d.address}"[:200],
            description=t.description, trip_type=t.transport_type, status=status,
            origin_address=o.address, origin_coordinates=store.point(o.lat, o.lng), origin_airport=o.airport or None,
            origin_terminal=o.terminal or None, origin_details=o.details or None,
            destination_address=d.address, destination_coordinates=store.point(d.lat, d.lng),
            destination_airport=d.airport or None, destination_terminal=d.terminal or None,
            destination_details=d.details or None,
            route=store.line((o.lat, o.lng), (d.lat, d.lng)), route_distance_m=distance,
            departure_time=departure, arrival_time=arrival,
            estimated_duration=int((arrival - departure).total_seconds() // 60),
            weight_capacity=t.weight_grams, volume_capacity=t.volume_cm3, item_capacity=t.items,
            available_weight=t.weight_grams, available_volume=t.volume_cm3, available_items=t.items,
            currency=t.pricing.currency, base_price=t.pricing.base, price_per_kg=t.pricing.per_kg,
            price_per_km=t.pricing.per_km, express_multiplier=t.pricing.express_bp,
            fragile_multiplier=t.pricing.fragile_bp, restrictions=t.restrictions, preferences=t.preferences,
            is_recurring=t.recurrence is not None,
            recurring_pattern=({"frequency": t.recurrence.frequency, "interval": t.recurrence.interval,
                                "weekdays": t.recurrence.weekdays,
                                "until": t.recurrence.until.isoformat() if t.recurrence.until else None}
                               if t.recurrence else None),
            parent_trip_id=parent, visibility=t.visibility, auto_accept=t.auto_accept,
            auto_accept_price=t.auto_accept_price, tags=t.tags,
            published_at=dt.datetime.now(dt.timezone.utc) if status == "published" else None)

    async def _event(self, s, topic: str, trip: store.Trip, **extra) -> None:
        await outbox.publish(s, topic, {"trip_id": str(trip.id), "traveler_id": str(trip.traveler_id), **extra},
                             aggregate_id=str(trip.id), idempotency_key=f"{topic}:{trip.id}")

    # -- create / read ---------------------------------------------------------------------------
    async def create(self, p: Principal, t: TripInput, publish: bool) -> uuid.UUID:
        traveler = self._traveler(p)
        v = Violations()
        validate_trip(v, t)
        validate_recurrence(v, t.recurrence, t.departure)
        v.raise_if_any()
        status = "published" if publish else "draft"
        async with self.sessions.begin() as s:
            distance = await store.route_length(s, (t.origin.lat, t.origin.lng), (t.destination.lat, t.destination.lng))
            root = self._new_trip(traveler, t, distance, status, None, t.departure, t.arrival)
            s.add(root)
            await s.flush()
            duration = t.arrival - t.departure
            if t.recurrence:
                for dep in occurrences(t.departure, t.recurrence):
                    s.add(self._new_trip(traveler, replace(t, recurrence=None), distance, status, root.id, dep,
                                         dep + duration))
            if publish:
                await self._event(s, "trips.trip.published", root)
        return root.id

    async def get(self, p: Principal, trip_id: str):
        tid = _id(trip_id, "trip_id")
        async with self.sessions() as s:
            row = await store.trip_row(s, tid)
        if row is None:
            raise NotFound("no such trip", reason="TRIP_NOT_FOUND")
        if p.is_service or (p.kind == "user" and str(row.Trip.traveler_id) == p.user_id):
            return row
        if row.Trip.status not in VISIBLE_TO_OTHERS:
            raise NotFound("no such trip", reason="TRIP_NOT_FOUND")
        return row

    async def list_mine(self, p: Principal, statuses: list[str], page_size: int, page_token: str):
        traveler = uuid.UUID(p.user_id) if p.kind == "user" else None
        if traveler is None:
            raise PermissionDenied("this method is for signed-in users", reason="USER_REQUIRED")
        v = Violations()
        limit = _page_size(v, page_size)
        after = _parse_token(v, page_token)
        v.raise_if_any()
        where = [store.Trip.traveler_id == traveler]
        if statuses:
            where.append(store.Trip.status.in_(statuses))
        async with self.sessions() as s:
            rows = await store.trips_page(s, where, limit + 1, after)
        nxt = _token(rows[limit - 1].Trip.created_at, rows[limit - 1].Trip.id) if len(rows) > limit else ""
        return rows[:limit], nxt

    async def search(self, origin, destination, radius: int, after_t, before_t, min_weight: int, transport: str,
                     page_size: int, page_token: str):
        v = Violations()
        limit = _page_size(v, page_size)
        if not 0 <= radius <= 500_000:
            v.add("radius_meters", "must be between 0 and 500000")
        for name, pt in (("origin", origin), ("destination", destination)):
            if pt is not None and not (-90 <= pt[0] <= 90 and -180 <= pt[1] <= 180):
                v.add(name, "is not a valid coordinate")
        if min_weight < 0:
            v.add("min_weight_grams", "must not be negative")
        after = None
        if page_token:
            after = _parse_token(v, page_token)
        v.raise_if_any()
        radius = radius or 25_000
        T = store.Trip
        where = [T.status == "published", T.visibility == "public", T.departure_time > dt.datetime.now(dt.timezone.utc)]
        if origin is not None:
            where.append(store.near(T.origin_coordinates, origin[0], origin[1], radius))
        if destination is not None:
            where.append(store.near(T.destination_coordinates, destination[0], destination[1], radius))
        if after_t:
            where.append(T.departure_time >= after_t)
        if before_t:
            where.append(T.departure_time <= before_t)
        if min_weight:
            where.append(T.available_weight >= min_weight)
        if transport:
            where.append(T.trip_type == transport)
        async with self.sessions() as s:
            rows = await store.trips_page(s, where, limit + 1, after, order_desc=False)
        nxt = _token(rows[limit - 1].Trip.departure_time, rows[limit - 1].Trip.id) if len(rows) > limit else ""
        return rows[:limit], nxt

    # -- update / state machine ------------------------------------------------------------------
    async def update(self, p: Principal, trip_id: str, t: TripInput, paths: list[str]):
        v = Violations()
        if not paths:
            v.add("update_mask", "must name at least one field")
        bad = [x for x in paths if x not in UPDATABLE]
        for x in bad:
            v.add("update_mask", f"field {x!r} cannot be updated")
        v.raise_if_any()
        async with self.sessions.begin() as s:
            row = await self._own(s, p, trip_id)
            trip = row.Trip
            if trip.status not in ("draft", "published"):
                raise FailedPrecondition(f"a {trip.status} trip cannot be edited", reason="INVALID_TRANSITION")
            # Fill the fields not in the mask from the stored trip, then validate the result.
            cur = self._input_of(row)
            merged = replace(cur, **{
                {"departure_time": "departure", "arrival_time": "arrival", "capacity": "weight_grams"}.get(x, x):
                getattr(t, {"departure_time": "departure", "arrival_time": "arrival", "capacity": "weight_grams"}.get(x, x))
                for x in paths})
            if "capacity" in paths:
                merged.volume_cm3, merged.items = t.volume_cm3, t.items
            check = set(paths) | ({"arrival_time"} if "departure_time" in paths else set())
            validate_trip(v, merged, tuple(check))
            v.raise_if_any()
            reservations = await store.live_reservations(s, trip.id)
            if reservations:
                locked = [x for x in paths if x in LOCKED_BY_RESERVATIONS]
                if locked:
                    raise FailedPrecondition(
                        f"{', '.join(locked)} cannot change: the trip carries {len(reservations)} accepted deliveries",
                        reason="TRIP_HAS_RESERVATIONS")
            reserved = (sum(r.weight_grams for r in reservations), sum(r.volume_cm3 for r in reservations),
                        sum(r.items for r in reservations))
            if "capacity" in paths:
                if merged.weight_grams < reserved[0] or merged.volume_cm3 < reserved[1] or merged.items < reserved[2]:
                    raise FailedPrecondition("capacity cannot go below what accepted deliveries already reserve "
                                             f"({reserved[0]} g, {reserved[1]} cm3, {reserved[2]} items)",
                                             reason="TRIP_HAS_RESERVATIONS")
            fresh = self._new_trip(trip.traveler_id, merged, trip.route_distance_m, trip.status, trip.parent_trip_id,
                                   merged.departure, merged.arrival)
            if "origin" in paths or "destination" in paths:
                fresh.route_distance_m = await store.route_length(
                    s, (merged.origin.lat, merged.origin.lng), (merged.destination.lat, merged.destination.lng))
            for col in ("title", "description", "trip_type", "origin_address", "origin_coordinates", "origin_airport",
                        "origin_terminal", "origin_details", "destination_address", "destination_coordinates",
                        "destination_airport", "destination_terminal", "destination_details", "route",
                        "route_distance_m", "departure_time", "arrival_time", "estimated_duration", "weight_capacity",
                        "volume_capacity", "item_capacity", "currency", "base_price", "price_per_kg", "price_per_km",
                        "express_multiplier", "fragile_multiplier", "restrictions", "preferences", "visibility",
                        "auto_accept", "auto_accept_price", "tags"):
                setattr(trip, col, getattr(fresh, col))
            trip.available_weight = merged.weight_grams - reserved[0]
            trip.available_volume = merged.volume_cm3 - reserved[1]
            trip.available_items = merged.items - reserved[2]
        return await self.get(p, trip_id)

    def _input_of(self, row) -> TripInput:
        t = row.Trip
        return TripInput(
            title=t.title, description=t.description, transport_type=t.trip_type,
            origin=Endpoint(t.origin_address, row.o_lat, row.o_lng, True, t.origin_airport or "",
                            t.origin_terminal or "", t.origin_details or ""),
            destination=Endpoint(t.destination_address, row.d_lat, row.d_lng, True, t.destination_airport or "",
                                 t.destination_terminal or "", t.destination_details or ""),
            departure=t.departure_time, arrival=t.arrival_time, weight_grams=t.weight_capacity,
            volume_cm3=t.volume_capacity, items=t.item_capacity,
            pricing=Pricing(t.currency, t.base_price, t.price_per_kg, t.price_per_km, t.express_multiplier,
                            t.fragile_multiplier),
            restrictions=dict(t.restrictions), preferences=dict(t.preferences), visibility=t.visibility,
            auto_accept=t.auto_accept, auto_accept_price=t.auto_accept_price, tags=list(t.tags))

    async def transition(self, p: Principal, trip_id: str, action: str, *, reason: str = "", series: bool = False,
                         position: tuple[float, float] | None = None):
        v = Violations()
        if action == "cancel":
            if v.required("reason", reason):
                v.text("reason", reason, 1, 1000)
        if position is not None and not (-90 <= position[0] <= 90 and -180 <= position[1] <= 180):
            v.add("position", "is not a valid coordinate")
        v.raise_if_any()
        allowed, target = TRANSITIONS[action]
        async with self.sessions.begin() as s:
            row = await self._own(s, p, trip_id)
            trip = row.Trip
            if trip.status not in allowed:
                raise FailedPrecondition(f"cannot {action} a {trip.status.replace('_', ' ')} trip",
                                         reason="INVALID_TRANSITION")
            now = await store.db_now(s)
            targets = [trip]
            if action == "cancel" and series:
                root = trip.parent_trip_id or trip.id
                targets = [x for x in await store.series_after(s, root, trip.departure_time) if x.status in allowed]
                if trip not in targets:
                    targets.append(trip)
            for x in targets:
                x.status = target
                if action == "publish":
                    x.published_at = now
                    await self._event(s, "trips.trip.published", x)
                elif action == "start":
                    x.actual_departure_time = now
                    if position:
                        x.last_position = store.point(*position)
                elif action == "complete":
                    x.actual_arrival_time = now
                    await self._event(s, "trips.trip.completed", x)
                elif action == "cancel":
                    x.cancelled_at = now
                    x.cancellation_reason = reason
                    await self._event(s, "trips.trip.cancelled", x, reason=reason)
        return await self.get(p, trip_id)

    async def report_status(self, p: Principal, trip_id: str, position: tuple[float, float] | None,
                            revised_arrival: dt.datetime | None):
        v = Violations()
        if position is None:
            v.add("position", "is required")
        elif not (-90 <= position[0] <= 90 and -180 <= position[1] <= 180):
            v.add("position", "is not a valid coordinate")
        v.raise_if_any()
        async with self.sessions.begin() as s:
            row = await self._own(s, p, trip_id)
            trip = row.Trip
            if trip.status != "in_progress":
                raise FailedPrecondition("status can be reported only while the trip is in progress",
                                         reason="INVALID_TRANSITION")
            if revised_arrival is not None and revised_arrival <= trip.departure_time:
                raise InvalidArgument("the request has invalid fields",
                                      [("revised_arrival_time", "must be after the departure")])
            trip.last_position = store.point(*position)
            if revised_arrival is not None:
                trip.revised_arrival_time = revised_arrival
        return await self.get(p, trip_id)

    # -- capacity (internal) ---------------------------------------------------------------------
    async def reserve(self, trip_id: str, delivery_id: str, w: int, vol: int, n: int):
        v = Violations()
        tid = _id(trip_id, "trip_id")
        if v.required("delivery_id", delivery_id):
            v.text("delivery_id", delivery_id, 1, 64)
        if w < 0 or vol < 0 or n < 0:
            v.add("weight_grams", "amounts must not be negative")
        if w == 0 and vol == 0 and n == 0:
            v.add("items", "reserve at least one gram, cm3 or item")
        v.raise_if_any()
        async with self.sessions.begin() as s:
            existing = await store.reservation(s, delivery_id, for_update=True)
            if existing is not None:
                if (existing.trip_id, existing.weight_grams, existing.volume_cm3, existing.items) != (tid, w, vol, n):
                    raise FailedPrecondition("this delivery already holds a different reservation",
                                             reason="RESERVATION_MISMATCH")
                row = await store.trip_row(s, tid)
                return existing, (row.Trip.available_weight, row.Trip.available_volume, row.Trip.available_items)
            left = await store.take_capacity(s, tid, w, vol, n)
            if left is None:
                row = await store.trip_row(s, tid)
                if row is None:
                    raise NotFound("no such trip", reason="TRIP_NOT_FOUND")
                if row.Trip.status not in ("published", "in_progress"):
                    raise FailedPrecondition(f"a {row.Trip.status} trip takes no deliveries", reason="TRIP_NOT_BOOKABLE")
                raise FailedPrecondition("not enough capacity left on this trip", reason="CAPACITY_EXCEEDED",
                                         metadata={"available_weight_grams": str(row.Trip.available_weight)})
            r = store.Reservation(trip_id=tid, delivery_id=delivery_id, weight_grams=w, volume_cm3=vol, items=n)
            s.add(r)
        return r, tuple(left)

    async def release(self, trip_id: str, delivery_id: str):
        tid = _id(trip_id, "trip_id")
        v = Violations()
        v.required("delivery_id", delivery_id)
        v.raise_if_any()
        async with self.sessions.begin() as s:
            r = await store.reservation(s, delivery_id, for_update=True)
            if r is None or r.trip_id != tid:
                raise NotFound("no such reservation", reason="RESERVATION_NOT_FOUND")
            if r.released_at is None:
                r.released_at = await store.db_now(s)
                left = await store.give_back(s, tid, r.weight_grams, r.volume_cm3, r.items)
            else:
                row = await store.trip_row(s, tid)
                left = (row.Trip.available_weight, row.Trip.available_volume, row.Trip.available_items)
        return r, tuple(left)

    async def match(self, pickup, dropoff, windows: dict, w: int, vol: int, n: int, detour: int,
                    exclude: list[str], category: str, page_size: int) -> list[Match]:
        v = Violations()
        for name, pt in (("pickup", pickup), ("dropoff", dropoff)):
            if pt is None:
                v.add(name, "is required")
            elif not (-90 <= pt[0] <= 90 and -180 <= pt[1] <= 180):
                v.add(name, "is not a valid coordinate")
        if w < 0 or vol < 0 or n < 0:
            v.add("weight_grams", "amounts must not be negative")
        if not 0 <= detour <= 1_000_000:
            v.add("max_detour_meters", "must be between 0 and 1000000")
        limit = _page_size(v, page_size)
        excluded = []
        for i, x in enumerate(exclude):
            try:
                excluded.append(uuid.UUID(x))
            except ValueError:
                v.add(f"exclude_traveler_ids[{i}]", "must be a UUID")
        if len(category) > 50:
            v.add("item_category", "must be at most 50 characters")
        v.raise_if_any()
        async with self.sessions() as s:
            rows = await store.match(s, pickup=store.point(*pickup), dropoff=store.point(*dropoff),
                                     detour=detour or 50_000, windows=windows, w=w, v=vol, n=n, exclude=excluded,
                                     category=category, limit=limit)
        return [Match(trip, m.pickup_detour, m.dropoff_detour, m.pickup_fraction, m.dropoff_fraction)
                for trip, m in rows]

    # -- templates -------------------------------------------------------------------------------
    async def save_template(self, p: Principal, name: str, trip_id: str, t: TripInput | None):
        traveler = self._traveler(p)
        v = Violations()
        if v.required("name", name):
            v.text("name", name, 1, 100)
        if not trip_id and t is None:
            v.add("source", "give trip_id or trip")
        if t is not None:
            validate_trip(v, t, tuple(x for x in UPDATABLE if x not in ("departure_time", "arrival_time")))
        v.raise_if_any()
        async with self.sessions.begin() as s:
            if trip_id:
                t = self._input_of(await self._own(s, p, trip_id, for_update=False))
            tpl = store.TripTemplate(user_id=traveler, name=name, trip_data=_trip_data(t))
            s.add(tpl)
        return tpl

    async def list_templates(self, p: Principal, page_size: int, page_token: str):
        traveler = self._traveler(p)
        v = Violations()
        limit = _page_size(v, page_size)
        after = _parse_token(v, page_token)
        v.raise_if_any()
        async with self.sessions() as s:
            rows = await store.templates_page(s, traveler, limit + 1, after)
        nxt = _token(rows[limit - 1].created_at, rows[limit - 1].id) if len(rows) > limit else ""
        return rows[:limit], nxt

    async def from_template(self, p: Principal, template_id: str, departure, arrival) -> uuid.UUID:
        traveler = self._traveler(p)
        tid = _id(template_id, "template_id")
        async with self.sessions.begin() as s:
            tpl = await store.template(s, tid, for_update=True)
            if tpl is None or tpl.user_id != traveler:
                raise NotFound("no such template", reason="TEMPLATE_NOT_FOUND")
            t = replace(_from_data(tpl.trip_data), departure=departure, arrival=arrival)
            v = Violations()
            validate_trip(v, t, ("departure_time", "arrival_time"))
            v.raise_if_any()
            distance = await store.route_length(s, (t.origin.lat, t.origin.lng), (t.destination.lat, t.destination.lng))
            trip = self._new_trip(traveler, t, distance, "draft", None, departure, arrival)
            s.add(trip)
            tpl.usage_count += 1
            tpl.last_used_at = await store.db_now(s)
        return trip.id

    def template_input(self, tpl: store.TripTemplate) -> TripInput:
        return _from_data(tpl.trip_data)

    async def duplicate(self, p: Principal, trip_id: str, departure, arrival) -> uuid.UUID:
        traveler = self._traveler(p)
        async with self.sessions.begin() as s:
            row = await self._own(s, p, trip_id, for_update=False)
            t = self._input_of(row)
            arrival = arrival or (departure + (row.Trip.arrival_time - row.Trip.departure_time) if departure else None)
            t = replace(t, departure=departure, arrival=arrival)
            v = Violations()
            validate_trip(v, t, ("departure_time", "arrival_time"))
            v.raise_if_any()
            trip = self._new_trip(traveler, t, row.Trip.route_distance_m, "draft", None, departure, arrival)
            s.add(trip)
        return trip.id

    # -- insights ----------------------------------------------------------------------------------
    async def analytics(self, p: Principal, trip_id: str):
        async with self.sessions() as s:
            row = await self._own(s, p, trip_id, for_update=False)
            res = await store.live_reservations(s, row.Trip.id)
        t = row.Trip
        w = sum(r.weight_grams for r in res)
        earnings = sum(t.base_price + t.price_per_kg * r.weight_grams // 1000 for r in res)
        timeline = [(k, ts) for k, ts in (("created", t.created_at), ("published", t.published_at),
                                          ("started", t.actual_departure_time), ("completed", t.actual_arrival_time),
                                          ("cancelled", t.cancelled_at)) if ts]
        timeline += [("delivery_reserved", r.created_at) for r in res]
        timeline.sort(key=lambda x: x[1])
        return {"trip": t, "reservations": len(res), "weight": w, "volume": sum(r.volume_cm3 for r in res),
                "items": sum(r.items for r in res),
                "utilisation_bp": int(w * 10000 // t.weight_capacity) if t.weight_capacity else 0,
                "earnings": earnings, "timeline": timeline}

    async def share(self, p: Principal, trip_id: str) -> tuple[str, str, bytes]:
        row = await self.get(p, trip_id)
        if row.Trip.status not in VISIBLE_TO_OTHERS:
            raise FailedPrecondition("publish the trip before sharing it", reason="INVALID_TRANSITION")
        url = f"{self.share_base_url}/trips/{row.Trip.id}"
        deep = f"p2pdelivery://trips/{row.Trip.id}"
        buf = io.BytesIO()
        qrcode.make(url).save(buf, format="PNG")
        return url, deep, buf.getvalue()

    async def export(self, p: Principal, trip_id: str, fmt: str, as_dict) -> tuple[str, str, bytes]:
        if fmt not in ("json", "csv"):
            raise InvalidArgument("the request has invalid fields", [("format", "must be set (UNSPECIFIED is not allowed)")])
        async with self.sessions() as s:
            row = await self._own(s, p, trip_id, for_update=False)
        data = as_dict(row)
        if fmt == "json":
            return "application/json", f"trip-{row.Trip.id}.json", json.dumps(data, indent=2, default=str).encode()
        buf = io.StringIO()
        flat = {k: (json.dumps(v, default=str) if isinstance(v, (dict, list)) else v) for k, v in data.items()}
        w = csv.DictWriter(buf, fieldnames=list(flat))
        w.writeheader()
        w.writerow(flat)
        return "text/csv", f"trip-{row.Trip.id}.csv", buf.getvalue().encode()

    async def popular(self, limit: int, traveler: uuid.UUID | None = None):
        v = Violations()
        if not 0 <= limit <= 50:
            v.add("limit", "must be between 0 and 50")
        v.raise_if_any()
        async with self.sessions() as s:
            return await store.popular_routes(s, limit or 10, traveler)

    async def recommendations(self, p: Principal, limit: int):
        traveler = self._traveler(p)
        mine = await self.popular(limit, traveler)
        seen = {(r.o_lat, r.o_lng, r.d_lat, r.d_lng) for r in mine}
        out = [(r, "you travel this route often") for r in mine]
        for r in await self.popular(limit):
            if (r.o_lat, r.o_lng, r.d_lat, r.d_lng) not in seen:
                out.append((r, "a popular route on the platform"))
        return out[: (limit or 10)]

    async def statistics(self, p: Principal):
        traveler = self._traveler(p)
        async with self.sessions() as s:
            return await store.statistics(s, traveler)

    # -- weather ------------------------------------------------------------------------------------
    async def weather_for(self, p: Principal, trip_id: str):
        row = await self.get(p, trip_id)
        async with self.sessions() as s:
            w = await store.weather(s, row.Trip.id)
        if w is None:
            w = await self.refresh_weather(row)
        return row, w

    async def refresh_weather(self, row):
        """Fetch origin and destination forecasts around departure; None when the provider is down."""
        t = row.Trip
        try:
            origin = await self.weather.forecast(row.o_lat, row.o_lng, t.departure_time)
            dest = await self.weather.forecast(row.d_lat, row.d_lng, t.arrival_time)
        except WeatherUnavailable:
            return None
        conditions, alerts = assess(origin, dest)
        async with self.sessions.begin() as s:
            await store.save_weather(s, t.id, origin, dest, conditions, alerts)
        async with self.sessions() as s:
            return await store.weather(s, t.id)

    async def fill_missing_weather(self) -> int:
        async with self.sessions() as s:
            rows = await store.trips_missing_weather(s)
        n = 0
        for row in rows:
            if await self.refresh_weather(row) is not None:
                n += 1
        return n

    # -- idempotency --------------------------------------------------------------------------------
    async def remembered(self, key: str) -> bytes | None:
        async with self.sessions() as s:
            return await store.idempotent_response(s, key)

    async def remember(self, key: str, response: bytes) -> None:
        async with self.sessions.begin() as s:
            await store.save_idempotent_response(s, key, response)
