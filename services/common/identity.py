"""Who is calling: access-token and service-identity verification, and the caller context.

* Users carry an ES256 access token issued by auth (header `authorization: Bearer ...`).
  It is verified against auth's published JWKS, cached and refreshed when an unknown `kid`
  shows up (key rotation). Verified tokens are cached until they expire.
* Services carry a short-lived HS256 token signed with the shared SERVICE_KEY
  (`iss=p2p-service`, `sub=service:<name>`), minted by `ServiceIdentity`.
"""
from __future__ import annotations

import asyncio
import contextvars
import json
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable

import jwt
from jwt.algorithms import ECAlgorithm

from services.common.errors import PermissionDenied, Unauthenticated

SERVICE_ISSUER = "p2p-service"


@dataclass(frozen=True)
class Principal:
    kind: str                      # "user" | "service"
    subject: str                   # user id, or service name
    roles: tuple[str, ...] = ()
    session_id: str = ""
    expires_at: float = 0.0
    claims: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def user_id(self) -> str:
        return self.subject if self.kind == "user" else ""

    @property
    def is_service(self) -> bool:
        return self.kind == "service"

    def has_role(self, role: str) -> bool:
        return role in self.roles


current_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("principal", default=None)
current_token: contextvars.ContextVar[str] = contextvars.ContextVar("access_token", default="")


def caller() -> Principal:
    """The authenticated caller of the current RPC (raises UNAUTHENTICATED when none)."""
    p = current_principal.get()
    if p is None:
        raise Unauthenticated("authentication required", reason="UNAUTHENTICATED")
    return p


def require_user() -> Principal:
    p = caller()
    if p.kind != "user":
        raise PermissionDenied("this method is for signed-in users", reason="USER_REQUIRED")
    return p


def require_service(*roles: str) -> Principal:
    p = caller()
    if p.kind != "service" or (roles and not any(p.has_role(r) for r in roles)):
        raise PermissionDenied("this method is for internal services", reason="SERVICE_REQUIRED")
    return p


JwksSource = Callable[[], Awaitable[dict]]


class TokenVerifier:
    """Verifies bearer tokens. `jwks_source` returns auth's JWKS ({"keys": [...]})."""

    def __init__(self, jwks_source: JwksSource, *, issuer: str, audience: str, service_key: str,
                 cache_seconds: int = 300, max_cached_tokens: int = 100_000):
        self._source = jwks_source
        self._issuer = issuer
        self._audience = audience
        self._service_key = service_key
        self._cache_seconds = cache_seconds
        self._keys: dict[str, object] = {}
        self._keys_loaded_at = 0.0
        self._last_refresh_attempt = 0.0
        self._lock = asyncio.Lock()
        self._verified: dict[str, Principal] = {}
        self._max_cached = max_cached_tokens

    async def refresh_keys(self, force: bool = False) -> None:
        async with self._lock:
            now = time.monotonic()
            if not force and now - self._last_refresh_attempt < 1.0:
                return  # someone just refreshed; do not stampede the key source
            self._last_refresh_attempt = now
            jwks = await self._source()
            keys = {}
            for k in jwks.get("keys", []):
                keys[k["kid"]] = ECAlgorithm.from_jwk(json.dumps(k))
            self._keys = keys
            self._keys_loaded_at = now

    async def authenticate(self, token: str) -> Principal:
        now = time.time()
        hit = self._verified.get(token)
        if hit is not None:
            if hit.expires_at > now:
                return hit
            self._verified.pop(token, None)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("malformed access token", reason="TOKEN_INVALID") from None
        alg = header.get("alg")
        if alg == "HS256":
            principal = self._verify_service(token)
        elif alg == "ES256":
            principal = await self._verify_user(token, header.get("kid", ""))
        else:
            raise Unauthenticated("unsupported token algorithm", reason="TOKEN_INVALID")
        if len(self._verified) >= self._max_cached:
            self._verified.clear()
        self._verified[token] = principal
        return principal

    def _verify_service(self, token: str) -> Principal:
        try:
            claims = jwt.decode(token, self._service_key, algorithms=["HS256"], issuer=SERVICE_ISSUER,
                                audience=self._audience, options={"require": ["exp", "sub", "iss"]})
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("service token expired", reason="TOKEN_EXPIRED") from None
        except jwt.PyJWTError:
            raise Unauthenticated("invalid service token", reason="TOKEN_INVALID") from None
        sub = claims["sub"]
        if not sub.startswith("service:"):
            raise Unauthenticated("invalid service token", reason="TOKEN_INVALID")
        return Principal("service", sub.removeprefix("service:"), tuple(claims.get("roles", ())),
                         expires_at=float(claims["exp"]), claims=claims)

    async def _verify_user(self, token: str, kid: str) -> Principal:
        stale = time.monotonic() - self._keys_loaded_at > self._cache_seconds
        if kid not in self._keys or stale:
            try:
                await self.refresh_keys(force=stale)
            except Exception:
                if kid not in self._keys:
                    raise Unauthenticated("cannot verify token: signing keys unavailable", reason="KEYS_UNAVAILABLE") from None
        key = self._keys.get(kid)
        if key is None:
            raise Unauthenticated("access token signed by an unknown key", reason="TOKEN_INVALID")
        try:
            claims = jwt.decode(token, key, algorithms=["ES256"], issuer=self._issuer, audience=self._audience,
                                options={"require": ["exp", "sub", "iss", "aud"]})
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("access token expired", reason="TOKEN_EXPIRED") from None
        except jwt.PyJWTError:
            raise Unauthenticated("invalid access token", reason="TOKEN_INVALID") from None
        if claims.get("typ") != "access":
            raise Unauthenticated("not an access token", reason="TOKEN_INVALID")
        return Principal("user", claims["sub"], tuple(claims.get("roles", ())), claims.get("sid", ""),
                         expires_at=float(claims["exp"]), claims=claims)


class ServiceIdentity:
    """Mints (and re-uses until near expiry) this service's identity token."""

    def __init__(self, name: str, key: str, audience: str, roles: tuple[str, ...] = (), ttl: int = 300):
        self.name, self._key, self._aud, self._roles, self._ttl = name, key, audience, roles, ttl
        self._token, self._exp = "", 0.0

    def token(self) -> str:
        now = time.time()
        if now > self._exp - 60:
            self._exp = now + self._ttl
            self._token = jwt.encode({"iss": SERVICE_ISSUER, "sub": f"service:{self.name}", "aud": self._aud,
                                      "roles": list(self._roles), "iat": int(now), "exp": int(self._exp)},
                                     self._key, algorithm="HS256")
        return self._token
