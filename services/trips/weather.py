"""Weather for trips: a provider interface and an HTTP implementation of Open-Meteo's
forecast API (https://open-meteo.com/en/docs; base URL configurable with WEATHER_BASE_URL).

    GET {base}/v1/forecast?latitude=..&longitude=..&hourly=temperature_2m,precipitation,
        weather_code,wind_speed_10m&start_date=YYYY-MM-DD&end_date=YYYY-MM-DD&timezone=GMT

`forecast(lat, lng, at)` returns the forecast for the hour nearest `at` and the worst values
from WINDOW before to WINDOW after it, as a plain dict. Any network error, timeout, non-200
answer or malformed body raises WeatherUnavailable: callers record it and carry on — a weather
outage never fails a trip operation. `assess()` turns the two ends of a trip into travel
conditions and alerts (WMO weather codes, precipitation, wind).
"""
from __future__ import annotations

import datetime as dt
from typing import Protocol

import httpx

FORECAST_DAYS = 16                      # Open-Meteo's forecast horizon
WINDOW = dt.timedelta(hours=3)          # hours around departure/arrival that count
HOURLY = "temperature_2m,precipitation,weather_code,wind_speed_10m"

# WMO weather interpretation codes (Open-Meteo's `weather_code`).
WMO = {0: "clear sky", 1: "mainly clear", 2: "partly cloudy", 3: "overcast", 45: "fog", 48: "rime fog",
       51: "light drizzle", 53: "drizzle", 55: "dense drizzle", 56: "freezing drizzle", 57: "dense freezing drizzle",
       61: "light rain", 63: "rain", 65: "heavy rain", 66: "freezing rain", 67: "heavy freezing rain",
       71: "light snow", 73: "snow", 75: "heavy snow", 77: "snow grains", 80: "rain showers",
       81: "heavy rain showers", 82: "violent rain showers", 85: "snow showers", 86: "heavy snow showers",
       95: "thunderstorm", 96: "thunderstorm with hail", 99: "severe thunderstorm with hail"}
# Severity of a code: 0 good, 1 fair, 2 poor, 3 severe; and the alert it raises (if any).
CODE_LEVEL = {**{c: 1 for c in (51, 53, 55, 61, 71, 80)}, **{c: 2 for c in (45, 48, 56, 57, 63, 66, 73, 77, 81, 85)},
              **{c: 3 for c in (65, 67, 75, 82, 86, 95, 96, 99)}}
CODE_ALERT = {95: "THUNDERSTORM", 96: "THUNDERSTORM", 99: "THUNDERSTORM", 65: "HEAVY_PRECIPITATION",
              82: "HEAVY_PRECIPITATION", 75: "HEAVY_SNOW", 86: "HEAVY_SNOW", 66: "FREEZING_RAIN", 67: "FREEZING_RAIN",
              56: "FREEZING_RAIN", 57: "FREEZING_RAIN", 45: "FOG", 48: "FOG"}
HEAVY_PRECIPITATION_MM = 7.6            # mm/h: WMO's "heavy rain"
STRONG_WIND_KMH = 50.0                  # Beaufort 7 (near gale)
STORM_WIND_KMH = 75.0                   # Beaufort 9 (strong gale)
LEVELS = ("good", "fair", "poor", "severe")


class WeatherUnavailable(Exception):
    pass


class WeatherProvider(Protocol):
    async def forecast(self, lat: float, lng: float, at: dt.datetime) -> dict: ...

    async def aclose(self) -> None: ...


class OpenMeteo:
    """Open-Meteo forecast API over httpx (async), with a per-request timeout."""

    def __init__(self, base_url: str = "https://api.open-meteo.com", timeout: float = 5.0,
                 client: httpx.AsyncClient | None = None):
        self.base_url = base_url.rstrip("/")
        self._client = client or httpx.AsyncClient(timeout=timeout, headers={"user-agent": "p2p-delivery-trips"})

    async def aclose(self) -> None:
        await self._client.aclose()

    async def forecast(self, lat: float, lng: float, at: dt.datetime) -> dict:
        at = at.astimezone(dt.timezone.utc)
        params = {"latitude": f"{lat:.4f}", "longitude": f"{lng:.4f}", "hourly": HOURLY, "timezone": "GMT",
                  "start_date": (at - WINDOW).date().isoformat(), "end_date": (at + WINDOW).date().isoformat()}
        try:
            r = await self._client.get(f"{self.base_url}/v1/forecast", params=params)
        except httpx.TimeoutException:
            raise WeatherUnavailable("the weather provider did not answer in time") from None
        except httpx.HTTPError as e:
            raise WeatherUnavailable(f"the weather provider is unreachable ({type(e).__name__})") from None
        if r.status_code != 200:
            reason = ""
            try:
                reason = str(r.json().get("reason", ""))[:200]
            except ValueError:
                pass
            raise WeatherUnavailable(f"the weather provider answered {r.status_code}" + (f": {reason}" if reason else ""))
        try:
            return summarize(r.json(), at)
        except (KeyError, ValueError, TypeError, IndexError, AttributeError):
            raise WeatherUnavailable("the weather provider sent an unexpected answer") from None


def summarize(doc: dict, at: dt.datetime) -> dict:
    """The hour of an Open-Meteo `hourly` block nearest `at`, and the worst of the window."""
    h = doc["hourly"]
    hours = []
    for i, t in enumerate(h["time"]):
        when = dt.datetime.fromisoformat(t).replace(tzinfo=dt.timezone.utc)
        hours.append({"time": when.isoformat(), "temperature_celsius": float(h["temperature_2m"][i]),
                      "precipitation_mm": float(h["precipitation"][i] or 0.0),
                      "weather_code": int(h["weather_code"][i]), "wind_speed_kmh": float(h["wind_speed_10m"][i] or 0.0)})
    if not hours:
        raise ValueError("no hours")
    nearest = min(hours, key=lambda x: abs(dt.datetime.fromisoformat(x["time"]) - at))
    window = [x for x in hours if abs(dt.datetime.fromisoformat(x["time"]) - at) <= WINDOW] or [nearest]
    worst = max(window, key=lambda x: (CODE_LEVEL.get(x["weather_code"], 0), x["weather_code"]))
    return {**nearest, "summary": WMO.get(nearest["weather_code"], f"weather code {nearest['weather_code']}"),
            "max_precipitation_mm": max(x["precipitation_mm"] for x in window),
            "max_wind_speed_kmh": max(x["wind_speed_kmh"] for x in window),
            "worst_code": worst["weather_code"], "worst_code_time": worst["time"],
            "window": window}


def assess(origin: dict, destination: dict) -> tuple[str, list[str]]:
    """Travel conditions ("good", "fair", "poor", "severe": the worse end) and alerts."""
    alerts: list[str] = []
    level = 0
    for where, w in (("origin", origin), ("destination", destination)):
        code = w.get("worst_code", w["weather_code"])
        hour = dt.datetime.fromisoformat(w.get("worst_code_time", w["time"])).strftime("%H:%M UTC")
        level = max(level, CODE_LEVEL.get(code, 0))
        if code in CODE_ALERT:
            alerts.append(f"{CODE_ALERT[code]}: {WMO[code]} expected at {where} around {hour}")
        rain = w.get("max_precipitation_mm", w["precipitation_mm"])
        if rain >= HEAVY_PRECIPITATION_MM and CODE_ALERT.get(code) != "HEAVY_PRECIPITATION":
            alerts.append(f"HEAVY_PRECIPITATION: up to {rain:.1f} mm/h at {where}")
            level = max(level, 2)
        elif rain >= 1:
            level = max(level, 1)
        wind = w.get("max_wind_speed_kmh", w["wind_speed_kmh"])
        if wind >= STORM_WIND_KMH:
            alerts.append(f"STORM: wind up to {wind:.0f} km/h at {where}")
            level = 3
        elif wind >= STRONG_WIND_KMH:
            alerts.append(f"STRONG_WIND: wind up to {wind:.0f} km/h at {where}")
            level = max(level, 2)
    return LEVELS[level], alerts
