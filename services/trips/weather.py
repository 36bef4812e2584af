"""Weather for trips: a provider interface and an HTTP implementation of Open-Meteo's
forecast API (https://open-meteo.com/en/docs; base URL configurable with WEATHER_BASE_URL).

`forecast(lat, lng, at)` returns the hourly forecast nearest `at` as a plain dict; any
network error, timeout, non-200 answer or malformed body raises WeatherUnavailable, which
callers treat as "no weather yet" — a weather outage never fails a trip operation.
"""
from __future__ import annotations

import datetime as dt
from typing import Protocol

import httpx

# WMO weather interpretation codes (Open-Meteo's `weather_code`).
WMO = {0: "clear sky", 1: "mainly clear", 2: "partly cloudy", 3: "overcast", 45: "fog", 48: "rime fog",
       51: "light drizzle", 53: "drizzle", 55: "dense drizzle", 56: "freezing drizzle", 57: "freezing drizzle",
       61: "light rain", 63: "rain", 65: "heavy rain", 66: "freezing rain", 67: "heavy freezing rain",
       71: "light snow", 73: "snow", 75: "heavy snow", 77: "snow grains", 80: "rain showers",
       81: "heavy rain showers", 82: "violent rain showers", 85: "snow showers", 86: "heavy snow showers",
       95: "thunderstorm", 96: "thunderstorm with hail", 99: "severe thunderstorm with hail"}
SEVERE_CODES = {65, 67, 75, 82, 86, 95, 96, 99}
POOR_CODES = {45, 48, 56, 57, 63, 66, 73, 77, 81, 85}


class WeatherUnavailable(Exception):
    pass


class WeatherProvider(Protocol):
    async def forecast(self, lat: float, lng: float, at: dt.datetime) -> dict: ...


class OpenMeteo:
    def __init__(self, base_url: str = "https://api.open-meteo.com", timeout: float = 5.0,
                 client: httpx.AsyncClient | None = None):
        self.base_url = base_url.rstrip("/")
        self._client = client or httpx.AsyncClient(timeout=timeout)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def forecast(self, lat: float, lng: float, at: dt.datetime) -> dict:
        day = at.astimezone(dt.timezone.utc).date().isoformat()
        params = {"latitude": f"{lat:.4f}", "longitude": f"{lng:.4f}", "timezone": "UTC",
                  "hourly": "temperature_2m,precipitation,weather_code,wind_speed_10m",
                  "start_date": day, "end_date": day}
        try:
            r = await self._client.get(f"{self.base_url}/v1/forecast", params=params)
        except httpx.HTTPError as e:
            raise WeatherUnavailable(f"weather provider unreachable: {type(e).__name__}") from None
        if r.status_code != 200:
            raise WeatherUnavailable(f"weather provider answered {r.status_code}")
        try:
            hourly = r.json()["hourly"]
            times = [dt.datetime.fromisoformat(x).replace(tzinfo=dt.timezone.utc) for x in hourly["time"]]
            i = min(range(len(times)), key=lambda k: abs(times[k] - at))
            code = int(hourly["weather_code"][i])
            return {"time": times[i].isoformat(), "temperature_celsius": float(hourly["temperature_2m"][i]),
                    "precipitation_mm": float(hourly["precipitation"][i]),
                    "wind_speed_kmh": float(hourly["wind_speed_10m"][i]), "weather_code": code,
                    "summary": WMO.get(code, f"weather code {code}")}
        except (KeyError, ValueError, TypeError, IndexError):
            raise WeatherUnavailable("weather provider sent an unexpected body") from None


def assess(origin: dict, destination: dict) -> tuple[str, list[str]]:
    """Travel conditions ("good", "fair", "poor", "severe") and alerts for both ends."""
    alerts: list[str] = []
    level = 0
    for where, w in (("origin", origin), ("destination", destination)):
        code = w["weather_code"]
        if code in SEVERE_CODES:
            alerts.append(f"{WMO.get(code, 'severe weather')} expected at {where}")
            level = max(level, 3)
        elif code in POOR_CODES:
            level = max(level, 2)
        if w["wind_speed_kmh"] >= 60:
            alerts.append(f"strong wind ({w['wind_speed_kmh']:.0f} km/h) at {where}")
            level = max(level, 3 if w["wind_speed_kmh"] >= 90 else 2)
        if w["precipitation_mm"] >= 10:
            alerts.append(f"heavy precipitation ({w['precipitation_mm']:.0f} mm/h) at {where}")
            level = max(level, 2)
        elif w["precipitation_mm"] >= 1:
            level = max(level, 1)
    return ("good", "fair", "poor", "severe")[level], alerts
