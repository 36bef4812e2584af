"""Saved addresses: create, list, read, update, delete; types and labels; one default per user.

The database holds at most one default per user (partial unique index); the rules keep at least
one while the user has addresses (the first is the default; deleting the default promotes the
most recent other). Every change locks the user's profile row, so concurrent changes of one
user's addresses run one after another. Coordinates are given, or geocoded (outside any
transaction) when absent or when the address changes without new coordinates.
"""
from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from services.common.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from services.common.validation import Violations
from services.users import store
from services.users.domain import paging
from services.users.domain.common import Deps, me, parse_uuid
from services.users.domain.preferences import defaults
from services.users.geocoding import GeocoderUnavailable

MAX_ADDRESSES = 20
FIELDS = ("type", "label", "street", "city", "state", "postal_code", "country", "location", "is_default")
PLACE_FIELDS = ("street", "city", "state", "postal_code", "country")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass
class AddressInput:
    type: str = ""                    # store.ADDRESS_TYPES; "" / "?" for UNSPECIFIED / unknown
    label: str = ""
    street: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""
    location: tuple[float, float] | None = None     # (lat, lng)
    is_default: bool = False


def check(v: Violations, a: AddressInput, fields=FIELDS, prefix: str = "address.") -> None:
    if "type" in fields and a.type not in store.ADDRESS_TYPES:
        v.add(prefix + "type", "must be HOME, WORK or OTHER")
    if "label" in fields and a.label:
        v.text(prefix + "label", a.label.strip(), 1, 50)
    for name, hi in (("street", 200), ("city", 100)):
        if name in fields and v.required(prefix + name, getattr(a, name).strip()):
            v.text(prefix + name, getattr(a, name).strip(), 1, hi)
    for name, hi in (("state", 100), ("postal_code", 20)):
        if name in fields and getattr(a, name):
            v.text(prefix + name, getattr(a, name).strip(), 1, hi)
    if "country" in fields and not _COUNTRY.match(a.country.strip().upper()):
        v.add(prefix + "country", "must be an ISO 3166-1 alpha-2 code such as FR")
    if "location" in fields and a.location is not None:
        lat, lng = a.location
        if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
            v.add(prefix + "location", "must be a valid latitude/longitude")


def _clean(value: str) -> str | None:
    value = value.strip()
    return value or None


class Addresses:
    def __init__(self, deps: Deps):
        self.d = deps

    async def _geocode(self, street: str, city: str, state: str, postal_code: str, country: str) -> tuple[float, float]:
        try:
            loc = await self.d.geocoder.geocode(street=street, city=city, state=state, postal_code=postal_code,
                                                country=country)
        except GeocoderUnavailable as e:
            raise Unavailable(f"the address could not be located now ({e}); retry or give its location",
                              reason="GEOCODER_UNAVAILABLE") from None
        if loc is None:
            raise InvalidArgument("the address could not be located",
                                  [("address.location", "the address was not found; check it or give its location")],
                                  reason="ADDRESS_NOT_LOCATED")
        return loc.lat, loc.lng

    @staticmethod
    async def _lock_user(s, uid: uuid.UUID) -> None:
        await store.ensure_user(s, uid, defaults())
        await store.profile(s, uid, for_update=True)

    async def create(self, a: AddressInput) -> store.Address:
        p = me()
        uid = uuid.UUID(p.user_id)
        v = Violations()
        check(v, a)
        v.raise_if_any()
        country = a.country.strip().upper()
        geocoded = a.location is None
        lat, lng = a.location or await self._geocode(a.street.strip(), a.city.strip(), a.state.strip(),
                                                     a.postal_code.strip(), country)
        async with self.d.sessions.begin() as s:
            await self._lock_user(s, uid)
            count = (await s.execute(sa.select(sa.func.count()).where(store.Address.user_id == uid))).scalar_one()
            if count >= MAX_ADDRESSES:
                raise FailedPrecondition(f"at most {MAX_ADDRESSES} addresses; delete one first", reason="ADDRESS_LIMIT")
            default = a.is_default or count == 0
            if default:
                await self._clear_default(s, uid)
            row = store.Address(user_id=uid, type=a.type, label=_clean(a.label), street=a.street.strip(),
                                city=a.city.strip(), state=_clean(a.state), postal_code=_clean(a.postal_code),
                                country=country, coordinates=store.ewkt_point(lat, lng), geocoded=geocoded,
                                is_default=default)
            s.add(row)
            await s.flush()
            await s.refresh(row)
        return row

    @staticmethod
    async def _clear_default(s, uid: uuid.UUID) -> None:
        await s.execute(sa.update(store.Address).where(store.Address.user_id == uid, store.Address.is_default)
                        .values(is_default=False))

    async def list(self, page_size: int, page_token: str) -> tuple[list[store.Address], str]:
        p = me()
        v = Violations()
        size = paging.page_size(v, page_size)
        data = paging.decode(v, page_token, "addresses")
        offset = 0
        if data is not None:
            o = data.get("o")
            offset = o if isinstance(o, int) and not isinstance(o, bool) and 0 <= o <= 10_000 else -1
            if offset < 0:
                v.add("page_token", "is not a token returned by a previous call")
        v.raise_if_any()
        A = store.Address
        q = (sa.select(A).where(A.user_id == uuid.UUID(p.user_id))
             .order_by(A.is_default.desc(), A.created_at.desc(), A.id).offset(offset).limit(size + 1))
        async with self.d.sessions() as s:
            rows = list((await s.execute(q)).scalars())
        nxt = paging.encode({"k": "addresses", "o": offset + size}) if len(rows) > size else ""
        return rows[:size], nxt

    async def _mine(self, s, uid: uuid.UUID, aid: uuid.UUID, for_update: bool = False) -> store.Address:
        q = sa.select(store.Address).where(store.Address.id == aid, store.Address.user_id == uid)
        if for_update:
            q = q.with_for_update()
        row = (await s.execute(q)).scalar_one_or_none()
        if row is None:
            raise NotFound("no such address", reason="ADDRESS_NOT_FOUND")
        return row

    async def get(self, address_id: str) -> store.Address:
        p = me()
        aid = parse_uuid(address_id, "address_id")
        async with self.d.sessions() as s:
            return await self._mine(s, uuid.UUID(p.user_id), aid)

    async def update(self, address_id: str, a: AddressInput, paths: list[str]) -> store.Address:
        p = me()
        uid = uuid.UUID(p.user_id)
        aid = parse_uuid(address_id, "address.id")
        v = Violations()
        if not paths:
            v.add("update_mask", "must name at least one field")
        for path in paths:
            if path not in FIELDS:
                v.add("update_mask", f"field {path!r} cannot be updated (allowed: {', '.join(FIELDS)})")
        check(v, a, [f for f in paths if f in FIELDS])
        if "is_default" in paths and not a.is_default:
            v.add("address.is_default", "can only be set to true (make another address the default instead)")
        v.raise_if_any()
        async with self.d.sessions() as s:
            current = await self._mine(s, uid, aid)
        location = a.location if "location" in paths else None
        geocoded = None
        # A changed place without new coordinates, or "location" in the mask without a value: geocode.
        if location is None and (any(f in paths for f in PLACE_FIELDS) or "location" in paths):
            merged = {f: (getattr(a, f) if f in paths else (getattr(current, f) or "")).strip() for f in PLACE_FIELDS}
            merged["country"] = merged["country"].upper()
            location, geocoded = await self._geocode(**merged), True
        elif location is not None:
            geocoded = False
        async with self.d.sessions.begin() as s:
            await self._lock_user(s, uid)
            row = await self._mine(s, uid, aid, for_update=True)
            for f in paths:
                if f in ("street", "city"):
                    setattr(row, f, getattr(a, f).strip())
                elif f in ("label", "state", "postal_code"):
                    setattr(row, f, _clean(getattr(a, f)))
                elif f == "country":
                    row.country = a.country.strip().upper()
                elif f == "type":
                    row.type = a.type
            if location is not None:
                row.coordinates = store.ewkt_point(*location)
                row.geocoded = bool(geocoded)
            if "is_default" in paths and not row.is_default:
                await self._clear_default(s, uid)
                row.is_default = True
            await s.flush()
            await s.refresh(row)
        return row

    async def delete(self, address_id: str) -> str:
        """Delete; the id of the address that became the default ("" if none did)."""
        p = me()
        uid = uuid.UUID(p.user_id)
        aid = parse_uuid(address_id, "address_id")
        async with self.d.sessions.begin() as s:
            await self._lock_user(s, uid)
            row = await self._mine(s, uid, aid, for_update=True)
            was_default = row.is_default
            await s.delete(row)
            await s.flush()
            if not was_default:
                return ""
            nxt = (await s.execute(sa.select(store.Address).where(store.Address.user_id == uid)
                                   .order_by(store.Address.created_at.desc(), store.Address.id).limit(1)
                                   .with_for_update())).scalar_one_or_none()
            if nxt is None:
                return ""
            nxt.is_default = True
            return str(nxt.id)
