"""Secrets handling for auth: password hashing, opaque tokens, encryption at rest, and the
ES256 signing keys published as a JWKS (with rotation and an overlap period)."""
from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
import time

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from services.auth import store


# -- passwords (argon2id; CPU-heavy, so off the event loop) ---------------------------------
class Passwords:
    def __init__(self, time_cost: int, memory_kib: int, parallelism: int):
        self._ph = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
        self._dummy = self._ph.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._ph.hash, password)

    async def verify(self, hashed: str | None, password: str) -> bool:
        """Constant work whether or not the account exists (hashed=None verifies a dummy)."""
        target = hashed or self._dummy
        try:
            ok = await asyncio.to_thread(self._ph.verify, target, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return ok and hashed is not None


# -- opaque tokens ---------------------------------------------------------------------------
def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


# -- encryption at rest ------------------------------------------------------------------------
class Box:
    """Fernet (AES-128-CBC + HMAC) with a key derived from AUTH_ENCRYPTION_KEY."""

    def __init__(self, secret: str):
        self._f = Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))

    def seal(self, data: bytes) -> bytes:
        return self._f.encrypt(data)

    def open(self, data: bytes) -> bytes:
        try:
            return self._f.decrypt(data)
        except InvalidToken as e:
            raise RuntimeError("cannot decrypt: AUTH_ENCRYPTION_KEY changed?") from e


# -- signing keys ------------------------------------------------------------------------------
def _public_jwk(private_key: ec.EllipticCurvePrivateKey, kid: str) -> dict:
    jwk = json.loads(ECAlgorithm.to_jwk(private_key.public_key()))
    return {"kty": jwk["kty"], "crv": jwk["crv"], "x": jwk["x"], "y": jwk["y"], "kid": kid, "alg": "ES256", "use": "sig"}


class KeyRing:
    """Loads keys from signing_keys, signs with the newest active one, publishes every key
    not yet retired. A replica reloads every `reload_seconds` so rotations done elsewhere
    are picked up; tokens signed by a superseded key stay verifiable for the overlap."""

    def __init__(self, sessions, box: Box, *, rotation_days: int, overlap_seconds: int, publish_delay: int = 60,
                 reload_seconds: int = 30):
        self._sessions = sessions
        self._box = box
        self._rotation = dt.timedelta(days=rotation_days)
        self._overlap = dt.timedelta(seconds=overlap_seconds)
        self._reload_seconds = reload_seconds
        self._publish_delay = publish_delay
        self._private: dict[str, object] = {}
        self._ring: list[tuple[str, float, object]] = []
        self._jwks: dict = {"keys": []}
        self._loaded_at = 0.0

    async def ensure(self) -> None:
        """Create the first key (or rotate an expired one) and load the ring."""
        async with self._sessions.begin() as s:
            await store.lock(s, "auth.signing_keys")
            active = await store.active_key(s)
            now = await store.db_now(s)
            if active is None or now - active.created_at > self._rotation:
                await self._create(s, now)
        await self.reload()

    async def rotate(self) -> tuple[str, dt.datetime]:
        async with self._sessions.begin() as s:
            await store.lock(s, "auth.signing_keys")
            now = await store.db_now(s)
            kid, retire_at = await self._create(s, now)
        await self.reload()
        return kid, retire_at

    async def _create(self, s, now: dt.datetime) -> tuple[str, dt.datetime]:
        key = ec.generate_private_key(ec.SECP256R1())
        kid = f"{now:%Y%m%d}-{secrets.token_hex(4)}"
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        s.add(store.SigningKey(kid=kid, private_key=self._box.seal(pem), public_jwk=_public_jwk(key, kid)))
        await s.flush()
        retire_at = now + self._overlap
        await store.retire_active_keys(s, retire_at, except_kid=kid)
        return kid, retire_at

    async def reload(self) -> None:
        async with self._sessions() as s:
            keys = await store.published_keys(s)   # newest first
        ring = []
        for k in keys:
            pk = self._private.get(k.kid)
            if pk is None:
                pk = serialization.load_pem_private_key(self._box.open(k.private_key), password=None)
                self._private[k.kid] = pk
            ring.append((k.kid, k.created_at.timestamp(), pk))
        self._ring = ring
        self._jwks = {"keys": [k.public_jwk for k in keys]}
        self._loaded_at = time.monotonic()

    async def maybe_reload(self) -> None:
        if time.monotonic() - self._loaded_at > self._reload_seconds:
            await self.reload()

    async def jwks(self) -> dict:
        await self.maybe_reload()
        return self._jwks

    def signer(self) -> tuple[str, object]:
        """The newest key published for at least `publish_delay` seconds (so that verifiers
        caching the JWKS, Envoy included, know it before it is used); the newest key when
        there is no older one."""
        if not self._ring:
            raise RuntimeError("no signing key loaded")
        now = time.time()
        for kid, created, pk in self._ring:
            if now - created >= self._publish_delay:
                return kid, pk
        kid, _, pk = self._ring[-1] if len(self._ring) > 1 else self._ring[0]
        return kid, pk

    def sign(self, claims: dict) -> str:
        kid, key = self.signer()
        return jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid})

    def verify_internal(self, token: str, typ: str, audience: str, issuer: str) -> dict:
        """Verify a token auth issued to itself (e.g. the 2FA challenge)."""
        header = jwt.get_unverified_header(token)
        jwk = next((k for k in self._jwks["keys"] if k["kid"] == header.get("kid")), None)
        if jwk is None:
            raise jwt.InvalidTokenError("unknown key")
        claims = jwt.decode(token, ECAlgorithm.from_jwk(json.dumps(jwk)), algorithms=["ES256"],
                            audience=audience, issuer=issuer)
        if claims.get("typ") != typ:
            raise jwt.InvalidTokenError("wrong token type")
        return claims
