"""SocialVerifier against local servers that speak the providers' real protocols.

No mocks or patching: Google/Apple are `OIDCProvider`s (JWKS over HTTP, RS256 ID tokens),
Facebook is a `FacebookGraph` (debug_token + /me). The only injected dependency is the
verifier's monotonic clock, used for JWKS cache/rate-limit timing.
"""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time

import httpx
import jwt
import pytest

from services.auth.social import (
    ProviderUnavailable,
    SocialConfig,
    SocialIdentity,
    SocialTokenInvalid,
    SocialVerifier,
)
from tests.support.providers import FacebookGraph, OIDCProvider, new_rsa_key

GOOGLE_CLIENT = "google-client-123.apps.googleusercontent.com"
APPLE_CLIENT = "com.p2pdelivery.app"
FB_APP_ID, FB_SECRET = "1122334455", "fb-app-secret-xyz"


class Clock:
    """Manually advanced monotonic clock for the verifier's JWKS cache."""

    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# Servers live for the module (RSA key generation is the slow part); the function-scoped
# fixtures reset faults and counters, and every test gets a fresh verifier (empty cache).
# Tests that stop a server start their own.
@pytest.fixture(scope="module")
def _google():
    with OIDCProvider("https://accounts.google.com", "google") as p:
        yield p


@pytest.fixture(scope="module")
def _apple():
    with OIDCProvider("https://appleid.apple.com", "apple") as p:
        yield p


@pytest.fixture(scope="module")
def _fb():
    with FacebookGraph(FB_APP_ID, FB_SECRET) as g:
        yield g


def _reset(server):
    server.fail_status, server.delay_seconds = None, 0.0
    for counter in ("jwks_fetches", "debug_token_calls", "me_calls"):
        if hasattr(server, counter):
            setattr(server, counter, 0)
    if isinstance(server, FacebookGraph):
        server.require_appsecret_proof = False
    return server


@pytest.fixture
def google(_google):
    yield _reset(_google)
    _reset(_google)


@pytest.fixture
def apple(_apple):
    yield _reset(_apple)
    _reset(_apple)


@pytest.fixture
def fb(_fb):
    yield _reset(_fb)
    _reset(_fb)


@pytest.fixture
def clock():
    return Clock()


def make_config(google=None, apple=None, fb=None, **overrides) -> SocialConfig:
    cfg = SocialConfig(
        google_jwks_url=google.jwks_url if google else "http://127.0.0.1:9/jwks",
        google_client_ids=(GOOGLE_CLIENT, "second-google-client"),
        apple_jwks_url=apple.jwks_url if apple else "http://127.0.0.1:9/jwks",
        apple_client_ids=(APPLE_CLIENT,),
        facebook_graph_url=fb.base_url if fb else "http://127.0.0.1:9",
        facebook_app_id=FB_APP_ID,
        facebook_app_secret=FB_SECRET,
        http_timeout=2.0,
    )
    for k, v in overrides.items():
        setattr(cfg, k, v)
    return cfg


@pytest.fixture
async def verifier(google, apple, fb, clock):
    v = SocialVerifier(make_config(google, apple, fb), clock=clock)
    yield v
    await v.aclose()


async def expect_invalid(v: SocialVerifier, provider: str, token: str, fragment: str) -> str:
    with pytest.raises(SocialTokenInvalid) as exc:
        await v.verify(provider, token)
    msg = str(exc.value)
    assert fragment in msg, msg
    return msg


# ---------------------------------------------------------------- Google


async def test_google_valid_token_gives_identity(verifier, google):
    token = google.issue_id_token("g-sub-1", GOOGLE_CLIENT, "ann@example.com",
                                  given_name="Ann", family_name="Lee")
    ident = await verifier.verify("google", token)
    assert ident == SocialIdentity("google", "g-sub-1", "ann@example.com", True, "Ann", "Lee")
    assert google.jwks_fetches == 1


async def test_google_second_client_id_and_bare_issuer_accepted(verifier, google):
    token = google.issue_id_token("g-sub-2", "second-google-client", "bo@example.com",
                                  iss="accounts.google.com")
    ident = await verifier.verify("google", token)
    assert (ident.subject, ident.first_name, ident.last_name) == ("g-sub-2", "", "")


@pytest.mark.parametrize("claim, expected", [
    (True, True), ("true", True), (False, False), ("false", False), ("yes", False), (None, False),
])
async def test_google_email_verified_bool_or_string(verifier, google, claim, expected):
    token = google.issue_id_token("g-sub-3", GOOGLE_CLIENT, "cy@example.com", email_verified=claim)
    assert (await verifier.verify("google", token)).email_verified is expected


async def test_google_token_without_email(verifier, google):
    token = google.issue_id_token("g-sub-4", GOOGLE_CLIENT, None)
    ident = await verifier.verify("google", token)
    assert (ident.email, ident.email_verified) == (None, False)


async def test_google_wrong_audience_rejected(verifier, google):
    token = google.issue_id_token("g-sub", "someone-elses-client", "ann@example.com")
    await expect_invalid(verifier, "google", token, "not issued for this app")


async def test_google_multiple_audiences_need_our_azp(verifier, google):
    token = google.issue_id_token("g-sub", [GOOGLE_CLIENT, "other"], "ann@example.com", azp="other")
    await expect_invalid(verifier, "google", token, "not issued for this app")
    token = google.issue_id_token("g-sub", [GOOGLE_CLIENT, "other"], "ann@example.com",
                                  azp=GOOGLE_CLIENT)
    assert (await verifier.verify("google", token)).subject == "g-sub"


async def test_google_wrong_issuer_rejected(verifier, google):
    token = google.issue_id_token("g-sub", GOOGLE_CLIENT, "ann@example.com",
                                  iss="https://evil.example.com")
    await expect_invalid(verifier, "google", token, "unexpected issuer")


async def test_google_expired_rejected_but_leeway_honoured(verifier, google):
    expired = google.issue_id_token("g-sub", GOOGLE_CLIENT, "ann@example.com", expires_in=-120)
    await expect_invalid(verifier, "google", expired, "has expired")
    within_leeway = google.issue_id_token("g-sub", GOOGLE_CLIENT, "ann@example.com", expires_in=-30)
    assert (await verifier.verify("google", within_leeway)).subject == "g-sub"


async def test_google_issued_in_the_future_rejected(verifier, google):
    token = google.issue_id_token("g-sub", GOOGLE_CLIENT, "ann@example.com",
                                  iat=int(time.time()) + 600)
    await expect_invalid(verifier, "google", token, "not valid yet")


async def test_google_bad_signature_same_kid_rejected(verifier, google):
    forged = google.issue_id_token("g-sub", GOOGLE_CLIENT, "ann@example.com",
                                   signing_key=new_rsa_key())
    assert jwt.get_unverified_header(forged)["kid"] == google.current_kid
    await expect_invalid(verifier, "google", forged, "signature is invalid")


async def test_google_tampered_payload_rejected(verifier, google):
    token = google.issue_id_token("victim", GOOGLE_CLIENT, "ann@example.com")
    head, _, sig = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["sub"] = "attacker"
    body = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    await expect_invalid(verifier, "google", f"{head}.{body}.{sig}", "signature is invalid")


async def test_google_non_rs256_algorithms_rejected(verifier, google):
    public_pem = google.jwks()["keys"][0]["n"]  # any string: HS256 "key confusion" attempt
    claims = {"iss": google.issuer, "aud": GOOGLE_CLIENT, "sub": "x",
              "iat": int(time.time()), "exp": int(time.time()) + 600}
    hs = jwt.encode(claims, public_pem, algorithm="HS256", headers={"kid": google.current_kid})
    await expect_invalid(verifier, "google", hs, "unsupported signing algorithm")
    none = jwt.encode(claims, None, algorithm="none", headers={"kid": google.current_kid})
    await expect_invalid(verifier, "google", none, "unsupported signing algorithm")


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", "eyJhbGciOiJSUzI1NiJ9..."])
async def test_google_malformed_token_rejected(verifier, token):
    await expect_invalid(verifier, "google", token, "malformed")


async def test_google_missing_subject_rejected(verifier, google):
    await expect_invalid(verifier, "google",
                         google.issue_id_token(None, GOOGLE_CLIENT, "a@example.com"), "'sub'")
    await expect_invalid(verifier, "google",
                         google.issue_id_token("  ", GOOGLE_CLIENT, "a@example.com"), "no subject")


async def test_unknown_kid_after_rotation_refetches_and_accepts(verifier, google, clock):
    first = google.issue_id_token("g-sub", GOOGLE_CLIENT, "ann@example.com")
    await verifier.verify("google", first)
    assert google.jwks_fetches == 1
    clock.advance(600)     # well within the 1 h cache, past the 30 s refetch limit

    new_kid = google.rotate_key()
    rotated = google.issue_id_token("g-sub", GOOGLE_CLIENT, "ann@example.com")
    assert jwt.get_unverified_header(rotated)["kid"] == new_kid
    assert (await verifier.verify("google", rotated)).subject == "g-sub"
    assert google.jwks_fetches == 2
    # Both keys now cached: no further fetches.
    await verifier.verify("google", first)
    await verifier.verify("google", rotated)
    assert google.jwks_fetches == 2


async def test_unknown_kid_refetch_is_rate_limited(verifier, google, clock):
    await verifier.verify("google", google.issue_id_token("s", GOOGLE_CLIENT, None))
    clock.advance(300)
    google.rotate_key()
    await verifier.verify("google", google.issue_id_token("s", GOOGLE_CLIENT, None))
    assert google.jwks_fetches == 2

    google.rotate_key()   # rotates again within 30 s of the last fetch
    too_soon = google.issue_id_token("s", GOOGLE_CLIENT, None)
    await expect_invalid(verifier, "google", too_soon, "unknown key")
    assert google.jwks_fetches == 2

    clock.advance(31)
    assert (await verifier.verify("google", too_soon)).subject == "s"
    assert google.jwks_fetches == 3


async def test_random_kids_do_not_hammer_the_provider(verifier, google):
    attacker_key = new_rsa_key()
    for _ in range(10):
        junk = jwt.encode({"sub": "s"}, attacker_key, algorithm="RS256",
                          headers={"kid": os.urandom(8).hex()})
        await expect_invalid(verifier, "google", junk, "unknown key")
    assert google.jwks_fetches == 1   # the cold-cache fetch; refetches suppressed (< 30 s)


async def test_jwks_cached_then_refreshed_after_expiry(verifier, google, clock):
    token = google.issue_id_token("s", GOOGLE_CLIENT, None)
    for _ in range(3):
        await verifier.verify("google", token)
    assert google.jwks_fetches == 1
    clock.advance(3599)
    await verifier.verify("google", token)
    assert google.jwks_fetches == 1
    clock.advance(2)
    await verifier.verify("google", token)
    assert google.jwks_fetches == 2


async def test_concurrent_cold_cache_fetches_jwks_once(verifier, google):
    google.delay_seconds = 0.2
    tokens = [google.issue_id_token(f"s{i}", GOOGLE_CLIENT, None) for i in range(10)]
    idents = await asyncio.gather(*(verifier.verify("google", t) for t in tokens))
    assert [i.subject for i in idents] == [f"s{i}" for i in range(10)]
    assert google.jwks_fetches == 1


async def test_jwks_5xx_is_provider_unavailable(verifier, google):
    google.fail_status = 503
    with pytest.raises(ProviderUnavailable):
        await verifier.verify("google", google.issue_id_token("s", GOOGLE_CLIENT, None))
    assert google.jwks_fetches == 1
    google.fail_status = None   # recovers on the next request (cold cache retries)
    assert (await verifier.verify("google", google.issue_id_token("s", GOOGLE_CLIENT, None))).subject == "s"


async def test_jwks_unreachable_is_provider_unavailable(clock):
    with OIDCProvider() as google:
        token = google.issue_id_token("s", GOOGLE_CLIENT, None)
    assert google.jwks_url            # stopped: the port now refuses connections
    v = SocialVerifier(make_config(google=google), clock=clock)
    try:
        with pytest.raises(ProviderUnavailable) as exc:
            await v.verify("google", token)
        assert "127.0.0.1" not in str(exc.value)
    finally:
        await v.aclose()


async def test_jwks_timeout_is_provider_unavailable(google, clock):
    google.delay_seconds = 1.0
    v = SocialVerifier(make_config(google=google, http_timeout=0.2), clock=clock)
    try:
        started = time.monotonic()
        with pytest.raises(ProviderUnavailable):
            await v.verify("google", google.issue_id_token("s", GOOGLE_CLIENT, None))
        assert time.monotonic() - started < 0.9
    finally:
        await v.aclose()


async def test_stale_keys_bridge_a_short_outage_only(verifier, google, clock):
    token = google.issue_id_token("s", GOOGLE_CLIENT, None)
    await verifier.verify("google", token)
    google.fail_status = 503
    clock.advance(3600 + 60)              # cache expired, provider failing
    assert (await verifier.verify("google", token)).subject == "s"
    assert google.jwks_fetches == 2
    assert (await verifier.verify("google", token)).subject == "s"
    assert google.jwks_fetches == 2      # no retry within 30 s of the failed attempt
    clock.advance(6 * 3600)               # past jwks_max_stale_seconds
    with pytest.raises(ProviderUnavailable):
        await verifier.verify("google", token)


async def test_jwks_garbage_is_provider_unavailable(google, clock):
    # HTTP 200 with JSON that is not a JWK set (the discovery document instead).
    url = google.base_url + "/.well-known/openid-configuration"
    v = SocialVerifier(make_config(google=google, google_jwks_url=url), clock=clock)
    try:
        with pytest.raises(ProviderUnavailable):
            await v.verify("google", google.issue_id_token("s", GOOGLE_CLIENT, None))
    finally:
        await v.aclose()


# ---------------------------------------------------------------- Apple


async def test_apple_string_true_email_verified(verifier, apple):
    token = apple.issue_id_token("001234.abcd.0999", APPLE_CLIENT, "x1y2@privaterelay.appleid.com")
    raw = jwt.decode(token, options={"verify_signature": False})
    assert raw["email_verified"] == "true" and raw["is_private_email"] == "true"
    assert "given_name" not in raw
    ident = await verifier.verify("apple", token)
    assert ident == SocialIdentity("apple", "001234.abcd.0999", "x1y2@privaterelay.appleid.com",
                                   True, "", "")
    assert apple.jwks_fetches == 1


async def test_apple_string_false_email_verified(verifier, apple):
    token = apple.issue_id_token("001234.abcd.0999", APPLE_CLIENT, "a@example.com",
                                 email_verified=False)
    assert jwt.decode(token, options={"verify_signature": False})["email_verified"] == "false"
    assert (await verifier.verify("apple", token)).email_verified is False


async def test_apple_audience_is_the_apple_client_id(verifier, apple):
    token = apple.issue_id_token("s", GOOGLE_CLIENT, "a@example.com")
    await expect_invalid(verifier, "apple", token, "not issued for this app")


async def test_apple_issuer_enforced(verifier, apple):
    token = apple.issue_id_token("s", APPLE_CLIENT, "a@example.com", iss="https://accounts.google.com")
    await expect_invalid(verifier, "apple", token, "unexpected issuer")


async def test_token_of_one_provider_not_accepted_as_another(verifier, google, apple):
    apple_token = apple.issue_id_token("s", GOOGLE_CLIENT, "a@example.com")
    await expect_invalid(verifier, "google", apple_token, "unknown key")


# ---------------------------------------------------------------- Facebook


async def test_facebook_valid_token(verifier, fb):
    fb.require_appsecret_proof = True
    token = fb.register_user_token("EAAvalid1", "10150000001", "dee@example.com", "Dee", "Ng")
    ident = await verifier.verify("facebook", token)
    assert ident == SocialIdentity("facebook", "10150000001", "dee@example.com", True, "Dee", "Ng")
    assert (fb.debug_token_calls, fb.me_calls) == (1, 1)


async def test_facebook_user_without_email(verifier, fb):
    token = fb.register_user_token("EAAnomail", "10150000002", None, "Eve", "Ok")
    ident = await verifier.verify("facebook", token)
    assert (ident.email, ident.email_verified, ident.first_name) == (None, False, "Eve")


async def test_facebook_token_for_another_app_rejected(verifier, fb):
    token = fb.register_user_token("EAAother", "10150000003", "f@example.com", "F", "G",
                                   app_id="9988776655")
    await expect_invalid(verifier, "facebook", token, "different app")
    assert fb.me_calls == 0


async def test_facebook_unknown_token_rejected(verifier, fb):
    await expect_invalid(verifier, "facebook", "EAAgarbage", "invalid or expired")
    assert fb.me_calls == 0


async def test_facebook_expired_and_invalidated_tokens_rejected(verifier, fb):
    expired = fb.register_user_token("EAAexp", "1", "a@example.com", "A", "B", expires_in=-10)
    await expect_invalid(verifier, "facebook", expired, "invalid or expired")
    revoked = fb.register_user_token("EAArev", "2", "a@example.com", "A", "B", valid=False)
    await expect_invalid(verifier, "facebook", revoked, "invalid or expired")
    later = fb.register_user_token("EAAlater", "3", "a@example.com", "A", "B")
    assert (await verifier.verify("facebook", later)).subject == "3"
    fb.invalidate_token(later)
    await expect_invalid(verifier, "facebook", later, "invalid or expired")


async def test_facebook_wrong_app_secret_is_unavailable_and_not_leaked(fb, clock):
    token = fb.register_user_token("EAAok", "4", "a@example.com", "A", "B")
    v = SocialVerifier(make_config(fb=fb, facebook_app_secret="wrong-secret"), clock=clock)
    try:
        with pytest.raises(ProviderUnavailable) as exc:
            await v.verify("facebook", token)
        assert "wrong-secret" not in str(exc.value) and token not in str(exc.value)
    finally:
        await v.aclose()


async def test_facebook_provider_down_is_unavailable(clock):
    with FacebookGraph(FB_APP_ID, FB_SECRET) as fb:
        token = fb.register_user_token("EAAdown", "5", "a@example.com", "A", "B")
    v = SocialVerifier(make_config(fb=fb), clock=clock)
    try:
        with pytest.raises(ProviderUnavailable) as exc:
            await v.verify("facebook", token)
        assert FB_SECRET not in str(exc.value) and "127.0.0.1" not in str(exc.value)
    finally:
        await v.aclose()


async def test_facebook_5xx_is_unavailable(verifier, fb):
    token = fb.register_user_token("EAA5xx", "6", "a@example.com", "A", "B")
    fb.fail_status = 500
    with pytest.raises(ProviderUnavailable):
        await verifier.verify("facebook", token)
    fb.fail_status = None
    assert (await verifier.verify("facebook", token)).subject == "6"


async def test_facebook_not_configured_is_unavailable(fb, clock):
    v = SocialVerifier(make_config(fb=fb, facebook_app_secret=""), clock=clock)
    try:
        with pytest.raises(ProviderUnavailable, match="not configured"):
            await v.verify("facebook", "EAAanything")
        assert fb.debug_token_calls == 0
    finally:
        await v.aclose()


async def test_facebook_versioned_graph_url(fb, clock):
    token = fb.register_user_token("EAAver", "7", "a@example.com", "A", "B")
    v = SocialVerifier(make_config(fb=fb, facebook_graph_url=fb.base_url + "/v19.0/"), clock=clock)
    try:
        assert (await v.verify("facebook", token)).subject == "7"
    finally:
        await v.aclose()


# ---------------------------------------------------------------- generic


@pytest.mark.parametrize("provider, token, fragment", [
    ("twitter", "x", "unsupported social provider"),
    ("", "x", "unsupported social provider"),
    ("google", "", "missing"),
    ("facebook", "   ", "missing"),
    ("apple", "a" * 20000, "too long"),
])
async def test_bad_requests_rejected(verifier, provider, token, fragment):
    await expect_invalid(verifier, provider, token, fragment)


async def test_provider_name_case_insensitive(verifier, google):
    token = google.issue_id_token("s", GOOGLE_CLIENT, None)
    assert (await verifier.verify("Google", token)).provider == "google"


def test_config_from_env():
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GOOGLE_", "APPLE_", "FACEBOOK_", "SOCIAL_"))}
    code = ("import json, dataclasses; from services.auth.social import SocialConfig;"
            "print(json.dumps(dataclasses.asdict(SocialConfig.from_env())))")
    run = lambda extra: json.loads(subprocess.run(  # noqa: E731
        [sys.executable, "-c", code], env={**env, **extra}, check=True,
        capture_output=True, text=True, cwd=os.getcwd()).stdout)
    d = run({})
    assert d["google_jwks_url"] == "https://www.googleapis.com/oauth2/v3/certs"
    assert d["google_client_ids"] == ["p2p-delivery-dev"] == d["apple_client_ids"]
    assert d["google_issuers"] == ["accounts.google.com", "https://accounts.google.com"]
    assert d["apple_jwks_url"] == "https://appleid.apple.com/auth/keys"
    assert d["apple_issuer"] == "https://appleid.apple.com"
    assert d["facebook_graph_url"] == "https://graph.facebook.com"
    assert (d["http_timeout"], d["jwks_cache_seconds"]) == (5.0, 3600.0)
    d = run({"GOOGLE_JWKS_URL": "http://g/jwks", "GOOGLE_CLIENT_IDS": "a, b,,",
             "APPLE_JWKS_URL": "http://a/jwks", "APPLE_CLIENT_IDS": "com.x",
             "FACEBOOK_GRAPH_URL": "http://fb", "FACEBOOK_APP_ID": "42",
             "FACEBOOK_APP_SECRET": "s", "SOCIAL_HTTP_TIMEOUT_SECONDS": "1.5"})
    assert d["google_jwks_url"] == "http://g/jwks" and d["google_client_ids"] == ["a", "b"]
    assert d["apple_jwks_url"] == "http://a/jwks" and d["apple_client_ids"] == ["com.x"]
    assert (d["facebook_graph_url"], d["facebook_app_id"], d["facebook_app_secret"]) == \
        ("http://fb", "42", "s")
    assert d["http_timeout"] == 1.5


# ---------------------------------------------------------------- the fakes themselves


async def test_fake_oidc_jwks_has_google_shape(google):
    async with httpx.AsyncClient() as c:
        r = await c.get(google.jwks_url)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    keys = r.json()["keys"]
    for key in keys:
        assert set(key) == {"kty", "alg", "use", "kid", "n", "e"}
        assert (key["kty"], key["alg"], key["use"], key["e"]) == ("RSA", "RS256", "sig", "AQAB")
        assert len(jwt.utils.base64url_decode(key["n"])) == 256      # RSA-2048 modulus
    assert [k["kid"] for k in keys] == google.kids and google.current_kid in google.kids


async def test_fake_graph_speaks_graph(fb):
    token = fb.register_user_token("EAAshape", "77", "h@example.com", "H", "I")
    async with httpx.AsyncClient(base_url=fb.base_url) as c:
        ok = (await c.get("/debug_token", params={"input_token": token,
                                                  "access_token": fb.app_access_token})).json()
        bad_app = await c.get("/debug_token", params={"input_token": token,
                                                      "access_token": f"{FB_APP_ID}|nope"})
        bad_input = (await c.get("/debug_token", params={"input_token": "zzz",
                                                         "access_token": fb.app_access_token})).json()
        me = await c.get("/me", params={"fields": "id,email", "access_token": token})
        me_bad = await c.get("/me", params={"access_token": "zzz"})
    data = ok["data"]
    assert data["is_valid"] is True and data["app_id"] == FB_APP_ID and data["user_id"] == "77"
    assert data["type"] == "USER" and data["expires_at"] > time.time() and "email" in data["scopes"]
    assert bad_app.status_code == 400
    assert set(bad_app.json()["error"]) == {"message", "type", "code", "fbtrace_id"}
    assert bad_app.json()["error"]["code"] == 190
    assert bad_input["data"]["is_valid"] is False and bad_input["data"]["error"]["code"] == 190
    assert me.status_code == 200 and me.json() == {"id": "77", "email": "h@example.com"}
    assert "\\u0040" in me.text           # Graph escapes "@"
    assert me_bad.status_code == 400 and me_bad.json()["error"]["type"] == "OAuthException"
