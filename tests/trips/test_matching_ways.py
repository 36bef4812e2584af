"""The ways MatchTrips finds candidates (services/trips/store.MATCH_SQL, match_step) give the same matches.

The far way (ix_trips_match_cube: route box, direction and departure in one 7-D box) only prunes
candidates, so on any data it must return exactly what the near way (route boxes and departure)
returns; so must a request whose points are close, answered by a shortcut through the far way
with a smaller detour when that settles it. A database of its own, with random trips all over
Europe and between a dozen hubs (some underway for days) and random requests: along a trip's
route (many matches) and anywhere (few), detours 5-300 km."""
from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from collections import namedtuple

import psycopg
import pytest
from psycopg.rows import dict_row, namedtuple_row

from services.common import db, dbadmin, migrations
from services.trips import store
from tests.conftest import ADMIN_URL, db_url

COLUMNS = ("id", "traveler_id", "title", "trip_type", "status", "origin_address", "origin_coordinates",
           "destination_address", "destination_coordinates", "route", "route_distance_m", "departure_time",
           "arrival_time", "estimated_duration", "weight_capacity", "volume_capacity", "item_capacity",
           "available_weight", "available_volume", "available_items", "visibility")


def place(rng: random.Random) -> tuple[float, float]:
    if rng.random() < 0.05:     # the far north, either side of the date line
        return rng.uniform(60, 89), rng.choice((-1, 1)) * rng.uniform(150, 180)
    return rng.uniform(36, 60), rng.uniform(-10, 30)


def jitter(p: tuple[float, float], rng: random.Random) -> tuple[float, float]:
    return p[0] + rng.uniform(-0.2, 0.2), p[1] + rng.uniform(-0.3, 0.3)


@pytest.fixture(scope="module")
def trips_db():
    name = f"test_trips_ways_{uuid.uuid4().hex[:8]}"
    dbadmin.create_database(ADMIN_URL, name, ("postgis", "citext", "btree_gist", "pgcrypto"))
    url = db_url(name)
    rng = random.Random(20261129)
    now = dt.datetime.now(dt.timezone.utc)
    routes = []
    try:
        migrations.upgrade("trips", url)
        with psycopg.connect(url) as conn:
            with conn.cursor().copy(f"COPY trips ({', '.join(COLUMNS)}) FROM STDIN") as cp:
                hubs = [place(rng) for _ in range(12)]
                for i in range(3000):
                    if i % 2:       # between hubs: shared corridors, many matches
                        o, d = (jitter(h, rng) for h in rng.sample(hubs, 2))
                    else:
                        o, d = place(rng), place(rng)
                    dep = now + dt.timedelta(hours=rng.uniform(1, 3 * 24))
                    hours = rng.choice((rng.uniform(1, 23), rng.uniform(1, 23), rng.uniform(25, 96)))
                    cp.write_row((uuid.uuid4(), uuid.uuid4(), "t", "car", rng.choice(("published",) * 9 + ("draft",)),
                                  "o", store.point(*o), "d", store.point(*d), store.line(o, d), 1, dep,
                                  dep + dt.timedelta(hours=hours), int(hours * 60), 10_000, 100_000, 5, 10_000,
                                  100_000, 5, "public"))
                    routes.append((o, d, dep))
            conn.execute("ANALYZE trips")
        yield url, routes
    finally:
        dbadmin.drop_database(ADMIN_URL, name)


def on_route(o, d, f: float, off: float) -> tuple[float, float]:
    """The point at fraction f of the great circle from o to d, moved `off` metres across it (the
    distance on the sphere from the route's circle is |off|)."""
    a, b = store.unit_vector(*o), store.unit_vector(*d)
    w = math.acos(max(-1.0, min(1.0, sum(x * y for x, y in zip(a, b)))))
    k1, k2 = math.sin((1 - f) * w) / math.sin(w), math.sin(f * w) / math.sin(w)
    x = [k1 * i + k2 * j for i, j in zip(a, b)]
    n = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    nn = math.sqrt(sum(c * c for c in n))
    t = off / store.EARTH_RADIUS_M
    y = [math.cos(t) * xi + math.sin(t) * ni / nn for xi, ni in zip(x, n)]
    return math.degrees(math.atan2(y[2], math.hypot(y[0], y[1]))), math.degrees(math.atan2(y[1], y[0]))


def requests(rng: random.Random, routes, n: int):
    now = dt.datetime.now(dt.timezone.utc)
    for i in range(n):
        start = now + dt.timedelta(hours=rng.uniform(-24, 3 * 24))
        detour = rng.choice((5_000, 30_000, 50_000, 100_000, 300_000))
        if i % 3:   # along a route, in order, off it by up to the detour (often near the limit)
            o, d, dep = rng.choice(routes)
            start = dep - dt.timedelta(hours=rng.uniform(0, 5))
            f1, f2 = sorted((rng.random(), rng.random()))

            def off():
                return rng.choice((-1, 1)) * detour * (rng.uniform(0.9, 1.01) if rng.random() < 0.5 else rng.random())
            p, q = on_route(o, d, f1, off()), on_route(o, d, f2, off())
        else:
            p, q = place(rng), place(rng)
        windows = {"pickup_start": start, "pickup_end": start + dt.timedelta(hours=rng.choice((6, 48, 24 * 30)))}
        if rng.random() < 0.2:
            windows["pickup_end"] = None
        yield dict(pickup=p, dropoff=q, detour=detour, windows=windows,
                   w=1, v=0, n=1, exclude=[], category="", limit=rng.choice((5, 50, 500)))


def test_degenerate_requests_take_the_near_way():
    window = {"pickup_start": None, "pickup_end": None}
    for p, q in (((48.8, 2.3), (48.8, 2.3)), ((10, 20), (-10, -160)), ((90, 0), (-90, 0)), ((0, 179.9), (0, -179.9))):
        way, _ = store.match_bind(pickup=p, dropoff=q, detour=50_000, windows=window, w=0, v=0, n=0, exclude=[],
                                  category="", limit=5)
        assert way == "near", (p, q)
    way, _ = store.match_bind(pickup=(0, 170), dropoff=(0, -170), detour=50_000, windows=window, w=0, v=0, n=0,
                              exclude=[], category="", limit=5)
    assert way == "far"   # 2,200 km across the date line


def test_far_way_finds_exactly_what_the_near_way_finds(trips_db):
    url, routes = trips_db
    sql = store.MATCH_STATEMENTS
    rng = random.Random(7)
    far = matched = 0
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        for req in requests(rng, routes, 600):
            way_bind = store.match_bind(**req)
            if way_bind is None or way_bind[0] != "far":
                continue
            far += 1
            _, near = store.match_bind(**req, way="near")
            _, bind = way_bind
            got = [(r["id"], r["pickup_detour"], r["dropoff_detour"]) for r in conn.execute(sql["far"], bind).fetchall()]
            want = [(r["id"], r["pickup_detour"], r["dropoff_detour"]) for r in conn.execute(sql["near"], near).fetchall()]
            assert got == want, req
            matched += len(want)
            if far == 1:   # the far way does use the cube index
                plan = "\n".join(r["QUERY PLAN"] for r in conn.execute("EXPLAIN " + sql["far"], bind).fetchall())
                assert "ix_trips_match_cube" in plan, plan
    assert far >= 150 and matched >= 500, (far, matched)   # the comparison covered real matches


def close_requests(rng: random.Random, routes, n: int):
    """Requests along a route whose points are 0.3-2.1 detours apart: the far way does not apply at
    their detour, so match_step tries a shortcut with a smaller one first."""
    for req in requests(rng, routes, 10 * n):
        o, d, dep = rng.choice(routes)
        arc = math.acos(max(-1.0, min(1.0, sum(x * y for x, y in zip(store.unit_vector(*o), store.unit_vector(*d))))))
        gap = req["detour"] * rng.uniform(0.3, 2.1) / (arc * store.EARTH_RADIUS_M) if arc > 1e-3 else 2
        if gap >= 1:
            continue
        f1 = rng.uniform(0, 1 - gap)
        off = [rng.choice((-1, 1)) * req["detour"] * rng.uniform(0, 1) for _ in range(2)]
        req["pickup"], req["dropoff"] = on_route(o, d, f1, off[0]), on_route(o, d, f1 + gap, off[1])
        req["limit"] = rng.choice((1, 3, 10, 50))     # small pages: the shortcut is often taken
        req["windows"]["pickup_start"] = dep - dt.timedelta(hours=rng.uniform(0, 5))
        if req["windows"]["pickup_end"] is not None:
            req["windows"]["pickup_end"] = req["windows"]["pickup_start"] + dt.timedelta(hours=rng.choice((6, 48)))
        yield req
        n -= 1
        if not n:
            return


def test_the_shortcut_finds_exactly_what_the_near_way_finds(trips_db):
    url, routes = trips_db
    sql = store.MATCH_STATEMENTS
    rng = random.Random(11)
    taken = narrowed = fell_back = matched = 0
    with psycopg.connect(url, autocommit=True, row_factory=namedtuple_row) as conn:
        conn.execute("SET plan_cache_mode = force_generic_plan")   # as a prepared statement soon runs
        for req in close_requests(rng, routes, 400):
            way, bind, bound = store.match_step(req)
            if bound is None:
                continue
            assert way == "far" and bound < req["detour"]
            got = conn.execute(sql["far"], bind).fetchall()
            if store.final(got, bound, req["limit"]):
                taken += 1
            else:
                way, bind, bound = store.match_step(req, after=got)
                assert way == "near" and bound is None
                narrowed += bind["detour"] < req["detour"]
                fell_back += 1
                got = conn.execute(sql["near"], bind).fetchall()
            _, near = store.match_bind(**req, way="near")
            want = conn.execute(sql["near"], near).fetchall()
            assert [(r.id, r.pickup_detour, r.dropoff_detour) for r in got] == \
                   [(r.id, r.pickup_detour, r.dropoff_detour) for r in want], req
            matched += len(want)
    assert taken >= 50 and fell_back >= 50 and narrowed >= 30 and matched >= 2000, (taken, fell_back, narrowed, matched)


def test_a_shortcut_is_final_only_with_a_full_page_within_its_detour():
    row = namedtuple("row", "pickup_detour dropoff_detour")
    assert store.final([row(400, 599)] * 5, 1000, 5)
    assert not store.final([row(400, 600)] * 5, 1000, 5)      # 1,000 m could be 1,000.4: not within
    assert not store.final([row(1, 1)] * 4, 1000, 5)          # a page not full: there may be more beyond
    assert store.final([], None, 5)                           # without a bound, always
    brussels, antwerp = (50.85, 4.35), (51.22, 4.40)
    window = {"pickup_start": None, "pickup_end": None}
    req = dict(pickup=brussels, dropoff=antwerp, detour=50_000, w=0, v=0, n=0, exclude=[], category="", limit=5,
               windows=window)
    way, _, bound = store.match_step(req)
    assert way == "far" and bound == store.far_detour(brussels, antwerp)
    assert 10_000 < bound < 20_000        # 41 km apart: a shortcut with ~19 km
    for detour, way in ((bound, "far"), (bound + 2, "near")):   # far_detour is the largest
        assert store.match_bind(**{**req, "detour": detour})[0] == way
    # after it: the near way, with the detour cut to the last total when the page was full
    way, bind, bound = store.match_step(req, after=[row(9_000, 12_000)] * 5)
    assert (way, bind["detour"], bound) == ("near", 21_001, None)
    assert store.match_step(req, after=[row(9_000, 12_000)] * 4)[1]["detour"] == 50_000
    assert store.match_step({**req, "way": "near"})[::2] == ("near", None)   # a forced way: no shortcut
    assert store.shortcut_detour({**req, "way": "near"}) is None
    assert store.match_step(req, shortcut=False)[::2] == ("near", None)      # not tried
    assert store.shortcut_detour(req) == store.far_detour(brussels, antwerp)


def test_shortcut_odds_follow_what_the_shortcut_did_lately():
    odds = store.ShortcutOdds()
    assert odds.worth_trying                   # tried until it is seen to fail
    odds.saw(False)
    assert not odds.worth_trying and odds.rate == 0     # the first outcome replaces the prior
    for _ in range(19):
        odds.saw(True)
    assert odds.rate == pytest.approx(19 / 20)          # the mean of the first 20
    for _ in range(12):
        odds.saw(False)
    assert odds.worth_trying                   # then 5 % a step: 0.95 * 0.95 ** 12 = 0.513
    odds.saw(False)
    assert not odds.worth_trying               # 0.95 ** 14 = 0.488 < WORTH
    odds.saw(True)
    assert odds.worth_trying                   # 0.513: tried again


def drive(conn, steps):
    """Runs store.matching's statements on a connection, as store.match does: (rows, first step)."""
    way, bind, bound = first = next(steps)
    try:
        while True:
            way, bind, bound = steps.send(conn.execute(store.MATCH_STATEMENTS[way], bind).fetchall())
    except StopIteration as done:
        return done.value, first


def test_the_near_way_run_first_tells_what_the_shortcut_would_have_done(trips_db):
    """When the shortcut is not worth trying, match runs the near way at once: the same rows, and
    its rows tell the odds whether the shortcut would have settled the request, as running the
    shortcut first does."""
    url, routes = trips_db
    rng = random.Random(12)
    seen = {True: 0, False: 0}
    with psycopg.connect(url, autocommit=True, row_factory=namedtuple_row) as conn:
        for req in close_requests(rng, routes, 150):
            d = store.shortcut_detour(req)
            if d is None:
                continue
            tried, skipped = store.ShortcutOdds(rate=1), store.ShortcutOdds(rate=0)
            got, first = drive(conn, store.matching(req, tried))
            assert first[0] == "far" and first[2] == d          # the shortcut first
            settled = store.final(conn.execute(store.MATCH_STATEMENTS["far"], first[1]).fetchall(), d, req["limit"])
            assert tried.rate == settled
            got_near, first = drive(conn, store.matching(req, skipped))
            assert first[0] == "near" and first[2] is None and first[1]["detour"] == req["detour"]   # the near way
            assert skipped.rate == settled                      # ... says what the shortcut would have done
            assert [(r.id, r.pickup_detour, r.dropoff_detour) for r in got_near] == \
                   [(r.id, r.pickup_detour, r.dropoff_detour) for r in got], req
            seen[settled] += 1
    assert seen[True] >= 20 and seen[False] >= 20, seen


async def test_match_stops_trying_a_shortcut_that_does_not_settle(trips_db):
    """store.match, as the service runs it: on requests the shortcut cannot settle (a page larger
    than the trips there are), the odds fall below WORTH and the answers stay those of the near
    way."""
    url, routes = trips_db
    rng = random.Random(13)
    odds = store.ShortcutOdds()
    reads = db.make_read_pool(url)
    await reads.open()
    try:
        asked = 0
        with psycopg.connect(url, autocommit=True, row_factory=namedtuple_row) as conn:
            for req in close_requests(rng, routes, 60):
                req["limit"] = 500
                if store.shortcut_detour(req) is None:
                    continue
                asked += 1
                got = await store.match(reads, odds, **req)
                _, near = store.match_bind(**req, way="near")
                want = conn.execute(store.MATCH_STATEMENTS["near"], near).fetchall()
                assert [(r.id, r.pickup_detour) for r in got] == [(r.id, r.pickup_detour) for r in want]
                assert len(want) < 500
                assert not odds.worth_trying, odds.rate   # from the first that did not settle
        assert asked >= 20
    finally:
        await reads.close()


def test_the_direction_test_spares_routes_over_150_degrees(trips_db):
    """The pickup comes first only if pole . (pickup x drop-off) >= 0 (store.match_cubes), when the
    two positions along the route are less than 180 degrees apart. Along a route of 179.5 degrees,
    a pickup before its start and a drop-off past its end, each within the detour, are 180.3 degrees
    apart: the product is negative, yet the trip carries them (fractions 0 and 1)."""
    url, _ = trips_db
    now = dt.datetime.now(dt.timezone.utc)
    o, d = (0.0, 0.0), (0.0, 179.5)
    trip = uuid.uuid4()
    req = dict(pickup=(0.0, -0.4), dropoff=(0.0, 179.9), detour=50_000, w=1, v=0, n=1, exclude=[], category="",
               limit=50, windows={"pickup_start": now, "pickup_end": now + dt.timedelta(hours=6)})
    p, q = store.unit_vector(*req["pickup"]), store.unit_vector(*req["dropoff"])
    assert p[0] * q[1] - p[1] * q[0] < 0           # the pole of this eastward route is +z
    with psycopg.connect(url, autocommit=True, row_factory=namedtuple_row) as conn:
        conn.execute(f"INSERT INTO trips ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})",
                     (trip, uuid.uuid4(), "t", "car", "published", "o", store.point(*o), "d", store.point(*d),
                      store.line(o, d), 1, now + dt.timedelta(hours=1), now + dt.timedelta(hours=20), 1140,
                      10_000, 100_000, 5, 10_000, 100_000, 5, "public"))
        try:
            way, bind, bound = store.match_step(req)
            assert (way, bound) == ("near", None)   # nearly antipodal points
            rows = conn.execute(store.MATCH_STATEMENTS[way], bind).fetchall()
            hit = [r for r in rows if r.id == trip]
            assert hit and (hit[0].pickup_fraction, hit[0].dropoff_fraction) == (0, 1)
            assert 44_000 < hit[0].pickup_detour < 45_000 and 44_000 < hit[0].dropoff_detour < 45_000
        finally:
            conn.execute("DELETE FROM trips WHERE id = %s", (trip,))
