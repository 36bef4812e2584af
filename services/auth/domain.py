"""Auth's rules: accounts, credentials, sessions, two-factor, password reset, social sign-in.

Plain Python: it takes and returns plain values (dataclasses and the store's rows), raises
services.common.errors exceptions, and never sees protobuf. Emails leave through the
transactional outbox (topics auth.email.*), in the same transaction as the change.
"""
from __future__ import annotations

import datetime as dt
import io
import logging
import re
import secrets
import uuid
from dataclasses import dataclass, field

import jwt
import pyotp
import qrcode
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.exc import IntegrityError

from services.auth import keys, store
from services.auth.settings import AuthSettings
from services.auth.social import ProviderUnavailable, SocialTokenInvalid, SocialVerifier
from services.common import outbox
from services.common.errors import (AlreadyExists, FailedPrecondition, InvalidArgument, NotFound,
                                    PermissionDenied, ResourceExhausted, Unauthenticated, Unavailable)
from services.common.identity import Principal
from services.common.ratelimit import Limit, RateLimiter
from services.common.validation import Violations

log = logging.getLogger("p2p.auth")

REFERRAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
BACKUP_CODE_COUNT = 10
EDITABLE_FIELDS = ("first_name", "last_name", "phone_number", "date_of_birth", "preferred_language",
                   "timezone", "preferred_currency", "user_type")
MIN_AGE_YEARS = 18
MAX_BATCH_USERS = 500
_SYMBOL = re.compile(r"[^A-Za-z0-9]")

TOPIC_VERIFY = "auth.email.verification"
TOPIC_RESET = "auth.email.password_reset"
TOPIC_NEW_DEVICE = "auth.email.new_device_login"
TOPIC_REGISTERED = "auth.user.registered"
TOPIC_DELETED = "auth.user.deleted"
TOPIC_DEACTIVATED = "auth.user.deactivated"

PERMISSIONS_BY_ROLE = {
    "customer": ("delivery_requests:write", "offers:accept", "payments:pay", "reviews:write"),
    "traveler": ("trips:write", "offers:write", "deliveries:update", "payouts:read", "reviews:write"),
}
BASE_PERMISSIONS = ("account:read", "account:write", "sessions:manage")


# -- plain values ------------------------------------------------------------------------------
@dataclass
class Device:
    device_id: str
    device_type: str      # store.DEVICE_TYPES
    platform: str         # store.PLATFORMS
    app_version: str = ""
    push_token: str = ""
    location: str = ""


@dataclass
class NewAccount:
    email: str
    password: str
    first_name: str
    last_name: str
    user_type: str
    phone_number: str = ""
    preferred_language: str = ""
    timezone: str = ""
    preferred_currency: str = ""
    referral_code: str = ""
    accept_terms: bool = False
    accept_privacy: bool = False


@dataclass
class Tokens:
    access_token: str
    refresh_token: str
    access_expires_at: dt.datetime
    refresh_expires_at: dt.datetime
    session_id: str
    expires_in: int


@dataclass
class LoginResult:
    user: store.User
    tokens: Tokens | None = None
    two_factor_token: str = ""
    created: bool = False

    @property
    def two_factor_required(self) -> bool:
        return self.tokens is None and bool(self.two_factor_token)


@dataclass
class TwoFactorSetup:
    secret: str
    otpauth_uri: str
    qr_png: bytes
    backup_codes: list[str] = field(default_factory=list)


# -- validation rules --------------------------------------------------------------------------
def normalize_email(v: Violations, field_name: str, raw: str) -> str:
    raw = (raw or "").strip()
    if not raw:
        v.add(field_name, "is required")
        return ""
    if len(raw) > 254:
        v.add(field_name, "must be at most 254 characters")
        return ""
    try:
        info = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as e:
        v.add(field_name, f"is not a valid email address: {e}")
        return ""
    return info.normalized.lower()


def password_problems(password: str, email: str = "", names: tuple[str, ...] = ()) -> list[str]:
    problems = []
    if len(password) < 8:
        problems.append("must be at least 8 characters")
    if len(password) > 128:
        problems.append("must be at most 128 characters")
    if not re.search(r"[a-z]", password):
        problems.append("must contain a lower-case letter")
    if not re.search(r"[A-Z]", password):
        problems.append("must contain an upper-case letter")
    if not re.search(r"\d", password):
        problems.append("must contain a digit")
    if not _SYMBOL.search(password):
        problems.append("must contain a symbol")
    low = password.lower()
    local = email.split("@", 1)[0].lower() if email else ""
    parts = [local, *re.split(r"[._+\-]", local)] if local else []
    if any(len(part) >= 4 and part in low for part in parts):
        problems.append("must not contain your email address")
    for n in names:
        if n and len(n.strip()) >= 3 and n.strip().lower() in low:
            problems.append("must not contain your name")
            break
    return problems


def check_password(v: Violations, field_name: str, password: str, email: str, names: tuple[str, ...]) -> None:
    if not password:
        v.add(field_name, "is required")
        return
    for p in password_problems(password, email, names):
        v.add(field_name, p)


def check_device(v: Violations, device: Device | None, prefix: str = "device") -> None:
    if device is None:
        v.add(prefix, "is required")
        return
    if v.required(f"{prefix}.device_id", device.device_id):
        v.text(f"{prefix}.device_id", device.device_id, 1, 128)
    if device.device_type not in store.DEVICE_TYPES:
        v.add(f"{prefix}.device_type", "must be set (UNSPECIFIED is not allowed)")
    if device.platform not in store.PLATFORMS:
        v.add(f"{prefix}.platform", "must be set (UNSPECIFIED is not allowed)")
    if device.app_version:
        v.text(f"{prefix}.app_version", device.app_version, 1, 32)
    if device.push_token:
        v.text(f"{prefix}.push_token", device.push_token, 1, 512)
    if device.location:
        v.text(f"{prefix}.location", device.location, 1, 255)


_OPTIONAL_FORMATS = {"phone_number": Violations.phone, "preferred_language": Violations.language,
                     "timezone": Violations.timezone, "preferred_currency": Violations.currency}


def check_profile_field(v: Violations, name: str, value, label: str = "") -> None:
    """Check one editable account field; `label` is the field path reported (default: name)."""
    if label:
        inner = Violations()
        check_profile_field(inner, name, value)
        for _, desc in inner.items:
            v.add(label, desc)
        return
    if name in ("first_name", "last_name"):
        if v.required(name, value):
            v.text(name, value, 1, 100)
    elif name in _OPTIONAL_FORMATS:   # empty means "not given" (or "back to the default")
        if value:
            _OPTIONAL_FORMATS[name](v, name, value)
    elif name == "user_type":
        if value not in store.USER_TYPES:
            v.add(name, "must be set (UNSPECIFIED is not allowed)")
    elif name == "date_of_birth":
        if value is not None:
            today = dt.date.today()
            if value >= today:
                v.add(name, "must be in the past")
            elif (today.year - value.year - ((today.month, today.day) < (value.month, value.day))) < MIN_AGE_YEARS:
                v.add(name, f"you must be at least {MIN_AGE_YEARS} years old")
            elif value.year < 1900:
                v.add(name, "must be after 1900")


def roles_of(user: store.User) -> tuple[str, ...]:
    return ("customer", "traveler") if user.user_type == "both" else (user.user_type,)


def permissions_of(user: store.User) -> list[str]:
    perms = list(BASE_PERMISSIONS)
    if user.status == "active":
        for r in roles_of(user):
            perms.extend(p for p in PERMISSIONS_BY_ROLE[r] if p not in perms)
    return perms


def email_verified(user: store.User) -> bool:
    return user.verification_level != "none"


def _rate_limited(limit: Limit, retry_after: float) -> ResourceExhausted:
    return ResourceExhausted(f"too many attempts ({limit.name}); retry in {int(retry_after) + 1} s",
                             retry_after, reason="RATE_LIMITED", metadata={"limit": limit.name})


def _uuid(v: str, field_name: str) -> uuid.UUID:
    try:
        return uuid.UUID(v)
    except (ValueError, AttributeError, TypeError):
        raise InvalidArgument("the request has invalid fields", [(field_name, "must be a UUID")]) from None


class AuthDomain:
    def __init__(self, settings: AuthSettings, sessions, ring: keys.KeyRing, limiter: RateLimiter,
                 social: SocialVerifier, reads=None):
        self.s = settings
        self.sessions = sessions
        self.reads = reads      # psycopg pool for the hot read path
        self.ring = ring
        self.limiter = limiter
        self.social = social
        self.passwords = keys.Passwords(settings.argon_time_cost, settings.argon_memory_kib, settings.argon_parallelism)
        self.box = keys.Box(settings.encryption_key)

    async def _limit(self, limit: Limit, subject: str) -> None:
        d = await self.limiter.hit(limit, subject)
        if not d.allowed:
            raise _rate_limited(limit, d.retry_after_seconds)

    async def _check_code_attempts(self, subject: str) -> None:
        """Two-factor codes: refused once the user has had too many wrong codes."""
        d = await self.limiter.peek(self.s.limit_two_factor, subject)
        if not d.allowed:
            raise _rate_limited(self.s.limit_two_factor, d.retry_after_seconds)

    async def _wrong_code(self, subject: str) -> InvalidArgument:
        await self.limiter.hit(self.s.limit_two_factor, subject)
        return InvalidArgument("the code is not valid", [("code", "is not a valid or current code")],
                               reason="TWO_FACTOR_INVALID_CODE")

    # -- registration and verification --------------------------------------------------------
    async def register(self, a: NewAccount, ip: str, request_id: str = "") -> tuple[store.User, dt.datetime]:
        v = Violations()
        email = normalize_email(v, "email", a.email)
        for name in ("first_name", "last_name", "phone_number", "preferred_language", "timezone",
                     "preferred_currency", "user_type"):
            check_profile_field(v, name, getattr(a, name))
        check_password(v, "password", a.password, email or a.email, (a.first_name, a.last_name))
        if not a.accept_terms:
            v.add("accept_terms", "the terms of service must be accepted")
        if not a.accept_privacy:
            v.add("accept_privacy", "the privacy policy must be accepted")
        if a.referral_code:
            v.text("referral_code", a.referral_code, 4, 16)
        if request_id:
            v.text("request_id", request_id, 1, 100)
        v.raise_if_any()
        await self._limit(self.s.limit_register, ip)
        password_hash = await self.passwords.hash(a.password)
        async with self.sessions.begin() as s:
            referrer = None
            if a.referral_code:
                referrer = await store.user_by_referral_code(s, a.referral_code.strip().upper())
                if referrer is None:
                    raise InvalidArgument("unknown referral code", [("referral_code", "no user has this referral code")],
                                          reason="REFERRAL_CODE_UNKNOWN")
            if await store.user_by_email(s, email) is not None:
                raise AlreadyExists("an account with this email already exists", reason="EMAIL_TAKEN")
            now = await store.db_now(s)
            user = store.User(
                email=email, password_hash=password_hash, first_name=a.first_name.strip(),
                last_name=a.last_name.strip(), phone_number=a.phone_number or None, user_type=a.user_type,
                status="pending_verification", verification_level="none",
                preferred_language=a.preferred_language or "en", timezone=a.timezone or "UTC",
                preferred_currency=a.preferred_currency or "EUR",
                referral_code=await self._new_referral_code(s),
                referred_by_user_id=referrer.id if referrer else None,
                terms_accepted_at=now, privacy_accepted_at=now, created_at=now, updated_at=now)
            s.add(user)
            try:
                await s.flush()
            except IntegrityError:
                raise AlreadyExists("an account with this email already exists", reason="EMAIL_TAKEN") from None
            expires = await self._issue_verification(s, user, now)
            await outbox.publish(s, TOPIC_REGISTERED, {
                "user_id": str(user.id), "email": user.email, "user_type": user.user_type,
                "first_name": user.first_name, "last_name": user.last_name,
                "referred_by_user_id": str(user.referred_by_user_id) if user.referred_by_user_id else None},
                aggregate_id=str(user.id), idempotency_key=f"registered:{user.id}")
        return user, expires

    async def _new_referral_code(self, s) -> str:
        for _ in range(10):
            code = "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(8))
            if not await store.referral_code_taken(s, code):
                return code
        raise Unavailable("could not allocate a referral code; retry")

    async def _issue_verification(self, s, user: store.User, now: dt.datetime) -> dt.datetime:
        await store.invalidate_verification_tokens(s, user.id)
        token = keys.new_token()
        expires = now + dt.timedelta(seconds=self.s.verification_ttl)
        s.add(store.EmailVerificationToken(user_id=user.id, email=user.email, token_hash=keys.token_hash(token),
                                           expires_at=expires))
        await outbox.publish(s, TOPIC_VERIFY, {
            "user_id": str(user.id), "email": user.email, "first_name": user.first_name, "token": token,
            "link": f"{self.s.app_url}/verify-email?token={token}", "expires_at": expires.isoformat()},
            aggregate_id=str(user.id))
        return expires

    async def verify_email(self, token: str, device: Device | None, ip: str) -> tuple[store.User, Tokens | None]:
        v = Violations()
        if v.required("token", token):
            v.text("token", token, 10, 200)
        if device is not None:
            check_device(v, device)
        v.raise_if_any()
        async with self.sessions.begin() as s:
            row = await store.verification_token(s, keys.token_hash(token))
            now = await store.db_now(s)
            if row is None or row.verified_at is not None or row.expires_at <= now:
                raise FailedPrecondition("this verification link is invalid or has expired; ask for a new one",
                                         reason="TOKEN_INVALID")
            user = await store.user_by_id(s, row.user_id, for_update=True)
            if user is None or user.deleted_at is not None or user.email != row.email:
                raise FailedPrecondition("this verification link is invalid or has expired", reason="TOKEN_INVALID")
            row.verified_at = now
            if user.status == "pending_verification":
                user.status = "active"
            if user.verification_level == "none":
                user.verification_level = "email"
            tokens = await self._open_session(s, user, device, ip, now) if device and user.status == "active" else None
        return user, tokens

    async def resend_verification(self, email_raw: str, ip: str) -> None:
        v = Violations()
        email = normalize_email(v, "email", email_raw)
        v.raise_if_any()
        await self._limit(self.s.limit_verification, email)
        async with self.sessions.begin() as s:
            user = await store.user_by_email(s, email)
            if user is None or user.verification_level != "none":
                return  # same answer either way: no account enumeration
            await self._issue_verification(s, user, await store.db_now(s))

    # -- sign-in --------------------------------------------------------------------------------
    async def login(self, email_raw: str, password: str, device: Device | None, ip: str) -> LoginResult:
        v = Violations()
        email = normalize_email(v, "email", email_raw)
        if v.required("password", password):
            v.length("password", password, 1, 128)
        check_device(v, device)
        v.raise_if_any()
        await self._limit(self.s.limit_login, ip)
        async with self.sessions() as s:
            user = await store.user_by_email(s, email)
        ok = await self.passwords.verify(user.password_hash if user else None, password)
        if not ok or user is None:
            raise Unauthenticated("wrong email or password", reason="INVALID_CREDENTIALS")
        self._check_can_sign_in(user)
        async with self.sessions.begin() as s:
            if await store.two_factor_enabled(s, user.id):
                return LoginResult(user, two_factor_token=self._challenge(user, device))
            tokens = await self._open_session(s, user, device, ip, await store.db_now(s))
        return LoginResult(user, tokens)

    def _check_can_sign_in(self, user: store.User) -> None:
        if user.deleted_at is not None or user.status == "deleted":
            raise Unauthenticated("wrong email or password", reason="INVALID_CREDENTIALS")
        if user.status == "pending_verification":
            raise FailedPrecondition("confirm your email address first", reason="EMAIL_NOT_VERIFIED")
        if user.status in ("suspended", "deactivated"):
            raise PermissionDenied(f"this account is {user.status}", reason="ACCOUNT_DISABLED")

    def _challenge(self, user: store.User, device: Device) -> str:
        now = int(dt.datetime.now(dt.timezone.utc).timestamp())
        return self.ring.sign({
            "iss": self.s.base.jwt_issuer, "aud": "p2p-auth-2fa", "sub": str(user.id), "typ": "2fa",
            "iat": now, "exp": now + self.s.challenge_ttl, "jti": secrets.token_hex(8),
            "dev": {"id": device.device_id, "t": device.device_type, "p": device.platform, "v": device.app_version,
                    "pt": device.push_token, "l": device.location}})

    async def login_two_factor(self, challenge: str, code: str, ip: str) -> LoginResult:
        v = Violations()
        if v.required("two_factor_token", challenge):
            v.length("two_factor_token", challenge, 10, 4096)
        if v.required("code", code):
            v.length("code", code.strip(), 6, 16)
        v.raise_if_any()
        try:
            claims = self.ring.verify_internal(challenge, "2fa", "p2p-auth-2fa", self.s.base.jwt_issuer)
        except jwt.PyJWTError:
            raise Unauthenticated("the two-factor step has expired; sign in again", reason="TOKEN_INVALID") from None
        user_id = uuid.UUID(claims["sub"])
        await self._check_code_attempts(str(user_id))
        d = claims.get("dev", {})
        device = Device(d.get("id", ""), d.get("t", ""), d.get("p", ""), d.get("v", ""), d.get("pt", ""), d.get("l", ""))
        async with self.sessions.begin() as s:
            user = await store.user_by_id(s, user_id)
            if user is None:
                raise Unauthenticated("the two-factor step has expired; sign in again", reason="TOKEN_INVALID")
            self._check_can_sign_in(user)
            tf = await store.two_factor(s, user_id, for_update=True)
            if tf is None or not tf.enabled:
                raise FailedPrecondition("two-factor authentication is not enabled", reason="TWO_FACTOR_NOT_ENABLED")
            if not self._accept_code(tf, code):
                raise await self._wrong_code(str(user_id))
            tokens = await self._open_session(s, user, device, ip, await store.db_now(s))
        return LoginResult(user, tokens)

    async def social_login(self, provider: str, token: str, device: Device | None, ip: str,
                           new: NewAccount) -> LoginResult:
        v = Violations()
        if provider not in ("google", "apple", "facebook"):
            v.add("provider", "must be set (UNSPECIFIED is not allowed)")
        if v.required("token", token):
            v.length("token", token, 10, 8192)
        check_device(v, device)
        for name in ("first_name", "last_name"):
            if getattr(new, name):
                v.text(name, getattr(new, name), 1, 100)
        if new.user_type and new.user_type not in store.USER_TYPES:
            v.add("user_type", "unknown value")
        v.raise_if_any()
        await self._limit(self.s.limit_login, ip)
        try:
            ident = await self.social.verify(provider, token)
        except SocialTokenInvalid as e:
            raise Unauthenticated(f"the {provider} token was refused: {e}", reason="SOCIAL_TOKEN_INVALID") from None
        except ProviderUnavailable:
            raise Unavailable(f"{provider} cannot be reached right now; retry", reason="PROVIDER_UNAVAILABLE") from None
        created = False
        async with self.sessions.begin() as s:
            await store.lock(s, f"social:{provider}:{ident.subject}")
            link = await store.social_identity(s, provider, ident.subject)
            user = await store.user_by_id(s, link.user_id) if link else None
            now = await store.db_now(s)
            if user is None:
                email = (ident.email or "").lower()
                if not email or not ident.email_verified:
                    raise FailedPrecondition(f"{provider} did not share a verified email address",
                                             reason="SOCIAL_EMAIL_REQUIRED")
                user = await store.user_by_email(s, email, for_update=True)
                if user is None:
                    user = await self._create_social_user(s, ident, new, now, v)
                    created = True
                s.add(store.SocialIdentity(user_id=user.id, provider=provider, subject=ident.subject, email=email))
                if user.verification_level == "none":
                    user.verification_level = "email"
                if user.status == "pending_verification":
                    user.status = "active"
                await s.flush()
            self._check_can_sign_in(user)
            if await store.two_factor_enabled(s, user.id):
                return LoginResult(user, two_factor_token=self._challenge(user, device), created=created)
            tokens = await self._open_session(s, user, device, ip, now)
        return LoginResult(user, tokens, created=created)

    async def _create_social_user(self, s, ident, new: NewAccount, now, v: Violations) -> store.User:
        if not new.user_type:
            v.add("user_type", "is required to create an account")
        if not new.accept_terms:
            v.add("accept_terms", "the terms of service must be accepted to create an account")
        if not new.accept_privacy:
            v.add("accept_privacy", "the privacy policy must be accepted to create an account")
        first = new.first_name or ident.first_name
        last = new.last_name or ident.last_name
        if not first:
            v.add("first_name", "is required to create an account")
        if not last:
            v.add("last_name", "is required to create an account")
        v.raise_if_any("more details are needed to create your account")
        referrer = await store.user_by_referral_code(s, new.referral_code.strip().upper()) if new.referral_code else None
        user = store.User(email=(ident.email or "").lower(), password_hash=None, first_name=first[:100], last_name=last[:100],
                          user_type=new.user_type, status="active", verification_level="email",
                          referral_code=await self._new_referral_code(s),
                          referred_by_user_id=referrer.id if referrer else None,
                          terms_accepted_at=now, privacy_accepted_at=now, created_at=now, updated_at=now)
        s.add(user)
        await s.flush()
        await outbox.publish(s, TOPIC_REGISTERED, {
            "user_id": str(user.id), "email": user.email, "user_type": user.user_type,
            "first_name": user.first_name, "last_name": user.last_name, "provider": ident.provider,
            "referred_by_user_id": str(user.referred_by_user_id) if user.referred_by_user_id else None},
            aggregate_id=str(user.id), idempotency_key=f"registered:{user.id}")
        return user

    async def _open_session(self, s, user: store.User, device: Device, ip: str, now: dt.datetime) -> Tokens:
        known_device = await store.device_seen_before(s, user.id, device.device_id)
        had_sessions = known_device or await store.device_seen_before_any(s, user.id)
        session_id = uuid.uuid4()
        secret = keys.new_token()
        refresh = f"{session_id}.{secret}"
        expires = now + dt.timedelta(seconds=self.s.refresh_ttl)
        s.add(store.UserSession(
            id=session_id, user_id=user.id, device_id=device.device_id, device_type=device.device_type,
            platform=device.platform, app_version=device.app_version or None, push_token=device.push_token or None,
            ip_address=ip or None, location=device.location or None, refresh_token_hash=keys.token_hash(refresh),
            expires_at=expires, last_active_at=now, created_at=now))
        if had_sessions and not known_device:
            await outbox.publish(s, TOPIC_NEW_DEVICE, {
                "user_id": str(user.id), "email": user.email, "first_name": user.first_name,
                "device_type": device.device_type, "platform": device.platform, "app_version": device.app_version,
                "ip_address": ip, "location": device.location, "at": now.isoformat()}, aggregate_id=str(user.id))
        return self._tokens(user, session_id, refresh, expires)

    def _tokens(self, user: store.User, session_id: uuid.UUID, refresh: str, refresh_expires: dt.datetime) -> Tokens:
        now = dt.datetime.now(dt.timezone.utc)
        exp = now + dt.timedelta(seconds=self.s.access_ttl)
        access = self.ring.sign({
            "iss": self.s.base.jwt_issuer, "aud": self.s.base.jwt_audience, "sub": str(user.id), "sid": str(session_id),
            "typ": "access", "roles": list(roles_of(user)), "iat": int(now.timestamp()), "exp": int(exp.timestamp())})
        return Tokens(access, refresh, exp, refresh_expires, str(session_id), self.s.access_ttl)

    async def refresh(self, refresh_token: str) -> Tokens:
        v = Violations()
        if v.required("refresh_token", refresh_token):
            v.length("refresh_token", refresh_token, 20, 200)
        v.raise_if_any()
        sid_text, _, secret = refresh_token.partition(".")
        try:
            session_id = uuid.UUID(sid_text)
        except ValueError:
            raise Unauthenticated("invalid refresh token", reason="TOKEN_INVALID") from None
        async with self.sessions.begin() as s:
            sess = await store.live_session(s, session_id, for_update=True)
            now = await store.db_now(s)
            if sess is None or not secret:
                raise Unauthenticated("invalid refresh token", reason="TOKEN_INVALID")
            if sess.revoked_at is not None:
                raise Unauthenticated("this session has ended; sign in again", reason="SESSION_REVOKED")
            if not keys.same(sess.refresh_token_hash, keys.token_hash(refresh_token)):
                # A refresh token of this session that is no longer current: it was used before,
                # so it has leaked or been replayed. End the session (RFC 6819 5.2.2.3).
                sess.revoked_at = now
                reused = True
            else:
                reused = False
                if sess.expires_at <= now:
                    raise Unauthenticated("this session has expired; sign in again", reason="TOKEN_EXPIRED")
                user = await store.user_by_id(s, sess.user_id)
                self._check_can_sign_in(user)
                new_refresh = f"{session_id}.{keys.new_token()}"
                sess.refresh_token_hash = keys.token_hash(new_refresh)
                sess.last_active_at = now
                tokens = self._tokens(user, session_id, new_refresh, sess.expires_at)
        if reused:
            raise Unauthenticated("this refresh token was already used; the session has been ended",
                                  reason="REFRESH_TOKEN_REUSED")
        return tokens

    # -- sessions ------------------------------------------------------------------------------
    async def current(self, p: Principal, s) -> store.User:
        """The caller's account, checking that the session is still live."""
        row = await store.user_with_session(s, uuid.UUID(p.user_id), uuid.UUID(p.session_id)) if p.session_id else None
        if row is None:
            raise Unauthenticated("this session has ended; sign in again", reason="SESSION_REVOKED")
        user, sess = row
        if sess.revoked_at is not None or user.deleted_at is not None:
            raise Unauthenticated("this session has ended; sign in again", reason="SESSION_REVOKED")
        if user.status in ("suspended", "deactivated", "deleted"):
            raise PermissionDenied(f"this account is {user.status}", reason="ACCOUNT_DISABLED")
        return user

    async def get_account(self, p: Principal):
        """The caller's account (a row with the users columns and two_factor_enabled)."""
        try:
            user_id, session_id = uuid.UUID(p.user_id), uuid.UUID(p.session_id)
        except ValueError:
            raise Unauthenticated("this session has ended; sign in again", reason="SESSION_REVOKED") from None
        row = await store.account_for_session(self.reads, user_id, session_id)
        if row is None or row.session_revoked_at is not None or row.deleted_at is not None:
            raise Unauthenticated("this session has ended; sign in again", reason="SESSION_REVOKED")
        if row.status in ("suspended", "deactivated", "deleted"):
            raise PermissionDenied(f"this account is {row.status}", reason="ACCOUNT_DISABLED")
        return row, row.two_factor_enabled

    async def validate(self, p: Principal) -> tuple[store.User, bool, list[str], list[str]]:
        user, tf = await self.get_account(p)
        return user, tf, list(roles_of(user)), permissions_of(user)

    async def logout(self, p: Principal, all_devices: bool) -> int:
        async with self.sessions.begin() as s:
            user = await self.current(p, s=s)
            if all_devices:
                return await store.revoke_sessions(s, user.id)
            sess = await store.live_session(s, uuid.UUID(p.session_id), for_update=True)
            sess.revoked_at = await store.db_now(s)
            return 1

    async def list_sessions(self, p: Principal, page_size: int, page_token: str) -> tuple[list[store.UserSession], str]:
        v = Violations()
        if page_size < 0 or page_size > 200:
            v.add("page_size", "must be between 0 and 200")
        after = None
        if page_token:
            try:
                ts, sid = page_token.split("_", 1)
                after = (dt.datetime.fromisoformat(ts), uuid.UUID(sid))
            except ValueError:
                v.add("page_token", "is not a token returned by a previous call")
        v.raise_if_any()
        limit = page_size or 50
        async with self.sessions() as s:
            user = await self.current(p, s=s)
            rows = await store.sessions_page(s, user.id, limit + 1, after)
        nxt = ""
        if len(rows) > limit:
            rows = rows[:limit]
            nxt = f"{rows[-1].created_at.isoformat()}_{rows[-1].id}"
        return rows, nxt

    async def revoke_session(self, p: Principal, session_id: str) -> None:
        v = Violations()
        v.required("session_id", session_id)
        v.raise_if_any()
        sid = _uuid(session_id, "session_id")
        async with self.sessions.begin() as s:
            user = await self.current(p, s=s)
            sess = await store.live_session(s, sid, for_update=True)
            if sess is None or sess.user_id != user.id:
                raise NotFound("no such session", reason="SESSION_NOT_FOUND")
            if sess.revoked_at is None:
                sess.revoked_at = await store.db_now(s)

    async def revoke_all(self, p: Principal, keep_current: bool) -> int:
        async with self.sessions.begin() as s:
            user = await self.current(p, s=s)
            return await store.revoke_sessions(s, user.id, uuid.UUID(p.session_id) if keep_current else None)

    # -- passwords -----------------------------------------------------------------------------
    async def forgot_password(self, email_raw: str, ip: str) -> None:
        v = Violations()
        email = normalize_email(v, "email", email_raw)
        v.raise_if_any()
        await self._limit(self.s.limit_reset, email)
        async with self.sessions.begin() as s:
            user = await store.user_by_email(s, email)
            if user is None or user.status in ("deleted", "suspended"):
                return  # same answer either way: no account enumeration
            await store.invalidate_reset_tokens(s, user.id)
            token = keys.new_token()
            now = await store.db_now(s)
            expires = now + dt.timedelta(seconds=self.s.reset_ttl)
            s.add(store.PasswordResetToken(user_id=user.id, token_hash=keys.token_hash(token), expires_at=expires))
            await outbox.publish(s, TOPIC_RESET, {
                "user_id": str(user.id), "email": user.email, "first_name": user.first_name, "token": token,
                "link": f"{self.s.app_url}/reset-password?token={token}", "expires_at": expires.isoformat()},
                aggregate_id=str(user.id))

    async def reset_password(self, token: str, new_password: str) -> None:
        v = Violations()
        if v.required("token", token):
            v.text("token", token, 10, 200)
        if not new_password:
            v.add("new_password", "is required")
        v.raise_if_any()
        async with self.sessions() as s:
            row = await store.reset_token(s, keys.token_hash(token))
            user = await store.user_by_id(s, row.user_id) if row else None
        if row is None or user is None:
            raise FailedPrecondition("this reset link is invalid or has expired; ask for a new one", reason="TOKEN_INVALID")
        check_password(v, "new_password", new_password, user.email, (user.first_name, user.last_name))
        v.raise_if_any()
        hashed = await self.passwords.hash(new_password)
        async with self.sessions.begin() as s:
            row = await store.reset_token(s, keys.token_hash(token))
            now = await store.db_now(s)
            if row is None or row.used_at is not None or row.expires_at <= now:
                raise FailedPrecondition("this reset link is invalid or has expired; ask for a new one",
                                         reason="TOKEN_INVALID")
            user = await store.user_by_id(s, row.user_id, for_update=True)
            row.used_at = now
            user.password_hash = hashed
            await store.revoke_sessions(s, user.id)

    async def change_password(self, p: Principal, current_pw: str, new_pw: str) -> int:
        v = Violations()
        if v.required("current_password", current_pw):
            v.length("current_password", current_pw, 1, 128)
        if not new_pw:
            v.add("new_password", "is required")
        v.raise_if_any()
        async with self.sessions() as s:
            user = await self.current(p, s=s)
        check_password(v, "new_password", new_pw, user.email, (user.first_name, user.last_name))
        if new_pw == current_pw:
            v.add("new_password", "must differ from the current password")
        v.raise_if_any()
        if not await self.passwords.verify(user.password_hash, current_pw):
            raise PermissionDenied("the current password is wrong", reason="INVALID_CREDENTIALS")
        hashed = await self.passwords.hash(new_pw)
        async with self.sessions.begin() as s:
            user = await store.user_by_id(s, user.id, for_update=True)
            user.password_hash = hashed
            return await store.revoke_sessions(s, user.id, except_id=uuid.UUID(p.session_id))

    # -- two-factor ------------------------------------------------------------------------------
    async def setup_two_factor(self, p: Principal) -> TwoFactorSetup:
        secret = pyotp.random_base32()
        codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(2)}" for _ in range(BACKUP_CODE_COUNT)]
        async with self.sessions.begin() as s:
            user = await self.current(p, s=s)
            tf = await store.two_factor(s, user.id, for_update=True)
            if tf is not None and tf.enabled:
                raise FailedPrecondition("two-factor authentication is already on; disable it first",
                                         reason="TWO_FACTOR_ALREADY_ENABLED")
            sealed = self.box.seal(secret.encode()).decode()
            hashed = [keys.token_hash(c) for c in codes]
            if tf is None:
                s.add(store.TwoFactor(user_id=user.id, secret_key=sealed, backup_codes=hashed, enabled=False))
            else:
                tf.secret_key, tf.backup_codes, tf.last_used_step = sealed, hashed, None
        uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=self.s.totp_issuer)
        buf = io.BytesIO()
        qrcode.make(uri).save(buf, format="PNG")
        return TwoFactorSetup(secret, uri, buf.getvalue(), codes)

    def _accept_code(self, tf: store.TwoFactor, code: str) -> bool:
        """A TOTP code (±1 step, each step used once) or an unused backup code (then spent)."""
        code = code.strip().replace(" ", "")
        if code.isdigit() and len(code) == 6:
            totp = pyotp.TOTP(self.box.open(tf.secret_key.encode()).decode())
            now = dt.datetime.now(dt.timezone.utc)
            for offset in (0, -1, 1):
                at = now + dt.timedelta(seconds=30 * offset)
                step = totp.timecode(at)
                if keys.same(totp.at(at), code) and (tf.last_used_step is None or step > tf.last_used_step):
                    tf.last_used_step = step
                    return True
            return False
        h = keys.token_hash(code.lower())
        if h in tf.backup_codes:
            tf.backup_codes = [c for c in tf.backup_codes if c != h]
            return True
        return False

    async def enable_two_factor(self, p: Principal, code: str) -> dt.datetime:
        self._check_code_field(code)
        await self._check_code_attempts(p.user_id)
        async with self.sessions.begin() as s:
            user = await self.current(p, s=s)
            tf = await store.two_factor(s, user.id, for_update=True)
            if tf is None:
                raise FailedPrecondition("start two-factor setup first", reason="TWO_FACTOR_NOT_SET_UP")
            if tf.enabled:
                raise FailedPrecondition("two-factor authentication is already on", reason="TWO_FACTOR_ALREADY_ENABLED")
            if not code.strip().isdigit() or not self._accept_code(tf, code):
                raise await self._wrong_code(p.user_id)
            tf.enabled = True
            tf.enabled_at = await store.db_now(s)
            return tf.enabled_at

    async def disable_two_factor(self, p: Principal, code: str) -> None:
        self._check_code_field(code)
        await self._check_code_attempts(p.user_id)
        async with self.sessions.begin() as s:
            user = await self.current(p, s=s)
            tf = await store.two_factor(s, user.id, for_update=True)
            if tf is None or not tf.enabled:
                raise FailedPrecondition("two-factor authentication is not on", reason="TWO_FACTOR_NOT_ENABLED")
            if not self._accept_code(tf, code):
                raise await self._wrong_code(p.user_id)
            await s.delete(tf)

    @staticmethod
    def _check_code_field(code: str) -> None:
        v = Violations()
        if v.required("code", code):
            v.length("code", code.strip(), 6, 16)
        v.raise_if_any()

    # -- account --------------------------------------------------------------------------------
    async def update_account(self, p: Principal, changes: dict) -> tuple[store.User, bool]:
        v = Violations()
        if not changes:
            v.add("update_mask", "must name at least one field")
        for name, value in changes.items():
            if name not in EDITABLE_FIELDS:
                v.add("update_mask", f"field {name!r} cannot be updated (allowed: {', '.join(EDITABLE_FIELDS)})")
            else:
                check_profile_field(v, name, value, label=f"account.{name}")
        v.raise_if_any()
        async with self.sessions.begin() as s:
            user = await self.current(p, s=s)
            for name, value in changes.items():
                if name in ("first_name", "last_name"):
                    value = value.strip()
                elif name == "phone_number":
                    value = value or None
                elif name in ("preferred_language", "timezone", "preferred_currency") and not value:
                    value = {"preferred_language": "en", "timezone": "UTC", "preferred_currency": "EUR"}[name]
                setattr(user, name, value)
            await s.flush()
            await s.refresh(user)
            tf = await store.two_factor_enabled(s, user.id)
        return user, tf

    async def _confirm_password(self, p: Principal, password: str, reason_text: str) -> store.User:
        v = Violations()
        if v.required("password", password):
            v.length("password", password, 1, 128)
        if len(reason_text) > 1000:
            v.add("reason", "must be at most 1000 characters")
        v.raise_if_any()
        async with self.sessions() as s:
            user = await self.current(p, s=s)
        if user.password_hash is None:
            raise FailedPrecondition("set a password first (use forgot-password)", reason="PASSWORD_NOT_SET")
        if not await self.passwords.verify(user.password_hash, password):
            raise PermissionDenied("the password is wrong", reason="INVALID_CREDENTIALS")
        return user

    async def deactivate(self, p: Principal, password: str, reason: str) -> None:
        user = await self._confirm_password(p, password, reason)
        async with self.sessions.begin() as s:
            user = await store.user_by_id(s, user.id, for_update=True)
            user.status = "deactivated"
            await store.revoke_sessions(s, user.id)
            await outbox.publish(s, TOPIC_DEACTIVATED, {"user_id": str(user.id), "reason": reason},
                                 aggregate_id=str(user.id), idempotency_key=f"deactivated:{user.id}:{user.updated_at}")

    async def delete(self, p: Principal, password: str, reason: str) -> dt.datetime:
        user = await self._confirm_password(p, password, reason)
        async with self.sessions.begin() as s:
            user = await store.user_by_id(s, user.id, for_update=True)
            now = await store.db_now(s)
            user.status = "deleted"
            user.deleted_at = now
            await store.revoke_sessions(s, user.id)
            await outbox.publish(s, TOPIC_DELETED, {"user_id": str(user.id), "reason": reason},
                                 aggregate_id=str(user.id), idempotency_key=f"deleted:{user.id}")
        return now

    # -- idempotency (AIP-155 request ids) ----------------------------------------------------------
    async def remembered(self, key: str) -> bytes | None:
        async with self.sessions() as s:
            return await store.idempotent_response(s, key)

    async def remember(self, key: str, response: bytes) -> None:
        async with self.sessions.begin() as s:
            await store.save_idempotent_response(s, key, response)

    # -- keys -------------------------------------------------------------------------------------
    async def jwks(self) -> dict:
        return await self.ring.jwks()

    async def rotate_key(self) -> tuple[str, dt.datetime]:
        return await self.ring.rotate()

    # -- internal: for other services ------------------------------------------------------------
    async def batch_get_users(self, user_ids: list[str]) -> list[store.User]:
        """Live (not deleted) users among `user_ids`, in request order; unknown ids are left out."""
        v = Violations()
        if not user_ids:
            v.add("user_ids", "is required")
        elif len(user_ids) > MAX_BATCH_USERS:
            v.add("user_ids", f"at most {MAX_BATCH_USERS} ids")
        ids = []
        for i, raw in enumerate(user_ids[:MAX_BATCH_USERS]):
            try:
                ids.append(uuid.UUID(raw))
            except (ValueError, AttributeError, TypeError):
                v.add(f"user_ids[{i}]", "must be a UUID")
        v.raise_if_any()
        async with self.sessions() as s:
            rows = {u.id: u for u in await store.users_by_ids(s, list(dict.fromkeys(ids)))}
        return [rows[i] for i in dict.fromkeys(ids) if i in rows]

    async def set_verification_level(self, caller: Principal, user_id: str, level: str, reason: str,
                                     raise_only: bool) -> tuple[str, str]:
        """Set (or with raise_only, raise) a user's verification level; (previous, current)."""
        v = Violations()
        uid = None
        try:
            uid = uuid.UUID(user_id)
        except (ValueError, AttributeError, TypeError):
            v.add("user_id", "is required" if not user_id else "must be a UUID")
        if level not in store.VERIFICATION_LEVELS or level == "none":
            v.add("level", "must be EMAIL, PHONE, IDENTITY or FULL")
        if len(reason) > 500:
            v.add("reason", "must be at most 500 characters")
        v.raise_if_any()
        async with self.sessions.begin() as s:
            user = await store.user_by_id(s, uid, for_update=True)
            if user is None or user.deleted_at is not None:
                raise NotFound("no such user", reason="USER_NOT_FOUND")
            previous = user.verification_level
            rank = store.VERIFICATION_LEVELS.index
            if not (raise_only and rank(level) <= rank(previous)):
                user.verification_level = level
        current = user.verification_level
        if current != previous:
            log.info("verification level changed", extra={"fields": {
                "user_id": user_id, "from": previous, "to": current, "by": f"{caller.kind}:{caller.subject}",
                "reason": reason}})
        return previous, current
