"""The gRPC adapter of trips: protobuf in -> domain call -> protobuf out. No SQL, no rules."""
from __future__ import annotations

import datetime as dt

from google.protobuf import timestamp_pb2
from google.type import latlng_pb2

from p2p.common.v1 import common_pb2 as cpb
from p2p.trips.v1 import trips_pb2 as pb
from p2p.trips.v1 import trips_pb2_grpc
from services.common.errors import InvalidArgument, Unimplemented
from services.common.identity import caller, require_service, require_user
from services.trips import domain as d

TRANSPORT = {pb.TRANSPORT_TYPE_FLIGHT: "flight", pb.TRANSPORT_TYPE_TRAIN: "train", pb.TRANSPORT_TYPE_BUS: "bus",
             pb.TRANSPORT_TYPE_CAR: "car", pb.TRANSPORT_TYPE_FERRY: "ferry", pb.TRANSPORT_TYPE_OTHER: "other"}
TRANSPORT_PB = {v: k for k, v in TRANSPORT.items()}
STATUS = {pb.TRIP_STATUS_DRAFT: "draft", pb.TRIP_STATUS_PUBLISHED: "published", pb.TRIP_STATUS_IN_PROGRESS: "in_progress",
          pb.TRIP_STATUS_COMPLETED: "completed", pb.TRIP_STATUS_CANCELLED: "cancelled"}
STATUS_PB = {v: k for k, v in STATUS.items()}
VISIBILITY = {pb.TRIP_VISIBILITY_PUBLIC: "public", pb.TRIP_VISIBILITY_PRIVATE: "private"}
VISIBILITY_PB = {v: k for k, v in VISIBILITY.items()}
FREQUENCY = {pb.RECURRENCE_FREQUENCY_DAILY: "daily", pb.RECURRENCE_FREQUENCY_WEEKLY: "weekly"}
EXPORT = {pb.EXPORT_FORMAT_JSON: "json", pb.EXPORT_FORMAT_CSV: "csv"}


def ts(v: dt.datetime | None):
    if v is None:
        return None
    t = timestamp_pb2.Timestamp()
    t.FromDatetime(v)
    return t


def when(msg, field: str) -> dt.datetime | None:
    if not msg.HasField(field):
        return None
    t = getattr(msg, field)
    try:
        return t.ToDatetime(tzinfo=dt.timezone.utc)
    except (ValueError, OverflowError):
        raise InvalidArgument("the request has invalid fields", [(field, "is not a valid timestamp")]) from None


def ll(msg, field: str) -> tuple[float, float] | None:
    if not msg.HasField(field):
        return None
    p = getattr(msg, field)
    return p.latitude, p.longitude


def money(amount: int, currency: str) -> cpb.Money:
    return cpb.Money(amount_minor=amount, currency_code=currency)


def endpoint_in(e: pb.Endpoint, present: bool) -> d.Endpoint | None:
    if not present:
        return None
    return d.Endpoint(e.place.address, e.place.location.latitude, e.place.location.longitude,
                      e.place.HasField("location"), e.airport.upper(), e.terminal, e.details)


def trip_in(t: pb.Trip) -> d.TripInput:
    p = t.pricing
    currency = p.base_price.currency_code or p.price_per_kg.currency_code or p.price_per_km.currency_code or "EUR"
    r = t.restrictions
    rec = None
    if t.HasField("recurrence"):
        rec = d.Recurrence(FREQUENCY.get(t.recurrence.frequency, ""), t.recurrence.interval or 1,
                           list(t.recurrence.weekdays), when(t.recurrence, "until"))
    return d.TripInput(
        title=t.title, description=t.description, transport_type=TRANSPORT.get(t.transport_type, ""),
        origin=endpoint_in(t.origin, t.HasField("origin")), destination=endpoint_in(t.destination, t.HasField("destination")),
        departure=when(t, "departure_time"), arrival=when(t, "arrival_time"),
        weight_grams=t.capacity.weight_grams, volume_cm3=t.capacity.volume_cm3, items=t.capacity.items,
        pricing=d.Pricing(currency, p.base_price.amount_minor, p.price_per_kg.amount_minor, p.price_per_km.amount_minor,
                          p.express_multiplier_bp or 10000, p.fragile_multiplier_bp or 10000),
        restrictions={"accepted_categories": [c.lower() for c in r.accepted_categories],
                      "refused_categories": [c.lower() for c in r.refused_categories],
                      "max_item_weight_grams": r.max_item_weight_grams, "fragile_ok": r.fragile_ok,
                      "perishable_ok": r.perishable_ok},
        preferences={"instant_booking": t.preferences.instant_booking,
                     "meeting_preference": t.preferences.meeting_preference,
                     "languages": list(t.preferences.languages)},
        visibility=VISIBILITY.get(t.visibility, "public" if t.visibility == 0 else ""),
        auto_accept=t.auto_accept,
        auto_accept_price=t.auto_accept_price.amount_minor if t.HasField("auto_accept_price") else None,
        tags=list(t.tags), recurrence=rec)


def endpoint_pb(address, lat, lng, airport, terminal, details) -> pb.Endpoint:
    return pb.Endpoint(place=cpb.Place(address=address, location=latlng_pb2.LatLng(latitude=lat, longitude=lng)),
                       airport=airport or "", terminal=terminal or "", details=details or "")


def trip_pb(row) -> pb.Trip:
    t = row.Trip
    r = t.restrictions or {}
    prefs = t.preferences or {}
    out = pb.Trip(
        id=str(t.id), traveler_id=str(t.traveler_id), title=t.title, description=t.description,
        transport_type=TRANSPORT_PB[t.trip_type], status=STATUS_PB[t.status],
        origin=endpoint_pb(t.origin_address, row.o_lat, row.o_lng, t.origin_airport, t.origin_terminal, t.origin_details),
        destination=endpoint_pb(t.destination_address, row.d_lat, row.d_lng, t.destination_airport,
                                t.destination_terminal, t.destination_details),
        departure_time=ts(t.departure_time), arrival_time=ts(t.arrival_time),
        estimated_duration_minutes=t.estimated_duration, actual_departure_time=ts(t.actual_departure_time),
        actual_arrival_time=ts(t.actual_arrival_time),
        capacity=pb.Capacity(weight_grams=t.weight_capacity, volume_cm3=t.volume_capacity, items=t.item_capacity),
        available=pb.Capacity(weight_grams=t.available_weight, volume_cm3=t.available_volume, items=t.available_items),
        pricing=pb.Pricing(base_price=money(t.base_price, t.currency), price_per_kg=money(t.price_per_kg, t.currency),
                           price_per_km=money(t.price_per_km, t.currency), express_multiplier_bp=t.express_multiplier,
                           fragile_multiplier_bp=t.fragile_multiplier),
        restrictions=pb.Restrictions(accepted_categories=r.get("accepted_categories", []),
                                     refused_categories=r.get("refused_categories", []),
                                     max_item_weight_grams=r.get("max_item_weight_grams", 0),
                                     fragile_ok=r.get("fragile_ok", False), perishable_ok=r.get("perishable_ok", False)),
        preferences=pb.Preferences(instant_booking=prefs.get("instant_booking", False),
                                   meeting_preference=prefs.get("meeting_preference", ""),
                                   languages=prefs.get("languages", [])),
        parent_trip_id=str(t.parent_trip_id or ""), visibility=VISIBILITY_PB[t.visibility], auto_accept=t.auto_accept,
        auto_accept_price=money(t.auto_accept_price, t.currency) if t.auto_accept_price else None, tags=t.tags,
        route_distance_meters=t.route_distance_m, create_time=ts(t.created_at), update_time=ts(t.updated_at),
        cancel_time=ts(t.cancelled_at), cancellation_reason=t.cancellation_reason or "",
        revised_arrival_time=ts(t.revised_arrival_time))
    if t.is_recurring and t.recurring_pattern:
        rp = t.recurring_pattern
        out.recurrence.CopyFrom(pb.Recurrence(
            frequency={"daily": pb.RECURRENCE_FREQUENCY_DAILY, "weekly": pb.RECURRENCE_FREQUENCY_WEEKLY}[rp["frequency"]],
            interval=rp.get("interval", 1), weekdays=rp.get("weekdays", []),
            until=ts(dt.datetime.fromisoformat(rp["until"])) if rp.get("until") else None))
    if row.p_lat is not None:
        out.last_position.CopyFrom(latlng_pb2.LatLng(latitude=row.p_lat, longitude=row.p_lng))
    return out


def trip_dict(row) -> dict:
    from google.protobuf import json_format
    return json_format.MessageToDict(trip_pb(row), preserving_proto_field_name=True)


def route_pb(r) -> pb.PopularRoute:
    return pb.PopularRoute(origin=latlng_pb2.LatLng(latitude=r.o_lat, longitude=r.o_lng),
                           destination=latlng_pb2.LatLng(latitude=r.d_lat, longitude=r.d_lng),
                           origin_address=r.origin_address, destination_address=r.destination_address, trips=r.trips,
                           median_base_price=money(int(r.median_price or 0), r.currency))


class TripServicer(trips_pb2_grpc.TripServiceServicer):
    def __init__(self, domain: d.TripsDomain):
        self.d = domain

    async def CreateTrip(self, request, context):
        p = require_user()
        key = f"CreateTrip:{p.user_id}:{request.request_id}" if request.request_id else ""
        if key:
            if len(request.request_id) > 100:
                raise InvalidArgument("the request has invalid fields", [("request_id", "must be at most 100 characters")])
            stored = await self.d.remembered(key)
            if stored is not None:
                return pb.Trip.FromString(stored)
        trip_id = await self.d.create(p, trip_in(request.trip), request.publish)
        resp = trip_pb(await self.d.get(p, str(trip_id)))
        if key:
            await self.d.remember(key, resp.SerializeToString())
        return resp

    async def GetTrip(self, request, context):
        return trip_pb(await self.d.get(caller(), request.trip_id))

    async def ListMyTrips(self, request, context):
        statuses = []
        for i, s in enumerate(request.statuses):
            if s not in STATUS:
                raise InvalidArgument("the request has invalid fields", [(f"statuses[{i}]", "unknown trip status")])
            statuses.append(STATUS[s])
        rows, nxt = await self.d.list_mine(require_user(), statuses, request.page_size, request.page_token)
        return pb.ListTripsResponse(trips=[trip_pb(r) for r in rows], next_page_token=nxt)

    async def UpdateTrip(self, request, context):
        return trip_pb(await self.d.update(require_user(), request.trip.id, trip_in(request.trip),
                                           list(request.update_mask.paths)))

    async def CancelTrip(self, request, context):
        return trip_pb(await self.d.transition(require_user(), request.trip_id, "cancel", reason=request.reason,
                                               series=request.scope == pb.CANCEL_SCOPE_SERIES))

    async def PublishTrip(self, request, context):
        return trip_pb(await self.d.transition(require_user(), request.trip_id, "publish"))

    async def StartTrip(self, request, context):
        return trip_pb(await self.d.transition(require_user(), request.trip_id, "start", position=ll(request, "position")))

    async def CompleteTrip(self, request, context):
        return trip_pb(await self.d.transition(require_user(), request.trip_id, "complete"))

    async def ReportTripStatus(self, request, context):
        return trip_pb(await self.d.report_status(require_user(), request.trip_id, ll(request, "position"),
                                                  when(request, "revised_arrival_time")))

    async def SearchTrips(self, request, context):
        rows, nxt = await self.d.search(
            ll(request, "origin"), ll(request, "destination"), request.radius_meters, when(request, "depart_after"),
            when(request, "depart_before"), request.min_weight_grams, TRANSPORT.get(request.transport_type, ""),
            request.page_size, request.page_token)
        return pb.ListTripsResponse(trips=[trip_pb(r) for r in rows], next_page_token=nxt)

    async def GetTripAnalytics(self, request, context):
        a = await self.d.analytics(require_user(), request.trip_id)
        t = a["trip"]
        return pb.TripAnalytics(
            trip_id=str(t.id), reservations=a["reservations"],
            reserved=pb.Capacity(weight_grams=a["weight"], volume_cm3=a["volume"], items=a["items"]),
            weight_utilisation_bp=a["utilisation_bp"], estimated_earnings=money(a["earnings"], t.currency),
            timeline=[pb.TripEvent(kind=k, time=ts(w)) for k, w in a["timeline"]])

    async def ListTripReviews(self, request, context):
        require_user()
        raise Unimplemented("trip reviews come from the users service, which is not built yet")

    async def ShareTrip(self, request, context):
        url, deep, png = await self.d.share(require_user(), request.trip_id)
        return pb.ShareTripResponse(share_url=url, deep_link=deep, qr_code_png=png)

    async def DuplicateTrip(self, request, context):
        p = require_user()
        new_id = await self.d.duplicate(p, request.trip_id, when(request, "departure_time"), when(request, "arrival_time"))
        return trip_pb(await self.d.get(p, str(new_id)))

    async def ListTripTemplates(self, request, context):
        rows, nxt = await self.d.list_templates(require_user(), request.page_size, request.page_token)
        return pb.ListTripTemplatesResponse(templates=[self._template(t) for t in rows], next_page_token=nxt)

    def _template(self, t) -> pb.TripTemplate:
        data = self.d.template_input(t)
        o, dd = data.origin, data.destination
        trip = pb.Trip(
            title=data.title, description=data.description, transport_type=TRANSPORT_PB.get(data.transport_type, 0),
            origin=endpoint_pb(o.address, o.lat, o.lng, o.airport, o.terminal, o.details),
            destination=endpoint_pb(dd.address, dd.lat, dd.lng, dd.airport, dd.terminal, dd.details),
            capacity=pb.Capacity(weight_grams=data.weight_grams, volume_cm3=data.volume_cm3, items=data.items),
            pricing=pb.Pricing(base_price=money(data.pricing.base, data.pricing.currency),
                               price_per_kg=money(data.pricing.per_kg, data.pricing.currency),
                               price_per_km=money(data.pricing.per_km, data.pricing.currency),
                               express_multiplier_bp=data.pricing.express_bp,
                               fragile_multiplier_bp=data.pricing.fragile_bp),
            visibility=VISIBILITY_PB.get(data.visibility, 0), tags=data.tags)
        return pb.TripTemplate(id=str(t.id), name=t.name, trip=trip, usage_count=t.usage_count,
                               last_use_time=ts(t.last_used_at), create_time=ts(t.created_at))

    async def CreateTripTemplate(self, request, context):
        src = request.WhichOneof("source")
        tpl = await self.d.save_template(require_user(), request.name, request.trip_id if src == "trip_id" else "",
                                         trip_in(request.trip) if src == "trip" else None)
        return self._template(tpl)

    async def CreateTripFromTemplate(self, request, context):
        p = require_user()
        v_dep, v_arr = when(request, "departure_time"), when(request, "arrival_time")
        trip_id = await self.d.from_template(p, request.template_id, v_dep, v_arr)
        return trip_pb(await self.d.get(p, str(trip_id)))

    async def ListPopularRoutes(self, request, context):
        return pb.ListPopularRoutesResponse(routes=[route_pb(r) for r in await self.d.popular(request.limit)])

    async def GetTripRecommendations(self, request, context):
        if not 0 <= request.limit <= 50:
            raise InvalidArgument("the request has invalid fields", [("limit", "must be between 0 and 50")])
        recs = await self.d.recommendations(require_user(), request.limit)
        return pb.GetTripRecommendationsResponse(recommendations=[
            pb.TripRecommendation(route=route_pb(r), suggested_weekday=int(r.weekday or 0), reason=why) for r, why in recs])

    async def ExportTrip(self, request, context):
        ctype, name, content = await self.d.export(require_user(), request.trip_id, EXPORT.get(request.format, ""),
                                                   trip_dict)
        return pb.ExportTripResponse(content_type=ctype, filename=name, content=content)

    async def GetTripWeather(self, request, context):
        row, w = await self.d.weather_for(caller(), request.trip_id)
        if w is None:
            return pb.TripWeather(trip_id=str(row.Trip.id), available=False)

        def report(x: dict) -> pb.WeatherReport:
            return pb.WeatherReport(temperature_celsius=x["temperature_celsius"], precipitation_mm=x["precipitation_mm"],
                                    wind_speed_kmh=x["wind_speed_kmh"], weather_code=x["weather_code"], summary=x["summary"])
        return pb.TripWeather(trip_id=str(row.Trip.id), available=True, origin=report(w.origin_weather),
                              destination=report(w.destination_weather), travel_conditions=w.travel_conditions,
                              alerts=w.alerts, fetch_time=ts(w.fetched_at))

    async def GetTripStatistics(self, request, context):
        by_status, distance, top = await self.d.statistics(require_user())
        return pb.TripStatistics(
            total_trips=sum(by_status.values()), published=by_status.get("published", 0),
            in_progress=by_status.get("in_progress", 0), completed=by_status.get("completed", 0),
            cancelled=by_status.get("cancelled", 0), distance_travelled_meters=distance,
            top_routes=[pb.RouteCount(origin_address=o, destination_address=dd, trips=n) for o, dd, n in top])

    async def ReserveCapacity(self, request, context):
        require_service()
        r, left = await self.d.reserve(request.trip_id, request.delivery_id, request.weight_grams, request.volume_cm3,
                                       request.items)
        return self._reservation(r, left)

    async def ReleaseCapacity(self, request, context):
        require_service()
        r, left = await self.d.release(request.trip_id, request.delivery_id)
        return self._reservation(r, left)

    @staticmethod
    def _reservation(r, left) -> pb.CapacityReservation:
        return pb.CapacityReservation(trip_id=str(r.trip_id), delivery_id=r.delivery_id, released=r.released_at is not None,
                                      available_weight_grams=left[0], available_volume_cm3=left[1], available_items=left[2])

    async def MatchTrips(self, request, context):
        require_service()
        windows = {"pickup_start": when(request, "pickup_window_start"), "pickup_end": when(request, "pickup_window_end"),
                   "delivery_start": when(request, "delivery_window_start"),
                   "delivery_end": when(request, "delivery_window_end")}
        matches = await self.d.match(ll(request, "pickup"), ll(request, "dropoff"), windows, request.weight_grams,
                                     request.volume_cm3, request.items, request.max_detour_meters,
                                     list(request.exclude_traveler_ids), request.item_category.lower(), request.page_size)
        return pb.MatchTripsResponse(matches=[pb.TripMatch(
            trip=trip_pb(m.trip), pickup_detour_meters=m.pickup_detour, dropoff_detour_meters=m.dropoff_detour,
            pickup_fraction=m.pickup_fraction, dropoff_fraction=m.dropoff_fraction) for m in matches])

