"""Validation of delivery requests and offers, and the prohibited-items rule.

Prohibited (refused with INVALID_ARGUMENT, reason PROHIBITED_ITEM): any item declared
hazardous, and the categories weapons, drugs, explosives, flammables, live_animals, cash,
counterfeit_goods (store.PROHIBITED_CATEGORIES).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import uuid

from services.common.errors import InvalidArgument
from services.common.validation import Violations
from services.deliveries import store
from services.deliveries.domain.values import ItemInput, Money, OfferInput, Point, RequestInput, StopInput

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_EXPIRY = dt.timedelta(days=90)
MAX_WEIGHT_GRAMS = 100_000
MAX_QUANTITY = 100
MAX_DIMENSION_CM = 500
MAX_PRICE_MINOR = 100_000_000        # 1,000,000.00 in a two-decimal currency
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_PREF_KEY = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
DEFAULT_CURRENCY = "EUR"

# Paths UpdateDeliveryRequest (and DuplicateDeliveryRequest) accept.
UPDATABLE = frozenset({
    "title", "description", "urgency", "item", "pickup", "delivery", "flexible_pickup_timing",
    "preferred_pickup_days", "requires_recipient_presence", "max_price", "auto_accept_price",
    "preferred_traveler_ids", "blacklisted_traveler_ids", "min_traveler_rating", "verification_required",
    "insurance_required", "background_check_required", "notification_preferences", "special_instructions",
    "tags", "expire_time",
})
ITEM_PATHS = frozenset(f.name for f in dataclasses.fields(ItemInput))
STOP_PATHS = frozenset({"place", "contact_name", "contact_phone", "instructions", "window_start", "window_end"})
OFFER_UPDATABLE = frozenset({"price", "message", "estimated_pickup_time", "estimated_delivery_time", "valid_until",
                             "guarantees", "special_services"})


def prohibited(item: ItemInput | None, prefix: str) -> None:
    if item is None:
        return
    problems = []
    if item.hazardous:
        problems.append((f"{prefix}item.hazardous", "hazardous goods are prohibited"))
    if item.category in store.PROHIBITED_CATEGORIES:
        problems.append((f"{prefix}item.category",
                         f"{item.category.replace('_', ' ')} may not be sent (prohibited categories: "
                         f"{', '.join(sorted(store.PROHIBITED_CATEGORIES))})"))
    if problems:
        raise InvalidArgument("this item is prohibited: " + "; ".join(d for _, d in problems), problems,
                              reason="PROHIBITED_ITEM")


def optional_text(v: Violations, field: str, value: str, hi: int) -> None:
    if value:
        v.text(field, value, 1, hi)


def _multiline(v: Violations, field: str, value: str, hi: int) -> None:
    if value:
        if len(value) > hi:
            v.add(field, f"must be at most {hi} characters long")
        elif any((ord(c) < 32 and c not in "\n\r\t") or ord(c) == 127 for c in value):
            v.add(field, "must not contain control characters")


def check_url(v: Violations, field: str, url: str) -> None:
    if len(url) > 2048 or not _URL.match(url):
        v.add(field, "must be an http(s) URL of at most 2048 characters")


def check_point(v: Violations, field: str, p: Point | None) -> None:
    if p is None:
        v.add(field, "is required")
        return
    if not (math.isfinite(p.lat) and -90 <= p.lat <= 90):
        v.add(f"{field}.latitude", "must be between -90 and 90")
    if not (math.isfinite(p.lng) and -180 <= p.lng <= 180):
        v.add(f"{field}.longitude", "must be between -180 and 180")


def check_money(v: Violations, field: str, m: Money | None, currency: str, positive: bool = True) -> None:
    if m is None:
        return
    if m.amount_minor < 0 or (positive and m.amount_minor == 0):
        v.add(f"{field}.amount_minor", "must be greater than 0" if positive else "must not be negative")
    elif m.amount_minor > MAX_PRICE_MINOR:
        v.add(f"{field}.amount_minor", f"must be at most {MAX_PRICE_MINOR}")
    if m.currency_code and m.currency_code != currency:
        v.add(f"{field}.currency_code", f"must be the request's currency ({currency})")


def check_stop(v: Violations, field: str, s: StopInput | None, now: dt.datetime) -> None:
    if s is None:
        v.add(field, "is required")
        return
    if v.required(f"{field}.place.address", s.address.strip() if s.address else ""):
        v.text(f"{field}.place.address", s.address, 1, 500)
    check_point(v, f"{field}.place.location", s.location)
    optional_text(v, f"{field}.contact_name", s.contact_name, 200)
    if s.contact_phone:
        v.phone(f"{field}.contact_phone", s.contact_phone)
    _multiline(v, f"{field}.instructions", s.instructions, 2000)
    if s.window_start and s.window_end and s.window_start >= s.window_end:
        v.add(f"{field}.window_end", "must be after window_start")
    if s.window_end and s.window_end <= now:
        v.add(f"{field}.window_end", "must be in the future")


def _uuid_list(v: Violations, field: str, ids: list[str], limit: int = 50) -> set[str]:
    out = set()
    if len(ids) > limit:
        v.add(field, f"must have at most {limit} entries")
        return out
    for i, raw in enumerate(ids):
        try:
            out.add(str(uuid.UUID(raw)))
        except (ValueError, AttributeError):
            v.add(f"{field}[{i}]", "must be a user id (UUID)")
    return out


def check_request(inp: RequestInput, now: dt.datetime, prefix: str = "delivery_request.") -> None:
    """Raise INVALID_ARGUMENT listing every problem (PROHIBITED_ITEM first, on its own)."""
    prohibited(inp.item, prefix)
    v = Violations()
    p = prefix
    if v.required(f"{p}title", inp.title.strip()):
        v.text(f"{p}title", inp.title, 1, 200)
    _multiline(v, f"{p}description", inp.description, 5000)
    if inp.urgency == "":
        v.add(f"{p}urgency", "must be set (UNSPECIFIED is not allowed)")
    elif inp.urgency not in store.URGENCIES:
        v.add(f"{p}urgency", "unknown value")
    currency = inp.currency_code or DEFAULT_CURRENCY
    if inp.currency_code:
        v.currency(f"{p}currency_code", inp.currency_code)
    it = inp.item
    if it is None:
        v.add(f"{p}item", "is required")
    else:
        if v.required(f"{p}item.name", it.name.strip()):
            v.text(f"{p}item.name", it.name, 1, 200)
        _multiline(v, f"{p}item.description", it.description, 5000)
        if it.category == "":
            v.add(f"{p}item.category", "must be set (UNSPECIFIED is not allowed)")
        elif it.category not in store.ITEM_CATEGORIES:
            v.add(f"{p}item.category", "unknown value")
        if not 0 <= it.quantity <= MAX_QUANTITY:
            v.add(f"{p}item.quantity", f"must be between 1 and {MAX_QUANTITY}")
        if it.weight_grams <= 0:
            v.add(f"{p}item.weight_grams", "is required (grams, greater than 0)")
        elif it.weight_grams > MAX_WEIGHT_GRAMS:
            v.add(f"{p}item.weight_grams", f"must be at most {MAX_WEIGHT_GRAMS} grams")
        if it.dimensions is not None:
            for name, value in zip(("length_cm", "width_cm", "height_cm"), it.dimensions):
                if not 1 <= value <= MAX_DIMENSION_CM:
                    v.add(f"{p}item.dimensions.{name}", f"must be between 1 and {MAX_DIMENSION_CM}")
        check_money(v, f"{p}item.value", it.value, currency, positive=False)
        if len(it.image_urls) > 10:
            v.add(f"{p}item.image_urls", "must have at most 10 entries")
        for i, url in enumerate(it.image_urls[:10]):
            check_url(v, f"{p}item.image_urls[{i}]", url)
    check_stop(v, f"{p}pickup", inp.pickup, now)
    check_stop(v, f"{p}delivery", inp.delivery, now)
    if inp.pickup and inp.delivery:
        if (inp.pickup.location and inp.delivery.location
                and (inp.pickup.location.lat, inp.pickup.location.lng) == (inp.delivery.location.lat,
                                                                            inp.delivery.location.lng)):
            v.add(f"{p}delivery.place.location", "must differ from the pickup location")
        if inp.pickup.window_start and inp.delivery.window_end and inp.delivery.window_end <= inp.pickup.window_start:
            v.add(f"{p}delivery.window_end", "must be after the pickup window starts")
    days = [d.lower() for d in inp.preferred_pickup_days]
    for i, d in enumerate(days):
        if d not in WEEKDAYS:
            v.add(f"{p}preferred_pickup_days[{i}]", "must be a weekday name such as monday")
    if len(set(days)) != len(days):
        v.add(f"{p}preferred_pickup_days", "must not repeat a day")
    check_money(v, f"{p}max_price", inp.max_price, currency)
    check_money(v, f"{p}auto_accept_price", inp.auto_accept_price, currency)
    if (inp.max_price and inp.auto_accept_price
            and inp.auto_accept_price.amount_minor > inp.max_price.amount_minor):
        v.add(f"{p}auto_accept_price.amount_minor", "must not exceed max_price")
    preferred = _uuid_list(v, f"{p}preferred_traveler_ids", inp.preferred_traveler_ids)
    blacklisted = _uuid_list(v, f"{p}blacklisted_traveler_ids", inp.blacklisted_traveler_ids)
    if preferred & blacklisted:
        v.add(f"{p}blacklisted_traveler_ids", "must not contain a preferred traveler")
    if not (math.isfinite(inp.min_traveler_rating) and 0 <= inp.min_traveler_rating <= 5):
        v.add(f"{p}min_traveler_rating", "must be between 0 and 5")
    if len(inp.notification_preferences) > 20:
        v.add(f"{p}notification_preferences", "must have at most 20 entries")
    for k in list(inp.notification_preferences)[:20]:
        if not _PREF_KEY.match(k):
            v.add(f"{p}notification_preferences", f"key {k[:60]!r} must be lower-case letters, digits and _")
    _multiline(v, f"{p}special_instructions", inp.special_instructions, 2000)
    if len(inp.tags) > 10:
        v.add(f"{p}tags", "must have at most 10 entries")
    for i, t in enumerate(inp.tags[:10]):
        v.text(f"{p}tags[{i}]", t.strip(), 1, 30)
    if inp.expire_time is not None:
        if inp.expire_time <= now:
            v.add(f"{p}expire_time", "must be in the future")
        elif inp.expire_time > now + MAX_EXPIRY:
            v.add(f"{p}expire_time", "must be at most 90 days ahead")
    v.raise_if_any()


def check_offer(v: Violations, o: OfferInput, now: dt.datetime, prefix: str = "offer.",
                paths: frozenset[str] | None = None) -> None:
    """Offer fields (all, or only `paths` for an update)."""
    def want(name: str) -> bool:
        return paths is None or name in paths
    if paths is None:
        if not o.trip_id:
            v.add(f"{prefix}trip_id", "is required")
        else:
            try:
                uuid.UUID(o.trip_id)
            except ValueError:
                v.add(f"{prefix}trip_id", "must be a UUID")
    if want("price"):
        if o.price is None:
            v.add(f"{prefix}price", "is required")
        else:
            if o.price.amount_minor <= 0:
                v.add(f"{prefix}price.amount_minor", "must be greater than 0")
            elif o.price.amount_minor > MAX_PRICE_MINOR:
                v.add(f"{prefix}price.amount_minor", f"must be at most {MAX_PRICE_MINOR}")
            if o.price.currency_code:
                v.currency(f"{prefix}price.currency_code", o.price.currency_code)
    if want("message"):
        _multiline(v, f"{prefix}message", o.message, 1000)
    if (want("estimated_pickup_time") or want("estimated_delivery_time")) and o.estimated_pickup_time \
            and o.estimated_delivery_time and o.estimated_delivery_time < o.estimated_pickup_time:
        v.add(f"{prefix}estimated_delivery_time", "must not be before estimated_pickup_time")
    if want("valid_until") and o.valid_until is not None and o.valid_until <= now:
        v.add(f"{prefix}valid_until", "must be in the future")
    for name in ("guarantees", "special_services"):
        if want(name):
            values = getattr(o, name)
            if len(values) > 10:
                v.add(f"{prefix}{name}", "must have at most 10 entries")
            for i, g in enumerate(values[:10]):
                v.text(f"{prefix}{name}[{i}]", g, 1, 100)


def merge(base: RequestInput, new: RequestInput, paths: list[str], prefix: str) -> RequestInput:
    """`base` with the fields named in `paths` taken from `new` (field-mask semantics)."""
    v = Violations()
    out = dataclasses.replace(base, item=dataclasses.replace(base.item) if base.item else None,
                              pickup=dataclasses.replace(base.pickup) if base.pickup else None,
                              delivery=dataclasses.replace(base.delivery) if base.delivery else None)
    for path in paths:
        head, _, rest = path.partition(".")
        if head not in UPDATABLE:
            v.add("update_mask", f"unknown or read-only path {path!r}")
            continue
        if not rest:
            setattr(out, head, getattr(new, head))
            continue
        if head == "item" and rest in ITEM_PATHS:
            out.item = out.item or ItemInput()
            setattr(out.item, rest, getattr(new.item or ItemInput(), rest))
        elif head in ("pickup", "delivery") and rest in STOP_PATHS:
            target = getattr(out, head) or StopInput()
            src = getattr(new, head) or StopInput()
            if rest == "place":
                target.address, target.location = src.address, src.location
            else:
                setattr(target, rest, getattr(src, rest))
            setattr(out, head, target)
        else:
            v.add("update_mask", f"unknown or read-only path {path!r}")
    v.raise_if_any()
    return out


def volume_cm3(item: ItemInput) -> int:
    if item.dimensions is None:
        return 0
    length, width, height = item.dimensions
    return length * width * height * max(item.quantity, 1)
