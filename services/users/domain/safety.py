"""Safety: blocks, favorite travelers, reports about users (an admin queue).

* Blocking hides the two users from each other's search and public profile (the blocked user
  gets NOT_FOUND), removes favorites between them, and is what deliveries asks
  (GetBlockRelations) to keep a blocked traveler off the blocker's requests and matches.
* Favorites are travelers (user type TRAVELER or BOTH in auth), never someone blocked either way.
* Reports: one open report per reporter and reported user; admins move them to IN_REVIEW,
  RESOLVED or DISMISSED (the last two with a resolution; closed reports stay closed).
"""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from services.common import outbox
from services.common.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.common.identity import caller
from services.common.validation import Violations
from services.users import store
from services.users.domain import paging
from services.users.domain.common import (TOPIC_USER_REPORTED, Deps, actor_id, admin, is_admin, me, parse_uuid,
                                          user_not_found)

MAX_RELATIONS_BATCH = 500


def _other(v: Violations, p, raw: str, field: str) -> uuid.UUID | None:
    try:
        other = parse_uuid(raw, field)
    except InvalidArgument as e:
        v.items += e.violations
        return None
    if str(other) == p.user_id:
        v.add(field, "must be another user than yourself")
    return other


class Safety:
    def __init__(self, deps: Deps):
        self.d = deps

    async def _exists(self, uid: uuid.UUID):
        summary = (await self.d.auth.summaries([str(uid)])).get(str(uid))
        if summary is None:
            raise user_not_found()
        return summary

    # -- blocks ----------------------------------------------------------------------------------
    async def block(self, user_id: str, reason: str, comment: str) -> store.Block:
        p = me()
        me_id = uuid.UUID(p.user_id)
        v = Violations()
        other = _other(v, p, user_id, "user_id")
        if reason not in store.BLOCK_REASONS:
            v.add("reason", "must be set (UNSPECIFIED is not allowed)" if not reason else "unknown value")
        comment = comment.strip()
        if comment:
            v.text("comment", comment, 1, 1000)
        if other is not None and str(other) == p.user_id:
            raise InvalidArgument("you cannot block yourself", v.items, reason="SELF_NOT_ALLOWED")
        v.raise_if_any()
        await self._exists(other)
        B, F = store.Block, store.Favorite
        async with self.d.sessions.begin() as s:
            if (await s.execute(sa.select(B.id).where(B.blocker_id == me_id, B.blocked_id == other))).first():
                raise AlreadyExists("you already blocked this user", reason="ALREADY_BLOCKED")
            row = B(blocker_id=me_id, blocked_id=other, reason=reason, comment=comment or None)
            s.add(row)
            try:
                await s.flush()
            except IntegrityError:
                raise AlreadyExists("you already blocked this user", reason="ALREADY_BLOCKED") from None
            await s.execute(sa.delete(F).where(sa.or_(sa.and_(F.customer_id == me_id, F.traveler_id == other),
                                                      sa.and_(F.customer_id == other, F.traveler_id == me_id))))
            await s.refresh(row)
        return row

    async def unblock(self, user_id: str) -> None:
        p = me()
        other = parse_uuid(user_id, "user_id")
        async with self.d.sessions.begin() as s:
            r = await s.execute(sa.delete(store.Block).where(store.Block.blocker_id == uuid.UUID(p.user_id),
                                                             store.Block.blocked_id == other))
            if r.rowcount == 0:
                raise NotFound("you have not blocked this user", reason="NOT_BLOCKED")

    async def _page(self, model, time_col, where, page_size: int, page_token: str, kind: str, newest_first=True):
        v = Violations()
        size = paging.page_size(v, page_size)
        after = paging.keyset_after(v, page_token, kind)
        v.raise_if_any()
        q = sa.select(model).where(*where)
        key = sa.tuple_(time_col, model.id)
        if after:
            bound = sa.tuple_(after[0], uuid.UUID(after[1]))
            q = q.where(key < bound if newest_first else key > bound)
        order = (time_col.desc(), model.id.desc()) if newest_first else (time_col, model.id)
        async with self.d.sessions() as s:
            rows = list((await s.execute(q.order_by(*order).limit(size + 1))).scalars())
        nxt = ""
        if len(rows) > size:
            last = rows[size - 1]
            nxt = paging.keyset_token(kind, getattr(last, time_col.key), last.id)
        return rows[:size], nxt

    async def list_blocks(self, page_size: int, page_token: str) -> tuple[list[store.Block], str]:
        p = me()
        B = store.Block
        return await self._page(B, B.created_at, [B.blocker_id == uuid.UUID(p.user_id)], page_size, page_token,
                                "blocks")

    async def relations(self, user_id: str, others: list[str]) -> tuple[list[str], list[str]]:
        """(ids user_id blocked, ids that blocked user_id) — services and admins."""
        p = caller()
        if not (p.is_service or is_admin(p)):
            raise PermissionDenied("this method is for internal services", reason="SERVICE_REQUIRED")
        v = Violations()
        uid = None
        try:
            uid = parse_uuid(user_id, "user_id")
        except InvalidArgument as e:
            v.items += e.violations
        if len(others) > MAX_RELATIONS_BATCH:
            v.add("other_user_ids", f"at most {MAX_RELATIONS_BATCH} ids")
        ids = []
        for i, raw in enumerate(others[:MAX_RELATIONS_BATCH]):
            try:
                ids.append(uuid.UUID(raw))
            except (ValueError, AttributeError, TypeError):
                v.add(f"other_user_ids[{i}]", "must be a UUID")
        v.raise_if_any()
        async with self.d.sessions() as s:
            blocked, blockers = await store.blocks_between(s, uid, ids)
        return sorted(map(str, blocked)), sorted(map(str, blockers))

    # -- favorites -------------------------------------------------------------------------------
    async def add_favorite(self, traveler_id: str) -> store.Favorite:
        p = me()
        me_id = uuid.UUID(p.user_id)
        v = Violations()
        other = _other(v, p, traveler_id, "traveler_id")
        if other is not None and str(other) == p.user_id:
            raise InvalidArgument("you cannot favorite yourself", v.items, reason="SELF_NOT_ALLOWED")
        v.raise_if_any()
        summary = await self._exists(other)
        if summary.user_type not in ("traveler", "both"):
            raise FailedPrecondition("only travelers can be favorites", reason="NOT_A_TRAVELER")
        F = store.Favorite
        async with self.d.sessions.begin() as s:
            blocked, blockers = await store.blocks_between(s, me_id, [other])
            if blocked or blockers:
                raise FailedPrecondition("a blocked user cannot be a favorite", reason="BLOCKED")
            if (await s.execute(sa.select(F.id).where(F.customer_id == me_id, F.traveler_id == other))).first():
                raise AlreadyExists("this traveler is already a favorite", reason="ALREADY_FAVORITE")
            row = F(customer_id=me_id, traveler_id=other)
            s.add(row)
            try:
                await s.flush()
            except IntegrityError:
                raise AlreadyExists("this traveler is already a favorite", reason="ALREADY_FAVORITE") from None
            await s.refresh(row)
        return row

    async def list_favorites(self, page_size: int, page_token: str) -> tuple[list[store.Favorite], str]:
        p = me()
        F = store.Favorite
        return await self._page(F, F.added_at, [F.customer_id == uuid.UUID(p.user_id)], page_size, page_token,
                                "favorites")

    async def remove_favorite(self, traveler_id: str) -> None:
        p = me()
        other = parse_uuid(traveler_id, "traveler_id")
        async with self.d.sessions.begin() as s:
            r = await s.execute(sa.delete(store.Favorite).where(store.Favorite.customer_id == uuid.UUID(p.user_id),
                                                                store.Favorite.traveler_id == other))
            if r.rowcount == 0:
                raise NotFound("this traveler is not a favorite", reason="NOT_A_FAVORITE")

    # -- reports ---------------------------------------------------------------------------------
    async def report(self, reported_id: str, category: str, description: str) -> store.UserReport:
        p = me()
        me_id = uuid.UUID(p.user_id)
        v = Violations()
        other = _other(v, p, reported_id, "reported_user_id")
        if category not in store.REPORT_CATEGORIES:
            v.add("category", "must be set (UNSPECIFIED is not allowed)" if not category else "unknown value")
        description = description.strip()
        if v.required("description", description):
            v.length("description", description, 10, 5000)
            if any(ord(c) < 32 and c not in "\n\t" for c in description):
                v.add("description", "must not contain control characters")
        if other is not None and str(other) == p.user_id:
            raise InvalidArgument("you cannot report yourself", v.items, reason="SELF_NOT_ALLOWED")
        v.raise_if_any()
        await self._exists(other)
        R = store.UserReport
        async with self.d.sessions.begin() as s:
            if (await s.execute(sa.select(R.id).where(R.reporter_id == me_id, R.reported_id == other,
                                                      R.status.in_(store.OPEN_REPORT_STATUSES)))).first():
                raise AlreadyExists("you already reported this user; an admin is looking at it",
                                    reason="ALREADY_REPORTED")
            row = R(reporter_id=me_id, reported_id=other, category=category, description=description, status="open")
            s.add(row)
            try:
                await s.flush()
            except IntegrityError:
                raise AlreadyExists("you already reported this user", reason="ALREADY_REPORTED") from None
            await outbox.publish(s, TOPIC_USER_REPORTED, {
                "report_id": str(row.id), "reporter_id": str(me_id), "reported_user_id": str(other),
                "category": category}, aggregate_id=str(other), idempotency_key=f"user-report:{row.id}")
            await s.refresh(row)
        return row

    async def list_reports(self, status: str, page_size: int, page_token: str) -> tuple[list[store.UserReport], str]:
        admin()
        status = status or "open"
        if status not in store.REPORT_STATUSES:
            raise InvalidArgument("the request has invalid fields", [("status", "unknown value")])
        R = store.UserReport
        return await self._page(R, R.created_at, [R.status == status], page_size, page_token, "user-reports",
                                newest_first=False)

    async def resolve(self, report_id: str, status: str, resolution: str) -> store.UserReport:
        p = admin()
        v = Violations()
        rid = None
        try:
            rid = parse_uuid(report_id, "report_id")
        except InvalidArgument as e:
            v.items += e.violations
        if status not in ("in_review", "resolved", "dismissed"):
            v.add("status", "must be IN_REVIEW, RESOLVED or DISMISSED")
        resolution = resolution.strip()
        if status in ("resolved", "dismissed") and not resolution:
            v.add("resolution", "is required to resolve or dismiss a report")
        elif resolution:
            v.text("resolution", resolution, 1, 2000)
        v.raise_if_any()
        R = store.UserReport
        async with self.d.sessions.begin() as s:
            row = (await s.execute(sa.select(R).where(R.id == rid).with_for_update())).scalar_one_or_none()
            if row is None:
                raise NotFound("no such report", reason="REPORT_NOT_FOUND")
            if row.status not in store.OPEN_REPORT_STATUSES:
                raise FailedPrecondition(f"the report is already {row.status}", reason="REPORT_CLOSED")
            row.status = status
            row.reviewed_by, row.reviewed_at = actor_id(p), await store.db_now(s)
            row.resolution = resolution or row.resolution
            await s.flush()
            await s.refresh(row)
        return row
