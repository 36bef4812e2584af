"""Trips service entry point: `python -m services.trips.server` (port 3003, trip_db)."""
from __future__ import annotations

import asyncio
import logging

from p2p.trips.v1 import trips_pb2_grpc
from services.common import server
from services.trips.domain import TripsDomain
from services.trips.servicer import TripServicer
from services.trips.settings import TripsSettings
from services.trips.weather import OpenMeteo

log = logging.getLogger("p2p.trips")


def build(settings: TripsSettings | None = None) -> server.ServiceApp:
    s = settings or TripsSettings.from_env()
    app = server.ServiceApp("trips", s.base)
    weather = OpenMeteo(s.weather_base_url, s.weather_timeout)
    domain = TripsDomain(app.sessions, weather, share_base_url=s.share_base_url)
    app.add_servicer(trips_pb2_grpc.add_TripServiceServicer_to_server, TripServicer(domain))
    app.on_shutdown(weather.aclose)

    async def weather_job(stop: asyncio.Event) -> None:
        """Fill trip_weather for upcoming trips; an outage only delays it."""
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
