"""Auth service entry point: `python -m services.auth.server` (port 3001, auth_db)."""
from __future__ import annotations

import asyncio
import logging

from p2p.auth.v1 import auth_pb2_grpc
from services.auth.domain import AuthDomain
from services.auth.emails import EmailSender
from services.auth.events import UserEvents
from services.auth.keys import Box, KeyRing
from services.auth.servicer import AuthServicer
from services.auth.settings import AuthSettings
from services.auth.social import SocialConfig, SocialVerifier
from services.common import db, server
from services.common.outbox import Dispatcher
from services.common.ratelimit import RateLimiter


def build(settings: AuthSettings | None = None, users_address: str | None = None) -> server.ServiceApp:
    """The auth server. Registration and deletion events go to the users service at
    `users_address`, else USERS_ADDR (default 127.0.0.1:3002) read at delivery time."""
    s = settings or AuthSettings.from_env()
    app = server.ServiceApp("auth", s.base)
    ring = KeyRing(app.sessions, Box(s.encryption_key), rotation_days=s.key_rotation_days,
                   overlap_seconds=s.key_overlap_seconds, publish_delay=s.key_publish_delay)
    social = SocialVerifier(SocialConfig.from_env())
    limiter = RateLimiter(app.sessions)
    domain = AuthDomain(s, app.sessions, ring, limiter, social, reads=app.reads)
    app.add_servicer(auth_pb2_grpc.add_AuthServiceServicer_to_server, AuthServicer(domain))
    app.use_local_jwks(ring.jwks)   # auth verifies its own tokens with its own key ring
    app.on_startup(ring.ensure)
    app.on_shutdown(social.aclose)

    dispatcher = Dispatcher(app.engine, db.psycopg_url(s.base.database_url), EmailSender(s).handlers(),
                            poll_seconds=s.base.outbox_poll_seconds, max_attempts=s.base.outbox_max_attempts,
                            retention_seconds=s.base.outbox_retention_seconds,
                            handler_timeout=30, name="auth-outbox")
    app.on_startup(dispatcher.start)
    app.on_shutdown(dispatcher.stop)

    # Account events for the users service, on their own dispatcher: a users outage delays
    # them (retried with backoff) but never the emails above.
    events = UserEvents(s.base, users_address)
    user_dispatcher = Dispatcher(app.engine, db.psycopg_url(s.base.database_url), events.handlers(),
                                 poll_seconds=s.base.outbox_poll_seconds, max_attempts=s.base.outbox_max_attempts,
                                 retention_seconds=s.base.outbox_retention_seconds,
                                 handler_timeout=10, name="auth-user-events")
    app.on_startup(user_dispatcher.start)
    app.on_shutdown(events.close)
    app.on_shutdown(user_dispatcher.stop)    # runs before events.close

    async def housekeeping(stop: asyncio.Event) -> None:
        """Rotate the signing key when it is due; purge expired rate-limit counters."""
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=300)
            except asyncio.TimeoutError:
                pass
            if stop.is_set():
                return
            try:
                await ring.ensure()
                await limiter.purge_expired()
            except Exception:  # noqa: BLE001 - retried at the next tick
                logging.getLogger("p2p.auth").exception("housekeeping failed")
    app.background(housekeeping)
    app.domain = domain  # for tests and benchmarks that drive the domain directly
    return app


if __name__ == "__main__":
    server.run(build, "auth")
