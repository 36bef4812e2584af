"""Trips' outbox events delivered to the services that act on them, and the clients of those
services (the users client also serves ListTripReviews).

trips.trip.completed -> p2p.users.v1.UserService.HandleTripEvent(COMPLETED): users counts the
    trip in the traveler's total_trips (once per trip) and adds it to their activity feed.
trips.trip.cancelled -> p2p.deliveries.v1.DeliveryService.HandleTripCancelled, THEN
    p2p.users.v1.UserService.HandleTripEvent(CANCELLED): deliveries withdraws the pending offers
    riding on the trip and cancels its deliveries not yet picked up; users adds the cancellation
    to the traveler's activity feed.

Calls are made with the service identity "trips". Delivery is at-least-once
(services.common.outbox.Dispatcher, retried with backoff). The dispatcher has ONE handler per
topic and marks an event delivered once, when its handler returns, so the cancelled handler fans
out itself: deliveries first, then users. If users fails after deliveries succeeded, the whole
event is retried and deliveries sees it again; that is safe because both receivers are
idempotent by the event's idempotency key (deliveries gets it as the x-request-id, users as
event_id), so a retry after a partial failure changes nothing where it had already arrived.
Deliveries goes first because its effect (freeing customers' requests) matters more; a users
outage never holds it back.

The other topics (trips.trip.published / started / status_reported) have no consumer yet
(notifications will); they stay in outbox_events until one exists.

Addresses: `deliveries_address` / `users_address` when given (server.build), else the registry
(DELIVERIES_ADDR / USERS_ADDR, defaults 127.0.0.1:3004 / :3002) read at each call, so a callee
that moves does not need a trips restart.
"""
from __future__ import annotations

import datetime as dt
import logging

from google.protobuf import timestamp_pb2

from services import registry
from services.common.clients import ServiceClient, UsersClient
from services.common.config import Settings
from services.common.outbox import Event, Handler

log = logging.getLogger("p2p.trips.events")

TOPIC_COMPLETED = "trips.trip.completed"
TOPIC_CANCELLED = "trips.trip.cancelled"
EVENT_TIMEOUT = 5.0     # per outbound call of a handler (the dispatcher's handler_timeout caps the sum)


class DeliveriesClient(ServiceClient):
    """The one deliveries method trips calls."""
    service = "p2p.deliveries.v1.DeliveryService"
    idempotent_methods = ("HandleTripCancelled",)
    default_timeout = EVENT_TIMEOUT

    def __init__(self, settings: Settings, target: str):
        super().__init__(settings, target)
        from p2p.deliveries.v1 import deliveries_pb2, deliveries_pb2_grpc
        self.pb = deliveries_pb2
        self.stub = deliveries_pb2_grpc.DeliveryServiceStub(self.channel)

    async def trip_cancelled(self, trip_id: str, reason: str, key: str):
        kw = self.call_kwargs()
        kw["metadata"] = [m for m in kw["metadata"] if m[0] != "x-request-id"] + [("x-request-id", key)]
        return await self.stub.HandleTripCancelled(
            self.pb.HandleTripCancelledRequest(trip_id=trip_id, reason=reason[:1000]), **kw)


class Peers:
    """Clients of the services trips calls, one per address (see the module docstring)."""

    def __init__(self, settings: Settings, deliveries_address: str | None = None, users_address: str | None = None):
        self._settings = settings
        self._fixed = {"deliveries": deliveries_address, "users": users_address}
        self._clients: dict[tuple[str, str], ServiceClient] = {}

    def _client(self, name: str, make) -> ServiceClient:
        target = self._fixed[name] or registry.by_name(name).address
        client = self._clients.get((name, target))
        if client is None:
            client = self._clients[(name, target)] = make(self._settings, target)
        return client

    def deliveries(self) -> DeliveriesClient:
        return self._client("deliveries", DeliveriesClient)

    def users(self) -> UsersClient:
        return self._client("users", UsersClient)

    async def close(self) -> None:
        for c in self._clients.values():
            await c.close()


def _ts(value: str | None, default: dt.datetime) -> timestamp_pb2.Timestamp:
    t = timestamp_pb2.Timestamp()
    t.FromDatetime(dt.datetime.fromisoformat(value) if value else default)
    return t


class TripEvents:
    def __init__(self, peers: Peers):
        self.peers = peers

    async def _to_users(self, event: Event, kind: str, occurred: str | None = None, reason: str = "") -> bool:
        users = self.peers.users()
        p = event.payload
        req = users.pb.HandleTripEventRequest(
            event_id=event.idempotency_key, type=getattr(users.pb, f"TRIP_EVENT_TYPE_{kind}"),
            trip_id=p["trip_id"], traveler_id=p["traveler_id"], occur_time=_ts(occurred, event.created_at),
            reason=reason[:1000])
        return (await users.handle_trip_event(req, timeout=EVENT_TIMEOUT)).duplicate

    async def on_completed(self, event: Event) -> None:
        dup = await self._to_users(event, "COMPLETED", event.payload.get("actual_arrival_time"))
        log.info("trip completion delivered to users", extra={"fields": {
            "trip_id": event.payload["trip_id"], "duplicate": dup}})

    async def on_cancelled(self, event: Event) -> None:
        p = event.payload
        reason = p.get("reason") or ""
        r = await self.peers.deliveries().trip_cancelled(p["trip_id"], reason, event.idempotency_key)
        log.info("trip cancellation delivered to deliveries", extra={"fields": {
            "trip_id": p["trip_id"], "withdrawn_offers": r.withdrawn_offers,
            "cancelled_deliveries": r.cancelled_deliveries}})
        dup = await self._to_users(event, "CANCELLED", reason=reason)
        log.info("trip cancellation delivered to users", extra={"fields": {"trip_id": p["trip_id"], "duplicate": dup}})

    def handlers(self) -> dict[str, Handler]:
        return {TOPIC_COMPLETED: self.on_completed, TOPIC_CANCELLED: self.on_cancelled}
