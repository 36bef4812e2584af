"""Collecting field violations so a client learns every problem of a request at once."""
from __future__ import annotations

import re
import zoneinfo
from functools import lru_cache

from services.common.errors import InvalidArgument

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class Violations:
    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, field: str, description: str) -> None:
        self.items.append((field, description))

    def __bool__(self) -> bool:
        return bool(self.items)

    def has(self, field: str) -> bool:
        return any(f == field for f, _ in self.items)

    def raise_if_any(self, message: str = "the request has invalid fields") -> None:
        if self.items:
            raise InvalidArgument(message, self.items)

    # -- common checks; each returns True when the value is acceptable ------------------
    def required(self, field: str, value) -> bool:
        if value in (None, "", 0) or (isinstance(value, str) and not value.strip()):
            self.add(field, "is required")
            return False
        return True

    def length(self, field: str, value: str, lo: int, hi: int) -> bool:
        if not lo <= len(value) <= hi:
            self.add(field, f"must be {lo}-{hi} characters long")
            return False
        return True

    def no_control_chars(self, field: str, value: str) -> bool:
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            self.add(field, "must not contain control characters")
            return False
        return True

    def text(self, field: str, value: str, lo: int, hi: int) -> bool:
        return self.length(field, value, lo, hi) and self.no_control_chars(field, value)

    def enum(self, field: str, value: int, allowed) -> bool:
        if value == 0:
            self.add(field, "must be set (UNSPECIFIED is not allowed)")
            return False
        if value not in allowed:
            self.add(field, f"unknown value {value}")
            return False
        return True

    def phone(self, field: str, value: str) -> bool:
        if not _E164.match(value):
            self.add(field, "must be an E.164 phone number such as +33612345678")
            return False
        return True

    def currency(self, field: str, value: str) -> bool:
        if not _CURRENCY.match(value):
            self.add(field, "must be an ISO-4217 currency code such as EUR")
            return False
        return True

    def language(self, field: str, value: str) -> bool:
        if len(value) > 35 or not _LANG.match(value):
            self.add(field, "must be a BCP-47 language tag such as en or fr-FR")
            return False
        return True

    def timezone(self, field: str, value: str) -> bool:
        if not is_timezone(value):
            self.add(field, "must be an IANA time zone such as Europe/Paris")
            return False
        return True


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_timezone(value: str) -> bool:
    return value in _zones()


def nul_fields(msg, prefix: str = "") -> list[str]:
    """Paths of string fields holding a NUL character, which PostgreSQL cannot store.

    The server interceptor rejects such requests with INVALID_ARGUMENT before any handler
    runs, so no service has to remember this rule (and none answers INTERNAL for it)."""
    out: list[str] = []
    for fd, value in msg.ListFields():
        path = prefix + fd.name
        if fd.type == fd.TYPE_STRING:
            values = value if fd.is_repeated else (value,)
            if any("\x00" in v for v in values):
                out.append(path)
        elif fd.type == fd.TYPE_MESSAGE:
            if fd.message_type.GetOptions().map_entry:
                for k in value:
                    v = value[k]
                    if (isinstance(k, str) and "\x00" in k) or (isinstance(v, str) and "\x00" in v):
                        out.append(path)
                    elif hasattr(v, "ListFields"):
                        out += nul_fields(v, f"{path}[{k}].")
            else:
                for i, v in enumerate(value if fd.is_repeated else (value,)):
                    out += nul_fields(v, f"{path}[{i}]." if fd.is_repeated else path + ".")
    return out
