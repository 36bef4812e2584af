"""Pluggable sources the rules depend on, with their defaults.

* RatingSource: travelers' ratings (0..5). The users service will provide them; until then the
  default knows none. Documented behaviour: a request with min_traveler_rating > 0 only
  accepts travelers whose rating is known and at least that minimum (unknown = does not
  qualify); with no minimum, unknown ratings count as 0.5 in the score.
* BlockList: pairs of users who blocked each other (either direction). Default: nobody.
  Blocked travelers are excluded from matching, cannot see the customer's requests and
  cannot offer on them.
* TripsGateway: the trips service (services/deliveries/trips_gateway.py over TripsClient).
"""
from __future__ import annotations

from typing import Iterable, Protocol

from services.deliveries.domain.values import MatchQuery, Reservation, TripInfo, TripMatchInfo


class RatingSource(Protocol):
    async def ratings(self, user_ids: Iterable[str]) -> dict[str, float]: ...


class BlockList(Protocol):
    async def blocked(self, user_id: str) -> set[str]: ...


class TripsGateway(Protocol):
    async def get_trip(self, trip_id: str) -> TripInfo | None: ...
    async def reserve(self, trip_id: str, delivery_id: str, weight_grams: int, volume_cm3: int,
                      items: int) -> Reservation: ...
    async def release(self, trip_id: str, delivery_id: str) -> Reservation | None: ...
    async def match(self, q: MatchQuery) -> list[TripMatchInfo]: ...


class NoRatings:
    async def ratings(self, user_ids: Iterable[str]) -> dict[str, float]:
        return {}


class StaticRatings:
    """Ratings from a fixed mapping (configuration, demos, tests)."""

    def __init__(self, ratings: dict[str, float]):
        self._r = dict(ratings)

    def set(self, user_id: str, rating: float) -> None:
        self._r[user_id] = rating

    async def ratings(self, user_ids: Iterable[str]) -> dict[str, float]:
        return {u: self._r[u] for u in user_ids if u in self._r}


class NoBlocks:
    async def blocked(self, user_id: str) -> set[str]:
        return set()


class StaticBlocks:
    """Blocks from a fixed set of pairs; symmetric."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()):
        self._pairs: set[frozenset[str]] = {frozenset(p) for p in pairs}

    def block(self, a: str, b: str) -> None:
        self._pairs.add(frozenset((a, b)))

    async def blocked(self, user_id: str) -> set[str]:
        return {u for p in self._pairs if user_id in p for u in p if u != user_id}
