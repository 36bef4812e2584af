"""Preferences: notification, privacy, location and payment settings as validated documents.

Each of the four is a JSONB document of user_preferences whose shape is SCHEMA (a leaf is a
bool, a choice among strings, an integer range, "HH:MM", an IANA time zone or bounded text).
Missing keys read as DEFAULTS (so a setting added later needs no data migration). An update
names the paths it changes (a field mask: "privacy_settings.searchable",
"notification_settings.quiet_hours", or a whole section); the request's values at those paths
replace the stored ones, the whole result is validated, then stored.
"""
from __future__ import annotations

import copy
import re
import uuid

from services.common.errors import NotFound
from services.common.validation import Violations, is_timezone
from services.users import store
from services.users.domain.common import Deps, me

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

BOOL = ("bool",)
HHMM = ("hhmm",)
TZ = ("tz",)


def choice(*values: str) -> tuple:
    return ("choice", values)


def int_range(lo: int, hi: int) -> tuple:
    return ("int", lo, hi)


def text(hi: int) -> tuple:
    return ("text", hi)


CHANNEL = {"enabled": BOOL, "delivery_updates": BOOL, "offers": BOOL, "messages": BOOL, "reviews": BOOL,
           "promotions": BOOL}
SCHEMA: dict = {
    "notification_settings": {"email": CHANNEL, "push": CHANNEL, "sms": CHANNEL,
                              "quiet_hours": {"enabled": BOOL, "start_time": HHMM, "end_time": HHMM, "timezone": TZ}},
    "privacy_settings": {"searchable": BOOL, "show_statistics": BOOL, "show_last_active": BOOL},
    "location_settings": {"share_live_location": BOOL, "precision": choice("exact", "approximate"),
                          "search_radius_km": int_range(1, 500), "distance_unit": choice("metric", "imperial")},
    "payment_settings": {"payout_schedule": choice("daily", "weekly", "monthly"), "auto_withdraw": BOOL,
                         "default_payment_method_id": text(100), "receipts_by_email": BOOL},
}


def _channel(promotions: bool, **kw) -> dict:
    base = {"enabled": True, "delivery_updates": True, "offers": True, "messages": True, "reviews": True,
            "promotions": promotions}
    base.update(kw)
    return base


DEFAULTS: dict = {
    "notification_settings": {
        "email": _channel(False),
        "push": _channel(False),
        "sms": _channel(False, offers=False, messages=False, reviews=False),
        "quiet_hours": {"enabled": False, "start_time": "22:00", "end_time": "07:00", "timezone": "UTC"},
    },
    "privacy_settings": {"searchable": True, "show_statistics": True, "show_last_active": True},
    "location_settings": {"share_live_location": True, "precision": "exact", "search_radius_km": 25,
                          "distance_unit": "metric"},
    "payment_settings": {"payout_schedule": "weekly", "auto_withdraw": False, "default_payment_method_id": "",
                         "receipts_by_email": True},
}
SECTIONS = tuple(SCHEMA)


def defaults() -> dict:
    return copy.deepcopy(DEFAULTS)


def _merge(default: dict, stored) -> dict:
    """`stored` over `default`, keeping only the schema's keys (nested)."""
    out = {}
    stored = stored if isinstance(stored, dict) else {}
    for k, dv in default.items():
        if isinstance(dv, dict):
            out[k] = _merge(dv, stored.get(k))
        else:
            out[k] = stored.get(k, dv)
    return out


def document(row: store.Preferences | None) -> dict:
    """The four settings of a stored row (defaults where missing)."""
    if row is None:
        return defaults()
    return {sec: _merge(DEFAULTS[sec], getattr(row, sec)) for sec in SECTIONS}


def _check_leaf(v: Violations, field: str, kind: tuple, value) -> None:
    tag = kind[0]
    if tag == "bool":
        if not isinstance(value, bool):
            v.add(field, "must be true or false")
    elif tag == "choice":
        if value not in kind[1]:
            v.add(field, "must be set (UNSPECIFIED is not allowed)" if value in ("", None) else "unknown value")
    elif tag == "int":
        if not isinstance(value, int) or isinstance(value, bool) or not kind[1] <= value <= kind[2]:
            v.add(field, f"must be between {kind[1]} and {kind[2]}")
    elif tag == "hhmm":
        if not isinstance(value, str) or not _HHMM.match(value):
            v.add(field, 'must be a time "HH:MM" (00:00-23:59)')
    elif tag == "tz":
        if not isinstance(value, str) or not is_timezone(value):
            v.add(field, "must be an IANA time zone such as Europe/Paris")
    elif tag == "text":
        if not isinstance(value, str) or len(value) > kind[1] or any(ord(c) < 32 for c in value):
            v.add(field, f"must be at most {kind[1]} printable characters")


def _check(v: Violations, prefix: str, schema, value) -> None:
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            v.add(prefix, "must be an object")
            return
        for k, sub in schema.items():
            _check(v, f"{prefix}.{k}", sub, value.get(k))
    else:
        _check_leaf(v, prefix, schema, value)


def _lookup(tree, path: list[str]):
    for part in path:
        tree = tree.get(part) if isinstance(tree, dict) else None
    return tree


def apply(current: dict, values: dict, paths: list[str], v: Violations, mask_field: str = "update_mask",
          field_prefix: str = "preferences.") -> dict:
    """`current` with the values of `values` at each path; violations collected in v."""
    if not paths:
        v.add(mask_field, "must name at least one field")
    result = copy.deepcopy(current)
    for path in paths:
        parts = path.split(".")
        schema = _lookup(SCHEMA, parts)
        if schema is None or not parts[0] in SCHEMA:
            v.add(mask_field, f"unknown field {path!r}")
            continue
        new = copy.deepcopy(_lookup(values, parts))
        before = len(v.items)
        _check(v, field_prefix + path, schema, new)
        if len(v.items) > before:
            continue
        target = result
        for part in parts[:-1]:
            target = target[part]
        target[parts[-1]] = new
    return result


class PreferencesRules:
    def __init__(self, deps: Deps):
        self.d = deps

    async def get(self) -> tuple[dict, object]:
        p = me()
        uid = uuid.UUID(p.user_id)
        async with self.d.sessions.begin() as s:
            await store.ensure_user(s, uid, defaults())
            row = await store.preferences(s, uid)
        return document(row), row.updated_at

    async def update(self, values: dict, paths: list[str], *, mask_field: str = "update_mask",
                     field_prefix: str = "preferences.", validate_only: bool = False):
        """Change the settings at `paths` to `values` (the full request document, plain dicts)."""
        p = me()
        uid = uuid.UUID(p.user_id)
        v = Violations()
        apply(defaults(), values, paths, v, mask_field, field_prefix)   # validate before any write
        v.raise_if_any()
        if validate_only:
            return None
        async with self.d.sessions.begin() as s:
            await store.ensure_user(s, uid, defaults())
            row = await store.preferences(s, uid, for_update=True)
            if row is None:
                raise NotFound("no preferences", reason="USER_NOT_FOUND")
            doc = apply(document(row), values, paths, v, mask_field, field_prefix)
            v.raise_if_any()
            for sec in SECTIONS:
                setattr(row, sec, doc[sec])
            await s.flush()
            await s.refresh(row)
        return document(row), row.updated_at
