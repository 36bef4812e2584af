"""Verification of social sign-in tokens (Google, Apple, Facebook).

`SocialVerifier.verify(provider, token)` turns what a mobile/web client got from the
provider into a `SocialIdentity`, or raises:

* `SocialTokenInvalid`  - the token is not acceptable (bad signature, expired, wrong
  audience/issuer/app, revoked, malformed, unknown provider). Client error; retrying
  with the same token will not help.
* `ProviderUnavailable` - we could not reach the provider or it failed (network error,
  timeout, 5xx, garbage response, rate limiting, our app credentials refused, Facebook
  not configured). Server-side condition; the token may well be fine.

Exception messages are safe to show to clients: they never contain the token, provider
response bodies, URLs (which may carry the Facebook app secret) or library internals.
Details useful to operators go to the `services.auth.social` logger (never tokens/secrets).

Google and Apple
    The client sends the OpenID Connect ID token, an RS256 JWT. Its signature is checked
    against the provider's JWKS (fetched with httpx, cached `jwks_cache_seconds`); a token
    whose `kid` is not in the cached set triggers one refetch (keys rotate), at most once
    every `jwks_refetch_interval` (30) seconds per provider so junk tokens with random `kid`s
    cannot make us hammer the provider. If the provider is unreachable when the cache
    expires, the previous keys stay usable for `jwks_max_stale_seconds` more.
    Claims: `iss` in the allowed issuers, `aud` in the configured client ids (if several
    audiences, `azp` must be one of ours), `exp`/`iat` with 60 s leeway, `sub` required.
    `email_verified` is a JSON boolean for Google but may be the string "true"/"false"
    (always a string for Apple); both are understood, anything else counts as unverified.
    Google supplies `given_name`/`family_name`; Apple never puts names in the ID token
    (the app receives them once, at first authorization), so the caller must take them
    from the request.

Facebook
    The client sends a user access token (opaque). It is inspected with the Graph API
    `GET /debug_token?input_token=<token>&access_token=<app_id>|<app_secret>`; we require
    `data.is_valid == true`, `data.type == "USER"`, `data.app_id` == our app id (a token
    issued to another app must never log anyone in) and a `user_id`. The profile then
    comes from `GET /me?fields=id,email,first_name,last_name` called with the user token
    and its `appsecret_proof`; its `id` must equal `data.user_id`.
    Email: Facebook returns `email` only when the user has a confirmed address on file
    and granted the `email` permission, so an email that *is* returned is treated as
    verified; when absent, `email` is None and `email_verified` False.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import time
from dataclasses import dataclass
from typing import Any, Callable

import httpx
import jwt

log = logging.getLogger(__name__)

PROVIDERS = ("google", "apple", "facebook")
LEEWAY_SECONDS = 60
JWKS_REFETCH_INTERVAL = 30.0      # default min seconds between JWKS fetches (per provider)
MAX_TOKEN_LENGTH = 16 * 1024      # real ID tokens are ~1-2 KB, FB tokens ~200-300 chars


@dataclass(frozen=True)
class SocialIdentity:
    provider: str                 # "google" | "apple" | "facebook"
    subject: str                  # provider's stable user id (OIDC `sub`, Facebook user id)
    email: str | None
    email_verified: bool
    first_name: str               # "" when the provider does not supply it (always for Apple)
    last_name: str


class SocialTokenInvalid(Exception):
    """The social token was rejected; the message is safe to return to the client."""


class ProviderUnavailable(Exception):
    """The provider could not be reached or failed; the message is safe to return."""


def _csv(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


@dataclass
class SocialConfig:
    google_jwks_url: str = "https://www.googleapis.com/oauth2/v3/certs"
    google_client_ids: tuple[str, ...] = ("p2p-delivery-dev",)
    google_issuers: tuple[str, ...] = ("accounts.google.com", "https://accounts.google.com")
    apple_jwks_url: str = "https://appleid.apple.com/auth/keys"
    apple_client_ids: tuple[str, ...] = ("p2p-delivery-dev",)
    apple_issuer: str = "https://appleid.apple.com"
    facebook_graph_url: str = "https://graph.facebook.com"
    facebook_app_id: str = "p2p-delivery-dev"
    facebook_app_secret: str = ""      # empty = Facebook sign-in disabled (ProviderUnavailable)
    http_timeout: float = 5.0
    jwks_cache_seconds: float = 3600.0
    jwks_max_stale_seconds: float = 6 * 3600.0   # keep using expired keys this long if unreachable
    jwks_refetch_interval: float = JWKS_REFETCH_INTERVAL  # unknown-kid refetch rate limit

    @classmethod
    def from_env(cls) -> "SocialConfig":
        """Read GOOGLE_JWKS_URL, GOOGLE_CLIENT_IDS (comma list), GOOGLE_ISSUERS (comma list),
        APPLE_JWKS_URL, APPLE_CLIENT_IDS, APPLE_ISSUER, FACEBOOK_GRAPH_URL, FACEBOOK_APP_ID,
        FACEBOOK_APP_SECRET, SOCIAL_HTTP_TIMEOUT_SECONDS, SOCIAL_JWKS_CACHE_SECONDS.
        Unset (or empty) variables keep the defaults above."""
        d = cls()
        e = lambda name: os.environ.get(name, "").strip()  # noqa: E731
        return cls(
            google_jwks_url=e("GOOGLE_JWKS_URL") or d.google_jwks_url,
            google_client_ids=_csv(e("GOOGLE_CLIENT_IDS")) or d.google_client_ids,
            google_issuers=_csv(e("GOOGLE_ISSUERS")) or d.google_issuers,
            apple_jwks_url=e("APPLE_JWKS_URL") or d.apple_jwks_url,
            apple_client_ids=_csv(e("APPLE_CLIENT_IDS")) or d.apple_client_ids,
            apple_issuer=e("APPLE_ISSUER") or d.apple_issuer,
            facebook_graph_url=e("FACEBOOK_GRAPH_URL") or d.facebook_graph_url,
            facebook_app_id=e("FACEBOOK_APP_ID") or d.facebook_app_id,
            facebook_app_secret=e("FACEBOOK_APP_SECRET") or d.facebook_app_secret,
            http_timeout=float(e("SOCIAL_HTTP_TIMEOUT_SECONDS") or d.http_timeout),
            jwks_cache_seconds=float(e("SOCIAL_JWKS_CACHE_SECONDS") or d.jwks_cache_seconds),
        )


@dataclass
class _OIDCSpec:
    name: str
    label: str
    jwks_url: str
    issuers: tuple[str, ...]
    audiences: tuple[str, ...]


class _JwksState:
    def __init__(self) -> None:
        self.keys: dict[str, Any] | None = None   # kid -> public key object
        self.fetched_at = 0.0                     # clock() of the last successful fetch
        self.last_attempt: float | None = None    # clock() of the last fetch attempt
        self.inflight: asyncio.Task | None = None


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return False


def _str_claim(claims: dict, name: str) -> str:
    v = claims.get(name)
    return v.strip() if isinstance(v, str) else ""


class SocialVerifier:
    """Verifies social tokens. One instance per process; safe for concurrent use on one loop.

    `http`: an httpx.AsyncClient to use (not closed by `aclose`); by default the verifier
    creates and owns one with `config.http_timeout`.
    `clock`: monotonic seconds used for JWKS caching/rate limiting (injectable for tests);
    token expiry is always checked against wall-clock time.
    """

    def __init__(
        self,
        config: SocialConfig,
        http: httpx.AsyncClient | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(
            timeout=httpx.Timeout(config.http_timeout),
            follow_redirects=False,
            headers={"User-Agent": "p2p-delivery-auth/1", "Accept": "application/json"},
        )
        self._clock = clock
        self._oidc = {
            "google": _OIDCSpec("google", "Google", config.google_jwks_url,
                                tuple(config.google_issuers), tuple(config.google_client_ids)),
            "apple": _OIDCSpec("apple", "Apple", config.apple_jwks_url,
                               (config.apple_issuer,), tuple(config.apple_client_ids)),
        }
        self._jwks = {name: _JwksState() for name in self._oidc}

    async def aclose(self) -> None:
        for st in self._jwks.values():
            if st.inflight is not None:
                st.inflight.cancel()
        if self._owns_http:
            await self._http.aclose()

    async def verify(self, provider: str, token: str) -> SocialIdentity:
        provider = (provider or "").strip().lower()
        if provider not in PROVIDERS:
            raise SocialTokenInvalid("unsupported social provider")
        token = (token or "").strip() if isinstance(token, str) else ""
        if not token:
            raise SocialTokenInvalid(f"{provider} token is missing")
        if len(token) > MAX_TOKEN_LENGTH:
            raise SocialTokenInvalid(f"{provider} token is too long")
        if provider == "facebook":
            return await self._verify_facebook(token)
        return await self._verify_oidc(self._oidc[provider], token)

    # ------------------------------------------------------------------ Google / Apple

    async def _verify_oidc(self, spec: _OIDCSpec, token: str) -> SocialIdentity:
        what = f"{spec.label} ID token"
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise SocialTokenInvalid(f"{what} is malformed") from None
        if header.get("alg") != "RS256":
            raise SocialTokenInvalid(f"{what} uses an unsupported signing algorithm")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise SocialTokenInvalid(f"{what} has no key id")

        key = await self._signing_key(spec, kid)
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                audience=list(spec.audiences),
                issuer=list(spec.issuers),
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "sub", "exp", "iat"]},
            )
        except jwt.ExpiredSignatureError:
            raise SocialTokenInvalid(f"{what} has expired") from None
        except jwt.InvalidSignatureError:
            raise SocialTokenInvalid(f"{what} signature is invalid") from None
        except jwt.InvalidAudienceError:
            raise SocialTokenInvalid(f"{what} was not issued for this app") from None
        except jwt.InvalidIssuerError:
            raise SocialTokenInvalid(f"{what} has an unexpected issuer") from None
        except jwt.ImmatureSignatureError:
            raise SocialTokenInvalid(f"{what} is not valid yet") from None
        except jwt.MissingRequiredClaimError as exc:
            raise SocialTokenInvalid(f"{what} lacks the '{exc.claim}' claim") from None
        except jwt.PyJWTError:
            raise SocialTokenInvalid(f"{what} is invalid") from None

        aud = claims.get("aud")
        if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") not in spec.audiences:
            raise SocialTokenInvalid(f"{what} was not issued for this app")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub.strip():
            raise SocialTokenInvalid(f"{what} has no subject")

        email = _str_claim(claims, "email") or None
        verified = email is not None and _as_bool(claims.get("email_verified"))
        if spec.name == "google":
            first, last = _str_claim(claims, "given_name"), _str_claim(claims, "family_name")
        else:
            first = last = ""      # Apple: names only come from the client's request
        return SocialIdentity(spec.name, sub, email, verified, first, last)

    async def _signing_key(self, spec: _OIDCSpec, kid: str) -> Any:
        st = self._jwks[spec.name]
        cfg = self.config
        now = self._clock()
        fresh = st.keys is not None and now - st.fetched_at < cfg.jwks_cache_seconds
        if fresh and kid in st.keys:
            return st.keys[kid]
        if st.inflight is not None or not fresh:
            stale_usable = (
                st.keys is not None
                and kid in st.keys
                and now - st.fetched_at < cfg.jwks_cache_seconds + cfg.jwks_max_stale_seconds
            )
            if st.inflight is None and stale_usable and not self._may_fetch(st):
                # Expired cache, but a fetch failed moments ago: don't retry every request.
                return st.keys[kid]
            try:
                await self._refresh(spec, st)
            except ProviderUnavailable:
                if stale_usable:
                    log.warning("%s JWKS unreachable; using cached keys past their expiry",
                                spec.label)
                    return st.keys[kid]
                raise

        assert st.keys is not None
        key = st.keys.get(kid)
        if key is None and self._may_fetch(st):
            # Unknown kid: the provider may have rotated its keys since our last fetch.
            await self._refresh(spec, st)
            key = st.keys.get(kid)
        if key is None:
            raise SocialTokenInvalid(f"{spec.label} ID token was signed with an unknown key")
        return key

    def _may_fetch(self, st: _JwksState) -> bool:
        return (st.last_attempt is None
                or self._clock() - st.last_attempt >= self.config.jwks_refetch_interval)

    async def _refresh(self, spec: _OIDCSpec, st: _JwksState) -> None:
        """Fetch the JWKS, sharing one in-flight request between concurrent callers."""
        if st.inflight is None:
            st.last_attempt = self._clock()
            task = asyncio.ensure_future(self._fetch_and_store(spec, st))
            # Mark the outcome retrieved even if every waiter was cancelled meanwhile.
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
            st.inflight = task
        task = st.inflight
        try:
            await asyncio.shield(task)
        except ProviderUnavailable as exc:   # fresh instance per waiter (shared task result)
            raise ProviderUnavailable(str(exc)) from None
        except asyncio.CancelledError:
            if task.cancelled():      # the verifier was closed under us
                raise ProviderUnavailable(f"{spec.label} sign-in is unavailable") from None
            raise

    async def _fetch_and_store(self, spec: _OIDCSpec, st: _JwksState) -> None:
        try:
            keys = await self._fetch_jwks(spec)
            st.keys, st.fetched_at = keys, self._clock()
        finally:
            st.inflight = None

    async def _fetch_jwks(self, spec: _OIDCSpec) -> dict[str, Any]:
        unavailable = ProviderUnavailable(f"{spec.label} sign-in is temporarily unavailable")
        try:
            resp = await self._http.get(spec.jwks_url)
        except httpx.HTTPError as exc:
            log.warning("%s JWKS fetch failed: %s", spec.label, type(exc).__name__)
            raise unavailable from None
        if resp.status_code != 200:
            log.warning("%s JWKS fetch returned HTTP %s", spec.label, resp.status_code)
            raise unavailable
        try:
            body = resp.json()
            raw_keys = body["keys"]
            if not isinstance(raw_keys, list):
                raise TypeError("keys is not a list")
        except Exception:
            log.warning("%s JWKS response is not a JWK set", spec.label)
            raise unavailable from None
        keys: dict[str, Any] = {}
        for jwk in raw_keys:
            if not isinstance(jwk, dict) or jwk.get("kty") != "RSA":
                continue
            if jwk.get("use", "sig") != "sig" or jwk.get("alg", "RS256") != "RS256":
                continue
            kid = jwk.get("kid")
            if not isinstance(kid, str) or not kid:
                continue
            try:
                keys[kid] = jwt.PyJWK(jwk, algorithm="RS256").key
            except jwt.PyJWTError:
                continue
        if not keys:
            log.warning("%s JWKS contains no usable RS256 keys", spec.label)
            raise unavailable
        return keys

    # ------------------------------------------------------------------ Facebook

    async def _verify_facebook(self, token: str) -> SocialIdentity:
        cfg = self.config
        if not cfg.facebook_app_id or not cfg.facebook_app_secret:
            log.error("Facebook sign-in attempted but FACEBOOK_APP_ID/SECRET are not set")
            raise ProviderUnavailable("Facebook sign-in is not configured")
        base = cfg.facebook_graph_url.rstrip("/")
        unavailable = ProviderUnavailable("Facebook sign-in is temporarily unavailable")
        invalid = SocialTokenInvalid("Facebook access token is invalid or expired")

        status, body = await self._graph_get(f"{base}/debug_token", {
            "input_token": token,
            "access_token": f"{cfg.facebook_app_id}|{cfg.facebook_app_secret}",
        })
        if status != 200:
            # debug_token answers 200 (with is_valid=false) for bad *input* tokens; an
            # error here concerns our app access token, rate limits, or the request itself.
            log.error("Facebook debug_token refused: HTTP %s %s", status, _graph_error(body))
            raise unavailable
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            log.warning("Facebook debug_token response has no data object")
            raise unavailable
        if data.get("is_valid") is not True:
            raise invalid
        if str(data.get("app_id", "")) != str(cfg.facebook_app_id):
            raise SocialTokenInvalid("Facebook access token was issued for a different app")
        if str(data.get("type", "USER")).upper() != "USER":
            raise SocialTokenInvalid("Facebook token is not a user access token")
        user_id = str(data.get("user_id") or "")
        if not user_id:
            raise invalid
        expires_at = data.get("expires_at")
        if isinstance(expires_at, (int, float)) and 0 < expires_at < time.time():
            raise invalid           # 0 means "never expires" for some token kinds

        proof = hmac.new(cfg.facebook_app_secret.encode(), token.encode(), hashlib.sha256)
        status, me = await self._graph_get(f"{base}/me", {
            "fields": "id,email,first_name,last_name",
            "access_token": token,
            "appsecret_proof": proof.hexdigest(),
        })
        if status != 200:
            err = me.get("error") if isinstance(me, dict) else None
            code = err.get("code") if isinstance(err, dict) else None
            if code in (190, 102, 2500):      # token expired/revoked between the two calls
                raise invalid
            log.error("Facebook /me failed: HTTP %s %s", status, _graph_error(me))
            raise unavailable                 # throttling or a problem with our request
        if not isinstance(me, dict) or str(me.get("id") or "") != user_id:
            log.warning("Facebook /me id does not match debug_token user_id")
            raise invalid
        email = me.get("email") if isinstance(me.get("email"), str) else None
        email = email.strip() if email else None
        return SocialIdentity(
            provider="facebook",
            subject=user_id,
            email=email or None,
            # Graph returns `email` only for a confirmed primary address (see module doc).
            email_verified=bool(email),
            first_name=_str_claim(me, "first_name"),
            last_name=_str_claim(me, "last_name"),
        )

    async def _graph_get(self, url: str, params: dict[str, str]) -> tuple[int, Any]:
        """GET a Graph endpoint -> (status, parsed JSON). 5xx/transport/non-JSON -> unavailable.
        Never lets an httpx exception escape: its message would contain the URL and secrets."""
        unavailable = ProviderUnavailable("Facebook sign-in is temporarily unavailable")
        try:
            resp = await self._http.get(url, params=params)
        except httpx.HTTPError as exc:
            log.warning("Facebook Graph request failed: %s", type(exc).__name__)
            raise unavailable from None
        if resp.status_code >= 500 or resp.status_code == 429:
            log.warning("Facebook Graph returned HTTP %s", resp.status_code)
            raise unavailable
        try:
            return resp.status_code, resp.json()
        except ValueError:
            log.warning("Facebook Graph returned non-JSON (HTTP %s)", resp.status_code)
            raise unavailable from None


def _graph_error(body: Any) -> str:
    """Loggable summary of a Graph error object (message/type/code/fbtrace_id only)."""
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        return "(no error object)"
    return "code=%s type=%s subcode=%s fbtrace_id=%s message=%r" % (
        err.get("code"), err.get("type"), err.get("error_subcode"), err.get("fbtrace_id"),
        str(err.get("message", ""))[:200],
    )
