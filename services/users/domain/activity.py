"""The activity feed: what happened to a user's account, trips, deliveries and reviews, written by
the event handlers (and by the rules of this service) in the transaction of the change."""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from services.common.validation import Violations
from services.users import store
from services.users.domain import paging
from services.users.domain.common import Deps, me

CATEGORY_KINDS = {
    "account": ("account_registered", "phone_verified", "identity_approved", "identity_rejected"),
    "trips": ("trip_completed", "trip_cancelled"),
    "deliveries": ("delivery_accepted", "delivery_completed", "delivery_cancelled"),
    "reviews": ("review_received", "review_written"),
}
CATEGORY_OF = {k: c for c, kinds in CATEGORY_KINDS.items() for k in kinds}
assert set(CATEGORY_OF) == set(store.ACTIVITY_KINDS)


@dataclass(frozen=True)
class ActivityFilter:
    categories: tuple[str, ...] = ()     # CATEGORY_KINDS keys; "" or "?" for UNSPECIFIED / unknown
    start: dt.datetime | None = None
    end: dt.datetime | None = None


async def record(s, user_id: uuid.UUID, kind: str, summary: str, occurred_at: dt.datetime, *,
                 subject_id: str | None = None, counterpart: uuid.UUID | None = None,
                 amount_minor: int | None = None, currency: str | None = None) -> None:
    s.add(store.Activity(user_id=user_id, kind=kind, summary=summary[:500], occurred_at=occurred_at,
                         subject_id=subject_id, counterpart_id=counterpart, amount_minor=amount_minor,
                         currency=currency))


class ActivityFeed:
    def __init__(self, deps: Deps):
        self.d = deps

    async def list_mine(self, f: ActivityFilter, page_size: int, page_token: str) -> tuple[list[store.Activity], str]:
        p = me()
        v = Violations()
        for i, c in enumerate(f.categories):
            if c not in CATEGORY_KINDS:
                v.add(f"categories[{i}]", "must be ACCOUNT, TRIPS, DELIVERIES or REVIEWS")
        if f.start and f.end and f.start >= f.end:
            v.add("end_time", "must be after start_time")
        size = paging.page_size(v, page_size)
        after = paging.keyset_after(v, page_token, "activity")
        v.raise_if_any()
        A = store.Activity
        q = sa.select(A).where(A.user_id == uuid.UUID(p.user_id))
        if f.categories:
            q = q.where(A.kind.in_([k for c in f.categories for k in CATEGORY_KINDS[c]]))
        if f.start:
            q = q.where(A.occurred_at >= f.start)
        if f.end:
            q = q.where(A.occurred_at < f.end)
        if after:
            q = q.where(sa.tuple_(A.occurred_at, A.id) < sa.tuple_(after[0], uuid.UUID(after[1])))
        q = q.order_by(A.occurred_at.desc(), A.id.desc()).limit(size + 1)
        async with self.d.sessions() as s:
            rows = list((await s.execute(q)).scalars())
        nxt = paging.keyset_token("activity", rows[size - 1].occurred_at, rows[size - 1].id) if len(rows) > size else ""
        return rows[:size], nxt
