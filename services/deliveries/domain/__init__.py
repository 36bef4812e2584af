"""Deliveries' rules, one module per part (plain Python: no protobuf, no gRPC):

    rules.py      validation of requests and offers, prohibited items
    pricing.py    estimated price and a trip's price for an item (integer minor units)
    scoring.py    the compatibility score and its breakdown
    requests.py   delivery requests: CRUD, visibility, search, analytics, reports, statistics, ...
    matching.py   trips for a request (through the trips service), requests for a trip (corridor SQL)
    offers.py     offers and the accept saga, WatchOffers
    lifecycle.py  the delivery state machine, cancellations, trip cancellation, expiry
    ports.py      pluggable sources (ratings, blocks, the trips gateway)
"""
from __future__ import annotations

from services.deliveries.domain.common import Deps
from services.deliveries.domain.lifecycle import Lifecycle
from services.deliveries.domain.matching import Matching
from services.deliveries.domain.offers import Offers
from services.deliveries.domain.requests import Requests


class DeliveriesDomain:
    def __init__(self, deps: Deps, notifier=None):
        self.deps = deps
        self.requests = Requests(deps)
        self.matching = Matching(deps)
        self.offers = Offers(deps, self.requests, notifier)
        self.lifecycle = Lifecycle(deps)

    async def remembered(self, key: str) -> bytes | None:
        from services.deliveries import store
        async with self.deps.sessions() as s:
            return await store.idempotent_response(s, key)

    async def remember(self, key: str, response: bytes) -> None:
        from services.deliveries import store
        async with self.deps.sessions.begin() as s:
            await store.save_idempotent_response(s, key, response)
