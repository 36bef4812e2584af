"""Identity verification: documents uploaded side by side, reviewed by an admin.

* A user has at most one open submission (INCOMPLETE or PENDING_REVIEW; partial unique index).
  Uploading a side attaches it to the open submission (replacing an earlier upload of that
  side), or starts one. Uploading for another document type starts the open submission over
  with that type. Once every side the type needs is in, it is PENDING_REVIEW.
* Files go to the blob store ("documents/<user>/<document>/<side>-<n>.<ext>") only after the
  upload passed every check (size, type by content); the row changes in the same step, and a
  file whose row could not be written is deleted again.
* An admin approves (the verification level rises in auth: IDENTITY, or FULL with a verified
  phone) or rejects with a reason. A reviewed submission is closed; a new upload starts another.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from typing import AsyncIterator

import sqlalchemy as sa

from services.common import outbox
from services.common.errors import FailedPrecondition, InvalidArgument, NotFound
from services.common.identity import caller
from services.common.validation import Violations
from services.users import store
from services.users.domain import activity, paging, uploads
from services.users.domain.common import (TOPIC_IDENTITY_REVIEWED, Deps, actor_id, actor_label, admin, is_admin, me,
                                          parse_uuid)
from services.users.domain.preferences import defaults

log = logging.getLogger("p2p.users.verification")

DOCUMENT_TYPES_ALLOWED = (uploads.JPEG, uploads.PNG, uploads.PDF)
REQUIRED_SIDES = {"passport": ("front", "selfie"), "national_id": ("front", "back", "selfie"),
                  "driving_license": ("front", "back", "selfie"), "residence_permit": ("front", "back", "selfie")}
COLUMN = {"front": "front_image_url", "back": "back_image_url", "selfie": "selfie_image_url"}


@dataclass
class DocumentMeta:
    document_type: str                # store.DOCUMENT_TYPES; "" / "?" for UNSPECIFIED / unknown
    side: str                         # store.DOCUMENT_SIDES
    filename: str = ""
    content_type: str = ""


def uploaded_sides(doc: store.VerificationDocument) -> list[str]:
    return [side for side, col in COLUMN.items() if getattr(doc, col)]


def missing_sides(doc: store.VerificationDocument) -> list[str]:
    if doc.status not in store.OPEN_VERIFICATION_STATUSES:
        return []
    have = set(uploaded_sides(doc))
    return [s for s in REQUIRED_SIDES[doc.document_type] if s not in have]


class Verification:
    def __init__(self, deps: Deps):
        self.d = deps

    async def upload(self, parts: AsyncIterator[tuple[str, object]]) -> store.VerificationDocument:
        p = me()
        uid = uuid.UUID(p.user_id)
        st = self.d.settings
        r = await uploads.receive(parts, st.document_max_bytes, st.upload_drain_bytes, metadata_required=True)
        v = Violations()
        meta: DocumentMeta | None = r.metadata
        if meta is not None:
            if meta.document_type not in store.DOCUMENT_TYPES:
                v.add("metadata.document_type", "must be PASSPORT, NATIONAL_ID, DRIVING_LICENSE or RESIDENCE_PERMIT")
            if meta.side not in store.DOCUMENT_SIDES:
                v.add("metadata.side", "must be FRONT, BACK or SELFIE")
            elif meta.document_type in REQUIRED_SIDES and meta.side not in REQUIRED_SIDES[meta.document_type]:
                v.add("metadata.side", f"a {meta.document_type} needs only {', '.join(REQUIRED_SIDES[meta.document_type])}")
            if meta.filename:
                v.text("metadata.filename", meta.filename, 1, 255)
        uploads.raise_problems(r, v)
        detected = await asyncio.to_thread(uploads.detect, r.data, DOCUMENT_TYPES_ALLOWED)
        uploads.check_claim(v, meta.content_type, detected, DOCUMENT_TYPES_ALLOWED)
        if detected is None:
            v.add("chunk", "the file is not a JPEG, PNG or PDF document")
            raise InvalidArgument("the file is not an accepted type", v.items, reason="UNSUPPORTED_CONTENT")
        v.raise_if_any()
        written, replaced = None, []
        try:
            async with self.d.sessions.begin() as s:
                await store.ensure_user(s, uid, defaults())
                await store.profile(s, uid, for_update=True)          # one upload of a user at a time
                D = store.VerificationDocument
                doc = (await s.execute(sa.select(D).where(D.user_id == uid, D.status.in_(store.OPEN_VERIFICATION_STATUSES))
                                       .with_for_update())).scalar_one_or_none()
                now = await store.db_now(s)
                if doc is None:
                    doc = D(user_id=uid, document_type=meta.document_type, status="incomplete", metadata_={})
                    s.add(doc)
                    await s.flush()
                elif doc.document_type != meta.document_type:
                    replaced += [k for k in (getattr(doc, c) for c in COLUMN.values()) if k]
                    for c in COLUMN.values():
                        setattr(doc, c, None)
                    doc.document_type, doc.metadata_ = meta.document_type, {}
                old = getattr(doc, COLUMN[meta.side])
                if old:
                    replaced.append(old)
                key = (f"documents/{uid}/{doc.id}/{meta.side}-{uuid.uuid4().hex[:8]}."
                       f"{uploads.EXTENSION[detected.content_type]}")
                await self.d.blobs.put(key, r.data)
                written = key
                setattr(doc, COLUMN[meta.side], key)
                info = dict(doc.metadata_ or {})
                info[meta.side] = {"content_type": detected.content_type, "size": len(r.data), "sha256": r.sha256,
                                   "filename": meta.filename, "uploaded_at": now.isoformat()}
                doc.metadata_ = info
                doc.status = "incomplete" if missing_sides(doc) else "pending_review"
                await s.flush()
                await s.refresh(doc)
        except BaseException:
            if written:
                await self.d.blobs.delete(written)
            raise
        for k in replaced:
            try:
                await self.d.blobs.delete(k)
            except Exception:  # noqa: BLE001
                log.exception("could not delete replaced document file %s", k)
        return doc

    async def _page(self, where, page_size: int, page_token: str, newest_first: bool):
        v = Violations()
        size = paging.page_size(v, page_size)
        after = paging.keyset_after(v, page_token, "documents")
        v.raise_if_any()
        D = store.VerificationDocument
        q = sa.select(D).where(*where)
        key = sa.tuple_(D.created_at, D.id)
        if after:
            bound = sa.tuple_(after[0], uuid.UUID(after[1]))
            q = q.where(key < bound if newest_first else key > bound)
        order = (D.created_at.desc(), D.id.desc()) if newest_first else (D.created_at, D.id)
        async with self.d.sessions() as s:
            rows = list((await s.execute(q.order_by(*order).limit(size + 1))).scalars())
        nxt = paging.keyset_token("documents", rows[size - 1].created_at, rows[size - 1].id) if len(rows) > size else ""
        return rows[:size], nxt

    async def list_mine(self, page_size: int, page_token: str):
        p = me()
        return await self._page([store.VerificationDocument.user_id == uuid.UUID(p.user_id)], page_size, page_token,
                                newest_first=True)

    async def list_queue(self, status: str, page_size: int, page_token: str):
        admin()
        status = status or "pending_review"
        if status not in store.VERIFICATION_STATUSES:
            raise InvalidArgument("the request has invalid fields", [("status", "unknown value")])
        return await self._page([store.VerificationDocument.status == status], page_size, page_token,
                                newest_first=False)

    async def download(self, document_id: str, side: str) -> tuple[str, bytes]:
        p = caller()
        v = Violations()
        if side not in store.DOCUMENT_SIDES:
            v.add("side", "must be FRONT, BACK or SELFIE")
        did = None
        try:
            did = parse_uuid(document_id, "document_id")
        except InvalidArgument as e:
            v.items += e.violations
        v.raise_if_any()
        async with self.d.sessions() as s:
            doc = await s.get(store.VerificationDocument, did)
        if doc is None or not (is_admin(p) or (p.kind == "user" and p.user_id == str(doc.user_id))):
            raise NotFound("no such document", reason="DOCUMENT_NOT_FOUND")
        key = getattr(doc, COLUMN[side])
        data = await self.d.blobs.get(key) if key else None
        if data is None:
            raise NotFound(f"this document has no {side} image", reason="DOCUMENT_NOT_FOUND")
        return (doc.metadata_ or {}).get(side, {}).get("content_type", "application/octet-stream"), data

    async def review(self, document_id: str, decision: str, reason: str) -> store.VerificationDocument:
        p = admin()
        v = Violations()
        did = None
        try:
            did = parse_uuid(document_id, "document_id")
        except InvalidArgument as e:
            v.items += e.violations
        if decision not in ("approve", "reject"):
            v.add("decision", "must be APPROVE or REJECT")
        reason = reason.strip()
        if decision == "reject" and not reason:
            v.add("reason", "is required to reject")
        elif reason:
            v.text("reason", reason, 1, 1000)
        v.raise_if_any()
        D = store.VerificationDocument
        async with self.d.sessions.begin() as s:
            doc = (await s.execute(sa.select(D).where(D.id == did).with_for_update())).scalar_one_or_none()
            if doc is None:
                raise NotFound("no such document", reason="DOCUMENT_NOT_FOUND")
            if doc.status == "incomplete":
                raise FailedPrecondition(f"the document still misses {', '.join(missing_sides(doc))}",
                                         reason="DOCUMENT_INCOMPLETE")
            if doc.status != "pending_review":
                raise FailedPrecondition(f"the document was already {doc.status}", reason="DOCUMENT_ALREADY_REVIEWED")
            prof = await store.profile(s, doc.user_id, for_update=True)
            now = await store.db_now(s)
            if decision == "approve":
                level = "full" if prof is not None and prof.phone_verified_at else "identity"
                # Through auth's API, before this commits: a failure leaves the document pending.
                await self.d.auth.raise_level(str(doc.user_id), level, f"identity document {doc.id} approved")
                doc.status, doc.rejection_reason = "approved", None
                if prof is not None:
                    prof.identity_verified_at = now
                await activity.record(s, doc.user_id, "identity_approved", "Your identity was verified", now,
                                      subject_id=str(doc.id))
            else:
                doc.status, doc.rejection_reason = "rejected", reason
                await activity.record(s, doc.user_id, "identity_rejected", f"Identity verification rejected: {reason}",
                                      now, subject_id=str(doc.id))
            doc.verified_by, doc.verified_at = actor_id(p), now
            doc.metadata_ = {**(doc.metadata_ or {}), "reviewed_by": actor_label(p)}
            await outbox.publish(s, TOPIC_IDENTITY_REVIEWED, {
                "user_id": str(doc.user_id), "document_id": str(doc.id), "decision": decision, "reason": reason},
                aggregate_id=str(doc.user_id), idempotency_key=f"identity-reviewed:{doc.id}")
            await s.flush()
            await s.refresh(doc)
        return doc

