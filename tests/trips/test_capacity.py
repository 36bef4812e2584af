"""Capacity: ReserveCapacity / ReleaseCapacity (service identity only), idempotent per delivery,
never negative under concurrency; the fields accepted deliveries depend on are locked."""
from __future__ import annotations

import asyncio

import grpc
import pytest
from google.protobuf import field_mask_pb2

from p2p.trips.v1 import trips_pb2 as tpb
from tests.auth.test_auth_flows import details, expect, violations
from tests.conftest import md
from tests.trips.conftest import bearer, create_trip, new_id, query, stamp, utc

OK = grpc.StatusCode


def reserve(trip_id, delivery_id, w=0, v=0, n=0):
    return tpb.ReserveCapacityRequest(trip_id=trip_id, delivery_id=delivery_id, weight_grams=w, volume_cm3=v, items=n)


async def test_reserve_and_release_are_idempotent(trips, traveler, service_token, trips_db):
    t = await create_trip(trips, traveler, weight=10_000)
    svc = md(service_token)
    d1, d2 = new_id(), new_id()
    r1 = await trips.ReserveCapacity(reserve(t.id, d1, 4000, 20_000, 1), metadata=svc)
    r2 = await trips.ReserveCapacity(reserve(t.id, d1, 4000, 20_000, 1), metadata=svc)
    assert r1 == r2 == tpb.CapacityReservation(trip_id=t.id, delivery_id=d1, available_weight_grams=6000,
                                               available_volume_cm3=80_000, available_items=4)
    d = await expect(OK.FAILED_PRECONDITION, trips.ReserveCapacity(reserve(t.id, d1, 5000, 20_000, 1), metadata=svc))
    assert d["ErrorInfo"].reason == "RESERVATION_MISMATCH"
    other = await create_trip(trips, traveler)
    d = await expect(OK.FAILED_PRECONDITION, trips.ReserveCapacity(reserve(other.id, d1, 4000, 20_000, 1), metadata=svc))
    assert d["ErrorInfo"].reason == "RESERVATION_MISMATCH"
    for req in (reserve(t.id, d2, 7000, 0, 1), reserve(t.id, d2, 1, 90_000, 0), reserve(t.id, d2, 0, 0, 5)):
        d = await expect(OK.FAILED_PRECONDITION, trips.ReserveCapacity(req, metadata=svc))
        assert d["ErrorInfo"].reason == "CAPACITY_EXCEEDED"
        assert d["ErrorInfo"].metadata["available_weight_grams"] == "6000"
    rel = await trips.ReleaseCapacity(tpb.ReleaseCapacityRequest(trip_id=t.id, delivery_id=d1), metadata=svc)
    again = await trips.ReleaseCapacity(tpb.ReleaseCapacityRequest(trip_id=t.id, delivery_id=d1), metadata=svc)
    assert rel.released and again.released and rel.available_weight_grams == again.available_weight_grams == 10_000
    assert again.available_items == 5 and again.available_volume_cm3 == 100_000
    # after a release, a repeated reserve is still the same (released) reservation: no new decrement
    back = await trips.ReserveCapacity(reserve(t.id, d1, 4000, 20_000, 1), metadata=svc)
    assert back.released and back.available_weight_grams == 10_000
    await expect(OK.NOT_FOUND, trips.ReleaseCapacity(tpb.ReleaseCapacityRequest(trip_id=t.id, delivery_id=new_id()),
                                                     metadata=svc))
    await expect(OK.NOT_FOUND, trips.ReleaseCapacity(tpb.ReleaseCapacityRequest(trip_id=other.id, delivery_id=d1),
                                                     metadata=svc))
    kinds = [r[0] for r in query(trips_db, "SELECT kind FROM trip_events WHERE trip_id = %s ORDER BY id", t.id)]
    assert kinds == ["created", "published", "capacity_reserved", "capacity_released"]


async def test_only_bookable_trips_take_reservations(trips, traveler, service_token):
    svc = md(service_token)
    draft = await create_trip(trips, traveler, publish=False)
    d = await expect(OK.FAILED_PRECONDITION, trips.ReserveCapacity(reserve(draft.id, new_id(), 1000), metadata=svc))
    assert d["ErrorInfo"].reason == "TRIP_NOT_BOOKABLE"
    cancelled = await create_trip(trips, traveler)
    await trips.CancelTrip(tpb.CancelTripRequest(trip_id=cancelled.id, reason="x"), metadata=bearer(traveler))
    d = await expect(OK.FAILED_PRECONDITION, trips.ReserveCapacity(reserve(cancelled.id, new_id(), 1000), metadata=svc))
    assert d["ErrorInfo"].reason == "TRIP_NOT_BOOKABLE"
    started = await create_trip(trips, traveler)
    await trips.StartTrip(tpb.StartTripRequest(trip_id=started.id), metadata=bearer(traveler))
    r = await trips.ReserveCapacity(reserve(started.id, new_id(), 1000), metadata=svc)       # in progress: bookable
    assert r.available_weight_grams == 19_000
    await expect(OK.NOT_FOUND, trips.ReserveCapacity(reserve(new_id(), new_id(), 1000), metadata=svc))


async def test_internal_methods_need_a_service_identity(trips, traveler, service_token):
    t = await create_trip(trips, traveler)
    for call in (trips.ReserveCapacity, trips.ReleaseCapacity):
        req = reserve(t.id, new_id(), 1) if call is trips.ReserveCapacity else tpb.ReleaseCapacityRequest(
            trip_id=t.id, delivery_id=new_id())
        d = await expect(OK.PERMISSION_DENIED, call(req, metadata=bearer(traveler)))
        assert d["ErrorInfo"].reason == "SERVICE_REQUIRED"
        await expect(OK.UNAUTHENTICATED, call(req, metadata=md()))
        await expect(OK.UNAUTHENTICATED, call(req, metadata=md("not.a.token")))
    v = violations(await expect(OK.INVALID_ARGUMENT, trips.ReserveCapacity(
        tpb.ReserveCapacityRequest(trip_id=t.id, delivery_id="", weight_grams=-1, volume_cm3=-1, items=-1),
        metadata=md(service_token))))
    assert {"delivery_id", "weight_grams", "volume_cm3", "items"} <= set(v)
    v = violations(await expect(OK.INVALID_ARGUMENT, trips.ReserveCapacity(reserve(t.id, new_id()),
                                                                           metadata=md(service_token))))
    assert "weight_grams" in v
    v = violations(await expect(OK.INVALID_ARGUMENT, trips.ReleaseCapacity(
        tpb.ReleaseCapacityRequest(trip_id="nope", delivery_id="d"), metadata=md(service_token))))
    assert "trip_id" in v


async def test_twenty_concurrent_reservations_for_the_last_capacity(trips, traveler, service_token):
    t = await create_trip(trips, traveler, weight=20_000)
    svc = md(service_token)
    await trips.ReserveCapacity(reserve(t.id, new_id(), 15_000, 1, 1), metadata=svc)   # 5 kg left
    calls = [trips.ReserveCapacity(reserve(t.id, new_id(), 1000, 1, 0), metadata=svc) for _ in range(20)]
    results = await asyncio.gather(*calls, return_exceptions=True)
    ok = [r for r in results if isinstance(r, tpb.CapacityReservation)]
    refused = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(ok) == 5 and len(refused) == 15
    assert all(r.code() == OK.FAILED_PRECONDITION for r in refused)
    assert sorted(r.available_weight_grams for r in ok) == [0, 1000, 2000, 3000, 4000]
    got = await trips.GetTrip(tpb.GetTripRequest(trip_id=t.id), metadata=svc)
    assert got.available.weight_grams == 0 and got.available.volume_cm3 == 100_000 - 6


async def test_the_same_delivery_racing_reserves_once(trips, traveler, service_token, trips_db):
    t = await create_trip(trips, traveler, weight=10_000)
    svc = md(service_token)
    dl = new_id()
    got = await asyncio.gather(*[trips.ReserveCapacity(reserve(t.id, dl, 3000, 0, 1), metadata=svc) for _ in range(10)])
    assert {r.available_weight_grams for r in got} == {7000}
    assert query(trips_db, "SELECT count(*) FROM trip_capacity_reservations WHERE delivery_id = %s", dl)[0][0] == 1
    rel = await asyncio.gather(*[trips.ReleaseCapacity(tpb.ReleaseCapacityRequest(trip_id=t.id, delivery_id=dl),
                                                       metadata=svc) for _ in range(10)])
    assert {r.available_weight_grams for r in rel} == {10_000}


async def test_reservations_lock_route_times_and_reserved_capacity(trips, traveler, service_token):
    tok = bearer(traveler)
    t = await create_trip(trips, traveler)
    await trips.ReserveCapacity(reserve(t.id, new_id(), 12_000, 10_000, 2), metadata=md(service_token))
    moved = tpb.Trip(id=t.id, destination=tpb.Endpoint(place=t.origin.place))
    moved.destination.place.address = "Hamburg"
    moved.destination.place.location.latitude, moved.destination.place.location.longitude = 53.55, 9.99
    later = stamp(utc(t.departure_time).replace(hour=(utc(t.departure_time).hour + 1) % 24))
    for trip, paths in ((moved, ["destination"]), (tpb.Trip(id=t.id, origin=t.origin), ["origin"]),
                        (tpb.Trip(id=t.id, departure_time=later, arrival_time=t.arrival_time),
                         ["departure_time", "arrival_time"])):
        with pytest.raises(grpc.aio.AioRpcError) as ei:
            await trips.UpdateTrip(tpb.UpdateTripRequest(trip=trip, update_mask=field_mask_pb2.FieldMask(paths=paths)),
                                   metadata=tok)
        assert ei.value.code() == OK.FAILED_PRECONDITION and "accepted deliveries" in ei.value.details()
        d = details(ei.value)
        assert d["ErrorInfo"].reason == "TRIP_HAS_RESERVATIONS"
        assert set(d["ErrorInfo"].metadata["fields"].split(",")) == set(paths)
    for cap in (tpb.Capacity(weight_grams=10_000, volume_cm3=100_000, items=5),
                tpb.Capacity(weight_grams=20_000, volume_cm3=9_000, items=5),
                tpb.Capacity(weight_grams=20_000, volume_cm3=100_000, items=1)):
        d = await expect(OK.FAILED_PRECONDITION, trips.UpdateTrip(tpb.UpdateTripRequest(
            trip=tpb.Trip(id=t.id, capacity=cap), update_mask=field_mask_pb2.FieldMask(paths=["capacity"])), metadata=tok))
        assert d["ErrorInfo"].metadata["fields"] == "capacity"
    ok = tpb.Trip(id=t.id, capacity=tpb.Capacity(weight_grams=15_000, volume_cm3=10_000, items=2), title="Smaller car")
    t3 = await trips.UpdateTrip(tpb.UpdateTripRequest(trip=ok, update_mask=field_mask_pb2.FieldMask(
        paths=["capacity", "title"])), metadata=tok)
    assert t3.available == tpb.Capacity(weight_grams=3_000, volume_cm3=0, items=0) and t3.title == "Smaller car"
