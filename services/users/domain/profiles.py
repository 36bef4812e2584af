"""Profiles: the caller's own (auth's account + what users holds), public profiles of others,
search, the profile photo, account deletion.

Public views are built from user_db (photo, statistics, privacy) and auth's public account
fields (BatchGetUsers: current names, type, verification level, member since), asked once per
page. user_profiles keeps a copy of the names and type for search; each answer from auth
refreshes a stale copy. A user who has blocked the viewer is invisible to them (NOT_FOUND).
"""
from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import AsyncIterator

import sqlalchemy as sa

from services.common.errors import InvalidArgument, NotFound
from services.common.identity import Principal, caller, current_token
from services.common.validation import Violations
from services.users import store
from services.users.domain import paging, uploads
from services.users.domain.common import Deps, display_name, invalid, is_admin, me, parse_uuid, user_not_found
from services.users.domain.events import erase, erase_files
from services.users.domain.ports import AccountView, UserSummary
from services.users.domain.preferences import PreferencesRules, defaults, document
from services.users.domain.statistics import StatsView, stats_view

log = logging.getLogger("p2p.users.profiles")

ACCOUNT_PATHS = ("first_name", "last_name", "date_of_birth", "preferred_language", "timezone",
                 "preferred_currency", "user_type")
PHOTO_TYPES = (uploads.JPEG, uploads.PNG)
PHOTO_SIZES = ("small", "medium", "large", "original")
TYPES_MATCHING = {"customer": ("customer", "both"), "traveler": ("traveler", "both"), "both": ("both",)}


@dataclass
class PhotoView:
    user_id: str
    photo_id: str
    updated_at: dt.datetime
    original_content_type: str
    original_width: int
    original_height: int


@dataclass
class PublicView:
    user_id: str
    first_name: str
    last_initial: str
    display_name: str
    photo: PhotoView | None
    user_type: str
    verification_level: str
    phone_verified: bool
    identity_verified: bool
    average_rating: float
    rating_count: int
    total_trips: int
    total_deliveries: int
    successful_deliveries: int
    completion_rate: float
    member_since: dt.datetime | None
    last_active: dt.datetime | None
    blocked_by_me: bool = False


@dataclass
class MyProfileView:
    account: AccountView
    photo: PhotoView | None
    phone_verified: bool
    phone_verified_at: dt.datetime | None
    identity_status: str
    preferences: dict
    preferences_updated_at: dt.datetime
    statistics: StatsView
    addresses: list = field(default_factory=list)
    public: PublicView | None = None


def photo_view(p: store.UserProfile | None) -> PhotoView | None:
    if p is None or p.photo_id is None or p.deleted_at is not None:
        return None
    return PhotoView(str(p.user_id), str(p.photo_id), p.photo_updated_at, p.photo_content_type or uploads.JPEG,
                     p.photo_width or 0, p.photo_height or 0)


def photo_key(user_id, photo_id, size: str, content_type: str = uploads.JPEG) -> str:
    ext = uploads.EXTENSION[content_type] if size == "original" else "jpg"
    return f"photos/{user_id}/{photo_id}/{size}.{ext}"


def public_view(uid: uuid.UUID, summary: UserSummary, prof: store.UserProfile | None, st: store.Statistics | None,
                prefs: store.Preferences | None, blocked_by_me: bool = False) -> PublicView:
    first, initial, name = display_name(summary.first_name, summary.last_name)
    privacy = document(prefs)["privacy_settings"]
    return PublicView(
        user_id=str(uid), first_name=first, last_initial=initial, display_name=name, photo=photo_view(prof),
        user_type=summary.user_type, verification_level=summary.verification_level,
        phone_verified=bool(prof and prof.phone_verified_at), identity_verified=bool(prof and prof.identity_verified_at),
        average_rating=float(st.average_rating) if st else 0.0, rating_count=st.total_ratings if st else 0,
        total_trips=st.total_trips if st else 0, total_deliveries=st.total_deliveries if st else 0,
        successful_deliveries=st.successful_deliveries if st else 0,
        completion_rate=float(st.completion_rate) if st else 0.0,
        member_since=summary.created_at or (prof.registered_at if prof else None),
        last_active=(st.last_active_at if st and privacy["show_last_active"] else None), blocked_by_me=blocked_by_me)


class Profiles:
    def __init__(self, deps: Deps, preferences: PreferencesRules):
        self.d = deps
        self.prefs = preferences

    # -- public views ----------------------------------------------------------------------------
    async def refresh_copies(self, summaries: dict[str, UserSummary], profiles: dict[uuid.UUID, store.UserProfile]):
        """Bring user_profiles' copy of names and type up to date with auth's answer."""
        stale = [s for s in summaries.values()
                 if (p := profiles.get(uuid.UUID(s.id))) is None
                 or (p.first_name, p.last_name, p.user_type) != (s.first_name, s.last_name, s.user_type or None)]
        if not stale:
            return
        try:
            async with self.d.sessions.begin() as s:
                for u in stale:
                    uid = uuid.UUID(u.id)
                    await store.ensure_user(s, uid, defaults(), registered_at=u.created_at)
                    await s.execute(sa.update(store.UserProfile).where(
                        store.UserProfile.user_id == uid, store.UserProfile.deleted_at.is_(None)).values(
                        first_name=u.first_name, last_name=u.last_name, user_type=u.user_type or None))
        except Exception:  # noqa: BLE001 - a cache refresh never fails a read
            log.exception("could not refresh profile copies")

    async def public_views(self, viewer: Principal, ids: list[uuid.UUID],
                           hide_blockers: bool = True) -> dict[uuid.UUID, PublicView]:
        """Public views of `ids` that exist (in auth, not deleted) and, unless the viewer is an
        admin or a service, have not blocked the viewer."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        summaries = await self.d.auth.summaries([str(i) for i in ids])
        viewer_id = uuid.UUID(viewer.user_id) if viewer.kind == "user" else None
        async with self.d.sessions() as s:
            profs = await store.profiles(s, ids)
            stats = await store.statistics_of(s, ids)
            prefs = await store.preferences_of(s, ids)
            blocked, blockers = (await store.blocks_between(s, viewer_id, ids)) if viewer_id else (set(), set())
        await self.refresh_copies(summaries, profs)
        out = {}
        for uid in ids:
            summary = summaries.get(str(uid))
            prof = profs.get(uid)
            if summary is None or (prof is not None and prof.deleted_at is not None):
                continue
            if hide_blockers and uid in blockers and not is_admin(viewer):
                continue
            out[uid] = public_view(uid, summary, prof, stats.get(uid), prefs.get(uid), uid in blocked)
        return out

    async def get_public(self, user_id: str) -> PublicView:
        p = caller()
        uid = parse_uuid(user_id, "user_id")
        views = await self.public_views(p, [uid])
        if uid not in views:
            raise user_not_found()
        return views[uid]

    async def search(self, query: str, user_type: str, min_rating: float, page_size: int,
                     page_token: str) -> tuple[list[PublicView], str]:
        p = me()
        v = Violations()
        query = query.strip()
        if query:
            v.text("query", query, 1, 100)
        if user_type not in ("", *store.USER_TYPES):
            v.add("user_type", "unknown value")
        if not (0 <= min_rating <= 5):     # also refuses NaN
            v.add("min_rating", "must be between 0 and 5")
        size = paging.page_size(v, page_size)
        filters = hashlib.sha256(json.dumps([query.lower(), user_type, min_rating]).encode()).hexdigest()[:16]
        after = None
        data = paging.decode(v, page_token, "search")
        if data is not None:
            try:
                if data["f"] != filters:
                    raise ValueError("other filters")
                after = (float(data["r"]), uuid.UUID(str(data["i"])))
                if not 0 <= after[0] <= 5:          # also NaN
                    raise ValueError("rating out of range")
            except (KeyError, TypeError, ValueError):
                v.add("page_token", "is not a token returned by a previous call with these filters")
        v.raise_if_any()
        viewer = uuid.UUID(p.user_id)
        P, S, Pr, B = store.UserProfile, store.Statistics, store.Preferences, store.Block
        q = (sa.select(P.user_id, S.average_rating).join(S, S.user_id == P.user_id)
             .outerjoin(Pr, Pr.user_id == P.user_id)
             .where(P.deleted_at.is_(None), P.user_id != viewer,
                    sa.func.coalesce(Pr.privacy_settings["searchable"].as_boolean(), True),
                    ~sa.exists().where(sa.or_(sa.and_(B.blocker_id == viewer, B.blocked_id == P.user_id),
                                              sa.and_(B.blocker_id == P.user_id, B.blocked_id == viewer)))))
        if query:
            pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            q = q.where(sa.func.concat_ws(" ", P.first_name, P.last_name).ilike(pattern, escape="\\"))
        if user_type:
            q = q.where(P.user_type.in_(TYPES_MATCHING[user_type]))
        if min_rating > 0:
            q = q.where(S.average_rating >= min_rating, S.total_ratings > 0)
        if after:
            q = q.where(sa.tuple_(S.average_rating, P.user_id) < sa.tuple_(after[0], after[1]))
        q = q.order_by(S.average_rating.desc(), P.user_id.desc()).limit(size + 1)
        async with self.d.sessions() as s:
            rows = (await s.execute(q)).all()
        page = rows[:size]
        nxt = ""
        if len(rows) > size:
            last = page[-1]
            nxt = paging.encode({"k": "search", "f": filters, "r": float(last.average_rating), "i": str(last.user_id)})
        views = await self.public_views(p, [r.user_id for r in page])
        return [views[r.user_id] for r in page if r.user_id in views], nxt

    # -- my profile ------------------------------------------------------------------------------
    async def mine(self) -> MyProfileView:
        p = me()
        uid = uuid.UUID(p.user_id)
        account = await self.d.auth.account(current_token.get())
        async with self.d.sessions.begin() as s:
            now = await store.db_now(s)
            await store.ensure_user(s, uid, defaults())
            prof = await store.profile(s, uid, for_update=True)
            if prof.deleted_at is None and (prof.first_name, prof.last_name, prof.user_type) != (
                    account.first_name, account.last_name, account.user_type or None):
                prof.first_name, prof.last_name, prof.user_type = (account.first_name, account.last_name,
                                                                   account.user_type or None)
            st = await store.statistics(s, uid, for_update=True)
            if st.last_active_at is None or st.last_active_at < now - dt.timedelta(minutes=1):
                st.last_active_at = now
            prefs = await store.preferences(s, uid)
            addresses = list((await s.execute(
                sa.select(store.Address).where(store.Address.user_id == uid)
                .order_by(store.Address.is_default.desc(), store.Address.created_at.desc(), store.Address.id)
            )).scalars())
            doc = (await s.execute(
                sa.select(store.VerificationDocument.status).where(store.VerificationDocument.user_id == uid)
                .order_by(store.VerificationDocument.created_at.desc()).limit(1))).scalar_one_or_none()
        summary = UserSummary(account.id, account.first_name, account.last_name, account.user_type, "active",
                              account.verification_level, None)
        pub = public_view(uid, summary, prof, st, prefs)
        raw = account.raw
        if raw is not None and raw.HasField("create_time"):
            pub.member_since = raw.create_time.ToDatetime(tzinfo=dt.timezone.utc)
        phone_ok = bool(prof.phone_verified_at) and prof.phone_number == account.phone_number
        return MyProfileView(account=account, photo=photo_view(prof), phone_verified=phone_ok,
                             phone_verified_at=prof.phone_verified_at if phone_ok else None,
                             identity_status=doc or "", preferences=document(prefs),
                             preferences_updated_at=prefs.updated_at, statistics=stats_view(st, True),
                             addresses=addresses, public=pub)

    async def update_mine(self, account_patch, preference_values: dict, paths: list[str]) -> MyProfileView:
        """Account paths go to auth (with the caller's own token); preference paths are stored here."""
        me()
        v = Violations()
        if not paths:
            v.add("update_mask", "must name at least one field")
        account_paths, pref_paths = [], []
        for path in paths:
            head, _, rest = path.partition(".")
            if head == "account" and rest in ACCOUNT_PATHS:
                account_paths.append(rest)
            elif head == "preferences" and rest:
                pref_paths.append(rest)
            else:
                v.add("update_mask", f"field {path!r} cannot be updated (allowed: account.<{'|'.join(ACCOUNT_PATHS)}>, "
                                     "preferences.<setting>)")
        v.raise_if_any()
        if pref_paths:
            await self.prefs.update(preference_values, pref_paths, mask_field="update_mask",
                                    field_prefix="profile.preferences.", validate_only=True)
        if account_paths:
            await self.d.auth.update_account(current_token.get(), account_patch, account_paths, "profile.")
        if pref_paths:
            await self.prefs.update(preference_values, pref_paths, mask_field="update_mask",
                                    field_prefix="profile.preferences.")
        return await self.mine()

    async def delete_mine(self, password: str, reason: str) -> dt.datetime:
        p = me()
        v = Violations()
        if v.required("password", password):
            v.length("password", password, 1, 128)
        if len(reason) > 1000:
            v.add("reason", "must be at most 1000 characters")
        v.raise_if_any()
        uid = uuid.UUID(p.user_id)
        deleted_at = await self.d.auth.delete_account(current_token.get(), password, reason)
        async with self.d.sessions.begin() as s:
            await erase(s, uid)
        await erase_files(self.d, uid)
        return deleted_at

    # -- photo -----------------------------------------------------------------------------------
    async def upload_photo(self, parts: AsyncIterator[tuple[str, object]]) -> PhotoView:
        p = me()
        uid = uuid.UUID(p.user_id)
        s_ = self.d.settings
        r = await uploads.receive(parts, s_.photo_max_bytes, s_.upload_drain_bytes, metadata_required=False)
        v = Violations()
        uploads.raise_problems(r, v)
        meta = r.metadata
        if meta is not None and getattr(meta, "filename", ""):
            v.text("metadata.filename", meta.filename, 1, 255)
        detected = await asyncio.to_thread(uploads.detect, r.data, PHOTO_TYPES)
        uploads.check_claim(v, getattr(meta, "content_type", "") if meta else "", detected, PHOTO_TYPES)
        if detected is None:
            v.add("chunk", "the file is not a JPEG or PNG image")
            raise InvalidArgument("the file is not an accepted type", v.items, reason="UNSUPPORTED_CONTENT")
        v.raise_if_any()
        try:
            images = await asyncio.to_thread(uploads.renditions, r.data, detected.content_type)
        except (OSError, ValueError, SyntaxError, EOFError):     # a valid file Pillow cannot re-encode
            raise InvalidArgument("the image could not be processed", [("chunk", "could not be processed as an image")],
                                  reason="UNSUPPORTED_CONTENT") from None
        photo_id = uuid.uuid4()
        prefix = f"photos/{uid}/{photo_id}"
        try:
            for size, (data, ctype, _, _) in images.items():
                await self.d.blobs.put(photo_key(uid, photo_id, size, ctype), data)
            async with self.d.sessions.begin() as s:
                await store.ensure_user(s, uid, defaults())
                prof = await store.profile(s, uid, for_update=True)
                old = prof.photo_id
                _, ctype, w, h = images["original"]
                prof.photo_id, prof.photo_content_type, prof.photo_width, prof.photo_height = photo_id, ctype, w, h
                prof.photo_updated_at = await store.db_now(s)
        except BaseException:
            await self.d.blobs.delete_prefix(prefix)
            raise
        if old is not None:
            try:
                await self.d.blobs.delete_prefix(f"photos/{uid}/{old}")
            except Exception:  # noqa: BLE001
                log.exception("could not delete the previous photo of %s", uid)
        return photo_view(prof)

    async def photo(self, user_id: str, size: str) -> tuple[str, bytes]:
        """(content type, bytes) of a user's photo at `size` ("" = medium)."""
        p = caller()
        uid = parse_uuid(user_id, "user_id")
        size = size or "medium"
        if size not in PHOTO_SIZES:
            raise invalid("size", "unknown value")
        async with self.d.sessions() as s:
            prof = await store.profile(s, uid)
            blockers = set()
            if p.kind == "user" and not is_admin(p):
                _, blockers = await store.blocks_between(s, uuid.UUID(p.user_id), [uid])
        view = photo_view(prof)
        if view is None or uid in blockers:
            raise NotFound("this user has no photo", reason="PHOTO_NOT_FOUND")
        ctype = view.original_content_type if size == "original" else uploads.JPEG
        data = await self.d.blobs.get(photo_key(uid, view.photo_id, size, ctype))
        if data is None:
            raise NotFound("this user has no photo", reason="PHOTO_NOT_FOUND")
        return ctype, data

