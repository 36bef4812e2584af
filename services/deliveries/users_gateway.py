"""The users service behind deliveries' ports (services/deliveries/domain/ports.py) and the
delivery events users keeps statistics, activity and review eligibility from.

* UsersRatings: travelers' ratings (BatchGetRatings). When users cannot be reached, matching goes
  on with no ratings known (logged): a request with a minimum rating then matches nobody, the
  others rank unknown ratings as documented in ports.py. A rating outage never fails a search.
* UsersBlocks: who blocked whom, either direction (GetBlockRelations). Safety fails closed: when
  users cannot be reached, the call needing it answers UNAVAILABLE (USERS_UNAVAILABLE).
* UserEventsForwarder: outbox handlers delivering deliveries.delivery.accepted,
  deliveries.delivery.status_changed (to "completed"; other steps are not users' business) and
  deliveries.delivery.cancelled to users' HandleDeliveryEvent, idempotent by the outbox key.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Iterable

import grpc

from p2p.common.v1 import common_pb2 as cpb
from services.common.clients import UsersClient
from services.common.errors import Unavailable
from services.common.outbox import Event, Handler
from services.deliveries.domain.common import TOPIC_ACCEPTED, TOPIC_CANCELLED, TOPIC_STATUS_CHANGED

log = logging.getLogger("p2p.deliveries.users")


class UsersRatings:
    def __init__(self, client: UsersClient):
        self.client = client

    async def ratings(self, user_ids: Iterable[str]) -> dict[str, float]:
        ids = [u for u in dict.fromkeys(user_ids) if u]
        if not ids:
            return {}
        try:
            return {k: avg for k, (avg, _count) in (await self.client.ratings(ids)).items()}
        except grpc.aio.AioRpcError as e:
            log.warning("ratings unavailable (%s): matching without ratings", e.code().name)
            return {}


class UsersBlocks:
    def __init__(self, client: UsersClient):
        self.client = client

    async def blocked(self, user_id: str) -> set[str]:
        try:
            return await self.client.blocked(user_id)
        except grpc.aio.AioRpcError as e:
            raise Unavailable(f"the users service could not be reached ({e.code().name}); retry later",
                              reason="USERS_UNAVAILABLE") from e


def _ts(value: str | None):
    from google.protobuf import timestamp_pb2
    if not value:
        return None
    t = timestamp_pb2.Timestamp()
    t.FromDatetime(dt.datetime.fromisoformat(value))
    return t


class UserEventsForwarder:
    def __init__(self, client: UsersClient):
        self.client = client
        self.pb = client.pb

    async def _send(self, event: Event, kind: int, **extra) -> None:
        p = event.payload
        req = self.pb.HandleDeliveryEventRequest(
            event_id=event.idempotency_key or str(event.id), type=kind, delivery_id=p["delivery_id"],
            customer_id=p["customer_id"], traveler_id=p["traveler_id"], trip_id=p.get("trip_id", ""),
            delivery_request_id=p.get("delivery_request_id", ""), delivery_number=p.get("delivery_number", ""),
            **extra)
        await self.client.handle_delivery_event(req)

    async def on_accepted(self, event: Event) -> None:
        p = event.payload
        await self._send(event, self.pb.DELIVERY_EVENT_TYPE_ACCEPTED,
                         price=cpb.Money(amount_minor=int(p["final_price_minor"]), currency_code=p["currency"]),
                         occur_time=_ts(p.get("accepted_at")))

    async def on_status_changed(self, event: Event) -> None:
        if event.payload.get("to") != "completed":
            return      # only completion matters to users; the event is done
        await self._send(event, self.pb.DELIVERY_EVENT_TYPE_COMPLETED, occur_time=_ts(event.payload.get("at")))

    async def on_cancelled(self, event: Event) -> None:
        p = event.payload
        await self._send(event, self.pb.DELIVERY_EVENT_TYPE_CANCELLED, cancelled_by=p.get("cancelled_by") or "",
                         reason=(p.get("reason") or "")[:1000])

    def handlers(self) -> dict[str, Handler]:
        return {TOPIC_ACCEPTED: self.on_accepted, TOPIC_STATUS_CHANGED: self.on_status_changed,
                TOPIC_CANCELLED: self.on_cancelled}
