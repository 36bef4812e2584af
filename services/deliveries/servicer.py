"""The gRPC adapter of deliveries: protobuf in -> domain call -> protobuf out. No SQL, no rules."""
from __future__ import annotations

import asyncio
import datetime as dt

from p2p.common.v1 import common_pb2 as cpb
from p2p.deliveries.v1 import deliveries_pb2 as pb
from p2p.deliveries.v1 import deliveries_pb2_grpc
from services.common.errors import InvalidArgument
from services.common.identity import caller
from services.common.timestamps import ts
from services.deliveries import store
from services.deliveries.domain import DeliveriesDomain
from services.deliveries.domain.requests import RequestView, point_of
from services.deliveries.domain.scoring import Breakdown
from services.deliveries.domain.values import (ItemInput, Money, OfferInput, Point, Proof, RequestInput,
                                               SearchFilter, StopInput)


def _enum_maps(enum, prefix: str) -> tuple[dict[int, str], dict[str, int]]:
    to_str = {v.number: v.name.removeprefix(prefix).lower() for v in enum.DESCRIPTOR.values if v.number}
    return to_str, {s: n for n, s in to_str.items()}


CATEGORY, CATEGORY_PB = _enum_maps(pb.ItemCategory, "ITEM_CATEGORY_")
URGENCY, URGENCY_PB = _enum_maps(pb.Urgency, "URGENCY_")
REQUEST_STATUS, REQUEST_STATUS_PB = _enum_maps(pb.DeliveryRequestStatus, "DELIVERY_REQUEST_STATUS_")
OFFER_STATUS, OFFER_STATUS_PB = _enum_maps(pb.OfferStatus, "OFFER_STATUS_")
DELIVERY_STATUS, DELIVERY_STATUS_PB = _enum_maps(pb.DeliveryStatus, "DELIVERY_STATUS_")
ROLE, _ = _enum_maps(pb.ParticipantRole, "PARTICIPANT_ROLE_")
REPORT_REASON, REPORT_REASON_PB = _enum_maps(pb.ReportReason, "REPORT_REASON_")
CHANGE_PB = {"existing": pb.OFFER_CHANGE_EXISTING, "created": pb.OFFER_CHANGE_CREATED,
             "updated": pb.OFFER_CHANGE_UPDATED}

assert set(CATEGORY.values()) == set(store.ITEM_CATEGORIES)
assert set(REQUEST_STATUS.values()) == set(store.REQUEST_STATUSES)
assert set(OFFER_STATUS.values()) == set(store.OFFER_STATUSES)
assert set(DELIVERY_STATUS.values()) == set(store.DELIVERY_STATUSES)


def enum_in(value: int, mapping: dict[int, str]) -> str:
    """"" for UNSPECIFIED (0), "?" for a number the enum does not define."""
    return "" if value == 0 else mapping.get(value, "?")


def time_in(msg, name: str, prefix: str = "") -> dt.datetime | None:
    if not msg.HasField(name):
        return None
    t = getattr(msg, name)
    try:
        return t.ToDatetime(tzinfo=dt.timezone.utc)
    except (ValueError, OverflowError):
        raise InvalidArgument("the request has invalid fields", [(prefix + name, "is not a valid timestamp")]) from None


def money_in(msg, name: str) -> Money | None:
    if not msg.HasField(name):
        return None
    m = getattr(msg, name)
    return Money(m.amount_minor, m.currency_code)


def money_pb(amount: int | None, currency: str) -> cpb.Money | None:
    return None if amount is None else cpb.Money(amount_minor=int(amount), currency_code=currency)


def point_in(msg, name: str) -> Point | None:
    if not msg.HasField(name):
        return None
    ll = getattr(msg, name)
    return Point(ll.latitude, ll.longitude)


def place_pb(address: str, p: Point) -> cpb.Place:
    place = cpb.Place(address=address)
    place.location.latitude, place.location.longitude = p.lat, p.lng
    return place


# -- delivery requests ---------------------------------------------------------------------------

def stop_in(msg: pb.DeliveryRequest, name: str, prefix: str) -> StopInput | None:
    if not msg.HasField(name):
        return None
    s = getattr(msg, name)
    at = f"{prefix}{name}."
    return StopInput(address=s.place.address, location=point_in(s.place, "location") if s.HasField("place") else None,
                     contact_name=s.contact_name, contact_phone=s.contact_phone, instructions=s.instructions,
                     window_start=time_in(s, "window_start", at), window_end=time_in(s, "window_end", at))


def request_in(msg: pb.DeliveryRequest, prefix: str = "delivery_request.") -> RequestInput:
    item = None
    if msg.HasField("item"):
        it = msg.item
        dims = None
        if it.HasField("dimensions"):
            d = it.dimensions
            dims = (d.length_cm, d.width_cm, d.height_cm)
        item = ItemInput(name=it.name, description=it.description, category=enum_in(it.category, CATEGORY),
                         quantity=it.quantity, weight_grams=it.weight_grams, dimensions=dims,
                         value=money_in(it, "value"), fragile=it.fragile, perishable=it.perishable,
                         hazardous=it.hazardous, requires_signature=it.requires_signature,
                         image_urls=list(it.image_urls))
    return RequestInput(
        title=msg.title, description=msg.description, urgency=enum_in(msg.urgency, URGENCY), item=item,
        pickup=stop_in(msg, "pickup", prefix), delivery=stop_in(msg, "delivery", prefix),
        flexible_pickup_timing=msg.flexible_pickup_timing, preferred_pickup_days=list(msg.preferred_pickup_days),
        requires_recipient_presence=msg.requires_recipient_presence, currency_code=msg.currency_code,
        max_price=money_in(msg, "max_price"), auto_accept_price=money_in(msg, "auto_accept_price"),
        preferred_traveler_ids=list(msg.preferred_traveler_ids),
        blacklisted_traveler_ids=list(msg.blacklisted_traveler_ids), min_traveler_rating=msg.min_traveler_rating,
        verification_required=msg.verification_required, insurance_required=msg.insurance_required,
        background_check_required=msg.background_check_required,
        notification_preferences=dict(msg.notification_preferences), special_instructions=msg.special_instructions,
        tags=list(msg.tags), expire_time=time_in(msg, "expire_time", prefix))


def request_pb(v: RequestView) -> pb.DeliveryRequest:
    r, public = v.row, v.view == "public"
    cur = r.currency
    item = pb.Item(name=r.item_name, description=r.item_description or "", category=CATEGORY_PB[r.category],
                   quantity=r.quantity, weight_grams=r.weight_grams, volume_cm3=r.volume_cm3,
                   value=money_pb(r.value_minor, cur), fragile=r.is_fragile, perishable=r.is_perishable,
                   hazardous=r.is_hazardous, requires_signature=r.requires_signature, image_urls=r.item_images or [])
    if r.dimensions:
        item.dimensions.CopyFrom(pb.Dimensions(**r.dimensions))

    def stop(prefix: str) -> pb.Stop:
        s = pb.Stop(place=place_pb(getattr(r, f"{prefix}_address"), point_of(getattr(r, f"{prefix}_coordinates"))),
                    window_start=ts(getattr(r, f"{prefix}_time_start")), window_end=ts(getattr(r, f"{prefix}_time_end")))
        if not public:
            s.contact_name = getattr(r, f"{prefix}_contact_name") or ""
            s.contact_phone = getattr(r, f"{prefix}_contact_phone") or ""
            s.instructions = getattr(r, f"{prefix}_instructions") or ""
        return s

    out = pb.DeliveryRequest(
        id=str(r.id), customer_id=str(r.customer_id), title=r.title, description=r.description or "",
        status=REQUEST_STATUS_PB[r.status], urgency=URGENCY_PB[r.urgency], item=item, pickup=stop("pickup"),
        delivery=stop("delivery"), flexible_pickup_timing=r.flexible_pickup_timing,
        preferred_pickup_days=r.preferred_pickup_days or [], requires_recipient_presence=r.requires_recipient_presence,
        currency_code=cur, max_price=money_pb(r.max_price_minor, cur),
        estimated_price=money_pb(r.estimated_price_minor, cur), distance_meters=r.distance_meters,
        min_traveler_rating=float(r.min_traveler_rating or 0), verification_required=r.verification_required,
        insurance_required=r.insurance_required, background_check_required=r.background_check_required,
        tags=r.tags or [], create_time=ts(r.created_at), update_time=ts(r.updated_at), expire_time=ts(r.expires_at),
        cancel_time=ts(r.cancelled_at), cancellation_reason=r.cancellation_reason or "",
        pending_offer_count=v.pending_offers, delivery_id=str(r.delivery_id or ""), public_view=public)
    if not public:
        if r.auto_accept_price_minor is not None:
            out.auto_accept_price.CopyFrom(money_pb(r.auto_accept_price_minor, cur))
        out.preferred_traveler_ids.extend(str(u) for u in r.preferred_travelers or [])
        out.blacklisted_traveler_ids.extend(str(u) for u in r.blacklisted_travelers or [])
        out.notification_preferences.update(r.notification_preferences or {})
        out.special_instructions = r.special_instructions or ""
    return out


def offer_in(msg: pb.Offer) -> OfferInput:
    return OfferInput(trip_id=msg.trip_id, price=money_in(msg, "price"), message=msg.message,
                      estimated_pickup_time=time_in(msg, "estimated_pickup_time", "offer."),
                      estimated_delivery_time=time_in(msg, "estimated_delivery_time", "offer."),
                      guarantees=list(msg.guarantees), special_services=list(msg.special_services),
                      valid_until=time_in(msg, "valid_until", "offer."))


def offer_pb(o: store.OfferRow) -> pb.Offer:
    return pb.Offer(
        id=str(o.id), delivery_request_id=str(o.delivery_request_id), traveler_id=str(o.traveler_id),
        trip_id=str(o.trip_id), price=money_pb(o.price_minor, o.currency), message=o.message or "",
        estimated_pickup_time=ts(o.estimated_pickup_time), estimated_delivery_time=ts(o.estimated_delivery_time),
        status=OFFER_STATUS_PB[o.status], guarantees=o.guarantees or [], special_services=o.special_services or [],
        valid_until=ts(o.valid_until), create_time=ts(o.created_at), update_time=ts(o.updated_at),
        accept_time=ts(o.accepted_at), decline_time=ts(o.declined_at), decline_reason=o.declined_reason or "",
        withdraw_time=ts(o.withdrawn_at), withdraw_reason=o.withdrawn_reason or "",
        delivery_id=str(o.delivery_id or ""))


def delivery_pb(d: store.DeliveryRow) -> pb.Delivery:
    out = pb.Delivery(
        id=str(d.id), delivery_number=d.delivery_number, delivery_request_id=str(d.delivery_request_id),
        offer_id=str(d.offer_id), customer_id=str(d.customer_id), traveler_id=str(d.traveler_id),
        trip_id=str(d.trip_id), status=DELIVERY_STATUS_PB[d.status], final_price=money_pb(d.final_price_minor, d.currency),
        special_requests=d.special_requests or "", weight_grams=d.weight_grams, volume_cm3=d.volume_cm3, items=d.items,
        accept_time=ts(d.accepted_at), pickup_schedule_time=ts(d.pickup_scheduled_at),
        scheduled_pickup_time=ts(d.scheduled_pickup_time), pickup_time=ts(d.pickup_completed_at),
        in_transit_time=ts(d.in_transit_at), delivery_schedule_time=ts(d.delivery_scheduled_at),
        scheduled_delivery_time=ts(d.scheduled_delivery_time), deliver_time=ts(d.delivery_completed_at),
        complete_time=ts(d.completed_at), cancel_time=ts(d.cancelled_at),
        cancellation_reason=d.cancellation_reason or "", cancelled_by=d.cancelled_by or "",
        dispute_time=ts(d.disputed_at), dispute_reason=d.dispute_reason or "",
        recipient_signature_url=d.recipient_signature_url or "", delivery_photo_url=d.delivery_photo_url or "",
        delivery_notes=d.delivery_notes or "", capacity_release_time=ts(d.capacity_released_at),
        create_time=ts(d.created_at), update_time=ts(d.updated_at))
    out.pickup_verification.update({k: str(v) for k, v in (d.pickup_verification or {}).items()})
    out.delivery_verification.update({k: str(v) for k, v in (d.delivery_verification or {}).items()})
    return out


def breakdown_pb(b: Breakdown) -> pb.ScoreBreakdown:
    return pb.ScoreBreakdown(detour=b.detour, time_fit=b.time_fit, price=b.price, rating=b.rating,
                             reliability=b.reliability, preferred_bonus=b.preferred_bonus)


def _idempotency_key(method: str, request_id: str) -> str:
    if not request_id:
        return ""
    if len(request_id) > 100:
        raise InvalidArgument("the request has invalid fields", [("request_id", "must be at most 100 characters long")])
    return f"{method}:{caller().subject}:{request_id}"


class DeliveryServicer(deliveries_pb2_grpc.DeliveryServiceServicer):
    def __init__(self, domain: DeliveriesDomain, stopping: asyncio.Event | None = None):
        self.d = domain
        self.stopping = stopping

    async def _idempotent(self, method: str, request_id: str, cls, run):
        key = _idempotency_key(method, request_id)
        if key:
            stored = await self.d.remembered(key)
            if stored is not None:
                return cls.FromString(stored)
        resp = await run()
        if key:
            await self.d.remember(key, resp.SerializeToString())
        return resp

    # -- delivery requests -----------------------------------------------------------------------
    async def CreateDeliveryRequest(self, request, context):
        async def run():
            return request_pb(await self.d.requests.create(request_in(request.delivery_request)))
        return await self._idempotent("CreateDeliveryRequest", request.request_id, pb.DeliveryRequest, run)

    async def GetDeliveryRequest(self, request, context):
        return request_pb(await self.d.requests.get(request.delivery_request_id))

    async def ListDeliveryRequests(self, request, context):
        rows, nxt = await self.d.requests.list_mine([enum_in(s, REQUEST_STATUS) for s in request.statuses],
                                                    request.page_size, request.page_token)
        return pb.ListDeliveryRequestsResponse(delivery_requests=[request_pb(r) for r in rows], next_page_token=nxt)

    async def UpdateDeliveryRequest(self, request, context):
        v = await self.d.requests.update(request_in(request.delivery_request), request.delivery_request.id,
                                         list(request.update_mask.paths))
        return request_pb(v)

    async def CancelDeliveryRequest(self, request, context):
        return request_pb(await self.d.requests.cancel(request.delivery_request_id, request.reason))

    async def SearchDeliveryRequests(self, request, context):
        f = SearchFilter(origin=point_in(request, "origin"), destination=point_in(request, "destination"),
                         radius_meters=request.radius_meters, min_price_minor=request.min_price_minor,
                         max_weight_grams=request.max_weight_grams, category=enum_in(request.category, CATEGORY),
                         urgency=enum_in(request.urgency, URGENCY))
        rows, nxt = await self.d.requests.search(f, request.page_size, request.page_token)
        return pb.SearchDeliveryRequestsResponse(delivery_requests=[request_pb(r) for r in rows], next_page_token=nxt)

    async def DuplicateDeliveryRequest(self, request, context):
        async def run():
            return request_pb(await self.d.requests.duplicate(request.delivery_request_id,
                                                              request_in(request.overrides, "overrides."),
                                                              list(request.update_mask.paths)))
        return await self._idempotent("DuplicateDeliveryRequest", request.request_id, pb.DeliveryRequest, run)

    async def GetDeliveryRequestAnalytics(self, request, context):
        a = await self.d.requests.analytics(request.delivery_request_id)
        cur = a.request.currency
        return pb.DeliveryRequestAnalytics(
            delivery_request_id=str(a.request.id), views=a.views, unique_viewers=a.unique_viewers,
            total_offers=a.total_offers,
            offers_by_status=[pb.OfferStatusCount(status=OFFER_STATUS_PB[s], count=n)
                              for s, n in sorted(a.offers_by_status.items(), key=lambda kv: OFFER_STATUS_PB[kv[0]])],
            min_offer_price=money_pb(a.min_offer, cur), avg_offer_price=money_pb(a.avg_offer, cur),
            max_offer_price=money_pb(a.max_offer, cur), estimated_price=money_pb(a.request.estimated_price_minor, cur),
            max_price=money_pb(a.request.max_price_minor, cur), accepted_price=money_pb(a.accepted_price, cur),
            avg_offer_vs_estimate_bp=a.avg_vs_estimate_bp, first_offer_time=ts(a.first_offer_at), reports=a.reports)

    async def ReportDeliveryRequest(self, request, context):
        r = await self.d.requests.report(request.delivery_request_id, enum_in(request.reason, REPORT_REASON),
                                         request.details)
        return pb.DeliveryRequestReport(id=str(r.id), delivery_request_id=str(r.delivery_request_id),
                                        reporter_id=str(r.reporter_id), reason=REPORT_REASON_PB[r.reason],
                                        details=r.details or "", create_time=ts(r.created_at))

    async def GetDeliveryRequestStatistics(self, request, context):
        st = await self.d.requests.statistics()
        return pb.DeliveryRequestStatistics(
            total_requests=st.total,
            by_status=[pb.StatusCount(status=REQUEST_STATUS_PB[s], count=n)
                       for s, n in sorted(st.by_status.items(), key=lambda kv: REQUEST_STATUS_PB[kv[0]])],
            by_category=[pb.CategoryCount(category=CATEGORY_PB[c], count=n)
                         for c, n in sorted(st.by_category.items(), key=lambda kv: (-kv[1], kv[0]))],
            by_month=[pb.MonthCount(month=m, count=n) for m, n in st.by_month],
            offers_received=st.offers_received, deliveries_completed=st.deliveries_completed,
            total_spent=[cpb.Money(amount_minor=a, currency_code=c) for c, a in st.spent],
            total_weight_grams=st.total_weight_grams)

    async def ListPopularRoutes(self, request, context):
        routes = await self.d.requests.popular_routes(request.days, request.limit)
        out = pb.ListPopularRoutesResponse()
        for r in routes:
            pr = out.routes.add(origin_address=r.origin_address, destination_address=r.destination_address,
                                requests=r.requests, top_categories=[CATEGORY_PB[c] for c in r.top_categories],
                                avg_estimated_price=money_pb(r.avg_price, r.currency),
                                min_estimated_price=money_pb(r.min_price, r.currency),
                                max_estimated_price=money_pb(r.max_price, r.currency))
            pr.origin.latitude, pr.origin.longitude = r.origin.lat, r.origin.lng
            pr.destination.latitude, pr.destination.longitude = r.destination.lat, r.destination.lng
        return out

    async def GetRecommendations(self, request, context):
        rows, s = await self.d.requests.recommendations(
            request.delivery_request_id, point_in(request, "pickup"), point_in(request, "dropoff"),
            request.weight_grams, enum_in(request.urgency, URGENCY), request.fragile, request.currency_code,
            request.limit)
        c = s.currency
        return pb.Recommendations(similar_requests=[request_pb(r) for r in rows], pricing=pb.PricingSuggestion(
            estimated_price=money_pb(s.estimate, c), market_samples=s.samples,
            market_min_price=money_pb(s.market_min, c), market_avg_price=money_pb(s.market_avg, c),
            market_max_price=money_pb(s.market_max, c), suggested_max_price=money_pb(s.suggested_max, c)))

    # -- matching ---------------------------------------------------------------------------------
    async def FindMatchingTrips(self, request, context):
        found = await self.d.matching.trips_for_request(request.delivery_request_id, request.max_detour_meters,
                                                        request.limit)
        out = pb.FindMatchingTripsResponse()
        for f in found:
            t = f.match.trip
            out.matches.add(
                trip_id=t.id, traveler_id=t.traveler_id, origin=place_pb(t.origin_address, t.origin),
                destination=place_pb(t.destination_address, t.destination), departure_time=ts(t.departure_time),
                arrival_time=ts(t.arrival_time), pickup_detour_meters=f.match.pickup_detour_meters,
                dropoff_detour_meters=f.match.dropoff_detour_meters, pickup_fraction=f.match.pickup_fraction,
                dropoff_fraction=f.match.dropoff_fraction,
                trip_price=money_pb(f.trip_price.amount_minor, f.trip_price.currency_code) if f.trip_price else None,
                traveler_rating=f.rating or 0.0, preferred_traveler=f.preferred, score=f.breakdown.score,
                breakdown=breakdown_pb(f.breakdown))
        return out

    async def FindMatchingRequests(self, request, context):
        found = await self.d.matching.requests_for_trip(request.trip_id, request.max_detour_meters, request.limit)
        return pb.FindMatchingRequestsResponse(matches=[pb.RequestMatch(
            delivery_request=request_pb(RequestView(f.row, "public", f.pending_offers)),
            pickup_detour_meters=f.pickup_detour, dropoff_detour_meters=f.dropoff_detour,
            pickup_fraction=f.pickup_fraction, dropoff_fraction=f.dropoff_fraction,
            trip_price=money_pb(f.trip_price.amount_minor, f.trip_price.currency_code) if f.trip_price else None,
            score=f.breakdown.score, breakdown=breakdown_pb(f.breakdown)) for f in found])

    # -- offers -----------------------------------------------------------------------------------
    async def CreateOffer(self, request, context):
        async def run():
            return offer_pb(await self.d.offers.create(request.delivery_request_id, offer_in(request.offer)))
        return await self._idempotent("CreateOffer", request.request_id, pb.Offer, run)

    async def ListOffers(self, request, context):
        rows, nxt = await self.d.offers.list(request.delivery_request_id, enum_in(request.role, ROLE),
                                             [enum_in(s, OFFER_STATUS) for s in request.statuses],
                                             request.page_size, request.page_token)
        return pb.ListOffersResponse(offers=[offer_pb(o) for o in rows], next_page_token=nxt)

    async def GetOffer(self, request, context):
        return offer_pb(await self.d.offers.get(request.delivery_request_id, request.offer_id))

    async def UpdateOffer(self, request, context):
        o = request.offer
        return offer_pb(await self.d.offers.update(o.delivery_request_id, o.id, offer_in(o),
                                                   list(request.update_mask.paths)))

    async def WithdrawOffer(self, request, context):
        return offer_pb(await self.d.offers.withdraw(request.delivery_request_id, request.offer_id, request.reason))

    async def DeclineOffer(self, request, context):
        return offer_pb(await self.d.offers.decline(request.delivery_request_id, request.offer_id, request.reason))

    async def AcceptOffer(self, request, context):
        async def run():
            return delivery_pb(await self.d.offers.accept(request.delivery_request_id, request.offer_id,
                                                          request.special_requests))
        return await self._idempotent("AcceptOffer", request.request_id, pb.Delivery, run)

    async def WatchOffers(self, request, context):
        # An async generator (OpenTelemetry's aio interceptor breaks context.write streams).
        # Everything is checked before the first message.
        stream = await self.d.offers.watch(request.delivery_request_id, self.stopping)
        async for ev in stream:
            yield pb.WatchOffersResponse(change=CHANGE_PB[ev.change], offer=offer_pb(ev.offer))

    # -- deliveries -------------------------------------------------------------------------------
    async def GetDelivery(self, request, context):
        return delivery_pb(await self.d.lifecycle.get(request.delivery_id))

    async def ListDeliveries(self, request, context):
        rows, nxt = await self.d.lifecycle.list_mine(enum_in(request.role, ROLE),
                                                     [enum_in(s, DELIVERY_STATUS) for s in request.statuses],
                                                     request.page_size, request.page_token)
        return pb.ListDeliveriesResponse(deliveries=[delivery_pb(d) for d in rows], next_page_token=nxt)

    async def TransitionDelivery(self, request, context):
        proof = None
        if request.HasField("proof"):
            pr = request.proof
            proof = Proof(dict(pr.verification), pr.signature_url, pr.photo_url, pr.notes)
        d = await self.d.lifecycle.transition(request.delivery_id, enum_in(request.status, DELIVERY_STATUS),
                                              time_in(request, "scheduled_time"), proof, request.reason)
        return delivery_pb(d)

    async def HandleTripCancelled(self, request, context):
        withdrawn, cancelled, in_progress = await self.d.lifecycle.handle_trip_cancelled(request.trip_id,
                                                                                         request.reason)
        return pb.HandleTripCancelledResponse(withdrawn_offers=withdrawn, cancelled_deliveries=cancelled,
                                              deliveries_in_progress=in_progress)
