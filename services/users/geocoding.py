"""Addresses to coordinates: a geocoder interface and an HTTP implementation of Nominatim's
search API (https://nominatim.org/release-docs/latest/api/Search/; base URL configurable with
GEOCODER_BASE_URL, so any Nominatim-compatible server works).

    GET {base}/search?format=jsonv2&limit=1&street=..&city=..&state=..&postalcode=..&countrycodes=fr

The answer is a JSON array of places with "lat" and "lon" as decimal strings; an empty array
means nothing matched (`geocode` returns None). Any network error, timeout, non-200 answer or
malformed body raises GeocoderUnavailable: the caller can retry or give coordinates itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx


class GeocoderUnavailable(Exception):
    pass


@dataclass(frozen=True)
class Location:
    lat: float
    lng: float
    display_name: str = ""


class Geocoder(Protocol):
    async def geocode(self, *, street: str, city: str, state: str, postal_code: str,
                      country: str) -> Location | None: ...

    async def aclose(self) -> None: ...


class Nominatim:
    def __init__(self, base_url: str = "https://nominatim.openstreetmap.org", timeout: float = 5.0,
                 user_agent: str = "p2p-delivery-users/0.1", client: httpx.AsyncClient | None = None):
        self.base_url = base_url.rstrip("/")
        self._client = client or httpx.AsyncClient(timeout=timeout, headers={"user-agent": user_agent,
                                                                             "accept": "application/json"})

    async def aclose(self) -> None:
        await self._client.aclose()

    async def geocode(self, *, street: str, city: str, state: str = "", postal_code: str = "",
                      country: str = "") -> Location | None:
        params = {"format": "jsonv2", "limit": "1", "street": street, "city": city}
        if state:
            params["state"] = state
        if postal_code:
            params["postalcode"] = postal_code
        if country:
            params["countrycodes"] = country.lower()
        try:
            r = await self._client.get(f"{self.base_url}/search", params=params)
        except httpx.TimeoutException:
            raise GeocoderUnavailable("the geocoder did not answer in time") from None
        except httpx.HTTPError as e:
            raise GeocoderUnavailable(f"the geocoder is unreachable ({type(e).__name__})") from None
        if r.status_code != 200:
            raise GeocoderUnavailable(f"the geocoder answered {r.status_code}")
        try:
            places = r.json()
            if not isinstance(places, list):
                raise ValueError("not a list")
            if not places:
                return None
            lat, lng = float(places[0]["lat"]), float(places[0]["lon"])
            if not (-90 <= lat <= 90 and -180 <= lng <= 180):
                raise ValueError("out of range")
            return Location(lat, lng, str(places[0].get("display_name", ""))[:500])
        except (KeyError, ValueError, TypeError, IndexError):
            raise GeocoderUnavailable("the geocoder sent an unexpected answer") from None
