"""Phone verification: a 6-digit code texted to the number, confirmed by the user.

* The code is stored only as an HMAC (key USERS_PHONE_CODE_SECRET) of the verification id, the
  number and the code; it expires after USERS_PHONE_CODE_TTL_SECONDS; a new code replaces the
  previous one; a code works once.
* Sending is rate limited per user and per number; wrong codes are limited per user (like
  auth's two-factor codes: peek before checking, count only failures).
* The text leaves through the outbox (topic users.phone.verification_code) in the transaction
  that stores the code; the notifications service will send it, until then SMS_TRANSPORT=log
  writes it to this service's log.
* On confirmation the number is set on the account through auth's UpdateAccount (the caller's
  own token) and the verification level rises through auth's SetVerificationLevel (PHONE, or
  FULL when the identity is verified too); the code is consumed only after both succeeded.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid

import sqlalchemy as sa

from services.common import outbox
from services.common.errors import InvalidArgument, ResourceExhausted
from services.common.identity import current_token
from services.common.ratelimit import Limit
from services.common.validation import Violations
from services.users import store
from services.users.domain import activity
from services.users.domain.common import TOPIC_PHONE_CODE, Deps, me
from services.users.domain.preferences import defaults


def mask(number: str) -> str:
    return number[:3] + "*" * max(len(number) - 5, 0) + number[-2:]


def _rate_limited(limit: Limit, retry_after: float) -> ResourceExhausted:
    return ResourceExhausted(f"too many attempts ({limit.name}); retry in {int(retry_after) + 1} s", retry_after,
                             reason="RATE_LIMITED", metadata={"limit": limit.name})


class Phone:
    def __init__(self, deps: Deps):
        self.d = deps

    def _hash(self, verification_id: uuid.UUID, number: str, code: str) -> str:
        msg = f"{verification_id}:{number}:{code}".encode()
        return hmac.new(self.d.settings.phone_code_secret.encode(), msg, hashlib.sha256).hexdigest()

    async def send(self, number: str) -> tuple[dt.datetime, str]:
        p = me()
        uid = uuid.UUID(p.user_id)
        v = Violations()
        if v.required("phone_number", number):
            v.phone("phone_number", number)
        v.raise_if_any()
        st = self.d.settings
        for limit, subject in ((st.limit_phone_send, p.user_id), (st.limit_phone_number, number)):
            d = await self.d.limiter.hit(limit, subject)
            if not d.allowed:
                raise _rate_limited(limit, d.retry_after_seconds)
        code = f"{secrets.randbelow(10**6):06d}"
        async with self.d.sessions.begin() as s:
            await store.ensure_user(s, uid, defaults())
            now = await store.db_now(s)
            await s.execute(sa.update(store.PhoneVerification).where(
                store.PhoneVerification.user_id == uid, store.PhoneVerification.used_at.is_(None),
                store.PhoneVerification.expires_at > now).values(expires_at=now))
            vid = uuid.uuid4()
            expires = now + dt.timedelta(seconds=st.phone_code_ttl)
            s.add(store.PhoneVerification(id=vid, user_id=uid, phone_number=number, code_hash=self._hash(vid, number, code),
                                          expires_at=expires))
            await outbox.publish(s, TOPIC_PHONE_CODE, {
                "user_id": p.user_id, "phone_number": number, "code": code, "expires_at": expires.isoformat(),
                "text": f"Your P2P Delivery code is {code}. It expires in {st.phone_code_ttl // 60} minutes."},
                aggregate_id=p.user_id, idempotency_key=f"phone-code:{vid}")
        return expires, mask(number)

    async def confirm(self, number: str, code: str) -> tuple[str, dt.datetime, str]:
        """(number, verified at, verification level afterwards)."""
        p = me()
        uid = uuid.UUID(p.user_id)
        v = Violations()
        if v.required("phone_number", number):
            v.phone("phone_number", number)
        if v.required("code", code) and not (len(code) == 6 and code.isascii() and code.isdigit()):
            v.add("code", "must be the 6 digits texted to you")
        v.raise_if_any()
        limit = self.d.settings.limit_phone_confirm
        d = await self.d.limiter.peek(limit, p.user_id)
        if not d.allowed:
            raise _rate_limited(limit, d.retry_after_seconds)
        PV = store.PhoneVerification
        async with self.d.sessions() as s:
            now = await store.db_now(s)
            row = (await s.execute(sa.select(PV).where(PV.user_id == uid, PV.phone_number == number,
                                                       PV.used_at.is_(None), PV.expires_at > now)
                                   .order_by(PV.created_at.desc()).limit(1))).scalar_one_or_none()
            prof = await store.profile(s, uid)
        if row is None:
            raise InvalidArgument("no current code for this number; ask for a new one",
                                  [("code", "has expired or was never sent to this number")], reason="PHONE_CODE_EXPIRED")
        if not hmac.compare_digest(row.code_hash, self._hash(row.id, number, code)):
            await self.d.limiter.hit(limit, p.user_id)
            raise InvalidArgument("the code is not valid", [("code", "is not the code texted to you")],
                                  reason="PHONE_CODE_INVALID")
        await self.d.auth.set_phone(current_token.get(), number)
        identity = bool(prof and prof.identity_verified_at)
        level = await self.d.auth.raise_level(p.user_id, "full" if identity else "phone", "phone number verified")
        async with self.d.sessions.begin() as s:
            await store.ensure_user(s, uid, defaults())
            now = await store.db_now(s)
            await s.execute(sa.update(PV).where(PV.id == row.id, PV.used_at.is_(None)).values(used_at=now))
            prof = await store.profile(s, uid, for_update=True)
            prof.phone_number, prof.phone_verified_at = number, now
            await activity.record(s, uid, "phone_verified", f"Phone number {mask(number)} verified", now)
        return number, now, level
