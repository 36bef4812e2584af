"""The trips service as deliveries' rules see it: TripsClient's protobuf in and out, plain values
(domain.values) and domain errors for the rules.

Errors: FAILED_PRECONDITION from trips keeps its reason (CAPACITY_EXCEEDED, TRIP_NOT_BOOKABLE,
RESERVATION_MISMATCH); NOT_FOUND on GetTrip is "no such trip" (None), on ReserveCapacity it
is TRIP_NOT_BOOKABLE and on ReleaseCapacity "nothing to release"; anything else (unreachable,
deadline, internal) is UNAVAILABLE with reason TRIPS_UNAVAILABLE.
"""
from __future__ import annotations

import datetime as dt

import grpc
from google.protobuf import timestamp_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from services.common.clients import TripsClient
from services.common.errors import FailedPrecondition, Unavailable
from services.deliveries.domain.values import (MatchQuery, Point, Reservation, TripInfo, TripMatchInfo,
                                               TripPricing)


def _reason(err: grpc.aio.AioRpcError) -> str:
    try:
        st = rpc_status.from_call(err)
    except Exception:  # noqa: BLE001
        return ""
    for d in st.details if st else []:
        if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            d.Unpack(info)
            return info.reason
    return ""


def _unavailable(err: grpc.aio.AioRpcError) -> Unavailable:
    return Unavailable(f"the trips service could not be reached ({err.code().name}); retry later",
                       reason="TRIPS_UNAVAILABLE")


def _time(msg, name: str) -> dt.datetime | None:
    if not msg.HasField(name):
        return None
    return getattr(msg, name).ToDatetime(tzinfo=dt.timezone.utc)


def _ts(value: dt.datetime | None):
    if value is None:
        return None
    t = timestamp_pb2.Timestamp()
    t.FromDatetime(value)
    return t


def trip_info(t) -> TripInfo:
    status = t.DESCRIPTOR.fields_by_name["status"].enum_type.values_by_number[t.status].name
    status = status.removeprefix("TRIP_STATUS_").lower()
    visibility = t.DESCRIPTOR.fields_by_name["visibility"].enum_type.values_by_number[t.visibility].name
    pricing = None
    if t.HasField("pricing"):
        pr = t.pricing
        currency = pr.base_price.currency_code or pr.price_per_kg.currency_code or pr.price_per_km.currency_code
        pricing = TripPricing(pr.base_price.amount_minor, pr.price_per_kg.amount_minor, pr.price_per_km.amount_minor,
                              pr.express_multiplier_bp, pr.fragile_multiplier_bp, currency)
    o, d = t.origin.place, t.destination.place
    return TripInfo(
        id=t.id, traveler_id=t.traveler_id, status=status,
        origin=Point(o.location.latitude, o.location.longitude),
        destination=Point(d.location.latitude, d.location.longitude),
        origin_address=o.address, destination_address=d.address,
        departure_time=_time(t, "departure_time"), arrival_time=_time(t, "arrival_time"),
        available_weight_grams=t.available.weight_grams, available_volume_cm3=t.available.volume_cm3,
        available_items=t.available.items, pricing=pricing,
        accepted_categories=tuple(c.lower() for c in t.restrictions.accepted_categories),
        refused_categories=tuple(c.lower() for c in t.restrictions.refused_categories),
        max_item_weight_grams=t.restrictions.max_item_weight_grams,
        public=visibility != "TRIP_VISIBILITY_PRIVATE")


def _reservation(r) -> Reservation:
    return Reservation(r.trip_id, r.delivery_id, r.released, r.available_weight_grams, r.available_volume_cm3,
                       r.available_items)


class TripsGatewayGrpc:
    def __init__(self, client: TripsClient):
        self.client = client

    async def get_trip(self, trip_id: str) -> TripInfo | None:
        try:
            return trip_info(await self.client.get_trip(trip_id))
        except grpc.aio.AioRpcError as e:
            if e.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                return None
            raise _unavailable(e) from None

    async def reserve(self, trip_id: str, delivery_id: str, weight_grams: int, volume_cm3: int,
                      items: int) -> Reservation:
        try:
            return _reservation(await self.client.reserve_capacity(trip_id, delivery_id, weight_grams, volume_cm3,
                                                                   items))
        except grpc.aio.AioRpcError as e:
            if e.code() == grpc.StatusCode.FAILED_PRECONDITION:
                reason = _reason(e) or "TRIP_NOT_BOOKABLE"
                msg = ("the trip has no capacity left for this item" if reason == "CAPACITY_EXCEEDED"
                       else f"the trip cannot take this delivery ({e.details()})")
                raise FailedPrecondition(msg, reason=reason) from None
            if e.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                raise FailedPrecondition("the trip cannot take this delivery", reason="TRIP_NOT_BOOKABLE") from None
            raise _unavailable(e) from None

    async def release(self, trip_id: str, delivery_id: str) -> Reservation | None:
        try:
            return _reservation(await self.client.release_capacity(trip_id, delivery_id))
        except grpc.aio.AioRpcError as e:
            if e.code() == grpc.StatusCode.NOT_FOUND:
                return None          # nothing was reserved under this id
            raise _unavailable(e) from None

    async def match(self, q: MatchQuery) -> list[TripMatchInfo]:
        pb = self.client.pb
        req = pb.MatchTripsRequest(
            weight_grams=q.weight_grams, volume_cm3=q.volume_cm3, items=q.items,
            max_detour_meters=q.max_detour_meters, exclude_traveler_ids=q.exclude_traveler_ids,
            item_category=q.item_category, page_size=q.page_size)
        req.pickup.latitude, req.pickup.longitude = q.pickup.lat, q.pickup.lng
        req.dropoff.latitude, req.dropoff.longitude = q.dropoff.lat, q.dropoff.lng
        for name in ("pickup_window_start", "pickup_window_end", "delivery_window_start", "delivery_window_end"):
            value = getattr(q, name)
            if value is not None:
                getattr(req, name).CopyFrom(_ts(value))
        try:
            resp = await self.client.match_trips(req)
        except grpc.aio.AioRpcError as e:
            raise _unavailable(e) from None
        return [TripMatchInfo(trip_info(m.trip), m.pickup_detour_meters, m.dropoff_detour_meters, m.pickup_fraction,
                              m.dropoff_fraction) for m in resp.matches]
