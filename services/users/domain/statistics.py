"""Reading statistics: all time (user_statistics, kept current by the event handlers and by
reviews), or for a period (computed from delivery_participations, reviews and the activity feed).

Who sees what: the user themselves, admins and services see everything; another signed-in user
sees counts and ratings (never money), unless the user turned off
privacy_settings.show_statistics (PERMISSION_DENIED, STATISTICS_PRIVATE); a user who blocked
the viewer, or does not exist, is NOT_FOUND.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from services.common.errors import PermissionDenied
from services.common.identity import caller
from services.common.validation import Violations
from services.users import store
from services.users.domain.common import Deps, is_admin, subject_user, user_not_found
from services.users.domain.preferences import defaults, document


@dataclass
class StatsView:
    user_id: str
    total_trips: int
    total_deliveries: int
    successful_deliveries: int
    cancelled_deliveries: int
    earnings: dict[str, int] | None          # currency -> minor units; None when withheld
    spent: dict[str, int] | None
    average_rating: float
    total_ratings: int
    response_time_minutes: int
    completion_rate: float
    last_active_at: dt.datetime | None
    period_start: dt.datetime | None = None
    period_end: dt.datetime | None = None


def stats_view(st: store.Statistics, include_money: bool) -> StatsView:
    return StatsView(
        user_id=str(st.user_id), total_trips=st.total_trips, total_deliveries=st.total_deliveries,
        successful_deliveries=st.successful_deliveries, cancelled_deliveries=st.cancelled_deliveries,
        earnings=dict(st.total_earnings or {}) if include_money else None,
        spent=dict(st.total_spent or {}) if include_money else None,
        average_rating=float(st.average_rating), total_ratings=st.total_ratings,
        response_time_minutes=st.response_time_minutes or 0, completion_rate=float(st.completion_rate),
        last_active_at=st.last_active_at)


async def recompute_rating(s, user_id: uuid.UUID) -> None:
    """user_statistics' rating of a user from their published received reviews (in the caller's
    transaction, after the change)."""
    await store.ensure_user(s, user_id, defaults())
    avg, n = await store.rating_of(s, user_id)
    await s.execute(sa.update(store.Statistics).where(store.Statistics.user_id == user_id)
                    .values(average_rating=avg, total_ratings=n))


class StatisticsRules:
    def __init__(self, deps: Deps, profiles):
        self.d = deps
        self.profiles = profiles

    async def get(self, user_id: str, start: dt.datetime | None, end: dt.datetime | None) -> StatsView:
        p = caller()
        uid = subject_user(p, user_id)
        v = Violations()
        if (start is None) != (end is None):
            v.add("end_time" if start else "start_time", "give both start_time and end_time, or neither")
        elif start and end and start >= end:
            v.add("end_time", "must be after start_time")
        v.raise_if_any()
        full = p.is_service or is_admin(p) or p.user_id == str(uid)
        if not full:
            # Other users: the user must exist, be visible to the caller and share statistics.
            views = await self.profiles.public_views(p, [uid])
            if uid not in views:
                raise user_not_found()
        async with self.d.sessions() as s:
            st = await store.statistics(s, uid)
            prefs = await store.preferences(s, uid)
            if st is None:
                # No event about the user yet: zeros for themselves and for users auth knows
                # (checked above); admins and services asking about an unknown id get NOT_FOUND.
                if full and p.user_id != str(uid):
                    raise user_not_found()
                st = store.Statistics(user_id=uid, total_trips=0, total_deliveries=0, successful_deliveries=0,
                                      cancelled_deliveries=0, total_earnings={}, total_spent={}, average_rating=0,
                                      total_ratings=0, response_samples=0, completion_rate=0)
            if not full and not document(prefs)["privacy_settings"]["show_statistics"]:
                raise PermissionDenied("this user keeps their statistics private", reason="STATISTICS_PRIVATE")
            view = stats_view(st, full)
            if start is not None:
                view = await self._period(s, uid, view, start, end, full)
        return view

    @staticmethod
    async def _period(s, uid: uuid.UUID, base: StatsView, start: dt.datetime, end: dt.datetime,
                      full: bool) -> StatsView:
        P = store.Participation
        mine = sa.or_(P.customer_id == uid, P.traveler_id == uid)

        def within(col):
            return sa.and_(col >= start, col < end)
        counts = (await s.execute(sa.select(
            sa.func.count().filter(within(sa.func.coalesce(P.accepted_at, P.completed_at, P.cancelled_at))),
            sa.func.count().filter(within(P.completed_at), P.status == "completed"),
            sa.func.count().filter(within(P.cancelled_at), P.status == "cancelled"),
        ).where(mine))).one()
        money = {"earnings": {}, "spent": {}}
        if full:
            for role, col in (("earnings", P.traveler_id), ("spent", P.customer_id)):
                rows = (await s.execute(
                    sa.select(P.currency, sa.func.sum(P.price_minor)).where(
                        col == uid, P.status == "completed", within(P.completed_at), P.price_minor.is_not(None))
                    .group_by(P.currency))).all()
                money[role] = {c: int(a) for c, a in rows}
        R = store.Review
        avg, n = (await s.execute(sa.select(sa.func.coalesce(sa.func.avg(R.overall_rating), 0), sa.func.count()).where(
            R.reviewee_id == uid, R.status == "published", within(R.created_at)))).one()
        A = store.Activity
        trips = (await s.execute(sa.select(sa.func.count()).where(
            A.user_id == uid, A.kind == "trip_completed", within(A.occurred_at)))).scalar_one()
        total, ok, cancelled = (int(x) for x in counts)
        return StatsView(
            user_id=base.user_id, total_trips=int(trips), total_deliveries=total, successful_deliveries=ok,
            cancelled_deliveries=cancelled, earnings=money["earnings"] if full else None,
            spent=money["spent"] if full else None, average_rating=round(float(avg), 2), total_ratings=int(n),
            response_time_minutes=base.response_time_minutes,
            completion_rate=round(ok / (ok + cancelled), 4) if ok + cancelled else 0.0,
            last_active_at=base.last_active_at, period_start=start, period_end=end)
