"""Reviews: who may review whom, moderation, and the ratings other services read.

* Only a participant of a COMPLETED delivery (delivery_participations, from deliveries'
  events) reviews the other participant, once per delivery (unique index; ALREADY_EXISTS).
* Ratings: overall 1-5, the four details 1-5 or not given; comment up to 2000 characters.
* Anonymous reviews never name their author (except to the author and admins) and are left out
  of another user's GIVEN list (which would name the author).
* A user's rating (user_statistics.average_rating / total_ratings) is recomputed from their
  PUBLISHED received reviews in the transaction of every change: a hidden or removed review
  leaves it at once.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from services.common import outbox
from services.common.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.common.identity import Principal, caller
from services.common.validation import Violations
from services.users import store
from services.users.domain import activity, paging
from services.users.domain.common import (TOPIC_REVIEW_CREATED, Deps, actor_id, admin, display_name, is_admin, me,
                                          parse_uuid, subject_user)
from services.users.domain.statistics import recompute_rating

MAX_RATINGS_BATCH = 500
DETAILS = ("communication_rating", "punctuality_rating", "carefulness_rating", "friendliness_rating")
ACTION_STATUS = {"approve": ("published", "approved"), "hide": ("hidden", "hidden"), "remove": ("removed", "removed")}


@dataclass
class ReviewInput:
    delivery_id: str
    overall_rating: int
    communication_rating: int = 0
    punctuality_rating: int = 0
    carefulness_rating: int = 0
    friendliness_rating: int = 0
    comment: str = ""
    is_anonymous: bool = False


@dataclass
class ReviewView:
    row: store.Review
    reviewer_visible: bool          # whether the viewer may see who wrote it
    reviewer_name: str
    admin_view: bool


class Reviews:
    def __init__(self, deps: Deps):
        self.d = deps

    @staticmethod
    def _visible(viewer: Principal, r: store.Review) -> bool:
        """Whether the viewer may know who wrote the review."""
        own = viewer.kind == "user" and viewer.user_id == str(r.reviewer_id)
        return not r.is_anonymous or own or is_admin(viewer)

    def _view(self, viewer: Principal, r: store.Review, names: dict[str, str]) -> ReviewView:
        visible = self._visible(viewer, r)
        name = names.get(str(r.reviewer_id), "") if visible else "Anonymous"
        return ReviewView(r, visible, name, is_admin(viewer))

    async def _names(self, rows: list[store.Review]) -> dict[str, str]:
        ids = list({str(r.reviewer_id) for r in rows})
        if not ids:
            return {}
        summaries = await self.d.auth.summaries(ids)
        return {i: display_name(u.first_name, u.last_name)[2] for i, u in summaries.items()}

    async def create(self, inp: ReviewInput) -> ReviewView:
        p = me()
        uid = uuid.UUID(p.user_id)
        v = Violations()
        did = None
        try:
            did = parse_uuid(inp.delivery_id, "delivery_id")
        except InvalidArgument as e:
            v.items += e.violations
        if not 1 <= inp.overall_rating <= 5:
            v.add("overall_rating", "must be between 1 and 5")
        for name in DETAILS:
            value = getattr(inp, name)
            if value != 0 and not 1 <= value <= 5:
                v.add(name, "must be between 1 and 5 (or 0 for not given)")
        comment = inp.comment.strip()
        if comment:
            v.length("comment", comment, 3, 2000)
            if any(ord(c) < 32 and c not in "\n\t" for c in comment):
                v.add("comment", "must not contain control characters")
        v.raise_if_any()
        async with self.d.sessions.begin() as s:
            part = await s.get(store.Participation, did)
            if part is None:
                raise NotFound("no such delivery (or it is not known here yet)", reason="DELIVERY_NOT_FOUND")
            if uid not in (part.customer_id, part.traveler_id):
                raise PermissionDenied("only the customer and the traveler of a delivery review it",
                                       reason="NOT_A_PARTICIPANT")
            if part.status != "completed":
                raise FailedPrecondition("a delivery is reviewed once it is completed", reason="DELIVERY_NOT_COMPLETED")
            role = "customer" if uid == part.customer_id else "traveler"
            reviewee = part.traveler_id if role == "customer" else part.customer_id
            exists = (await s.execute(sa.select(store.Review.id).where(
                store.Review.delivery_id == did, store.Review.reviewer_id == uid))).first()
            if exists:
                raise AlreadyExists("you already reviewed this delivery", reason="REVIEW_EXISTS")
            row = store.Review(delivery_id=did, reviewer_id=uid, reviewee_id=reviewee, reviewer_role=role,
                               overall_rating=inp.overall_rating, comment=comment or None,
                               is_anonymous=inp.is_anonymous, status="published", moderation_status="unmoderated",
                               **{n: getattr(inp, n) or None for n in DETAILS})
            s.add(row)
            try:
                await s.flush()
            except IntegrityError:
                raise AlreadyExists("you already reviewed this delivery", reason="REVIEW_EXISTS") from None
            await s.refresh(row)
            await recompute_rating(s, reviewee)
            now = row.created_at
            await activity.record(s, reviewee, "review_received", f"New review: {inp.overall_rating}/5", now,
                                  subject_id=str(row.id), counterpart=None if inp.is_anonymous else uid)
            await activity.record(s, uid, "review_written", f"You reviewed delivery {str(did)[:8]}", now,
                                  subject_id=str(row.id), counterpart=reviewee)
            await outbox.publish(s, TOPIC_REVIEW_CREATED, {
                "review_id": str(row.id), "delivery_id": str(did), "reviewee_id": str(reviewee),
                "overall_rating": inp.overall_rating}, aggregate_id=str(reviewee), idempotency_key=f"review:{row.id}")
        return self._view(p, row, await self._names([row]))

    async def list(self, user_id: str, role: str, page_size: int, page_token: str,
                   trip_id: str = "") -> tuple[list[ReviewView], str, float, int]:
        """A user's reviews (received or given), newest first; with trip_id only those of the
        deliveries that rode on that trip, and the rating is then that trip's."""
        p = caller()
        v = Violations()
        uid = trip = None
        try:
            uid = subject_user(p, user_id)
        except InvalidArgument as e:
            v.items += e.violations
        if trip_id:
            try:
                trip = parse_uuid(trip_id, "trip_id")
            except InvalidArgument as e:
                v.items += e.violations
        role = role or "received"
        if role not in ("received", "given"):
            v.add("role", "must be RECEIVED or GIVEN")
        size = paging.page_size(v, page_size)
        after = paging.keyset_after(v, page_token, "reviews")
        v.raise_if_any()
        R = store.Review
        q = sa.select(R).where(R.reviewee_id == uid if role == "received" else R.reviewer_id == uid)
        if trip is not None:
            q = q.where(store.on_trip(trip))
        if not is_admin(p):
            q = q.where(R.status == "published")
            own = p.kind == "user" and p.user_id == str(uid)
            if role == "given" and not own:
                q = q.where(R.is_anonymous.is_(False))
        if after:
            q = q.where(sa.tuple_(R.created_at, R.id) < sa.tuple_(after[0], uuid.UUID(after[1])))
        q = q.order_by(R.created_at.desc(), R.id.desc()).limit(size + 1)
        async with self.d.sessions() as s:
            rows = list((await s.execute(q)).scalars())
            avg, n = await store.rating_of(s, uid, trip)
        nxt = paging.keyset_token("reviews", rows[size - 1].created_at, rows[size - 1].id) if len(rows) > size else ""
        rows = rows[:size]
        names = await self._names([r for r in rows if self._visible(p, r)])
        return [self._view(p, r, names) for r in rows], nxt, avg, n

    async def report(self, review_id: str, reason: str, description: str) -> store.ReviewReport:
        p = me()
        uid = uuid.UUID(p.user_id)
        v = Violations()
        rid = None
        try:
            rid = parse_uuid(review_id, "review_id")
        except InvalidArgument as e:
            v.items += e.violations
        if reason not in store.REVIEW_REPORT_REASONS:
            v.add("reason", "must be set (UNSPECIFIED is not allowed)" if not reason else "unknown value")
        description = description.strip()
        if description:
            v.text("description", description, 1, 2000)
        v.raise_if_any()
        async with self.d.sessions.begin() as s:
            review = (await s.execute(sa.select(store.Review).where(store.Review.id == rid).with_for_update())
                      ).scalar_one_or_none()
            if review is None or review.status != "published":
                raise NotFound("no such review", reason="REVIEW_NOT_FOUND")
            if review.reviewer_id == uid:
                raise FailedPrecondition("you cannot report your own review", reason="OWN_REVIEW")
            RR = store.ReviewReport
            if (await s.execute(sa.select(RR.id).where(RR.review_id == rid, RR.reporter_id == uid))).first():
                raise AlreadyExists("you already reported this review", reason="ALREADY_REPORTED")
            report = RR(review_id=rid, reporter_id=uid, reason=reason, description=description or None, status="open")
            s.add(report)
            try:
                await s.flush()
            except IntegrityError:
                raise AlreadyExists("you already reported this review", reason="ALREADY_REPORTED") from None
            review.moderation_status = "pending"
            await s.flush()
            await s.refresh(report)
        return report

    async def list_reports(self, status: str, page_size: int, page_token: str) -> tuple[list[store.ReviewReport], str]:
        admin()
        v = Violations()
        status = status or "open"
        if status not in store.REPORT_STATUSES:
            v.add("status", "unknown value")
        size = paging.page_size(v, page_size)
        after = paging.keyset_after(v, page_token, "review-reports")
        v.raise_if_any()
        RR = store.ReviewReport
        q = sa.select(RR).where(RR.status == status)
        if after:
            q = q.where(sa.tuple_(RR.created_at, RR.id) > sa.tuple_(after[0], uuid.UUID(after[1])))
        async with self.d.sessions() as s:
            rows = list((await s.execute(q.order_by(RR.created_at, RR.id).limit(size + 1))).scalars())
        nxt = paging.keyset_token("review-reports", rows[size - 1].created_at, rows[size - 1].id) if len(rows) > size else ""
        return rows[:size], nxt

    async def moderate(self, review_id: str, action: str, notes: str) -> ReviewView:
        p = admin()
        v = Violations()
        rid = None
        try:
            rid = parse_uuid(review_id, "review_id")
        except InvalidArgument as e:
            v.items += e.violations
        if action not in ACTION_STATUS:
            v.add("action", "must be APPROVE, HIDE or REMOVE")
        notes = notes.strip()
        if notes:
            v.text("notes", notes, 1, 2000)
        v.raise_if_any()
        async with self.d.sessions.begin() as s:
            review = (await s.execute(sa.select(store.Review).where(store.Review.id == rid).with_for_update())
                      ).scalar_one_or_none()
            if review is None:
                raise NotFound("no such review", reason="REVIEW_NOT_FOUND")
            now = await store.db_now(s)
            review.status, review.moderation_status = ACTION_STATUS[action]
            review.moderated_by, review.moderated_at, review.moderation_notes = actor_id(p), now, notes or None
            RR = store.ReviewReport
            await s.execute(sa.update(RR).where(RR.review_id == rid, RR.status.in_(store.OPEN_REPORT_STATUSES)).values(
                status="resolved", reviewed_by=actor_id(p), reviewed_at=now, resolution=notes or f"review {action}d",
                moderation_action=action))
            await s.flush()
            await recompute_rating(s, review.reviewee_id)
            await s.refresh(review)
        return self._view(p, review, await self._names([review]))

    async def ratings(self, user_ids: list[str]) -> list[tuple[str, float, int]]:
        """(user id, average, count) for each distinct id, in request order (services and admins)."""
        p = caller()
        if not (p.is_service or is_admin(p)):
            raise PermissionDenied("this method is for internal services", reason="SERVICE_REQUIRED")
        v = Violations()
        if not user_ids:
            v.add("user_ids", "is required")
        elif len(user_ids) > MAX_RATINGS_BATCH:
            v.add("user_ids", f"at most {MAX_RATINGS_BATCH} ids")
        ids: list[uuid.UUID] = []
        for i, raw in enumerate(user_ids[:MAX_RATINGS_BATCH]):
            try:
                ids.append(uuid.UUID(raw))
            except (ValueError, AttributeError, TypeError):
                v.add(f"user_ids[{i}]", "must be a UUID")
        v.raise_if_any()
        ids = list(dict.fromkeys(ids))
        async with self.d.sessions() as s:
            stats = await store.statistics_of(s, ids)
        return [(str(i), float(stats[i].average_rating) if i in stats else 0.0,
                 stats[i].total_ratings if i in stats else 0) for i in ids]
