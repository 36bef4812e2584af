"""Opaque page tokens (AIP-158): URL-safe base64 of a small JSON object (as deliveries' paging)."""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid

from services.common.validation import Violations

DEFAULT_PAGE = 50
MAX_PAGE = 200


def page_size(v: Violations, size: int, field: str = "page_size", default: int = DEFAULT_PAGE,
              maximum: int = MAX_PAGE) -> int:
    if size < 0 or size > maximum:
        v.add(field, f"must be between 0 and {maximum}")
        return default
    return size or default


def encode(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(v: Violations, token: str, kind: str, field: str = "page_token") -> dict | None:
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("k") != kind:
            raise ValueError
        return data
    except (ValueError, binascii.Error, UnicodeDecodeError):
        v.add(field, "is not a token returned by a previous call")
        return None


def keyset_token(kind: str, created_at: dt.datetime, row_id) -> str:
    return encode({"k": kind, "t": created_at.isoformat(), "i": str(row_id)})


def keyset_after(v: Violations, token: str, kind: str) -> tuple[dt.datetime, str] | None:
    """(time, row id) after which the next page starts; the id is checked to be a UUID."""
    data = decode(v, token, kind)
    if data is None:
        return None
    try:
        t = dt.datetime.fromisoformat(data["t"])
        if t.tzinfo is None:
            raise ValueError("naive")
        return t, str(uuid.UUID(str(data["i"])))
    except (KeyError, TypeError, ValueError, AttributeError):
        v.add("page_token", "is not a token returned by a previous call")
        return None
