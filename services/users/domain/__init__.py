"""Users' rules, one module per part (plain Python: no protobuf, no gRPC):

    common.py        callers (self, admin, service), ids, outbox topics, the dependencies bag
    ports.py         what the rules need from auth, as plain values
    profiles.py      my profile, public profiles, search, profile photo, account deletion
    phone.py         phone verification codes
    activity.py      the activity feed
    addresses.py     saved addresses, one default, geocoding
    preferences.py   notification / privacy / location / payment settings: schema, defaults, updates
    statistics.py    reading statistics (all time or a period)
    events.py        events from auth, deliveries and trips (idempotent by event id)
    verification.py  identity documents and their review
    reviews.py       reviews, moderation, ratings
    safety.py        blocks, favorites, reports about users
    uploads.py       client-streaming uploads: limits, content checks, thumbnails
"""
from __future__ import annotations

from services.users.domain.activity import ActivityFeed
from services.users.domain.addresses import Addresses
from services.users.domain.common import Deps
from services.users.domain.events import Events
from services.users.domain.phone import Phone
from services.users.domain.preferences import PreferencesRules
from services.users.domain.profiles import Profiles
from services.users.domain.reviews import Reviews
from services.users.domain.safety import Safety
from services.users.domain.statistics import StatisticsRules
from services.users.domain.verification import Verification


class UsersDomain:
    def __init__(self, deps: Deps):
        self.deps = deps
        self.preferences = PreferencesRules(deps)
        self.profiles = Profiles(deps, self.preferences)
        self.statistics = StatisticsRules(deps, self.profiles)
        self.phone = Phone(deps)
        self.activity = ActivityFeed(deps)
        self.addresses = Addresses(deps)
        self.events = Events(deps)
        self.verification = Verification(deps)
        self.reviews = Reviews(deps)
        self.safety = Safety(deps)

    async def remembered(self, key: str) -> bytes | None:
        from services.users import store
        async with self.deps.sessions() as s:
            return await store.idempotent_response(s, key)

    async def remember(self, key: str, response: bytes) -> None:
        from services.users import store
        async with self.deps.sessions.begin() as s:
            await store.save_idempotent_response(s, key, response)
