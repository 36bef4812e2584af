"""Users service entry point: `python -m services.users.server` (port 3002, user_db)."""
from __future__ import annotations

import asyncio
import logging

from p2p.users.v1 import users_pb2_grpc
from services.common import db, server
from services.common.clients import AuthClient
from services.common.outbox import Dispatcher
from services.common.ratelimit import RateLimiter
from services.users import sms
from services.users.auth_gateway import AuthGatewayGrpc
from services.users.blobs import BlobStore, LocalBlobStore
from services.users.domain import Deps, UsersDomain
from services.users.geocoding import Geocoder, Nominatim
from services.users.servicer import UserServicer
from services.users.settings import UsersSettings

log = logging.getLogger("p2p.users")


def build(settings: UsersSettings | None = None, *, geocoder: Geocoder | None = None,
          blobs: BlobStore | None = None, auth_address: str | None = None) -> server.ServiceApp:
    """The users server. `geocoder` (default: Nominatim at GEOCODER_BASE_URL) and `blobs` (default:
    a local directory, USERS_BLOB_DIR) are pluggable. Auth is reached at AUTH_ADDR (default
    127.0.0.1:3001) unless `auth_address` is given."""
    s = settings or UsersSettings.from_env()
    app = server.ServiceApp("users", s.base)
    auth_client = AuthClient(s.base, auth_address)
    app.on_shutdown(auth_client.close)
    geocoder = geocoder or Nominatim(s.geocoder_base_url, s.geocoder_timeout, s.geocoder_user_agent)
    app.on_shutdown(geocoder.aclose)
    limiter = RateLimiter(app.sessions)
    deps = Deps(settings=s, sessions=app.sessions, auth=AuthGatewayGrpc(auth_client, s.auth_timeout),
                geocoder=geocoder, blobs=blobs or LocalBlobStore(s.blob_dir), limiter=limiter)
    domain = UsersDomain(deps)
    app.add_servicer(users_pb2_grpc.add_UserServiceServicer_to_server, UserServicer(domain))

    if s.sms_transport == "log":
        dispatcher = Dispatcher(app.engine, db.psycopg_url(db.sqlalchemy_url(s.base.database_url)), sms.handlers(),
                                poll_seconds=s.base.outbox_poll_seconds, max_attempts=s.base.outbox_max_attempts,
                                retention_seconds=s.base.outbox_retention_seconds,
                                handler_timeout=10, name="users-outbox")
        app.on_startup(dispatcher.start)
        app.on_shutdown(dispatcher.stop)

    async def housekeeping(stop: asyncio.Event) -> None:
        """Purge expired rate-limit counters."""
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=300)
            except asyncio.TimeoutError:
                pass
            if stop.is_set():
                return
            try:
                await limiter.purge_expired()
            except Exception:  # noqa: BLE001 - retried at the next tick
                log.exception("housekeeping failed")
    app.background(housekeeping)
    app.domain = domain   # for tests that drive the domain directly
    app.blobs = deps.blobs
    return app


if __name__ == "__main__":
    server.run(build, "users")
