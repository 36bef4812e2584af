"""Trips' own settings (environment variables; README lists them with defaults)."""
from __future__ import annotations

from dataclasses import dataclass

from services.common.config import DEV_SECRET, Settings, env, env_float


@dataclass
class TripsSettings:
    base: Settings
    weather_base_url: str          # Open-Meteo (or a compatible server)
    weather_timeout: float         # seconds per forecast request
    weather_refresh_seconds: float # period of the background job filling trip_weather
    weather_ttl_seconds: float     # a stored forecast older than this is fetched again
    weather_retry_seconds: float   # after a failed fetch, wait this long before asking again
    share_base_url: str            # web links of ShareTrip
    share_secret: str              # HMAC key of share tokens
    deep_link_scheme: str          # app deep links of ShareTrip

    @classmethod
    def from_env(cls) -> "TripsSettings":
        base = Settings.for_service("trips")
        s = cls(
            base=base,
            weather_base_url=env("WEATHER_BASE_URL", "https://api.open-meteo.com"),
            weather_timeout=env_float("WEATHER_TIMEOUT_SECONDS", 5.0),
            weather_refresh_seconds=env_float("WEATHER_REFRESH_SECONDS", 60.0),
            weather_ttl_seconds=env_float("WEATHER_TTL_SECONDS", 3 * 3600.0),
            weather_retry_seconds=env_float("WEATHER_RETRY_SECONDS", 60.0),
            share_base_url=env("APP_URL", "http://127.0.0.1:8080"),
            share_secret=env("TRIPS_SHARE_SECRET", base.service_key),
            deep_link_scheme=env("APP_DEEP_LINK_SCHEME", "p2pdelivery"),
        )
        if env("P2P_ENV", "development") == "production" and s.share_secret == DEV_SECRET:
            raise RuntimeError("TRIPS_SHARE_SECRET (or SERVICE_KEY) must be set in production")
        return s
