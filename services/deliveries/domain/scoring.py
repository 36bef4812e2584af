"""The compatibility score of a trip and a request (documented in deliveries.proto, ScoreBreakdown).

Each component is in [0, 1]; the score is their weighted sum (weights add up to 1) plus a
bonus for a preferred traveler, capped at 1:

    detour       0.30   1 - (pickup detour + dropoff detour) / (2 x max detour)
    time_fit     0.20   mean over the request's windows of: 1 inside, decaying linearly to 0
                        at 72 h outside (departure vs pickup window, arrival vs delivery
                        window); 1 when the request has no window
    price        0.25   trip price <= max price: 0.5 + 0.5 x (1 - price / max); above: 0;
                        no max price, or another currency, or unknown trip pricing: 0.5
    rating       0.15   rating / 5; 0.5 when unknown
    reliability  0.10   completed / (completed + cancelled by the traveler); 0.5 without history
    preferred    +0.05  when the traveler is among the request's preferred travelers
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

WEIGHTS = {"detour": 0.30, "time_fit": 0.20, "price": 0.25, "rating": 0.15, "reliability": 0.10}
PREFERRED_BONUS = 0.05
TIME_DECAY = dt.timedelta(hours=72)


@dataclass(frozen=True)
class Breakdown:
    detour: float
    time_fit: float
    price: float
    rating: float
    reliability: float
    preferred_bonus: float

    @property
    def score(self) -> float:
        s = sum(getattr(self, k) * w for k, w in WEIGHTS.items()) + self.preferred_bonus
        return round(min(max(s, 0.0), 1.0), 4)


def _clamp(x: float) -> float:
    return min(max(x, 0.0), 1.0)


def detour_score(pickup_detour: int, dropoff_detour: int, max_detour: int) -> float:
    if max_detour <= 0:
        return 0.0
    return _clamp(1 - (max(pickup_detour, 0) + max(dropoff_detour, 0)) / (2 * max_detour))


def _window_fit(t: dt.datetime | None, start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None and end is None:
        return None
    if t is None:
        return 0.5
    if start is not None and t < start:
        gap = start - t
    elif end is not None and t > end:
        gap = t - end
    else:
        return 1.0
    return _clamp(1 - gap / TIME_DECAY)


def time_fit_score(departure: dt.datetime | None, arrival: dt.datetime | None,
                   pickup_start: dt.datetime | None, pickup_end: dt.datetime | None,
                   delivery_start: dt.datetime | None, delivery_end: dt.datetime | None) -> float:
    fits = [f for f in (_window_fit(departure, pickup_start, pickup_end),
                        _window_fit(arrival, delivery_start, delivery_end)) if f is not None]
    return round(sum(fits) / len(fits), 4) if fits else 1.0


def price_score(trip_price_minor: int | None, trip_currency: str, max_price_minor: int | None,
                currency: str) -> float:
    if trip_price_minor is None or max_price_minor is None or max_price_minor <= 0 or trip_currency != currency:
        return 0.5
    if trip_price_minor > max_price_minor:
        return 0.0
    return round(0.5 + 0.5 * (1 - trip_price_minor / max_price_minor), 4)


def rating_score(rating: float | None) -> float:
    return 0.5 if rating is None else round(_clamp(rating / 5), 4)


def reliability_score(completed: int, cancelled: int) -> float:
    total = completed + cancelled
    return 0.5 if total == 0 else round(completed / total, 4)


def breakdown(*, pickup_detour: int, dropoff_detour: int, max_detour: int, departure, arrival,
              pickup_start, pickup_end, delivery_start, delivery_end, trip_price_minor: int | None,
              trip_currency: str, max_price_minor: int | None, currency: str, rating: float | None,
              completed: int, cancelled: int, preferred: bool) -> Breakdown:
    return Breakdown(
        detour=round(detour_score(pickup_detour, dropoff_detour, max_detour), 4),
        time_fit=time_fit_score(departure, arrival, pickup_start, pickup_end, delivery_start, delivery_end),
        price=price_score(trip_price_minor, trip_currency, max_price_minor, currency),
        rating=rating_score(rating),
        reliability=reliability_score(completed, cancelled),
        preferred_bonus=PREFERRED_BONUS if preferred else 0.0,
    )
