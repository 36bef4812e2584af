"""Matching both ways against a real trips server and real PostGIS, with the hand-checked
geography: a Paris -> Berlin trip (detour 150 km) carries Brussels -> Cologne, not Cologne ->
Brussels (wrong order), nor Lyon -> Berlin (pickup too far)."""
from __future__ import annotations

import datetime as dt
import re
import uuid

import grpc

from p2p.deliveries.v1 import deliveries_pb2 as pb
from p2p.trips.v1 import trips_pb2 as tpb
from tests.trips.test_matching_ways import on_route
from tests.deliveries.conftest import (BERLIN, BRUSSELS, BXL_CGN, COLOGNE, LYON, create_request, expect, far_day,
                                       money, now, paris_berlin_trip, stamp, violations)

OK = grpc.StatusCode
DETOUR = 150_000


async def trips_for(dl, user, request_id: str, **kw) -> list[pb.TripMatch]:
    res = await dl.FindMatchingTrips(pb.FindMatchingTripsRequest(delivery_request_id=request_id,
                                                                 max_detour_meters=kw.pop("detour", DETOUR), **kw),
                                     metadata=user.md)
    return list(res.matches)


async def requests_for(dl, user, trip_id: str, **kw) -> list[pb.RequestMatch]:
    res = await dl.FindMatchingRequests(pb.FindMatchingRequestsRequest(trip_id=trip_id, max_detour_meters=DETOUR,
                                                                       limit=100, **kw), metadata=user.md)
    return list(res.matches)


async def test_hand_checked_geography_for_a_request(dl, trips, customer, traveler):
    trip = await paris_berlin_trip(trips, traveler, days=far_day())
    # time windows around this trip: other tests' Paris -> Berlin trips leave on other days
    ok = await create_request(dl, customer, around_trip=trip, **BXL_CGN)
    wrong_way = await create_request(dl, customer, around_trip=trip, pickup=("Cologne", COLOGNE),
                                     dropoff=("Brussels", BRUSSELS))
    too_far = await create_request(dl, customer, around_trip=trip, pickup=("Lyon", LYON), dropoff=("Berlin", BERLIN))
    found = [m for m in await trips_for(dl, customer, ok.id) if m.trip_id == trip.id]
    assert len(found) == 1
    m = found[0]
    assert m.traveler_id == traveler.id and m.pickup_fraction < m.dropoff_fraction
    assert 0 < m.pickup_detour_meters < DETOUR and 0 < m.dropoff_detour_meters < DETOUR
    # the breakdown is there and adds up (documented weights)
    b = m.breakdown
    assert abs(m.score - round(0.30 * b.detour + 0.20 * b.time_fit + 0.25 * b.price + 0.15 * b.rating
                               + 0.10 * b.reliability + b.preferred_bonus, 4)) < 1e-3
    assert abs(b.detour - (1 - (m.pickup_detour_meters + m.dropoff_detour_meters) / (2 * DETOUR))) < 1e-3
    assert b.rating == 0.5 and b.reliability == 0.5 and b.price == 0.5 and b.time_fit == 1.0
    # the trip's own pricing applied to this item: 1500 + 2 kg x 200 + km x 2
    assert m.trip_price == money(1500 + 400 + -(-ok.distance_meters * 2 // 1000))
    for r in (wrong_way, too_far):
        assert trip.id not in [x.trip_id for x in await trips_for(dl, customer, r.id)]


async def test_order_along_a_trip_holds_across_the_date_line(dl, trips, users, traveler):
    # Along the great circle: a straight line in longitude/latitude would put both points at its end.
    c = await users("customer")
    anadyr, nome = (64.73, 177.50), (64.50, -165.41)
    trip = await paris_berlin_trip(trips, traveler, origin=("Anadyr", anadyr), destination=("Nome", nome))
    pickup, dropoff = on_route(anadyr, nome, 0.25, 0), on_route(anadyr, nome, 0.75, 0)
    ok = await create_request(dl, c, around_trip=trip, pickup=("Chukotka", pickup), dropoff=("Bering Sea", dropoff))
    back = await create_request(dl, c, around_trip=trip, pickup=("Bering Sea", dropoff), dropoff=("Chukotka", pickup))
    found = {m.delivery_request.id: m for m in await requests_for(dl, traveler, trip.id)}
    assert ok.id in found and back.id not in found
    assert abs(found[ok.id].pickup_fraction - 0.25) < 1e-6 and abs(found[ok.id].dropoff_fraction - 0.75) < 1e-6


async def test_hand_checked_geography_for_a_trip(dl, trips, users, traveler):
    c = await users("customer")
    trip = await paris_berlin_trip(trips, traveler)
    ok = await create_request(dl, c, **BXL_CGN)
    wrong_way = await create_request(dl, c, pickup=("Cologne", COLOGNE), dropoff=("Brussels", BRUSSELS))
    too_far = await create_request(dl, c, pickup=("Lyon", LYON), dropoff=("Berlin", BERLIN))
    found = {m.delivery_request.id: m for m in await requests_for(dl, traveler, trip.id)}
    assert ok.id in found and wrong_way.id not in found and too_far.id not in found
    m = found[ok.id]
    assert m.delivery_request.public_view and not m.delivery_request.pickup.contact_phone
    assert m.pickup_fraction < m.dropoff_fraction and m.score > 0
    assert m.trip_price.amount_minor > 0 and m.breakdown.detour > 0


async def test_request_side_exclusions(dl, trips, customer, users, ratings, blocks):
    t_black, t_blocked, t_rated, t_low, t_unrated = [await users() for _ in range(5)]
    day = far_day()
    for t in (t_black, t_blocked, t_rated, t_low, t_unrated):
        trip = await paris_berlin_trip(trips, t, days=day)
    blocks.block(customer.id, t_blocked.id)
    ratings.set(t_rated.id, 4.8)
    ratings.set(t_low.id, 3.9)
    r = await create_request(dl, customer, around_trip=trip, blacklisted_traveler_ids=[t_black.id], **BXL_CGN)
    got = {m.traveler_id for m in await trips_for(dl, customer, r.id, limit=100)}
    assert {t_rated.id, t_low.id, t_unrated.id} <= got and not {t_black.id, t_blocked.id} & got
    rated = [m for m in await trips_for(dl, customer, r.id, limit=100) if m.traveler_id == t_rated.id][0]
    assert rated.traveler_rating == 4.8 and rated.breakdown.rating == round(4.8 / 5, 4)
    # with a minimum rating, only known ratings at least that high qualify (documented)
    strict = await create_request(dl, customer, around_trip=trip, min_traveler_rating=4.0, **BXL_CGN)
    got = {m.traveler_id for m in await trips_for(dl, customer, strict.id, limit=100)}
    assert t_rated.id in got and t_low.id not in got and t_unrated.id not in got


async def test_ranking_prefers_smaller_detours_and_preferred_travelers(dl, trips, customer, users):
    near_t, far_t = await users(), await users()
    # same times; Brussels -> Berlin starts at the pickup, Paris -> Berlin passes ~116 km from it
    day = far_day()
    near_trip = await paris_berlin_trip(trips, near_t, origin=("Brussels", BRUSSELS), days=day)
    far_trip = await paris_berlin_trip(trips, far_t, days=day)
    r = await create_request(dl, customer, around_trip=far_trip, **BXL_CGN)
    ms = [m for m in await trips_for(dl, customer, r.id, limit=100) if m.trip_id in (near_trip.id, far_trip.id)]
    assert len(ms) == 2
    by = {m.trip_id: m for m in ms}
    assert by[near_trip.id].breakdown.detour > by[far_trip.id].breakdown.detour
    assert by[near_trip.id].score > by[far_trip.id].score
    scores = [m.score for m in await trips_for(dl, customer, r.id, limit=100)]
    assert scores == sorted(scores, reverse=True)
    pref = await create_request(dl, customer, around_trip=far_trip, preferred_traveler_ids=[far_t.id], **BXL_CGN)
    pm = {m.trip_id: m for m in await trips_for(dl, customer, pref.id, limit=100)}
    assert pm[far_trip.id].preferred_traveler and pm[far_trip.id].breakdown.preferred_bonus == 0.05
    assert pm[far_trip.id].score == round(by[far_trip.id].score + 0.05, 4)


async def test_time_windows_capacity_and_price_shape_the_match(dl, trips, customer, users):
    t = await users()
    trip = await paris_berlin_trip(trips, t, days=far_day())   # 20 kg
    dep = trip.departure_time.ToDatetime(tzinfo=dt.timezone.utc)
    early = await create_request(dl, customer, **BXL_CGN)     # pickup window closes before the departure
    early_pu = early.pickup
    early_pu.window_start.CopyFrom(stamp(now() + dt.timedelta(days=1)))
    early_pu.window_end.CopyFrom(stamp(now() + dt.timedelta(days=2)))
    early = await dl.UpdateDeliveryRequest(pb.UpdateDeliveryRequestRequest(
        delivery_request=pb.DeliveryRequest(id=early.id, pickup=early_pu),
        update_mask={"paths": ["pickup.window_start", "pickup.window_end"]}), metadata=customer.md)
    assert trip.id not in [m.trip_id for m in await trips_for(dl, customer, early.id, limit=100)]
    fits = await create_request(dl, customer, max_price=money(3_000), **BXL_CGN)
    fits_pu = fits.pickup
    fits_pu.window_start.CopyFrom(stamp(dep - dt.timedelta(hours=2)))
    fits_pu.window_end.CopyFrom(stamp(dep + dt.timedelta(hours=2)))
    fits = await dl.UpdateDeliveryRequest(pb.UpdateDeliveryRequestRequest(
        delivery_request=pb.DeliveryRequest(id=fits.id, pickup=fits_pu),
        update_mask={"paths": ["pickup.window_start", "pickup.window_end"]}), metadata=customer.md)
    m = [x for x in await trips_for(dl, customer, fits.id, limit=100) if x.trip_id == trip.id][0]
    assert m.breakdown.time_fit == 1.0
    assert m.breakdown.price == round(0.5 + 0.5 * (1 - m.trip_price.amount_minor / 3_000), 4)
    heavy = await create_request(dl, customer, around_trip=trip, weight=25_000, **BXL_CGN)   # trip: 20 kg
    assert trip.id not in [x.trip_id for x in await trips_for(dl, customer, heavy.id, limit=100)]


async def test_trip_side_rules(dl, trips, users, traveler, stranger, ratings):
    c = await users("customer")
    trip = await paris_berlin_trip(trips, traveler)
    black = await create_request(dl, c, blacklisted_traveler_ids=[traveler.id], **BXL_CGN)
    rated = await create_request(dl, c, min_traveler_rating=4.5, **BXL_CGN)
    refused = await create_request(dl, c, category=pb.ITEM_CATEGORY_FOOD, **BXL_CGN)
    plain = await create_request(dl, c, **BXL_CGN)
    restricted = await paris_berlin_trip(trips, traveler, restrictions=tpb.Restrictions(refused_categories=["food"]))
    ids = {m.delivery_request.id for m in await requests_for(dl, traveler, trip.id)}
    assert plain.id in ids and refused.id in ids and black.id not in ids and rated.id not in ids
    ratings.set(traveler.id, 4.7)
    assert rated.id in {m.delivery_request.id for m in await requests_for(dl, traveler, trip.id)}
    ids = {m.delivery_request.id for m in await requests_for(dl, traveler, restricted.id)}
    assert plain.id in ids and refused.id not in ids
    # someone else's trip, a trip that does not exist, a draft
    await expect(OK.NOT_FOUND, dl.FindMatchingRequests(pb.FindMatchingRequestsRequest(trip_id=trip.id),
                                                       metadata=stranger.md), "TRIP_NOT_FOUND")
    await expect(OK.NOT_FOUND, dl.FindMatchingRequests(pb.FindMatchingRequestsRequest(trip_id=str(uuid.uuid4())),
                                                       metadata=traveler.md))
    draft = await paris_berlin_trip(trips, traveler, publish=False)
    await expect(OK.FAILED_PRECONDITION, dl.FindMatchingRequests(pb.FindMatchingRequestsRequest(trip_id=draft.id),
                                                                 metadata=traveler.md), "TRIP_NOT_BOOKABLE")
    v = violations(await expect(OK.INVALID_ARGUMENT, dl.FindMatchingRequests(pb.FindMatchingRequestsRequest(
        trip_id=trip.id, max_detour_meters=-1, limit=1000), metadata=traveler.md)))
    assert set(v) == {"max_detour_meters", "limit"}
    await expect(OK.INVALID_ARGUMENT, dl.FindMatchingRequests(pb.FindMatchingRequestsRequest(trip_id="x"),
                                                              metadata=traveler.md))
    await expect(OK.UNAUTHENTICATED, dl.FindMatchingRequests(pb.FindMatchingRequestsRequest(trip_id=trip.id)))


async def test_find_matching_trips_access(dl, customer, stranger):
    r = await create_request(dl, customer)
    await expect(OK.NOT_FOUND, dl.FindMatchingTrips(pb.FindMatchingTripsRequest(delivery_request_id=r.id),
                                                    metadata=stranger.md))
    v = violations(await expect(OK.INVALID_ARGUMENT, dl.FindMatchingTrips(pb.FindMatchingTripsRequest(
        delivery_request_id=r.id, max_detour_meters=400_000, limit=-1), metadata=customer.md)))
    assert set(v) == {"max_detour_meters", "limit"}
    await expect(OK.UNAUTHENTICATED, dl.FindMatchingTrips(pb.FindMatchingTripsRequest(delivery_request_id=r.id)))
    await dl.CancelDeliveryRequest(pb.CancelDeliveryRequestRequest(delivery_request_id=r.id, reason="x"),
                                   metadata=customer.md)
    await expect(OK.FAILED_PRECONDITION, dl.FindMatchingTrips(pb.FindMatchingTripsRequest(delivery_request_id=r.id),
                                                              metadata=customer.md), "REQUEST_NOT_OPEN")


async def test_corridor_query_uses_the_gist_index(deliveries_db):
    """The corridor condition can use the partial GiST index over (pickup, delivery) of open requests.

    On a temporary copy of delivery_requests with the same index definitions: the test table is
    small and the expiry index has the same predicate, so the planner must be left only the route
    index, and dropping an index of the real table waits for every transaction that touches it (the
    running servers' too: a lock timeout failed this test once in CI)."""
    import psycopg
    with psycopg.connect(deliveries_db) as conn:   # one transaction, rolled back
        conn.execute("CREATE TEMP TABLE dr (LIKE delivery_requests INCLUDING INDEXES) ON COMMIT DROP")

        def indexes(table):
            return {name: re.sub(r"^CREATE INDEX \S+ ON \S+ ", "", d) for name, d in conn.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", (table,)).fetchall()}
        real, copy = indexes("delivery_requests"), indexes("dr")
        route = next(n for n, d in copy.items() if d == real["ix_delivery_requests_open_route"])
        expiry = next(n for n, d in copy.items() if d == real["ix_delivery_requests_open_expiry"])
        conn.execute(f"DROP INDEX {expiry}")
        conn.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.execute("""
            EXPLAIN SELECT id FROM dr r
            WHERE r.status = 'open'
              AND ST_DWithin(r.pickup_coordinates, ST_MakeLine(ST_SetSRID(ST_MakePoint(2.35, 48.85), 4326),
                             ST_SetSRID(ST_MakePoint(13.4, 52.5), 4326))::geography, 150000)
              AND ST_DWithin(r.delivery_coordinates, ST_MakeLine(ST_SetSRID(ST_MakePoint(2.35, 48.85), 4326),
                             ST_SetSRID(ST_MakePoint(13.4, 52.5), 4326))::geography, 150000)""").fetchall())
        conn.rollback()
    assert route in plan, plan
