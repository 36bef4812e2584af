"""Trips' outbox events delivered to the services that act on them.

trips.trip.cancelled -> p2p.deliveries.v1.DeliveryService.HandleTripCancelled (service identity
"trips"): deliveries withdraws the pending offers riding on the trip and cancels its deliveries
not yet picked up. Delivery is at-least-once (services.common.outbox.Dispatcher, retried with
backoff); HandleTripCancelled is idempotent and the event's idempotency key travels as the
x-request-id.

The other topics (trips.trip.published / started / status_reported / completed) have no
consumer yet (notifications will); they stay in outbox_events until one exists.

The deliveries address is read when an event is delivered (DELIVERIES_ADDR, default
127.0.0.1:3004), so a deliveries replica set that moves does not need a trips restart.
"""
from __future__ import annotations

import logging

from services import registry
from services.common.clients import ServiceClient
from services.common.config import Settings
from services.common.outbox import Event, Handler

log = logging.getLogger("p2p.trips.events")

TOPIC_CANCELLED = "trips.trip.cancelled"


class DeliveriesClient(ServiceClient):
    """The one deliveries method trips calls."""
    service = "p2p.deliveries.v1.DeliveryService"
    idempotent_methods = ("HandleTripCancelled",)
    default_timeout = 5.0

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


class TripEvents:
    def __init__(self, settings: Settings, deliveries_address: str | None = None):
        self._settings = settings
        self._fixed = deliveries_address
        self._clients: dict[str, DeliveriesClient] = {}

    def _client(self) -> DeliveriesClient:
        target = self._fixed or registry.by_name("deliveries").address
        client = self._clients.get(target)
        if client is None:
            client = self._clients[target] = DeliveriesClient(self._settings, target)
        return client

    async def on_cancelled(self, event: Event) -> None:
        p = event.payload
        r = await self._client().trip_cancelled(p["trip_id"], p.get("reason", ""), event.idempotency_key)
        log.info("trip cancellation delivered", extra={"fields": {
            "trip_id": p["trip_id"], "withdrawn_offers": r.withdrawn_offers,
            "cancelled_deliveries": r.cancelled_deliveries}})

    def handlers(self) -> dict[str, Handler]:
        return {TOPIC_CANCELLED: self.on_cancelled}

    async def close(self) -> None:
        for c in self._clients.values():
            await c.close()
