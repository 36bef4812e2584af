"""Deliveries service entry point: `python -m services.deliveries.server` (port 3004, delivery_db)."""
from __future__ import annotations

import asyncio
import logging

from p2p.deliveries.v1 import deliveries_pb2_grpc
from services.common import db, server
from services.common.clients import TripsClient, UsersClient
from services.common.outbox import Dispatcher
from services.deliveries.domain import DeliveriesDomain
from services.deliveries.domain.common import TOPIC_ACCEPT_GUARD, TOPIC_CAPACITY_RELEASE, Deps
from services.deliveries.domain.ports import BlockList, RatingSource
from services.deliveries.notifier import OfferNotifier
from services.deliveries.servicer import DeliveryServicer
from services.deliveries.settings import DeliveriesSettings
from services.deliveries.trips_gateway import TripsGatewayGrpc
from services.deliveries.users_gateway import UserEventsForwarder, UsersBlocks, UsersRatings

log = logging.getLogger("p2p.deliveries")


def build(settings: DeliveriesSettings | None = None, *, ratings: RatingSource | None = None,
          blocks: BlockList | None = None, trips_address: str | None = None,
          users_address: str | None = None) -> server.ServiceApp:
    """`ratings` and `blocks` are the pluggable sources; by default the users service
    (services/deliveries/users_gateway.py), which also receives the delivery events. The trips
    and users services are reached at TRIPS_ADDR / USERS_ADDR (defaults 127.0.0.1:3003 / :3002)
    unless `trips_address` / `users_address` are given."""
    s = settings or DeliveriesSettings.from_env()
    app = server.ServiceApp("deliveries", s.base)
    trips_client = TripsClient(s.base, trips_address, timeout=s.trips_timeout_seconds)
    app.on_shutdown(trips_client.close)
    users_client = UsersClient(s.base, users_address, timeout=s.trips_timeout_seconds)
    app.on_shutdown(users_client.close)
    deps = Deps(settings=s, sessions=app.sessions, trips=TripsGatewayGrpc(trips_client),
                ratings=ratings or UsersRatings(users_client), blocks=blocks or UsersBlocks(users_client))
    notifier = OfferNotifier(db.psycopg_url(db.sqlalchemy_url(s.base.database_url)))
    domain = DeliveriesDomain(deps, notifier)
    # WatchOffers streams end as soon as the server starts draining.
    app.add_servicer(deliveries_pb2_grpc.add_DeliveryServiceServicer_to_server,
                     DeliveryServicer(domain, stopping=app.stopping))
    app.on_startup(notifier.start)
    app.on_shutdown(notifier.stop)

    dispatcher = Dispatcher(app.engine, db.psycopg_url(db.sqlalchemy_url(s.base.database_url)),
                            {TOPIC_CAPACITY_RELEASE: domain.lifecycle.handle_release_event,
                             TOPIC_ACCEPT_GUARD: domain.offers.check_accept_guard,
                             **UserEventsForwarder(users_client).handlers()},
                            poll_seconds=s.base.outbox_poll_seconds, max_attempts=s.base.outbox_max_attempts,
                            retention_seconds=s.base.outbox_retention_seconds,
                            handler_timeout=30, name="deliveries-outbox")
    app.on_startup(dispatcher.start)
    app.on_shutdown(dispatcher.stop)

    async def expiry(stop: asyncio.Event) -> None:
        """Expire requests past expires_at and offers past valid_until, every few seconds."""
        while not stop.is_set():
            try:
                await domain.lifecycle.expire_due()
            except Exception:  # noqa: BLE001 - retried at the next tick
                log.exception("expiry job failed")
            try:
                await asyncio.wait_for(stop.wait(), timeout=s.expiry_interval_seconds)
            except asyncio.TimeoutError:
                pass
    app.background(expiry)
    app.domain = domain   # for tests and benchmarks that drive the domain directly
    app.notifier = notifier
    return app


if __name__ == "__main__":
    server.run(build, "deliveries")
