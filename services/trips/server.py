"""Trips service entry point: `python -m services.trips.server` (port 3003, trip_db)."""
from __future__ import annotations

import asyncio
import logging

from p2p.trips.v1 import trips_pb2_grpc
from services.common import db, server
from services.common.outbox import Dispatcher
from services.trips.domain import TripsDomain
from services.trips.events import EVENT_TIMEOUT, Peers, TripEvents
from services.trips.servicer import TripServicer
from services.trips.settings import TripsSettings
from services.trips.weather import OpenMeteo

log = logging.getLogger("p2p.trips")


def build(settings: TripsSettings | None = None, deliveries_address: str | None = None,
          users_address: str | None = None) -> server.ServiceApp:
    """The trips server. Outbox events go to deliveries (trips.trip.cancelled) and users
    (trips.trip.completed and .cancelled), and ListTripReviews reads users: at
    `deliveries_address` / `users_address`, else DELIVERIES_ADDR / USERS_ADDR (defaults
    127.0.0.1:3004 / :3002) read at each call."""
    s = settings or TripsSettings.from_env()
    peers = Peers(s.base, deliveries_address, users_address)
    app = server.ServiceApp("trips", s.base)
    weather = OpenMeteo(s.weather_base_url, s.weather_timeout)
    domain = TripsDomain(app.sessions, weather, reads=app.reads, share_base_url=s.share_base_url,
                         share_secret=s.share_secret, deep_link_scheme=s.deep_link_scheme,
                         weather_ttl=s.weather_ttl_seconds, weather_retry=s.weather_retry_seconds)
    app.add_servicer(trips_pb2_grpc.add_TripServiceServicer_to_server, TripServicer(domain, peers.users))
    app.on_shutdown(weather.aclose)
    app.on_shutdown(domain.aclose)      # hooks run in reverse: background fetches stop first

    events = TripEvents(peers)
    dispatcher = Dispatcher(app.engine, db.psycopg_url(s.base.database_url), events.handlers(),
                            poll_seconds=s.base.outbox_poll_seconds, max_attempts=s.base.outbox_max_attempts,
                            retention_seconds=s.base.outbox_retention_seconds,
                            handler_timeout=2 * EVENT_TIMEOUT, name="trips-outbox")   # cancelled: two calls
    app.on_startup(dispatcher.start)
    app.on_shutdown(peers.close)
    app.on_shutdown(dispatcher.stop)    # runs before peers.close

    async def weather_job(stop: asyncio.Event) -> None:
        """Fill trip_weather for trips within the forecast horizon (missing, stale or failed);
        an outage only delays it."""
        while not stop.is_set():
            try:
                await domain.fill_missing_weather()
            except Exception:  # noqa: BLE001 - retried at the next tick
                log.exception("weather refresh failed")
            try:
                await asyncio.wait_for(stop.wait(), timeout=s.weather_refresh_seconds)
            except asyncio.TimeoutError:
                pass
    app.background(weather_job)
    app.domain = domain
    return app


if __name__ == "__main__":
    server.run(build, "trips")
