"""What the users rules need from the outside, as plain values.

* AuthGateway: the auth service (services/users/auth_gateway.py over AuthClient). Accounts
  are auth's: users reads them (the caller's own account with the caller's token; public fields
  of others with its service identity) and changes them only through auth's API.
* Geocoder (services/users/geocoding.py) and BlobStore (services/users/blobs.py).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

LEVELS = ("none", "email", "phone", "identity", "full")


@dataclass(frozen=True)
class UserSummary:
    """Public account fields (auth's BatchGetUsers)."""
    id: str
    first_name: str
    last_name: str
    user_type: str              # "customer" | "traveler" | "both"
    status: str                 # "pending_verification" | "active" | "suspended" | "deactivated" | "deleted"
    verification_level: str     # LEVELS
    created_at: dt.datetime | None


@dataclass
class AccountView:
    """The caller's own account (auth's GetAccount). `raw` is auth's message, passed through
    untouched to the caller's profile; the rules never look inside it."""
    id: str
    first_name: str
    last_name: str
    user_type: str
    verification_level: str
    phone_number: str
    raw: Any = field(default=None, repr=False)


class AuthGateway(Protocol):
    async def account(self, token: str) -> AccountView: ...

    async def update_account(self, token: str, patch: Any, paths: list[str], field_prefix: str) -> AccountView:
        """`patch`: the request's account message (opaque here), `paths` its field mask."""

    async def set_phone(self, token: str, phone_number: str) -> None: ...

    async def delete_account(self, token: str, password: str, reason: str) -> dt.datetime: ...

    async def summaries(self, user_ids: list[str]) -> dict[str, UserSummary]:
        """Live users among user_ids (unknown and deleted ones are left out)."""

    async def raise_level(self, user_id: str, level: str, reason: str) -> str:
        """Raise (never lower) a user's verification level; the level afterwards."""
