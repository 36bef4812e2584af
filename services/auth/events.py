"""Auth's outbox events delivered to the services that act on them (emails are emails.py's).

auth.user.registered -> p2p.users.v1.UserService.HandleUserRegistered (service identity "auth"):
    users creates the profile, default preferences and zeroed statistics.
auth.user.deleted    -> p2p.users.v1.UserService.HandleUserDeleted: users erases the personal
    data it holds.

Delivery is at-least-once (services.common.outbox.Dispatcher, retried with backoff); the event's
idempotency key travels as `event_id` and users drops keys it has seen. auth.user.deactivated has
no consumer yet; it stays in outbox_events until one exists.

These topics have their own dispatcher (server.py), so a users outage never delays emails.
The users address is read when an event is delivered (USERS_ADDR, default 127.0.0.1:3002).
"""
from __future__ import annotations

import logging

from services import registry
from services.common.clients import UsersClient
from services.common.config import Settings
from services.common.outbox import Event, Handler

log = logging.getLogger("p2p.auth.events")

TOPIC_REGISTERED = "auth.user.registered"
TOPIC_DELETED = "auth.user.deleted"
USER_TYPE = {"customer": 1, "traveler": 2, "both": 3}   # p2p.auth.v1.UserType


class UserEvents:
    def __init__(self, settings: Settings, users_address: str | None = None):
        self._settings = settings
        self._fixed = users_address
        self._clients: dict[str, UsersClient] = {}

    def _client(self) -> UsersClient:
        target = self._fixed or registry.by_name("users").address
        client = self._clients.get(target)
        if client is None:
            client = self._clients[target] = UsersClient(self._settings, target, timeout=5.0)
        return client

    async def on_registered(self, event: Event) -> None:
        p = event.payload
        r = await self._client().handle_user_registered(
            event.idempotency_key, p["user_id"], first_name=p.get("first_name") or "",
            last_name=p.get("last_name") or "", user_type=USER_TYPE.get(p.get("user_type", ""), 0),
            register_time=event.created_at)
        log.info("registration delivered to users", extra={"fields": {"user_id": p["user_id"],
                                                                       "duplicate": r.duplicate}})

    async def on_deleted(self, event: Event) -> None:
        r = await self._client().handle_user_deleted(event.idempotency_key, event.payload["user_id"])
        log.info("deletion delivered to users", extra={"fields": {"user_id": event.payload["user_id"],
                                                                   "duplicate": r.duplicate}})

    def handlers(self) -> dict[str, Handler]:
        return {TOPIC_REGISTERED: self.on_registered, TOPIC_DELETED: self.on_deleted}

    async def close(self) -> None:
        for c in self._clients.values():
            await c.close()
