"""Trips' own settings (environment variables; README lists them with defaults)."""
from __future__ import annotations

from dataclasses import dataclass

from services.common.config import Settings, env, env_float


@dataclass
class TripsSettings:
    base: Settings
    weather_base_url: str
    weather_timeout: float
    weather_refresh_seconds: float
    share_base_url: str

    @classmethod
    def from_env(cls) -> "TripsSettings":
        return cls(
            base=Settings.for_service("trips"),
            weather_base_url=env("WEATHER_BASE_URL", "https://api.open-meteo.com"),
            weather_timeout=env_float("WEATHER_TIMEOUT_SECONDS", 5.0),
            weather_refresh_seconds=env_float("WEATHER_REFRESH_SECONDS", 60.0),
            share_base_url=env("APP_URL", "http://127.0.0.1:8080"),
        )
