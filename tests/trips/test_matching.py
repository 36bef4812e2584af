"""MatchTrips (internal) along the route corridor, with the brief's hand-checked geography, and
the public SearchTrips near an origin / destination."""
from __future__ import annotations

import datetime as dt
import random

import grpc

from p2p.common.v1 import common_pb2 as cpb
from p2p.trips.v1 import trips_pb2 as tpb
from tests.auth.test_auth_flows import expect, violations
from tests.conftest import md
from tests.trips.conftest import (BERLIN, BRUSSELS, COLOGNE, LYON, PARIS, bearer, create_trip, eur, ll, new_id, stamp,
                                  utc)
from tests.trips.test_matching_ways import on_route

OK = grpc.StatusCode
HAMBURG, STRASBOURG = (53.5511, 9.9937), (48.5734, 7.7521)


async def match_ids(trips, token, a, b, **kw) -> dict[str, tpb.TripMatch]:
    kw.setdefault("weight_grams", 1000)
    kw.setdefault("max_detour_meters", 150_000)
    r = await trips.MatchTrips(tpb.MatchTripsRequest(pickup=ll(a), dropoff=ll(b), page_size=200, **kw),
                               metadata=md(token))
    return {m.trip.id: m for m in r.matches}


async def test_paris_berlin_carries_brussels_cologne_only_in_order(trips, traveler, service_token):
    t = await create_trip(trips, traveler)
    hit = await match_ids(trips, service_token, BRUSSELS, COLOGNE)
    assert t.id in hit
    m = hit[t.id]
    assert m.trip.origin.place.address == "Paris" and m.trip.available.weight_grams == 20_000
    assert 100_000 < m.pickup_detour_meters < 130_000 and m.dropoff_detour_meters < 50_000
    assert 0 < m.pickup_fraction < m.dropoff_fraction < 1
    assert t.id not in await match_ids(trips, service_token, COLOGNE, BRUSSELS)     # wrong direction
    assert t.id not in await match_ids(trips, service_token, LYON, BERLIN)          # pickup far off the route
    # the detour limit: Brussels is ~115 km off the Paris-Berlin line
    assert t.id not in await match_ids(trips, service_token, BRUSSELS, COLOGNE, max_detour_meters=100_000)
    # the default detour (0 -> 50 km) keeps only points near the line
    near = await match_ids(trips, service_token, PARIS, BERLIN, max_detour_meters=0)
    assert t.id in near and near[t.id].pickup_detour_meters == 0 and near[t.id].pickup_fraction == 0.0


async def test_order_along_the_route_holds_across_the_date_line_and_over_the_pole(trips, traveler, service_token):
    # The order is taken along the great circle: a straight line in longitude/latitude (planar
    # ST_LineLocatePoint) would put both points of the first request at the end of the route.
    for origin, destination in ((("Anadyr", (64.73, 177.50)), ("Nome", (64.50, -165.41))),
                                (("Oslo", (59.91, 10.75)), ("Anchorage", (61.22, -149.90)))):
        t = await create_trip(trips, traveler, origin=origin, destination=destination, hours=9)
        pickup, dropoff = on_route(origin[1], destination[1], 0.25, 0), on_route(origin[1], destination[1], 0.75, 0)
        hit = await match_ids(trips, service_token, pickup, dropoff)
        assert t.id in hit, origin
        m = hit[t.id]
        assert abs(m.pickup_fraction - 0.25) < 1e-6 and abs(m.dropoff_fraction - 0.75) < 1e-6
        assert m.pickup_detour_meters < 5_000 and m.dropoff_detour_meters < 5_000
        assert t.id not in await match_ids(trips, service_token, dropoff, pickup)      # the other way round


async def test_results_are_ordered_by_total_detour(trips, traveler, service_token):
    tag = f"order-{new_id()[:8]}"
    direct = await create_trip(trips, traveler, origin=("Brussels", BRUSSELS), destination=("Berlin", BERLIN), tags=[tag])
    detour = await create_trip(trips, traveler, tags=[tag])                          # Paris -> Berlin
    r = await trips.MatchTrips(tpb.MatchTripsRequest(pickup=ll(BRUSSELS), dropoff=ll(COLOGNE), max_detour_meters=150_000,
                                                     page_size=200), metadata=md(service_token))
    ids = [m.trip.id for m in r.matches]
    assert ids.index(direct.id) < ids.index(detour.id)
    totals = [m.pickup_detour_meters + m.dropoff_detour_meters for m in r.matches]
    assert totals == sorted(totals)
    one = await trips.MatchTrips(tpb.MatchTripsRequest(pickup=ll(BRUSSELS), dropoff=ll(COLOGNE),
                                                       max_detour_meters=150_000, page_size=1), metadata=md(service_token))
    assert len(one.matches) == 1


async def test_time_windows(trips, traveler, service_token):
    t = await create_trip(trips, traveler)
    dep, arr = utc(t.departure_time), utc(t.arrival_time)
    day = dt.timedelta(days=1)

    async def fits(**w) -> bool:
        return t.id in await match_ids(trips, service_token, BRUSSELS, COLOGNE,
                                       **{k: stamp(v) for k, v in w.items()})
    assert await fits(pickup_window_start=dep - day, pickup_window_end=dep + day,
                      delivery_window_start=dep, delivery_window_end=arr + day)
    assert not await fits(pickup_window_end=dep - day)                  # leaves after the pickup window
    assert not await fits(pickup_window_start=arr + day)                # already arrived when the window opens
    assert not await fits(delivery_window_start=arr + dt.timedelta(hours=1))   # arrives before delivery may happen
    assert not await fits(delivery_window_end=dep - dt.timedelta(hours=1))     # delivery must be over before it leaves
    assert await fits(pickup_window_end=dep, delivery_window_start=arr)  # bounds are inclusive
    past = dt.datetime.now(dt.timezone.utc) - day
    r = await trips.MatchTrips(tpb.MatchTripsRequest(pickup=ll(BRUSSELS), dropoff=ll(COLOGNE), pickup_window_start=stamp(past),
                                                     pickup_window_end=stamp(past + dt.timedelta(hours=1))),
                               metadata=md(service_token))
    assert list(r.matches) == []                                         # a window already over: no trip, no error


async def test_multi_day_trips_match_while_underway(trips, traveler, service_token):
    """Trips of more than a day live in their own index (by route, not departure): one that left two
    days before the pickup window and is still on the road carries the parcel; a one-day trip that
    arrived before the window opens does not."""
    dep = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(days=3)
    long = await create_trip(trips, traveler, departure=dep, hours=4 * 24)
    short = await create_trip(trips, traveler, departure=dep, hours=20)
    window = {"pickup_window_start": stamp(dep + dt.timedelta(days=2)), "pickup_window_end": stamp(dep + dt.timedelta(days=3))}
    got = await match_ids(trips, service_token, BRUSSELS, COLOGNE, **window)
    assert long.id in got and short.id not in got
    exactly_a_day = await create_trip(trips, traveler, departure=dep, hours=24)
    at_arrival = {"pickup_window_start": stamp(dep + dt.timedelta(days=1)), "pickup_window_end": stamp(dep + dt.timedelta(days=2))}
    assert {long.id, exactly_a_day.id} <= set(await match_ids(trips, service_token, BRUSSELS, COLOGNE, **at_arrival))


async def test_detour_limit_is_exact_at_the_boundary(trips, traveler, service_token):
    """The cheap filters before the geodesic distance (great-circle pole, sphere) keep a margin: a trip
    exactly at the detour limit matches, a metre less does not. Lisbon -> Warsaw bends far from the
    straight line on a lon/lat map, and the points lie hundreds of km off it."""
    lisbon, warsaw = (38.7223, -9.1393), (52.2297, 21.0122)
    t = await create_trip(trips, traveler, origin=("Lisbon", lisbon), destination=("Warsaw", warsaw))
    for a, b in ((LYON, HAMBURG), ((43.2965, 5.3698), (59.3293, 18.0686)), (STRASBOURG, (54.35, 18.65))):
        far = (await match_ids(trips, service_token, a, b, max_detour_meters=1_000_000))[t.id]
        limit = max(far.pickup_detour_meters, far.dropoff_detour_meters)
        assert limit > 50_000
        assert t.id in await match_ids(trips, service_token, a, b, max_detour_meters=limit + 1)
        assert t.id not in await match_ids(trips, service_token, a, b, max_detour_meters=limit - 1)


async def test_capacity_exclusions_and_categories(trips, traveler, stranger, service_token):
    t = await create_trip(trips, traveler, weight=5_000)
    assert t.id in await match_ids(trips, service_token, BRUSSELS, COLOGNE, weight_grams=5_000, volume_cm3=100_000, items=5)
    for kw in ({"weight_grams": 5_001}, {"volume_cm3": 100_001}, {"items": 6}):
        assert t.id not in await match_ids(trips, service_token, BRUSSELS, COLOGNE, **kw)
    await trips.ReserveCapacity(tpb.ReserveCapacityRequest(trip_id=t.id, delivery_id=new_id(), weight_grams=4_500,
                                                           items=1), metadata=md(service_token))
    assert t.id not in await match_ids(trips, service_token, BRUSSELS, COLOGNE, weight_grams=1_000)   # only 500 g left
    assert t.id in await match_ids(trips, service_token, BRUSSELS, COLOGNE, weight_grams=500)
    other = await create_trip(trips, stranger)
    got = await match_ids(trips, service_token, BRUSSELS, COLOGNE, weight_grams=500,
                          exclude_traveler_ids=[traveler.account.id])
    assert t.id not in got and other.id in got
    refuses_food = await create_trip(trips, traveler, restrictions=tpb.Restrictions(refused_categories=["food"]))
    only_docs = await create_trip(trips, traveler, restrictions=tpb.Restrictions(accepted_categories=["Documents"]))

    async def ids(cat):
        return set(await match_ids(trips, service_token, BRUSSELS, COLOGNE, item_category=cat))
    assert refuses_food.id not in await ids("food") and only_docs.id not in await ids("FOOD")
    assert {refuses_food.id, only_docs.id} <= await ids("documents")
    assert refuses_food.id in await ids("electronics") and only_docs.id not in await ids("electronics")
    assert {refuses_food.id, only_docs.id} <= await ids("")


async def test_only_published_public_trips_match(trips, traveler, service_token):
    draft = await create_trip(trips, traveler, publish=False)
    private = await create_trip(trips, traveler, visibility=tpb.TRIP_VISIBILITY_PRIVATE)
    started = await create_trip(trips, traveler)
    await trips.StartTrip(tpb.StartTripRequest(trip_id=started.id), metadata=bearer(traveler))
    cancelled = await create_trip(trips, traveler)
    await trips.CancelTrip(tpb.CancelTripRequest(trip_id=cancelled.id, reason="x"), metadata=bearer(traveler))
    got = await match_ids(trips, service_token, BRUSSELS, COLOGNE)
    assert not {draft.id, private.id, started.id, cancelled.id} & set(got)


async def test_match_input_and_access(trips, traveler, service_token):
    svc = md(service_token)
    v = violations(await expect(OK.INVALID_ARGUMENT, trips.MatchTrips(tpb.MatchTripsRequest(), metadata=svc)))
    assert {"pickup", "dropoff"} <= set(v)
    bad = tpb.MatchTripsRequest(pickup=ll((91, 0)), dropoff=ll((0, 181)), weight_grams=-1, volume_cm3=-1, items=-1,
                                max_detour_meters=-5, exclude_traveler_ids=["bob"], page_size=500,
                                item_category="c" * 51)
    now = dt.datetime.now(dt.timezone.utc)
    bad.pickup_window_start.CopyFrom(stamp(now + dt.timedelta(days=2)))
    bad.pickup_window_end.CopyFrom(stamp(now))
    v = violations(await expect(OK.INVALID_ARGUMENT, trips.MatchTrips(bad, metadata=svc)))
    for f in ("pickup", "dropoff", "weight_grams", "volume_cm3", "items", "max_detour_meters",
              "exclude_traveler_ids[0]", "page_size", "item_category", "pickup_window_end"):
        assert f in v, f
    ok = tpb.MatchTripsRequest(pickup=ll(BRUSSELS), dropoff=ll(COLOGNE))
    d = await expect(OK.PERMISSION_DENIED, trips.MatchTrips(ok, metadata=bearer(traveler)))
    assert d["ErrorInfo"].reason == "SERVICE_REQUIRED"
    await expect(OK.UNAUTHENTICATED, trips.MatchTrips(ok, metadata=md()))


# -- public search -----------------------------------------------------------------------------------------
def somewhere() -> tuple[tuple[float, float], tuple[float, float]]:
    """A route of its own (northern Scandinavia, random), so other tests' trips stay out."""
    lat, lng = 64 + random.random() * 4, 14 + random.random() * 8
    return (lat, lng), (lat + 1.5, lng + 1.0)


async def test_search_by_route_dates_capacity_price_and_pages(trips, traveler):
    a, b = somewhere()
    made = []
    for i in range(5):
        made.append(await create_trip(trips, traveler, origin=("Here", a), destination=("There", b), days=3 + i,
                                      weight=5_000 * (i + 1), transport_type=tpb.TRANSPORT_TYPE_TRAIN if i == 4
                                      else tpb.TRANSPORT_TYPE_CAR))
    hidden = [await create_trip(trips, traveler, origin=("Here", a), destination=("There", b), publish=False),
              await create_trip(trips, traveler, origin=("Here", a), destination=("There", b),
                                visibility=tpb.TRIP_VISIBILITY_PRIVATE)]
    near_a = ll((a[0] + 0.05, a[1]))                           # ~5.5 km away

    async def search(**kw) -> list[str]:
        kw.setdefault("page_size", 200)
        kw.setdefault("radius_meters", 10_000)
        kw.setdefault("destination", ll(b))
        r = await trips.SearchTrips(tpb.SearchTripsRequest(origin=near_a, **kw),
                                    metadata=md())
        return [t.id for t in r.trips]
    assert await search() == [t.id for t in made]              # by departure; drafts and private trips hidden
    assert not set(await search()) & {t.id for t in hidden}
    assert await search(radius_meters=3_000) == []             # origin 5.5 km away: outside 3 km
    near_b = ll((b[0] - 0.05, b[1]))                           # ~5.5 km from the destination
    assert await search(destination=near_b) == [t.id for t in made]          # 10 km for both ends
    assert await search(destination=near_b, destination_radius_meters=3_000) == []
    r = await trips.SearchTrips(tpb.SearchTripsRequest(origin=ll(a), radius_meters=3_000, page_size=200), metadata=md())
    assert [t.id for t in r.trips] == [t.id for t in made]     # origin only
    r = await trips.SearchTrips(tpb.SearchTripsRequest(destination=ll(b), page_size=200), metadata=md())
    assert [t.id for t in r.trips] == [t.id for t in made]     # destination only, default 25 km
    dep = [utc(t.departure_time) for t in made]
    assert await search(depart_after=stamp(dep[1]), depart_before=stamp(dep[3])) == [t.id for t in made[1:4]]
    assert await search(min_weight_grams=15_000) == [t.id for t in made[2:]]
    assert await search(min_volume_cm3=100_001) == [] and await search(min_items=5) == [t.id for t in made]
    assert await search(transport_type=tpb.TRANSPORT_TYPE_TRAIN) == [made[4].id]
    assert await search(max_base_price=eur(1500)) == [t.id for t in made]
    assert await search(max_base_price=eur(1499)) == []
    assert await search(max_base_price=cpb.Money(amount_minor=5000, currency_code="USD")) == []
    # pages of 2 with opaque tokens
    seen, token = [], ""
    while True:
        r = await trips.SearchTrips(tpb.SearchTripsRequest(origin=near_a, destination=ll(b), radius_meters=10_000,
                                                           page_size=2, page_token=token), metadata=md())
        seen += [t.id for t in r.trips]
        token = r.next_page_token
        if not token:
            break
    assert seen == [t.id for t in made]
    # a signed-in caller may search too
    assert (await trips.SearchTrips(tpb.SearchTripsRequest(origin=ll(a), radius_meters=3_000),
                                    metadata=bearer(traveler))).trips


async def test_search_input(trips):
    v = violations(await expect(OK.INVALID_ARGUMENT, trips.SearchTrips(tpb.SearchTripsRequest(
        page_size=500, radius_meters=-1, destination_radius_meters=600_000, origin=ll((100, 0)), min_weight_grams=-1,
        min_volume_cm3=-1, min_items=-1, page_token="%%%", max_base_price=eur(-1)), metadata=md())))
    for f in ("page_size", "radius_meters", "destination_radius_meters", "origin", "min_weight_grams", "min_volume_cm3",
              "min_items", "page_token", "max_base_price.amount_minor"):
        assert f in v, f
    late = tpb.SearchTripsRequest(depart_after=stamp(dt.datetime(2030, 1, 2, tzinfo=dt.timezone.utc)),
                                  depart_before=stamp(dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)))
    assert "depart_before" in violations(await expect(OK.INVALID_ARGUMENT, trips.SearchTrips(late, metadata=md())))
