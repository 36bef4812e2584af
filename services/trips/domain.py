"""Trips' rules: validation, the trip state machine, recurring series, capacity reservations,
matching parameters, templates, sharing, weather, analytics. Plain Python: no protobuf; the
store does the SQL.

Authorization: the owner (the traveler who created a trip) manages it; other users see only
PUBLISHED / IN_PROGRESS trips that are public or opened by a share token; a service identity
sees any trip and alone may reserve, release and match. Anything a caller may not see is
NOT_FOUND, so existence does not leak.
"""
from __future__ import annotations

import asyncio
import base64
import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import logging
import uuid
import zoneinfo
from dataclasses import asdict, dataclass, field, replace

import qrcode
from sqlalchemy.exc import IntegrityError

from services.common import outbox
from services.common.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.common.identity import Principal
from services.common.validation import Violations, is_timezone
from services.trips import store
from services.trips.weather import FORECAST_DAYS, WeatherProvider, WeatherUnavailable, assess

log = logging.getLogger("p2p.trips")

UTC = dt.timezone.utc
MAX_CAPACITY_GRAMS = 1_000_000        # 1 t
MAX_VOLUME_CM3 = 10_000_000           # 10 m3
MAX_ITEMS = 1000
MAX_PRICE_MINOR = 100_000_000
MAX_SERIES = 52                       # trips in a series, the first included
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
VISIBLE_TO_OTHERS = ("published", "in_progress")
EDITABLE = ("draft", "published")
TOPICS = {"publish": "trips.trip.published", "start": "trips.trip.started", "complete": "trips.trip.completed",
          "cancel": "trips.trip.cancelled"}
EVENT_KIND = {"publish": "published", "start": "started", "complete": "completed", "cancel": "cancelled"}
CLOCK_SKEW = dt.timedelta(minutes=5)


# -- plain values ---------------------------------------------------------------------------------
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
    frequency: str          # "daily" (every `interval` days) | "weekly" (on `weekdays`, every `interval` weeks)
    interval: int = 1
    weekdays: list[int] = field(default_factory=list)
    until: dt.datetime | None = None
    time_zone: str = ""


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
    # Currency codes of every Money given (all must agree with the pricing currency).
    currencies: list[str] = field(default_factory=list)
    # Templates: minutes from departure to arrival.
    duration_minutes: int = 0


@dataclass
class Match:
    trip: object        # attributes: store.TRIP_FIELDS
    pickup_detour: int
    dropoff_detour: int
    pickup_fraction: float
    dropoff_fraction: float


@dataclass
class WeatherState:
    status: str                         # available | pending | unavailable | not_yet_available
    message: str = ""
    record: store.TripWeather | None = None
    available_from: dt.datetime | None = None


# -- validation ---------------------------------------------------------------------------------------
def _id(v: str, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(v)
    except (ValueError, TypeError, AttributeError):
        raise InvalidArgument("the request has invalid fields", [(name, "must be a UUID")]) from None


def _coord_ok(pt: tuple[float, float] | None) -> bool:
    return pt is not None and -90 <= pt[0] <= 90 and -180 <= pt[1] <= 180


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


def validate_trip(v: Violations, t: TripInput, fields: tuple[str, ...] = UPDATABLE, now: dt.datetime | None = None,
                  prefix: str = "trip") -> None:
    now = now or dt.datetime.now(UTC)
    f = f"{prefix}."
    if "title" in fields and t.title:
        v.text(f + "title", t.title, 1, 200)
    if "description" in fields and t.description:
        v.text(f + "description", t.description, 1, 5000)
    if "transport_type" in fields and t.transport_type not in store.TRANSPORT_TYPES:
        v.add(f + "transport_type", "must be set (UNSPECIFIED is not allowed)")
    if "origin" in fields:
        _check_endpoint(v, f + "origin", t.origin)
    if "destination" in fields:
        _check_endpoint(v, f + "destination", t.destination)
    if (("origin" in fields or "destination" in fields) and t.origin and t.destination and t.origin.has_location
            and t.destination.has_location
            and abs(t.origin.lat - t.destination.lat) < 1e-3 and abs(t.origin.lng - t.destination.lng) < 1e-3):
        v.add(f + "destination", "must differ from the origin")
    if "departure_time" in fields:
        if t.departure is None:
            v.add(f + "departure_time", "is required")
        elif t.departure < now - CLOCK_SKEW:
            v.add(f + "departure_time", "must be in the future")
        elif t.departure > now + dt.timedelta(days=366):
            v.add(f + "departure_time", "must be within a year")
    if "arrival_time" in fields:
        if t.arrival is None:
            v.add(f + "arrival_time", "is required")
        elif t.departure is not None and t.arrival <= t.departure:
            v.add(f + "arrival_time", "must be after the departure time")
        elif t.departure is not None and t.arrival - t.departure > dt.timedelta(days=30):
            v.add(f + "arrival_time", "a trip may last at most 30 days")
    if "capacity" in fields:
        if not 1 <= t.weight_grams <= MAX_CAPACITY_GRAMS:
            v.add(f + "capacity.weight_grams", f"must be between 1 and {MAX_CAPACITY_GRAMS}")
        if not 0 <= t.volume_cm3 <= MAX_VOLUME_CM3:
            v.add(f + "capacity.volume_cm3", f"must be between 0 and {MAX_VOLUME_CM3}")
        if not 1 <= t.items <= MAX_ITEMS:
            v.add(f + "capacity.items", f"must be between 1 and {MAX_ITEMS}")
    if "pricing" in fields:
        p = t.pricing
        v.currency(f + "pricing.base_price.currency_code", p.currency)
        for name, amount in (("base_price", p.base), ("price_per_kg", p.per_kg), ("price_per_km", p.per_km)):
            if not 0 <= amount <= MAX_PRICE_MINOR:
                v.add(f + f"pricing.{name}.amount_minor", f"must be between 0 and {MAX_PRICE_MINOR}")
        for name, bp in (("express_multiplier_bp", p.express_bp), ("fragile_multiplier_bp", p.fragile_bp)):
            if not 10000 <= bp <= 50000:
                v.add(f + f"pricing.{name}", "must be between 10000 (x1) and 50000 (x5)")
    if ("pricing" in fields or "auto_accept_price" in fields) and any(c != t.pricing.currency for c in t.currencies):
        v.add(f + "pricing", "every amount must be in the same currency")
    if "restrictions" in fields:
        cats = {}
        for name in ("accepted_categories", "refused_categories"):
            cats[name] = t.restrictions.get(name, [])
            if len(cats[name]) > 50 or any(not c or len(c) > 50 for c in cats[name]):
                v.add(f + f"restrictions.{name}", "at most 50 categories of 1-50 characters")
        if set(cats["accepted_categories"]) & set(cats["refused_categories"]):
            v.add(f + "restrictions.refused_categories", "must not repeat an accepted category")
        if t.restrictions.get("max_item_weight_grams", 0) < 0:
            v.add(f + "restrictions.max_item_weight_grams", "must not be negative")
    if "preferences" in fields:
        if len(t.preferences.get("meeting_preference", "")) > 500:
            v.add(f + "preferences.meeting_preference", "must be at most 500 characters")
        langs = t.preferences.get("languages", [])
        if len(langs) > 10:
            v.add(f + "preferences.languages", "at most 10 languages")
        for x in langs[:10]:
            if not v.language(f + "preferences.languages", x):
                break
    if "visibility" in fields and t.visibility not in store.VISIBILITIES:
        v.add(f + "visibility", "must be set (UNSPECIFIED is not allowed)")
    if "auto_accept_price" in fields and t.auto_accept_price is not None and not 0 < t.auto_accept_price <= MAX_PRICE_MINOR:
        v.add(f + "auto_accept_price.amount_minor", f"must be between 1 and {MAX_PRICE_MINOR}")
    if "auto_accept" in fields and t.auto_accept and not t.auto_accept_price:
        v.add(f + "auto_accept_price", "is required when auto_accept is on")
    if "tags" in fields and (len(t.tags) > 20 or any(not x or len(x) > 40 for x in t.tags)):
        v.add(f + "tags", "at most 20 tags of 1-40 characters")


def validate_recurrence(v: Violations, r: Recurrence | None, first: dt.datetime | None) -> None:
    if r is None:
        return
    if r.frequency not in ("daily", "weekly"):
        v.add("trip.recurrence.frequency", "must be set (UNSPECIFIED is not allowed)")
    if not 0 <= r.interval <= 52:
        v.add("trip.recurrence.interval", "must be between 0 and 52")
    if any(not 1 <= d <= 7 for d in r.weekdays):
        v.add("trip.recurrence.weekdays", "ISO weekdays are 1 (Monday) to 7 (Sunday)")
    if r.weekdays and r.frequency == "daily":
        v.add("trip.recurrence.weekdays", "only for WEEKLY")
    if r.time_zone and not is_timezone(r.time_zone):
        v.add("trip.recurrence.time_zone", "must be an IANA time zone such as Europe/Paris")
    if r.until is not None and first is not None and r.until <= first:
        v.add("trip.recurrence.until", "must be after the first departure")


def occurrences(first: dt.datetime, r: Recurrence) -> list[dt.datetime]:
    """Departure times of the series after the first one (the first is the trip itself): the
    first trip's local time of day (in r.time_zone, UTC by default) on each date of the rule,
    up to `until` (inclusive, local date), 90 days after the first departure and 52 trips."""
    tz = zoneinfo.ZoneInfo(r.time_zone) if r.time_zone else UTC
    local = first.astimezone(tz)
    horizon = first + SERIES_HORIZON
    last = (min(r.until, horizon) if r.until else horizon).astimezone(tz).date()
    clock = local.time().replace(tzinfo=None)

    def at(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)

    step = max(r.interval, 1)
    days: list[dt.date] = []
    if r.frequency == "daily":
        d = local.date() + dt.timedelta(days=step)
        while d <= last:
            days.append(d)
            d += dt.timedelta(days=step)
    else:
        weekdays = sorted(set(r.weekdays or [local.isoweekday()]))
        monday = local.date() - dt.timedelta(days=local.isoweekday() - 1)
        while monday <= last:
            for wd in weekdays:
                d = monday + dt.timedelta(days=wd - 1)
                if local.date() < d <= last:
                    days.append(d)
            monday += dt.timedelta(weeks=step)
    out = [x for x in (at(d) for d in days) if first < x <= horizon]
    return out[: MAX_SERIES - 1]


def _token(*parts) -> str:
    raw = "|".join(p.isoformat() if isinstance(p, dt.datetime) else str(p) for p in parts)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _parse_token(v: Violations, token: str):
    """An opaque page token: (timestamp, uuid) of the last row of the previous page."""
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        ts, i = raw.split("|", 1)
        when = dt.datetime.fromisoformat(ts)
        if when.tzinfo is None:
            raise ValueError
        return when, uuid.UUID(i)
    except (ValueError, UnicodeDecodeError):
        v.add("page_token", "is not a token returned by a previous call")
        return None


def _page_size(v: Violations, n: int, default: int = 50, hi: int = 200, name: str = "page_size") -> int:
    if not 0 <= n <= hi:
        v.add(name, f"must be between 0 and {hi}")
    return n or default


def _trip_data(t: TripInput) -> dict:
    d = asdict(t)
    for k in ("departure", "arrival", "recurrence", "currencies"):
        d.pop(k, None)
    return d


def _from_data(d: dict) -> TripInput:
    d = {k: v for k, v in d.items() if k in TripInput.__dataclass_fields__}
    d["origin"] = Endpoint(**d["origin"]) if d.get("origin") else None
    d["destination"] = Endpoint(**d["destination"]) if d.get("destination") else None
    d["pricing"] = Pricing(**d.get("pricing", {}))
    return TripInput(**d)


def _field_attr(path: str) -> tuple[str, ...]:
    return {"departure_time": ("departure",), "arrival_time": ("arrival",),
            "capacity": ("weight_grams", "volume_cm3", "items"),
            "pricing": ("pricing", "currencies"), "auto_accept_price": ("auto_accept_price", "currencies")}.get(path, (path,))


def _merge(cur: TripInput, new: TripInput, paths: list[str]) -> TripInput:
    changes = {}
    for p in paths:
        for a in _field_attr(p):
            changes[a] = getattr(new, a)
    out = replace(cur, **changes)
    if "pricing" in paths and "auto_accept_price" not in paths:
        out.currencies = list(new.currencies)
    return out


class TripsDomain:
    def __init__(self, sessions, weather: WeatherProvider, *, reads, share_base_url: str, share_secret: str = "dev",
                 deep_link_scheme: str = "p2pdelivery", weather_ttl: float = 3 * 3600, weather_retry: float = 60):
        self.sessions = sessions
        self.reads = reads      # psycopg pool (db.make_read_pool) for matching, the hot read path
        self.widening = store.Widening()   # where matching starts its total steps, learnt here
        self.weather = weather
        self.share_base_url = share_base_url.rstrip("/")
        self._share_key = share_secret.encode()
        self.deep_link_scheme = deep_link_scheme
        self.weather_ttl = dt.timedelta(seconds=weather_ttl)
        self.weather_retry = dt.timedelta(seconds=weather_retry)
        self._inflight: dict[uuid.UUID, asyncio.Task] = {}

    async def aclose(self) -> None:
        """Stop background weather fetches (shutdown)."""
        tasks = list(self._inflight.values())
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- helpers ---------------------------------------------------------------------------------
    @staticmethod
    def _traveler(p: Principal) -> uuid.UUID:
        if p.kind != "user":
            raise PermissionDenied("this method is for signed-in travelers", reason="USER_REQUIRED")
        if "traveler" not in p.roles:
            raise PermissionDenied("only travelers (user type traveler or both) manage trips",
                                   reason="TRAVELER_REQUIRED")
        return uuid.UUID(p.user_id)

    @staticmethod
    def _user(p: Principal) -> uuid.UUID:
        if p.kind != "user":
            raise PermissionDenied("this method is for signed-in users", reason="USER_REQUIRED")
        return uuid.UUID(p.user_id)

    async def _own(self, s, p: Principal, trip_id: str, for_update: bool = True):
        tid = _id(trip_id, "trip_id")
        row = await store.trip_row(s, tid, for_update=for_update)
        if row is None or p.kind != "user" or str(row.Trip.traveler_id) != p.user_id:
            raise NotFound("no such trip", reason="TRIP_NOT_FOUND")
        return row

    def share_token(self, trip_id: uuid.UUID) -> str:
        mac = hmac.new(self._share_key, f"trip-share:{trip_id}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac[:18]).decode()

    def _new_trip(self, traveler: uuid.UUID, t: TripInput, distance: int, status: str, parent: uuid.UUID | None,
                  departure: dt.datetime, arrival: dt.datetime, now: dt.datetime, recurring: bool = False) -> store.Trip:
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
            is_recurring=recurring or t.recurrence is not None,
            recurring_pattern=({"frequency": t.recurrence.frequency, "interval": t.recurrence.interval,
                                "weekdays": t.recurrence.weekdays, "time_zone": t.recurrence.time_zone,
                                "until": t.recurrence.until.isoformat() if t.recurrence.until else None}
                               if t.recurrence else None),
            parent_trip_id=parent, visibility=t.visibility, auto_accept=t.auto_accept,
            auto_accept_price=t.auto_accept_price, tags=t.tags,
            published_at=now if status == "published" else None)

    async def _publish(self, s, topic: str, trip: store.Trip, key: str | None = None, **extra) -> None:
        await outbox.publish(s, topic, {"trip_id": str(trip.id), "traveler_id": str(trip.traveler_id), **extra},
                             aggregate_id=str(trip.id), idempotency_key=key or f"{topic}:{trip.id}")

    @staticmethod
    async def _claim(s, key: str, trip_id: uuid.UUID) -> uuid.UUID | None:
        """Claim an idempotency key inside the transaction; the trip id of an earlier claim, if any
        (a concurrent claim waits for the first transaction to finish)."""
        if not key:
            return None
        earlier = await store.claim_idempotency_key(s, key, str(trip_id).encode())
        return uuid.UUID(earlier.decode()) if earlier is not None else None

    @staticmethod
    def request_key(method: str, p: Principal, request_id: str) -> str:
        if not request_id:
            return ""
        if len(request_id) > 100:
            raise InvalidArgument("the request has invalid fields", [("request_id", "must be at most 100 characters")])
        return f"{method}:{p.user_id}:{request_id}"

    # -- create / read ---------------------------------------------------------------------------
    async def create(self, p: Principal, t: TripInput, publish: bool, request_key: str = "") -> uuid.UUID:
        traveler = self._traveler(p)
        v = Violations()
        validate_trip(v, t)
        validate_recurrence(v, t.recurrence, t.departure)
        v.raise_if_any()
        status = "published" if publish else "draft"
        async with self.sessions.begin() as s:
            now = await store.db_now(s)
            distance = await store.route_length(s, (t.origin.lat, t.origin.lng), (t.destination.lat, t.destination.lng))
            root = self._new_trip(traveler, t, distance, status, None, t.departure, t.arrival, now)
            earlier = await self._claim(s, request_key, root.id)
            if earlier is not None:
                return earlier
            s.add(root)
            await s.flush()
            trips = [root]
            if t.recurrence:
                duration = t.arrival - t.departure
                for dep in occurrences(t.departure, t.recurrence):
                    trips.append(self._new_trip(traveler, replace(t, recurrence=None), distance, status, root.id, dep,
                                                dep + duration, now, recurring=True))
                s.add_all(trips[1:])
                await s.flush()
            for x in trips:
                detail = status if x is root or not t.recurrence else f"{status}; trip of series {root.id}"
                if x is root and t.recurrence:
                    detail += f"; series of {len(trips)} trips"
                await store.add_event(s, x.id, "created", detail)
                if publish:
                    await store.add_event(s, x.id, "published")
                    await self._publish(s, TOPICS["publish"], x, departure_time=x.departure_time.isoformat())
        self.fetch_weather_soon(root.id, root.departure_time, root.arrival_time)
        return root.id

    async def get(self, p: Principal, trip_id: str, share_token: str = ""):
        tid = _id(trip_id, "trip_id")
        async with self.sessions() as s:
            row = await store.trip_row(s, tid)
        if row is None:
            raise NotFound("no such trip", reason="TRIP_NOT_FOUND")
        t = row.Trip
        if p.is_service or (p.kind == "user" and str(t.traveler_id) == p.user_id):
            return row
        opened = t.visibility == "public" or (
            share_token and hmac.compare_digest(share_token.encode(), self.share_token(t.id).encode()))
        if t.status not in VISIBLE_TO_OTHERS or not opened:
            raise NotFound("no such trip", reason="TRIP_NOT_FOUND")
        return row

    async def list_mine(self, p: Principal, statuses: list[str], series_id: str, page_size: int, page_token: str):
        traveler = self._user(p)
        v = Violations()
        limit = _page_size(v, page_size)
        after = _parse_token(v, page_token)
        series = None
        if series_id:
            try:
                series = uuid.UUID(series_id)
            except ValueError:
                v.add("series_id", "must be a UUID")
        v.raise_if_any()
        T = store.Trip
        where = [T.traveler_id == traveler]
        if statuses:
            where.append(T.status.in_(statuses))
        if series is not None:
            where.append((T.id == series) | (T.parent_trip_id == series))
        async with self.sessions() as s:
            rows = await store.trips_page(s, where, limit + 1, after)
        nxt = _token(rows[limit - 1].Trip.created_at, rows[limit - 1].Trip.id) if len(rows) > limit else ""
        return rows[:limit], nxt

    async def search(self, origin, destination, radius: int, dest_radius: int, after_t, before_t, min_weight: int,
                     min_volume: int, min_items: int, transport: str, max_price: tuple[int, str] | None,
                     page_size: int, page_token: str):
        v = Violations()
        limit = _page_size(v, page_size)
        if not 0 <= radius <= 500_000:
            v.add("radius_meters", "must be between 0 and 500000")
        if not 0 <= dest_radius <= 500_000:
            v.add("destination_radius_meters", "must be between 0 and 500000")
        for name, pt in (("origin", origin), ("destination", destination)):
            if pt is not None and not _coord_ok(pt):
                v.add(name, "is not a valid coordinate")
        for name, x in (("min_weight_grams", min_weight), ("min_volume_cm3", min_volume), ("min_items", min_items)):
            if x < 0:
                v.add(name, "must not be negative")
        if after_t and before_t and before_t < after_t:
            v.add("depart_before", "must not be before depart_after")
        if max_price is not None:
            if max_price[0] < 0:
                v.add("max_base_price.amount_minor", "must not be negative")
            v.currency("max_base_price.currency_code", max_price[1])
        after = _parse_token(v, page_token)
        v.raise_if_any()
        radius = radius or 25_000
        dest_radius = dest_radius or radius
        T = store.Trip
        where = [T.status == "published", T.visibility == "public", T.departure_time > dt.datetime.now(UTC)]
        if origin is not None:
            where.append(store.near(T.origin_coordinates, origin[0], origin[1], radius))
        if destination is not None:
            where.append(store.near(T.destination_coordinates, destination[0], destination[1], dest_radius))
        if after_t:
            where.append(T.departure_time >= after_t)
        if before_t:
            where.append(T.departure_time <= before_t)
        if min_weight:
            where.append(T.available_weight >= min_weight)
        if min_volume:
            where.append(T.available_volume >= min_volume)
        if min_items:
            where.append(T.available_items >= min_items)
        if transport:
            where.append(T.trip_type == transport)
        if max_price is not None:
            where += [T.currency == max_price[1], T.base_price <= max_price[0]]
        async with self.sessions() as s:
            rows = await store.trips_page(s, where, limit + 1, after, order_desc=False)
        nxt = _token(rows[limit - 1].Trip.departure_time, rows[limit - 1].Trip.id) if len(rows) > limit else ""
        return rows[:limit], nxt

    # -- update --------------------------------------------------------------------------------------
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
            auto_accept=t.auto_accept, auto_accept_price=t.auto_accept_price, tags=list(t.tags),
            duration_minutes=t.estimated_duration)

    async def update(self, p: Principal, trip_id: str, t: TripInput, paths: list[str], series: bool = False):
        v = Violations()
        if not paths:
            v.add("update_mask", "must name at least one field")
        for x in paths:
            if x not in UPDATABLE:
                v.add("update_mask", f"field {x!r} cannot be updated")
        v.raise_if_any()
        paths = list(dict.fromkeys(paths))
        async with self.sessions.begin() as s:
            row = await self._own(s, p, trip_id)
            trip = row.Trip
            if trip.status not in EDITABLE:
                raise FailedPrecondition(f"a {trip.status.replace('_', ' ')} trip cannot be edited",
                                         reason="INVALID_TRANSITION")
            targets = [row]
            if series and (trip.parent_trip_id or trip.is_recurring):
                root = trip.parent_trip_id or trip.id
                later = await store.series_rows(s, root, trip.departure_time, EDITABLE)
                targets += [r for r in later if r.Trip.id != trip.id]
            cur = self._input_of(row)
            merged = _merge(cur, t, paths)
            check = set(paths)
            if "departure_time" in paths:
                check.add("arrival_time")
            if {"origin", "destination"} & check:
                check |= {"origin", "destination"}
            validate_trip(v, merged, tuple(check))
            v.raise_if_any()
            shift_dep = merged.departure - cur.departure
            shift_arr = merged.arrival - cur.arrival
            route_changed = bool({"origin", "destination"} & set(paths))
            distance = trip.route_distance_m
            if route_changed:
                distance = await store.route_length(
                    s, (merged.origin.lat, merged.origin.lng), (merged.destination.lat, merged.destination.lng))
            now = await store.db_now(s)
            for target in targets:
                x = target.Trip
                mine = merged if x.id == trip.id else _merge(self._input_of(target), t, paths)
                if x.id != trip.id and {"departure_time", "arrival_time"} & set(paths):
                    mine.departure, mine.arrival = x.departure_time + shift_dep, x.arrival_time + shift_arr
                    inner = Violations()
                    validate_trip(inner, mine, ("departure_time", "arrival_time"), now=now)
                    if inner:
                        raise FailedPrecondition(
                            f"the series trip {x.id} would become invalid: "
                            + "; ".join(f"{f} {d}" for f, d in inner.items), reason="SERIES_TRIP_INVALID")
                await self._apply(s, x, mine, paths, distance if route_changed else x.route_distance_m, now)
            moved = route_changed or bool({"departure_time", "arrival_time"} & set(paths))
            if moved:
                for target in targets:
                    await store.forget_weather(s, target.Trip.id)
        if moved:
            self.fetch_weather_soon(trip.id, trip.departure_time, trip.arrival_time)
        return await self.get(p, trip_id)

    async def _apply(self, s, trip: store.Trip, merged: TripInput, paths: list[str], distance: int,
                     now: dt.datetime) -> None:
        """Write `merged` onto `trip`, refusing what live reservations depend on."""
        reservations = await store.live_reservations(s, trip.id)
        reserved = (sum(r.weight_grams for r in reservations), sum(r.volume_cm3 for r in reservations),
                    sum(r.items for r in reservations))
        if reservations:
            locked = [x for x in paths if x in LOCKED_BY_RESERVATIONS]
            if locked:
                raise FailedPrecondition(
                    f"{', '.join(locked)} cannot change: trip {trip.id} carries {len(reservations)} accepted "
                    "deliveries that depend on its route and times",
                    reason="TRIP_HAS_RESERVATIONS", metadata={"fields": ",".join(locked), "trip_id": str(trip.id)})
        if "capacity" in paths and (merged.weight_grams < reserved[0] or merged.volume_cm3 < reserved[1]
                                    or merged.items < reserved[2]):
            raise FailedPrecondition(
                f"capacity cannot go below what accepted deliveries already reserve on trip {trip.id} "
                f"({reserved[0]} g, {reserved[1]} cm3, {reserved[2]} items)",
                reason="TRIP_HAS_RESERVATIONS", metadata={"fields": "capacity", "trip_id": str(trip.id)})
        fresh = self._new_trip(trip.traveler_id, merged, distance, trip.status, trip.parent_trip_id,
                               merged.departure, merged.arrival, now)
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
        trip.updated_at = now
        await store.add_event(s, trip.id, "updated", ", ".join(paths))

    # -- state machine -------------------------------------------------------------------------------
    async def transition(self, p: Principal, trip_id: str, action: str, *, reason: str = "", series: bool = False,
                         position: tuple[float, float] | None = None, at: dt.datetime | None = None):
        v = Violations()
        if action == "cancel":
            if v.required("reason", reason):
                v.text("reason", reason, 1, 1000)
        if position is not None and not _coord_ok(position):
            v.add("position", "is not a valid coordinate")
        now_local = dt.datetime.now(UTC)
        time_field = {"start": "actual_departure_time", "complete": "actual_arrival_time"}.get(action)
        if at is not None and time_field and at > now_local + CLOCK_SKEW:
            v.add(time_field, "must not be in the future")
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
            if series and action in ("cancel", "publish") and (trip.parent_trip_id or trip.is_recurring):
                root = trip.parent_trip_id or trip.id
                targets += [r.Trip for r in await store.series_rows(s, root, trip.departure_time, allowed)
                            if r.Trip.id != trip.id]
            for x in targets:
                if action == "publish" and x.departure_time <= now:
                    raise FailedPrecondition(f"trip {x.id} has already departed on paper: change its times first",
                                             reason="DEPARTURE_PASSED")
                extra: dict = {}
                x.status = target
                x.updated_at = now
                detail = ""
                if action == "publish":
                    x.published_at = now
                    extra["departure_time"] = x.departure_time.isoformat()
                elif action == "start":
                    x.actual_departure_time = at or now
                    extra["actual_departure_time"] = x.actual_departure_time.isoformat()
                elif action == "complete":
                    arrived = at or now
                    if arrived < x.actual_departure_time:
                        raise InvalidArgument("the request has invalid fields",
                                              [("actual_arrival_time", "must not be before the actual departure")])
                    x.actual_arrival_time = arrived
                    extra["actual_arrival_time"] = arrived.isoformat()
                elif action == "cancel":
                    x.cancelled_at = now
                    x.cancellation_reason = reason
                    extra["reason"] = reason
                    detail = reason
                if position is not None:
                    x.last_position = store.point(*position)
                    x.position_updated_at = now
                await store.add_event(s, x.id, EVENT_KIND[action], detail,
                                      store.point(*position) if position is not None else None)
                await self._publish(s, TOPICS[action], x, **extra)
        return await self.get(p, trip_id)

    async def report_status(self, p: Principal, trip_id: str, position: tuple[float, float] | None,
                            revised_arrival: dt.datetime | None, note: str = ""):
        v = Violations()
        if position is None:
            v.add("position", "is required")
        elif not _coord_ok(position):
            v.add("position", "is not a valid coordinate")
        if note:
            v.text("note", note, 1, 500)
        v.raise_if_any()
        async with self.sessions.begin() as s:
            row = await self._own(s, p, trip_id)
            trip = row.Trip
            if trip.status not in ("published", "in_progress"):
                raise FailedPrecondition("status can be reported only on a published or started trip",
                                         reason="INVALID_TRANSITION")
            if revised_arrival is not None and revised_arrival <= (trip.actual_departure_time or trip.departure_time):
                raise InvalidArgument("the request has invalid fields",
                                      [("revised_arrival_time", "must be after the departure")])
            now = await store.db_now(s)
            trip.last_position = store.point(*position)
            trip.position_updated_at = now
            trip.status_note = note or None
            if revised_arrival is not None:
                trip.revised_arrival_time = revised_arrival
            detail = "; ".join(x for x in (
                f"revised arrival {revised_arrival.isoformat()}" if revised_arrival else "", note) if x)
            await store.add_event(s, trip.id, "status_reported", detail, store.point(*position))
            await self._publish(s, "trips.trip.status_reported", trip, key=f"trips.trip.status_reported:{uuid.uuid4()}",
                                latitude=position[0], longitude=position[1],
                                revised_arrival_time=revised_arrival.isoformat() if revised_arrival else None,
                                note=note)
        return await self.get(p, trip_id)

    # -- capacity (internal) ---------------------------------------------------------------------
    async def reserve(self, trip_id: str, delivery_id: str, w: int, vol: int, n: int):
        v = Violations()
        tid = _id(trip_id, "trip_id")
        if v.required("delivery_id", delivery_id):
            v.text("delivery_id", delivery_id, 1, 64)
        for name, x in (("weight_grams", w), ("volume_cm3", vol), ("items", n)):
            if x < 0:
                v.add(name, "must not be negative")
        if w == 0 and vol == 0 and n == 0:
            v.add("weight_grams", "reserve at least one gram, cm3 or item")
        v.raise_if_any()
        for attempt in range(3):
            try:
                return await self._reserve_once(tid, delivery_id, w, vol, n)
            except IntegrityError:
                # The same delivery_id reserved concurrently: the other call won; read its result.
                if attempt == 2:
                    raise

    async def _reserve_once(self, tid: uuid.UUID, delivery_id: str, w: int, vol: int, n: int):
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
                    raise FailedPrecondition(f"a {row.Trip.status.replace('_', ' ')} trip takes no deliveries",
                                             reason="TRIP_NOT_BOOKABLE")
                t = row.Trip
                raise FailedPrecondition(
                    "not enough capacity left on this trip", reason="CAPACITY_EXCEEDED",
                    metadata={"available_weight_grams": str(t.available_weight),
                              "available_volume_cm3": str(t.available_volume), "available_items": str(t.available_items)})
            r = store.Reservation(trip_id=tid, delivery_id=delivery_id, weight_grams=w, volume_cm3=vol, items=n)
            s.add(r)
            await s.flush()
            await store.add_event(s, tid, "capacity_reserved", f"delivery {delivery_id}: {w} g, {vol} cm3, {n} items")
        return r, tuple(left)

    async def release(self, trip_id: str, delivery_id: str):
        tid = _id(trip_id, "trip_id")
        v = Violations()
        if v.required("delivery_id", delivery_id):
            v.text("delivery_id", delivery_id, 1, 64)
        v.raise_if_any()
        async with self.sessions.begin() as s:
            r = await store.reservation(s, delivery_id, for_update=True)
            if r is None or r.trip_id != tid:
                raise NotFound("no such reservation", reason="RESERVATION_NOT_FOUND")
            if r.released_at is None:
                r.released_at = await store.db_now(s)
                left = await store.give_back(s, tid, r.weight_grams, r.volume_cm3, r.items)
                await store.add_event(s, tid, "capacity_released",
                                      f"delivery {delivery_id}: {r.weight_grams} g, {r.volume_cm3} cm3, {r.items} items")
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
            elif not _coord_ok(pt):
                v.add(name, "is not a valid coordinate")
        for name, x in (("weight_grams", w), ("volume_cm3", vol), ("items", n)):
            if x < 0:
                v.add(name, "must not be negative")
        if not 0 <= detour <= 1_000_000:
            v.add("max_detour_meters", "must be between 0 and 1000000")
        for a, b in (("pickup_window_start", "pickup_window_end"), ("delivery_window_start", "delivery_window_end")):
            if windows.get(a.replace("_window", "")) and windows.get(b.replace("_window", "")) \
                    and windows[b.replace("_window", "")] < windows[a.replace("_window", "")]:
                v.add(b, f"must not be before {a}")
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
        rows = await store.match(self.reads, self.widening, pickup=tuple(pickup), dropoff=tuple(dropoff),
                                 detour=detour or 50_000, windows=windows, w=w, v=vol, n=n, exclude=excluded,
                                 category=category, limit=limit)
        # psycopg's named tuples read their fields as attributes, as the Trip message does
        return [Match(r, r.pickup_detour, r.dropoff_detour, r.pickup_fraction, r.dropoff_fraction) for r in rows]

    # -- templates -------------------------------------------------------------------------------
    async def save_template(self, p: Principal, name: str, trip_id: str, t: TripInput | None):
        traveler = self._traveler(p)
        v = Violations()
        name = (name or "").strip()
        if v.required("name", name):
            v.text("name", name, 1, 100)
        if not trip_id and t is None:
            v.add("source", "give trip_id or trip")
        if t is not None:
            validate_trip(v, t, tuple(x for x in UPDATABLE if x not in ("departure_time", "arrival_time")))
            if t.departure and t.arrival:
                if t.arrival <= t.departure:
                    v.add("trip.arrival_time", "must be after the departure time")
                t.duration_minutes = int((t.arrival - t.departure).total_seconds() // 60)
            if not 0 <= t.duration_minutes <= 30 * 24 * 60:
                v.add("trip.estimated_duration_minutes", "must be between 0 and 43200")
        if trip_id:
            _id(trip_id, "trip_id")
        v.raise_if_any()
        try:
            async with self.sessions.begin() as s:
                if trip_id:
                    t = self._input_of(await self._own(s, p, trip_id, for_update=False))
                tpl = store.TripTemplate(user_id=traveler, name=name, trip_data=_trip_data(t))
                s.add(tpl)
                await s.flush()
        except IntegrityError:
            raise AlreadyExists(f"you already have a template named {name!r}", reason="TEMPLATE_NAME_TAKEN") from None
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

    async def delete_template(self, p: Principal, template_id: str) -> None:
        traveler = self._traveler(p)
        tid = _id(template_id, "template_id")
        async with self.sessions.begin() as s:
            tpl = await store.template(s, tid, for_update=True)
            if tpl is None or tpl.user_id != traveler:
                raise NotFound("no such template", reason="TEMPLATE_NOT_FOUND")
            await s.delete(tpl)

    async def from_template(self, p: Principal, template_id: str, departure, arrival, publish: bool = False,
                            request_key: str = "") -> uuid.UUID:
        traveler = self._traveler(p)
        tid = _id(template_id, "template_id")
        async with self.sessions.begin() as s:
            tpl = await store.template(s, tid, for_update=True)
            if tpl is None or tpl.user_id != traveler:
                raise NotFound("no such template", reason="TEMPLATE_NOT_FOUND")
            t = _from_data(tpl.trip_data)
            if arrival is None and departure is not None and t.duration_minutes:
                arrival = departure + dt.timedelta(minutes=t.duration_minutes)
            t = replace(t, departure=departure, arrival=arrival)
            v = Violations()
            validate_trip(v, t, ("departure_time", "arrival_time"), prefix="request")
            v.raise_if_any()
            now = await store.db_now(s)
            distance = await store.route_length(s, (t.origin.lat, t.origin.lng), (t.destination.lat, t.destination.lng))
            trip = self._new_trip(traveler, t, distance, "published" if publish else "draft", None, departure, arrival,
                                  now)
            earlier = await self._claim(s, request_key, trip.id)
            if earlier is not None:
                return earlier
            s.add(trip)
            await s.flush()
            await store.add_event(s, trip.id, "created", f"from template {tpl.name!r}")
            if publish:
                await store.add_event(s, trip.id, "published")
                await self._publish(s, TOPICS["publish"], trip, departure_time=trip.departure_time.isoformat())
            tpl.usage_count += 1
            tpl.last_used_at = now
        self.fetch_weather_soon(trip.id, trip.departure_time, trip.arrival_time)
        return trip.id

    def template_input(self, tpl: store.TripTemplate) -> TripInput:
        return _from_data(tpl.trip_data)

    async def duplicate(self, p: Principal, trip_id: str, departure, arrival, publish: bool = False,
                        request_key: str = "") -> uuid.UUID:
        traveler = self._traveler(p)
        async with self.sessions.begin() as s:
            row = await self._own(s, p, trip_id, for_update=False)
            t = self._input_of(row)
            if arrival is None and departure is not None:
                arrival = departure + (row.Trip.arrival_time - row.Trip.departure_time)
            t = replace(t, departure=departure, arrival=arrival)
            v = Violations()
            validate_trip(v, t, ("departure_time", "arrival_time"), prefix="request")
            v.raise_if_any()
            now = await store.db_now(s)
            trip = self._new_trip(traveler, t, row.Trip.route_distance_m, "published" if publish else "draft", None,
                                  departure, arrival, now)
            earlier = await self._claim(s, request_key, trip.id)
            if earlier is not None:
                return earlier
            s.add(trip)
            await s.flush()
            await store.add_event(s, trip.id, "created", f"duplicate of {row.Trip.id}")
            if publish:
                await store.add_event(s, trip.id, "published")
                await self._publish(s, TOPICS["publish"], trip, departure_time=trip.departure_time.isoformat())
        self.fetch_weather_soon(trip.id, trip.departure_time, trip.arrival_time)
        return trip.id

    # -- insights ----------------------------------------------------------------------------------
    async def analytics(self, p: Principal, trip_id: str):
        async with self.sessions() as s:
            row = await self._own(s, p, trip_id, for_update=False)
            res = await store.reservations_of(s, row.Trip.id)
            events = await store.events_of(s, row.Trip.id)
        t = row.Trip
        live = [r for r in res if r.released_at is None]
        w = sum(r.weight_grams for r in live)
        earnings = sum(t.base_price + (t.price_per_kg * r.weight_grams) // 1000 for r in live)
        return {"trip": t, "reservations": len(live), "released": len(res) - len(live), "weight": w,
                "volume": sum(r.volume_cm3 for r in live), "items": sum(r.items for r in live),
                "utilisation_bp": int(w * 10000 // t.weight_capacity) if t.weight_capacity else 0,
                "earnings": earnings, "timeline": events}

    async def share(self, p: Principal, trip_id: str) -> tuple[str, str, bytes, str]:
        async with self.sessions() as s:
            row = await self._own(s, p, trip_id, for_update=False)
        if row.Trip.status not in VISIBLE_TO_OTHERS:
            raise FailedPrecondition("only a published or started trip can be shared", reason="INVALID_TRANSITION")
        token = self.share_token(row.Trip.id)
        url = f"{self.share_base_url}/trips/{row.Trip.id}?share={token}"
        deep = f"{self.deep_link_scheme}://trips/{row.Trip.id}?share={token}"
        buf = io.BytesIO()
        qrcode.make(url).save(buf, format="PNG")
        return url, deep, buf.getvalue(), token

    async def export(self, p: Principal, trip_id: str, fmt: str, as_dict) -> tuple[str, str, bytes]:
        if fmt not in ("json", "csv", "pdf"):
            raise InvalidArgument("the request has invalid fields", [("format", "must be set (UNSPECIFIED is not allowed)")])
        async with self.sessions() as s:
            row = await self._own(s, p, trip_id, for_update=False)
            events = await store.events_of(s, row.Trip.id)
        data = as_dict(row)
        timeline = [{"kind": e.kind, "time": e.created_at.isoformat(), "detail": e.detail} for e in events]
        name = f"trip-{row.Trip.id}"
        if fmt == "json":
            return "application/json", f"{name}.json", json.dumps({**data, "timeline": timeline}, indent=2,
                                                                 ensure_ascii=False, default=str).encode()
        if fmt == "csv":
            buf = io.StringIO()
            flat = _flatten(data)
            w = csv.DictWriter(buf, fieldnames=list(flat))
            w.writeheader()
            w.writerow(flat)
            return "text/csv", f"{name}.csv", buf.getvalue().encode()
        return "application/pdf", f"{name}.pdf", await asyncio.to_thread(_pdf, row, data, timeline)

    async def popular(self, limit: int, days: int = 0):
        v = Violations()
        if not 0 <= limit <= 50:
            v.add("limit", "must be between 0 and 50")
        v.raise_if_any()
        async with self.sessions() as s:
            return await store.popular_routes(s, limit or 10)

    async def recommendations(self, p: Principal, limit: int):
        """Own routes first (most travelled), then popular routes the traveler does not travel:
        each with the weekday and UTC hour most often chosen and the next such time."""
        traveler = self._traveler(p)
        v = Violations()
        limit = _page_size(v, limit, default=10, hi=50, name="limit")
        v.raise_if_any()
        async with self.sessions() as s:
            mine = await store.popular_routes(s, limit, traveler)
            popular = await store.popular_routes(s, limit + len(mine))
        seen = {(r.o_lat, r.o_lng, r.d_lat, r.d_lng) for r in mine}
        now = dt.datetime.now(UTC)
        out = [(r, "you travel this route often", True, _next_slot(now, r.weekday, r.hour)) for r in mine]
        for r in popular:
            if (r.o_lat, r.o_lng, r.d_lat, r.d_lng) not in seen:
                out.append((r, "a popular route on the platform", False, _next_slot(now, r.weekday, r.hour)))
        return out[:limit]

    async def statistics(self, p: Principal):
        traveler = self._traveler(p)
        async with self.sessions() as s:
            return await store.statistics(s, traveler)

    # -- weather ------------------------------------------------------------------------------------
    async def weather_for(self, p: Principal, trip_id: str, share_token: str = "", refresh: bool = False):
        row = await self.get(p, trip_id, share_token)
        t = row.Trip
        now = dt.datetime.now(UTC)
        available_from = t.arrival_time - dt.timedelta(days=FORECAST_DAYS)
        async with self.sessions() as s:
            rec = await store.weather(s, t.id)
        if available_from > now:
            return row, WeatherState("not_yet_available", f"forecasts reach {FORECAST_DAYS} days ahead: ask again from "
                                     f"{available_from.date().isoformat()}", rec, available_from)
        fresh = rec is not None and rec.status == "available" and rec.fetched_at and now - rec.fetched_at < self.weather_ttl
        if fresh and not refresh:
            return row, WeatherState("available", "", rec)
        inflight = self._inflight.get(t.id)
        if inflight is not None and not inflight.done():
            try:
                await asyncio.wait_for(asyncio.shield(inflight), timeout=10)
            except (asyncio.TimeoutError, Exception):  # noqa: BLE001 - reported through the record below
                pass
            async with self.sessions() as s:
                rec = await store.weather(s, t.id)
            if rec is None:
                return row, WeatherState("pending", "the forecast is being fetched: ask again shortly")
            return row, self._state(rec)
        if (rec is not None and rec.status == "unavailable" and not refresh
                and now - rec.attempted_at < self.weather_retry):
            return row, self._state(rec)
        return row, await self.refresh_weather(row)

    @staticmethod
    def _state(rec: store.TripWeather) -> WeatherState:
        if rec.status == "available":
            return WeatherState("available", "", rec)
        msg = f"the weather service is unavailable ({rec.last_error}); try again later"
        if rec.fetched_at:
            msg += f"; showing the forecast of {rec.fetched_at.isoformat(timespec='minutes')}"
        return WeatherState("unavailable", msg, rec)

    async def refresh_weather(self, row) -> WeatherState:
        """Fetch the origin (around departure) and destination (around arrival) forecasts and
        store them; a provider failure is stored as such and never raised."""
        t = row.Trip
        try:
            origin, dest = await asyncio.gather(self.weather.forecast(row.o_lat, row.o_lng, t.departure_time),
                                                self.weather.forecast(row.d_lat, row.d_lng, t.arrival_time))
        except WeatherUnavailable as e:
            async with self.sessions.begin() as s:
                await store.save_weather_failure(s, t.id, str(e))
        else:
            conditions, alerts = assess(origin, dest)
            async with self.sessions.begin() as s:
                await store.save_weather(s, t.id, origin, dest, conditions, alerts)
        async with self.sessions() as s:
            return self._state(await store.weather(s, t.id))

    def fetch_weather_soon(self, trip_id: uuid.UUID, departure: dt.datetime, arrival: dt.datetime) -> None:
        """Fetch a new trip's weather in the background (when within the forecast horizon)."""
        if arrival - dt.datetime.now(UTC) > dt.timedelta(days=FORECAST_DAYS) or trip_id in self._inflight:
            return

        async def run() -> None:
            try:
                async with self.sessions() as s:
                    row = await store.trip_row(s, trip_id)
                if row is not None:
                    await self.refresh_weather(row)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the periodic job retries
                log.exception("background weather fetch failed")
            finally:
                self._inflight.pop(trip_id, None)
        self._inflight[trip_id] = asyncio.get_running_loop().create_task(run(), name=f"weather-{trip_id}")

    async def fill_missing_weather(self) -> int:
        """Periodic job: trips within the horizon with no forecast, a stale one, or a failure
        older than the retry interval."""
        async with self.sessions() as s:
            rows = await store.trips_needing_weather(s, FORECAST_DAYS, self.weather_ttl, self.weather_retry)
        n = 0
        for row in rows:
            if (await self.refresh_weather(row)).status == "available":
                n += 1
        return n


def _flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        elif isinstance(v, list):
            out[key] = "; ".join(json.dumps(x, ensure_ascii=False) if isinstance(x, dict) else str(x) for x in v)
        else:
            out[key] = v
    return out


def _next_slot(now: dt.datetime, weekday: int | None, hour: int | None) -> dt.datetime | None:
    if not weekday:
        return None
    base = now.replace(minute=0, second=0, microsecond=0, hour=int(hour or 0))
    days = (int(weekday) - base.isoweekday()) % 7
    slot = base + dt.timedelta(days=days)
    return slot if slot > now else slot + dt.timedelta(days=7)


def _pdf(row, data: dict, timeline: list[dict]) -> bytes:
    """A one-trip PDF: a text page rendered with Pillow (no PDF library is needed)."""
    from PIL import Image, ImageDraw, ImageFont
    t = row.Trip
    lines = [t.title, "", f"Status: {t.status}", f"Transport: {t.trip_type}",
             f"From: {t.origin_address}", f"To: {t.destination_address}",
             f"Departure: {t.departure_time.isoformat(timespec='minutes')}",
             f"Arrival: {t.arrival_time.isoformat(timespec='minutes')}",
             f"Distance: {t.route_distance_m / 1000:.0f} km",
             f"Capacity: {t.weight_capacity} g, {t.volume_capacity} cm3, {t.item_capacity} items",
             f"Available: {t.available_weight} g, {t.available_volume} cm3, {t.available_items} items",
             f"Base price: {t.base_price / 100:.2f} {t.currency}; per kg {t.price_per_kg / 100:.2f}; "
             f"per km {t.price_per_km / 100:.2f}", f"Tags: {', '.join(t.tags)}", "", "Timeline:"]
    lines += [f"  {e['time'][:16]}  {e['kind']}  {e['detail']}"[:110] for e in timeline]
    try:
        font = ImageFont.load_default(size=18)
    except TypeError:  # Pillow without FreeType
        font = ImageFont.load_default()
    per_page, pages = 60, []
    for start in range(0, max(len(lines), 1), per_page):
        page = Image.new("RGB", (1240, 1754), "white")      # A4 at 150 dpi
        draw = ImageDraw.Draw(page)
        for i, line in enumerate(lines[start:start + per_page]):
            draw.text((90, 90 + i * 26), line, fill="black", font=font)
        pages.append(page)
    buf = io.BytesIO()
    pages[0].save(buf, format="PDF", resolution=150.0, save_all=True, append_images=pages[1:],
                  title=f"Trip {t.id}", author="p2p-delivery")
    return buf.getvalue()
