"""Local stand-ins for the social sign-in providers, speaking their real HTTP protocols.

No mocking: each fake is a real HTTP server (stdlib ThreadingHTTPServer) on 127.0.0.1 with
an ephemeral port, served from a daemon thread, so code under test talks to it exactly as
it would to Google / Apple / Facebook (point GOOGLE_JWKS_URL, APPLE_JWKS_URL and
FACEBOOK_GRAPH_URL at them).

    with OIDCProvider("https://accounts.google.com", "google") as google, \\
         OIDCProvider("https://appleid.apple.com", "apple") as apple, \\
         FacebookGraph("1234567890", "app-secret") as fb:
        env = {"GOOGLE_JWKS_URL": google.jwks_url, "GOOGLE_CLIENT_IDS": "my-client",
               "APPLE_JWKS_URL": apple.jwks_url, "APPLE_CLIENT_IDS": "my.bundle.id",
               "FACEBOOK_GRAPH_URL": fb.base_url, "FACEBOOK_APP_ID": fb.app_id,
               "FACEBOOK_APP_SECRET": fb.app_secret}
        id_token = google.issue_id_token("sub-1", "my-client", "ann@example.com",
                                         given_name="Ann", family_name="Lee")
        fb_token = fb.register_user_token("EAAtok1", "10101", "ann@example.com", "Ann", "Lee")

Fault injection (both fakes): set `.fail_status = 503` to answer every request with that
status (Graph-style error JSON for Facebook), `.delay_seconds = 2.0` to stall responses
(timeouts), or `.stop()` the server (connection refused).

Response shapes follow the providers' documentation:
* JWKS: {"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid", "n", "e"}]} as
  served by https://www.googleapis.com/oauth2/v3/certs and https://appleid.apple.com/auth/keys
* Graph `/debug_token`: {"data": {"app_id", "type": "USER", "application",
  "data_access_expires_at", "expires_at", "is_valid", "issued_at", "scopes", "user_id"}};
  an unknown/garbage *input* token gives HTTP 200 with {"data": {"error": {"code": 190,
  "message"}, "is_valid": false, "scopes": []}}; an expired/invalidated one carries
  data.error with subcode 463/460. A bad *app* access token gives HTTP 400 with
  {"error": {"message", "type": "OAuthException", "code": 190, "fbtrace_id"}}.
* Graph `/me`: only the requested `fields` (default id,name); `email` only if the user
  has one; a bad user token gives HTTP 400 with the Graph error object (code 190).
  Optional `/vNN.N/` version prefixes are accepted on every path.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

__all__ = ["OIDCProvider", "FacebookGraph", "new_rsa_key"]


def new_rsa_key() -> rsa.RSAPrivateKey:
    """A fresh RSA-2048 private key (e.g. to forge a token the provider never signed)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


Response = tuple[int, dict[str, str], bytes]


def _json(status: int, body: Any, headers: dict[str, str] | None = None,
          escape_at: bool = False) -> Response:
    text = json.dumps(body, separators=(",", ":"))
    if escape_at:                      # Graph escapes "@" in JSON strings as \u0040
        text = text.replace("@", "\\u0040")
    return status, {"Content-Type": "application/json; charset=UTF-8", **(headers or {})}, \
        text.encode()


class _LocalHTTPServer:
    """Base: an HTTP server on 127.0.0.1:<ephemeral> run by a daemon thread.

    Subclasses implement `_route(path, query) -> (status, headers, body)` for GET requests.
    """

    def __init__(self) -> None:
        self.fail_status: int | None = None    # answer every request with this status
        self.delay_seconds: float = 0.0        # sleep before answering (timeout tests)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None
        self._lock = threading.Lock()

    # lifecycle -------------------------------------------------------------------
    def start(self) -> "_LocalHTTPServer":
        if self._server is not None:
            return self
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"      # one request per connection: stop() is final
            server_version = "fake-provider/1"

            def do_GET(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
                if owner.delay_seconds:
                    time.sleep(owner.delay_seconds)
                if owner.fail_status is not None:
                    status, headers, body = owner._outage(owner.fail_status, url.path)
                else:
                    status, headers, body = owner._route(url.path, query)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass                       # client gave up (e.g. timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self._port or 0), Handler)
        server.daemon_threads = True
        self._server = server
        self._port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"{type(self).__name__}:{self._port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; afterwards connections to `base_url` are refused.
        `start()` again re-listens on the same port (best effort)."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port> (the port stays the same after stop())."""
        if self._port is None:
            raise RuntimeError("server not started")
        return f"http://127.0.0.1:{self._port}"

    # to override -----------------------------------------------------------------
    def _route(self, path: str, query: dict[str, str]) -> Response:
        raise NotImplementedError

    def _outage(self, status: int, path: str) -> Response:
        return status, {"Content-Type": "text/html"}, b"<html><body>Service Unavailable</body></html>"


class OIDCProvider(_LocalHTTPServer):
    """A Google-/Apple-like OpenID Connect provider: RS256 ID tokens + JWKS endpoint.

    OIDCProvider(issuer="https://accounts.google.com", name="google")
      name "google" -> tokens carry azp, name/given_name/family_name, boolean email_verified
      name "apple"  -> tokens carry auth_time/nonce_supported, email_verified and
                       is_private_email as the strings "true"/"false" (as Apple does), and
                       never names
    Endpoints: GET /jwks (the JWK set), GET /.well-known/openid-configuration.
    Attributes: .issuer, .name, .jwks_url, .current_kid, .kids (published key ids),
                .jwks_fetches (number of GET /jwks served, outages included).
    """

    def __init__(self, issuer: str = "https://accounts.google.com", name: str = "google") -> None:
        super().__init__()
        self.issuer = issuer
        self.name = name
        self.jwks_fetches = 0
        self._keys: list[tuple[str, rsa.RSAPrivateKey]] = []
        self.rotate_key()

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/jwks"

    @property
    def current_kid(self) -> str:
        """The kid new tokens are signed with (the most recently added key)."""
        return self._keys[-1][0]

    @property
    def kids(self) -> list[str]:
        return [kid for kid, _ in self._keys]

    def rotate_key(self, *, retire_old: bool = False) -> str:
        """Add a new signing key (published in the JWKS, used for new tokens); returns its
        kid. Old keys stay published unless `retire_old=True` (Google keeps the previous
        key for a while, so tokens in flight remain verifiable)."""
        kid = secrets.token_hex(20)
        with self._lock:
            if retire_old:
                self._keys.clear()
            self._keys.append((kid, new_rsa_key()))
        return kid

    def jwks(self) -> dict:
        with self._lock:
            keys = list(self._keys)
        out = []
        for kid, key in keys:
            pub = key.public_key().public_numbers()
            out.append({"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
                        "n": _b64uint(pub.n), "e": _b64uint(pub.e)})
        return {"keys": out}

    def issue_id_token(
        self,
        sub: str,
        aud: str | list[str],
        email: str | None,
        email_verified: bool | str = True,
        given_name: str | None = None,
        family_name: str | None = None,
        expires_in: int = 3600,
        kid: str | None = None,
        *,
        signing_key: rsa.RSAPrivateKey | None = None,
        **extra: Any,
    ) -> str:
        """Sign an ID token like the real provider would.

        exp = now + expires_in (negative -> already expired; iat is then set an hour before
        exp). `kid` selects a published key (default: current). `signing_key` signs with a
        key of your own while still putting `kid` (default current) in the header - a
        forgery the provider never issued. `extra` claims are added last and override the
        defaults (e.g. iss="https://evil.example", iat=..., sub=None to drop a claim:
        claims whose value is None are omitted).
        """
        now = int(time.time())
        exp = now + int(expires_in)
        iat = now if expires_in > 0 else exp - 3600
        claims: dict[str, Any] = {"iss": self.issuer, "aud": aud, "sub": sub, "iat": iat, "exp": exp}
        if self.name == "apple":
            claims.update(auth_time=iat, nonce_supported=True)
            if email is not None:
                as_str = lambda v: v if isinstance(v, str) else ("true" if v else "false")  # noqa: E731
                claims.update(email=email, email_verified=as_str(email_verified),
                              is_private_email=as_str(email.endswith("@privaterelay.appleid.com")))
        else:
            if self.name == "google" and isinstance(aud, str):
                claims["azp"] = aud
            if email is not None:
                claims.update(email=email, email_verified=email_verified)
            if given_name is not None:
                claims["given_name"] = given_name
            if family_name is not None:
                claims["family_name"] = family_name
            if given_name or family_name:
                claims["name"] = " ".join(p for p in (given_name, family_name) if p)
        claims.update(extra)
        claims = {k: v for k, v in claims.items() if v is not None}

        with self._lock:
            keys = dict(self._keys)
        kid = kid or self.current_kid
        if signing_key is None:
            if kid not in keys:
                raise KeyError(f"unknown kid {kid!r}; pass signing_key to forge one")
            signing_key = keys[kid]
        return jwt.encode(claims, signing_key, algorithm="RS256", headers={"kid": kid, "typ": "JWT"})

    def _route(self, path: str, query: dict[str, str]) -> Response:
        if path == "/jwks":
            with self._lock:
                self.jwks_fetches += 1
            return _json(200, self.jwks(),
                         {"Cache-Control": "public, max-age=19800, must-revalidate, no-transform"})
        if path == "/.well-known/openid-configuration":
            return _json(200, {
                "issuer": self.issuer,
                "jwks_uri": self.jwks_url,
                "response_types_supported": ["code", "id_token"],
                "subject_types_supported": ["public" if self.name != "apple" else "pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "claims_supported": ["aud", "email", "email_verified", "exp", "iat", "iss", "sub"],
            })
        return 404, {"Content-Type": "text/html"}, b"<html><body>Not Found</body></html>"

    def _outage(self, status: int, path: str) -> Response:
        if path == "/jwks":            # failed fetch attempts count too
            with self._lock:
                self.jwks_fetches += 1
        return super()._outage(status, path)


class FacebookGraph(_LocalHTTPServer):
    """A Facebook Graph API stand-in for Facebook Login token checks.

    FacebookGraph(app_id="1234567890", app_secret="fake-app-secret", app_name="p2p-delivery")
    Endpoints (optionally under /vNN.N/):
      GET /debug_token?input_token=<user token>&access_token=<app_id>|<app_secret>
      GET /me?fields=id,email,first_name,last_name,name&access_token=<user token>
              [&appsecret_proof=<hex HMAC-SHA256(app_secret, user token)>]
    Attributes: .app_id, .app_secret, .app_access_token, .base_url,
                .debug_token_calls, .me_calls (requests served, errors included),
                .require_appsecret_proof (default False; True mimics the app setting
                "Require App Secret": /me without a proof is refused).
    A wrong appsecret_proof is always refused, as Graph does.
    """

    def __init__(self, app_id: str = "1234567890", app_secret: str = "fake-app-secret",
                 app_name: str = "p2p-delivery") -> None:
        super().__init__()
        self.app_id, self.app_secret, self.app_name = str(app_id), app_secret, app_name
        self.require_appsecret_proof = False
        self.debug_token_calls = 0
        self.me_calls = 0
        self._apps: dict[str, tuple[str, str]] = {self.app_id: (app_secret, app_name)}
        self._tokens: dict[str, dict[str, Any]] = {}

    @property
    def app_access_token(self) -> str:
        return f"{self.app_id}|{self.app_secret}"

    def register_user_token(
        self,
        token: str,
        user_id: str,
        email: str | None,
        first_name: str,
        last_name: str,
        expires_in: int = 3600,
        valid: bool = True,
        *,
        app_id: str | None = None,
        scopes: tuple[str, ...] | None = None,
    ) -> str:
        """Make `token` a user access token of `user_id`; returns the token.

        expires_in <= 0 -> expired (Graph: is_valid false, subcode 463);
        valid=False -> invalidated, e.g. password change (is_valid false, subcode 460);
        app_id -> issue the token to some *other* app (default: this app);
        email=None -> the user has no (confirmed) email: /me omits the field.
        """
        app_id = str(app_id or self.app_id)
        with self._lock:
            if app_id not in self._apps:
                self._apps[app_id] = (secrets.token_hex(16), f"Other app {app_id}")
            now = int(time.time())
            self._tokens[token] = {
                "app_id": app_id, "user_id": str(user_id), "email": email,
                "first_name": first_name, "last_name": last_name,
                "issued_at": now, "expires_at": now + int(expires_in), "valid": valid,
                "scopes": list(scopes if scopes is not None else
                               (("email", "public_profile") if email else ("public_profile",))),
            }
        return token

    def invalidate_token(self, token: str) -> None:
        """Invalidate a registered token (as if the user changed their password)."""
        with self._lock:
            self._tokens[token]["valid"] = False

    # protocol ---------------------------------------------------------------------
    @staticmethod
    def _error(message: str, code: int, type_: str = "OAuthException", status: int = 400,
               subcode: int | None = None, **more: Any) -> Response:
        err: dict[str, Any] = {"message": message, "type": type_, "code": code}
        if subcode is not None:
            err["error_subcode"] = subcode
        err.update(more)
        err["fbtrace_id"] = base64.urlsafe_b64encode(secrets.token_bytes(9)).decode()
        headers = {}
        if code == 190:
            headers["WWW-Authenticate"] = f'OAuth "Facebook Platform" "invalid_token" "{message}"'
        return _json(status, {"error": err}, headers)

    def _token_problem(self, rec: dict[str, Any] | None) -> tuple[str, int | None] | None:
        """(message, subcode) why a user token is not usable, or None if it is."""
        if rec is None:
            return "Invalid OAuth access token data.", None
        if not rec["valid"]:
            return ("Error validating access token: The session has been invalidated because "
                    "the user changed their password or Facebook has changed the session for "
                    "security reasons."), 460
        now = time.time()
        if rec["expires_at"] <= now:
            fmt = "%A, %d-%b-%y %H:%M:%S UTC"
            return ("Error validating access token: Session has expired on "
                    f"{time.strftime(fmt, time.gmtime(rec['expires_at']))}. The current time is "
                    f"{time.strftime(fmt, time.gmtime(now))}."), 463
        return None

    def _route(self, path: str, query: dict[str, str]) -> Response:
        parts = [p for p in path.split("/") if p]
        if parts and parts[0].startswith("v") and parts[0][1:].replace(".", "").isdigit():
            parts = parts[1:]
        node = "/".join(parts)
        if node == "debug_token":
            with self._lock:
                self.debug_token_calls += 1
            return self._debug_token(query)
        if node == "me":
            with self._lock:
                self.me_calls += 1
            return self._me(query)
        return self._error(
            f"Unsupported get request. Object with ID '{node}' does not exist, cannot be loaded "
            "due to missing permissions, or does not support this operation.",
            100, "GraphMethodException", subcode=33)

    def _debug_token(self, q: dict[str, str]) -> Response:
        access = q.get("access_token")
        if not access:
            return self._error("An access token is required to request this resource.", 104)
        app_id, sep, secret = access.partition("|")
        with self._lock:
            app = self._apps.get(app_id) if sep else None
            rec = dict(self._tokens[q["input_token"]]) if q.get("input_token") in self._tokens else None
        if app is None:
            return self._error("Invalid OAuth access token - Cannot parse access token", 190)
        if not hmac.compare_digest(app[0], secret):
            return self._error("Invalid OAuth access token signature.", 190)
        if not q.get("input_token"):
            return self._error("(#100) The parameter input_token is required", 100)
        if rec is None:
            return _json(200, {"data": {
                "error": {"code": 190, "message": "Invalid OAuth access token - Cannot parse access token"},
                "is_valid": False, "scopes": []}})
        data: dict[str, Any] = {
            "app_id": rec["app_id"],
            "type": "USER",
            "application": self._apps[rec["app_id"]][1],
            "data_access_expires_at": rec["issued_at"] + 90 * 86400,
            "expires_at": rec["expires_at"],
            "is_valid": True,
            "issued_at": rec["issued_at"],
            "scopes": rec["scopes"],
            "user_id": rec["user_id"],
        }
        problem = self._token_problem(rec)
        if problem is not None:
            data["is_valid"] = False
            data["error"] = {"code": 190, "message": problem[0]}
            if problem[1] is not None:
                data["error"]["subcode"] = problem[1]
        return _json(200, {"data": data})

    def _me(self, q: dict[str, str]) -> Response:
        token = q.get("access_token")
        if not token:
            return self._error("An active access token must be used to query information "
                               "about the current user.", 2500)
        with self._lock:
            rec = dict(self._tokens[token]) if token in self._tokens else None
        problem = self._token_problem(rec)
        if problem is not None:
            return self._error(problem[0], 190, subcode=problem[1])
        app_secret = self._apps[rec["app_id"]][0]
        proof = q.get("appsecret_proof")
        if proof is None and self.require_appsecret_proof:
            return self._error("API calls from the server require an appsecret_proof argument",
                               100, "GraphMethodException")
        if proof is not None:
            expected = hmac.new(app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, proof):
                return self._error("Invalid appsecret_proof provided in the API argument",
                                   100, "GraphMethodException")
        available = {
            "id": rec["user_id"], "email": rec["email"],
            "first_name": rec["first_name"], "last_name": rec["last_name"],
            "name": " ".join(p for p in (rec["first_name"], rec["last_name"]) if p),
        }
        fields = [f.strip() for f in q.get("fields", "id,name").split(",") if f.strip()]
        out: dict[str, Any] = {}
        for f in fields:
            if f not in available:
                return self._error(f"(#100) Tried accessing nonexisting field ({f}) on node "
                                   "type (User)", 100)
            if available[f] is not None:
                out[f] = available[f]
        out.setdefault("id", rec["user_id"])          # Graph always includes the node id
        return _json(200, out, escape_at=True)

    def _outage(self, status: int, path: str) -> Response:
        return self._error("An unexpected error has occurred. Please retry your request later.",
                           2, status=status, is_transient=True)
