"""Matching both ways, ranked by the compatibility score (domain/scoring.py).

For a request (FindMatchingTrips): the trips service's MatchTrips does the route-corridor
search (pickup and drop-off within the detour distance of the trip's route line, in order
along it; time windows; capacity; category), excluding the request's blacklisted travelers,
travelers blocked by or blocking the customer, and the customer. Then here: trips whose
max_item_weight_grams is below the item's weight go; with min_traveler_rating > 0, travelers
without a known rating at least that high go (ratings.RatingSource); the rest is scored.

For a trip (FindMatchingRequests): the same corridor rule evaluated on delivery_db, with the
trip read through the trips service (the caller must be its traveler):

    route = ST_MakeLine(origin, destination) (geometry, SRID 4326)
    ST_DWithin(pickup, route::geography, detour) AND ST_DWithin(delivery, route::geography, detour)
    AND position(pickup) < position(delivery)    -- along the great circle (services/common/geo.py)
    AND (pickup_time_end IS NULL OR departure <= pickup_time_end)
    AND (delivery_time_start IS NULL OR arrival >= delivery_time_start)
    AND weight <= available weight AND volume <= available volume AND quantity <= available items

on open, unexpired requests (the partial GiST index over (pickup, delivery) serves the
ST_DWithin tests), minus requests blacklisting the traveler, of customers blocked either way,
refused categories, and requests whose minimum rating the traveler does not meet.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from services.common import geo
from services.common.errors import FailedPrecondition
from services.common.validation import Violations
from services.deliveries import store
from services.deliveries.domain import pricing, scoring
from services.deliveries.domain.common import Deps, not_found, parse_uuid, user
from services.deliveries.domain.requests import point_of
from services.deliveries.domain.values import MatchQuery, Money, TripInfo, TripMatchInfo
from services.deliveries.store import DeliveryRequestRow, DeliveryRow

DEFAULT_DETOUR = 50_000
FRAME = tuple(f"route_{x}" for x in ("ax", "ay", "az", "tx", "ty", "tz", "w"))  # the trip's route frame, as parameters
PICKUP_POSITION = geo.fraction_sql([f":{f}" for f in FRAME], *geo.unit_vector_sql("r.pickup_coordinates"))
DELIVERY_POSITION = geo.fraction_sql([f":{f}" for f in FRAME], *geo.unit_vector_sql("r.delivery_coordinates"))
MAX_DETOUR = 300_000
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass
class ScoredTrip:
    match: TripMatchInfo
    trip_price: Money | None
    rating: float | None
    preferred: bool
    breakdown: scoring.Breakdown


@dataclass
class ScoredRequest:
    row: DeliveryRequestRow
    pickup_detour: int
    dropoff_detour: int
    pickup_fraction: float
    dropoff_fraction: float
    trip_price: Money | None
    breakdown: scoring.Breakdown
    pending_offers: int


def _limits(v: Violations, detour: int, limit: int) -> tuple[int, int]:
    if not 0 <= detour <= MAX_DETOUR:
        v.add("max_detour_meters", f"must be between 0 and {MAX_DETOUR}")
    if not 0 <= limit <= MAX_LIMIT:
        v.add("limit", f"must be between 0 and {MAX_LIMIT}")
    return detour or DEFAULT_DETOUR, limit or DEFAULT_LIMIT


def qualifies(min_rating: float, rating: float | None) -> bool:
    """The documented minimum-rating rule: no minimum -> everyone; else a known rating >= it."""
    if not min_rating:
        return True
    return rating is not None and rating >= min_rating


async def reliability(s, traveler_ids: list[uuid.UUID]) -> dict[str, tuple[int, int]]:
    """(completed, cancelled by the traveler) deliveries per traveler."""
    if not traveler_ids:
        return {}
    q = (sa.select(DeliveryRow.traveler_id,
                   sa.func.count().filter(DeliveryRow.status == "completed"),
                   sa.func.count().filter(DeliveryRow.status == "cancelled",
                                          DeliveryRow.cancelled_by == sa.cast(DeliveryRow.traveler_id, sa.String)))
         .where(DeliveryRow.traveler_id.in_(traveler_ids)).group_by(DeliveryRow.traveler_id))
    return {str(t): (c, x) for t, c, x in (await s.execute(q)).all()}


def _trip_price(trip: TripInfo, weight: int, distance: int, urgency: str, fragile: bool) -> Money | None:
    if trip.pricing is None:
        return None
    amount = pricing.trip_price(trip.pricing, weight_grams=weight, distance_meters=distance, urgency=urgency,
                                fragile=fragile)
    return Money(amount, trip.pricing.currency)


class Matching:
    def __init__(self, deps: Deps):
        self.d = deps

    async def trips_for_request(self, request_id: str, max_detour: int, limit: int) -> list[ScoredTrip]:
        p = user()
        rid = parse_uuid(request_id, "delivery_request_id")
        v = Violations()
        detour, limit = _limits(v, max_detour, limit)
        v.raise_if_any()
        async with self.d.sessions() as s:
            row = await store.request_by_id(s, rid)
            if row is None or str(row.customer_id) != p.user_id:
                raise not_found()
            if row.status != "open":
                raise FailedPrecondition(f"only an open request is matched (this one is {row.status})",
                                         reason="REQUEST_NOT_OPEN")
        blocked = await self.d.blocks.blocked(p.user_id)
        exclude = sorted({str(t) for t in row.blacklisted_travelers or []} | blocked | {p.user_id})
        matches = await self.d.trips.match(MatchQuery(
            pickup=point_of(row.pickup_coordinates), dropoff=point_of(row.delivery_coordinates),
            pickup_window_start=row.pickup_time_start, pickup_window_end=row.pickup_time_end,
            delivery_window_start=row.delivery_time_start, delivery_window_end=row.delivery_time_end,
            weight_grams=row.weight_grams, volume_cm3=row.volume_cm3, items=row.quantity,
            max_detour_meters=detour, exclude_traveler_ids=exclude, item_category=row.category,
            page_size=min(200, limit * 3)))
        matches = [m for m in matches if m.trip.traveler_id not in exclude
                   and not (m.trip.max_item_weight_grams and row.weight_grams > m.trip.max_item_weight_grams)]
        ratings = await self.d.ratings.ratings({m.trip.traveler_id for m in matches})
        min_rating = float(row.min_traveler_rating or 0)
        matches = [m for m in matches if qualifies(min_rating, ratings.get(m.trip.traveler_id))]
        async with self.d.sessions() as s:
            rel = await reliability(s, [uuid.UUID(m.trip.traveler_id) for m in matches])
        preferred = {str(t) for t in row.preferred_travelers or []}
        out = []
        for m in matches:
            t = m.trip
            price = _trip_price(t, row.weight_grams, row.distance_meters, row.urgency, row.is_fragile)
            completed, cancelled = rel.get(t.traveler_id, (0, 0))
            b = scoring.breakdown(
                pickup_detour=m.pickup_detour_meters, dropoff_detour=m.dropoff_detour_meters, max_detour=detour,
                departure=t.departure_time, arrival=t.arrival_time, pickup_start=row.pickup_time_start,
                pickup_end=row.pickup_time_end, delivery_start=row.delivery_time_start,
                delivery_end=row.delivery_time_end, trip_price_minor=price.amount_minor if price else None,
                trip_currency=price.currency_code if price else "", max_price_minor=row.max_price_minor,
                currency=row.currency, rating=ratings.get(t.traveler_id), completed=completed,
                cancelled=cancelled, preferred=t.traveler_id in preferred)
            out.append(ScoredTrip(m, price, ratings.get(t.traveler_id), t.traveler_id in preferred, b))
        out.sort(key=lambda x: (-x.breakdown.score, x.match.pickup_detour_meters + x.match.dropoff_detour_meters,
                                x.match.trip.id))
        return out[:limit]

    async def requests_for_trip(self, trip_id: str, max_detour: int, limit: int) -> list[ScoredRequest]:
        p = user()
        parse_uuid(trip_id, "trip_id")
        v = Violations()
        detour, limit = _limits(v, max_detour, limit)
        v.raise_if_any()
        trip = await self.d.trips.get_trip(trip_id)
        if trip is None or trip.traveler_id != p.user_id:
            raise not_found("trip")
        if trip.status not in ("published", "in_progress"):
            raise FailedPrecondition(f"only a published trip is matched (this one is {trip.status})",
                                     reason="TRIP_NOT_BOOKABLE")
        me = uuid.UUID(p.user_id)
        blocked = [uuid.UUID(u) for u in await self.d.blocks.blocked(p.user_id)]
        refused = list(trip.refused_categories)
        accepted = list(trip.accepted_categories)
        ratings = await self.d.ratings.ratings([p.user_id])
        rating = ratings.get(p.user_id)
        params = {
            "olng": trip.origin.lng, "olat": trip.origin.lat, "dlng": trip.destination.lng,
            "dlat": trip.destination.lat, "detour": detour, "me": me,
            "departure": trip.departure_time, "arrival": trip.arrival_time,
            "w": trip.available_weight_grams, "v": trip.available_volume_cm3, "n": trip.available_items,
            "maxw": trip.max_item_weight_grams or None, "blocked": blocked, "refused": refused,
            "accepted": accepted, "rating": rating, "limit": min(500, limit * 3),
            **dict(zip(FRAME, geo.route_frame((trip.origin.lat, trip.origin.lng),
                                              (trip.destination.lat, trip.destination.lng)))),
        }
        q = sa.text(f"""
            WITH t AS (
                SELECT ST_MakeLine(ST_SetSRID(ST_MakePoint(:olng, :olat), 4326),
                                   ST_SetSRID(ST_MakePoint(:dlng, :dlat), 4326)) AS line
            ), c AS (
                SELECT r.id,
                       ST_Distance(r.pickup_coordinates, t.line::geography) AS pickup_detour,
                       ST_Distance(r.delivery_coordinates, t.line::geography) AS dropoff_detour,
                       {PICKUP_POSITION} AS pf, {DELIVERY_POSITION} AS df
                FROM delivery_requests r, t
                WHERE r.status = 'open' AND r.expires_at > now()
                  AND ST_DWithin(r.pickup_coordinates, t.line::geography, :detour)
                  AND ST_DWithin(r.delivery_coordinates, t.line::geography, :detour)
                  AND (r.pickup_time_end IS NULL OR CAST(:departure AS timestamptz) IS NULL
                       OR CAST(:departure AS timestamptz) <= r.pickup_time_end)
                  AND (r.delivery_time_start IS NULL OR CAST(:arrival AS timestamptz) IS NULL
                       OR CAST(:arrival AS timestamptz) >= r.delivery_time_start)
                  AND r.weight_grams <= :w AND r.volume_cm3 <= :v AND r.quantity <= :n
                  AND (CAST(:maxw AS bigint) IS NULL OR r.weight_grams <= CAST(:maxw AS bigint))
                  AND r.customer_id <> :me
                  AND NOT (:me = ANY (r.blacklisted_travelers))
                  AND NOT (r.customer_id = ANY (CAST(:blocked AS uuid[])))
                  AND NOT (r.category::text = ANY (CAST(:refused AS text[])))
                  AND (cardinality(CAST(:accepted AS text[])) = 0 OR r.category::text = ANY (CAST(:accepted AS text[])))
                  AND (r.min_traveler_rating = 0
                       OR (CAST(:rating AS numeric) IS NOT NULL AND CAST(:rating AS numeric) >= r.min_traveler_rating))
            )
            SELECT id, pickup_detour, dropoff_detour, pf, df FROM c
            WHERE pf < df
            ORDER BY pickup_detour + dropoff_detour, id
            LIMIT :limit
        """).bindparams(sa.bindparam("blocked", type_=sa.ARRAY(sa.Uuid)),
                        sa.bindparam("refused", type_=sa.ARRAY(sa.Text)),
                        sa.bindparam("accepted", type_=sa.ARRAY(sa.Text)),
                        sa.bindparam("departure", type_=sa.DateTime(timezone=True)),
                        sa.bindparam("arrival", type_=sa.DateTime(timezone=True)))
        async with self.d.sessions() as s:
            hits = (await s.execute(q, params)).all()
            ids = [h.id for h in hits]
            rows = {r.id: r for r in (await s.execute(sa.select(DeliveryRequestRow)
                                                      .where(DeliveryRequestRow.id.in_(ids)))).scalars()} if ids else {}
            counts = await store.pending_offer_counts(s, ids)
            rel = await reliability(s, [me])
        completed, cancelled = rel.get(p.user_id, (0, 0))
        out = []
        for h in hits:
            row = rows[h.id]
            price = _trip_price(trip, row.weight_grams, row.distance_meters, row.urgency, row.is_fragile)
            b = scoring.breakdown(
                pickup_detour=int(h.pickup_detour), dropoff_detour=int(h.dropoff_detour), max_detour=detour,
                departure=trip.departure_time, arrival=trip.arrival_time, pickup_start=row.pickup_time_start,
                pickup_end=row.pickup_time_end, delivery_start=row.delivery_time_start,
                delivery_end=row.delivery_time_end, trip_price_minor=price.amount_minor if price else None,
                trip_currency=price.currency_code if price else "", max_price_minor=row.max_price_minor,
                currency=row.currency, rating=rating, completed=completed, cancelled=cancelled,
                preferred=me in (row.preferred_travelers or []))
            out.append(ScoredRequest(row, int(h.pickup_detour), int(h.dropoff_detour), float(h.pf), float(h.df),
                                     price, b, counts.get(row.id, 0)))
        out.sort(key=lambda x: (-x.breakdown.score, x.pickup_detour + x.dropoff_detour, str(x.row.id)))
        return out[:limit]
