"""Every RPC of TripService, table-driven: without a token (and with a bad one), called by a
stranger on someone else's draft, by the wrong kind of caller, and with bad input. A new RPC
without rows here fails test_every_rpc_is_in_the_tables."""
from __future__ import annotations

import datetime as dt

import grpc
import pytest
from google.protobuf import field_mask_pb2

from p2p.trips.v1 import trips_pb2 as tpb
from tests.auth.test_auth_flows import details
from tests.conftest import md
from tests.trips.conftest import BRUSSELS, COLOGNE, bearer, create_trip, ll, new_id, stamp, trip_msg

OK = grpc.StatusCode
SERVICE = tpb.DESCRIPTOR.services_by_name["TripService"]
PUBLIC = {"SearchTrips", "ListPopularRoutes"}
INTERNAL = {"ReserveCapacity", "ReleaseCapacity", "MatchTrips"}


def soon() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=9)


def requests_on(trip_id: str) -> dict:
    """A well-formed request of each RPC about `trip_id` (for the caller checks)."""
    return {
        "CreateTrip": tpb.CreateTripRequest(trip=trip_msg()),
        "GetTrip": tpb.GetTripRequest(trip_id=trip_id),
        "ListMyTrips": tpb.ListMyTripsRequest(),
        "UpdateTrip": tpb.UpdateTripRequest(trip=tpb.Trip(id=trip_id, title="x"),
                                            update_mask=field_mask_pb2.FieldMask(paths=["title"])),
        "CancelTrip": tpb.CancelTripRequest(trip_id=trip_id, reason="because"),
        "PublishTrip": tpb.PublishTripRequest(trip_id=trip_id),
        "StartTrip": tpb.StartTripRequest(trip_id=trip_id),
        "ReportTripStatus": tpb.ReportTripStatusRequest(trip_id=trip_id, position=ll(BRUSSELS)),
        "CompleteTrip": tpb.CompleteTripRequest(trip_id=trip_id),
        "SearchTrips": tpb.SearchTripsRequest(),
        "GetTripAnalytics": tpb.GetTripAnalyticsRequest(trip_id=trip_id),
        "ListTripReviews": tpb.ListTripReviewsRequest(trip_id=trip_id),
        "ShareTrip": tpb.ShareTripRequest(trip_id=trip_id),
        "DuplicateTrip": tpb.DuplicateTripRequest(trip_id=trip_id, departure_time=stamp(soon())),
        "ListTripTemplates": tpb.ListTripTemplatesRequest(),
        "CreateTripTemplate": tpb.CreateTripTemplateRequest(name=f"t-{new_id()}", trip_id=trip_id),
        "CreateTripFromTemplate": tpb.CreateTripFromTemplateRequest(template_id=new_id(), departure_time=stamp(soon())),
        "DeleteTripTemplate": tpb.DeleteTripTemplateRequest(template_id=new_id()),
        "ListPopularRoutes": tpb.ListPopularRoutesRequest(),
        "GetTripRecommendations": tpb.GetTripRecommendationsRequest(),
        "ExportTrip": tpb.ExportTripRequest(trip_id=trip_id, format=tpb.EXPORT_FORMAT_JSON),
        "GetTripWeather": tpb.GetTripWeatherRequest(trip_id=trip_id),
        "GetTripStatistics": tpb.GetTripStatisticsRequest(),
        "ReserveCapacity": tpb.ReserveCapacityRequest(trip_id=trip_id, delivery_id=new_id(), weight_grams=1),
        "ReleaseCapacity": tpb.ReleaseCapacityRequest(trip_id=trip_id, delivery_id=new_id()),
        "MatchTrips": tpb.MatchTripsRequest(pickup=ll(BRUSSELS), dropoff=ll(COLOGNE)),
    }


# RPCs about one trip: a stranger asking about another traveler's draft gets NOT_FOUND.
TRIP_SCOPED = ("GetTrip", "UpdateTrip", "CancelTrip", "PublishTrip", "StartTrip", "ReportTripStatus", "CompleteTrip",
               "GetTripAnalytics", "ListTripReviews", "ShareTrip", "DuplicateTrip", "CreateTripTemplate", "ExportTrip",
               "GetTripWeather")
# RPCs about one of the caller's templates: a stranger's template id is NOT_FOUND (checked in
# test_insights with a real template); here an unknown id.
TEMPLATE_SCOPED = ("CreateTripFromTemplate", "DeleteTripTemplate")

# Bad input: (request, a field the violations must name).
BAD = {
    "CreateTrip": (tpb.CreateTripRequest(), "trip.transport_type"),
    "GetTrip": (tpb.GetTripRequest(trip_id="not-a-uuid"), "trip_id"),
    "ListMyTrips": (tpb.ListMyTripsRequest(page_size=-1), "page_size"),
    "UpdateTrip": (tpb.UpdateTripRequest(trip=tpb.Trip(id=new_id())), "update_mask"),
    "CancelTrip": (tpb.CancelTripRequest(trip_id=new_id()), "reason"),
    "PublishTrip": (tpb.PublishTripRequest(trip_id=""), "trip_id"),
    "StartTrip": (tpb.StartTripRequest(trip_id=new_id(), position=ll((-91, 0))), "position"),
    "ReportTripStatus": (tpb.ReportTripStatusRequest(trip_id=new_id()), "position"),
    "CompleteTrip": (tpb.CompleteTripRequest(trip_id=new_id(), position=ll((0, 200))), "position"),
    "SearchTrips": (tpb.SearchTripsRequest(radius_meters=-5), "radius_meters"),
    "GetTripAnalytics": (tpb.GetTripAnalyticsRequest(trip_id="1"), "trip_id"),
    "ListTripReviews": (tpb.ListTripReviewsRequest(trip_id="x"), "trip_id"),
    "ShareTrip": (tpb.ShareTripRequest(trip_id="1"), "trip_id"),
    "DuplicateTrip": (tpb.DuplicateTripRequest(trip_id="1"), "trip_id"),
    "ListTripTemplates": (tpb.ListTripTemplatesRequest(page_token="@@"), "page_token"),
    "CreateTripTemplate": (tpb.CreateTripTemplateRequest(name=""), "name"),
    "CreateTripFromTemplate": (tpb.CreateTripFromTemplateRequest(template_id="x"), "template_id"),
    "DeleteTripTemplate": (tpb.DeleteTripTemplateRequest(template_id="x"), "template_id"),
    "ListPopularRoutes": (tpb.ListPopularRoutesRequest(limit=-1), "limit"),
    "GetTripRecommendations": (tpb.GetTripRecommendationsRequest(limit=99), "limit"),
    "ExportTrip": (tpb.ExportTripRequest(trip_id=new_id()), "format"),
    "GetTripWeather": (tpb.GetTripWeatherRequest(trip_id="x"), "trip_id"),
    "ReserveCapacity": (tpb.ReserveCapacityRequest(trip_id=new_id()), "delivery_id"),
    "ReleaseCapacity": (tpb.ReleaseCapacityRequest(trip_id="x", delivery_id="d"), "trip_id"),
    "MatchTrips": (tpb.MatchTripsRequest(), "pickup"),
}
NO_INPUT = {"GetTripStatistics"}          # nothing to get wrong


def call(trips, name):
    return getattr(trips, name)


async def code_of(coro) -> tuple[grpc.StatusCode, dict]:
    try:
        await coro
        return OK.OK, {}
    except grpc.aio.AioRpcError as e:
        return e.code(), details(e)


def test_every_rpc_is_in_the_tables():
    names = {m.name for m in SERVICE.methods}
    assert names == set(requests_on("x")), "add the new RPC to requests_on()"
    assert names == set(BAD) | NO_INPUT, "add the new RPC's bad input to BAD (or to NO_INPUT)"


@pytest.mark.parametrize("name", [m.name for m in SERVICE.methods])
async def test_without_a_valid_token(trips, traveler, name):
    trip = await create_trip(trips, traveler)
    req = requests_on(trip.id)[name]
    for metadata in (md(), md("garbage.token.here")):
        code, _ = await code_of(call(trips, name)(req, metadata=metadata))
        if name in PUBLIC:
            assert code == OK.OK, (name, code)
        else:
            assert code == OK.UNAUTHENTICATED, (name, code)


@pytest.mark.parametrize("name", TRIP_SCOPED + TEMPLATE_SCOPED)
async def test_a_stranger_gets_not_found(trips, traveler, stranger, name):
    draft = await create_trip(trips, traveler, publish=False)
    code, d = await code_of(call(trips, name)(requests_on(draft.id)[name], metadata=bearer(stranger)))
    assert code == OK.NOT_FOUND, (name, code)
    assert d["ErrorInfo"].reason in ("TRIP_NOT_FOUND", "TEMPLATE_NOT_FOUND")


@pytest.mark.parametrize("name", sorted(INTERNAL))
async def test_internal_rpcs_refuse_users(trips, traveler, name):
    trip = await create_trip(trips, traveler)
    code, d = await code_of(call(trips, name)(requests_on(trip.id)[name], metadata=bearer(traveler)))
    assert code == OK.PERMISSION_DENIED and d["ErrorInfo"].reason == "SERVICE_REQUIRED"


@pytest.mark.parametrize("name", ["CreateTrip", "ListMyTrips", "UpdateTrip", "CancelTrip", "ShareTrip",
                                  "GetTripStatistics", "ListTripTemplates"])
async def test_user_rpcs_refuse_services(trips, traveler, service_token, name):
    trip = await create_trip(trips, traveler)
    code, _ = await code_of(call(trips, name)(requests_on(trip.id)[name], metadata=md(service_token)))
    assert code in (OK.PERMISSION_DENIED, OK.NOT_FOUND), (name, code)


@pytest.mark.parametrize("name", sorted(BAD))
async def test_bad_input_names_the_field(trips, traveler, service_token, name):
    req, field = BAD[name]
    who = md(service_token) if name in INTERNAL else bearer(traveler)
    code, d = await code_of(call(trips, name)(req, metadata=who))
    assert code == OK.INVALID_ARGUMENT, (name, code)
    fields = {v.field for v in d["BadRequest"].field_violations}
    assert field in fields, (name, fields)
