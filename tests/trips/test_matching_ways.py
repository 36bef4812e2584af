"""The ways MatchTrips finds candidates (services/trips/store.MATCH_SQL, match_step) give the same matches.

The far way (ix_trips_match_cube: route box, direction and departure in one 7-D box) only prunes
candidates, so on any data it must return exactly what the near way (route boxes and departure)
returns; so must a total step (the far way bounded by the sum of the two detours, which also
applies to closer points), and the steps of match_step from wherever they start. A database of its own, with random trips all over
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

    def way(p, q, **more):
        return store.match_bind(pickup=p, dropoff=q, detour=50_000, windows=window, w=0, v=0, n=0, exclude=[],
                                category="", limit=5, **more)[0]
    for p, q in (((48.8, 2.3), (48.8, 2.3)), ((48.8, 2.3), (48.8, 2.300001)), ((10, 20), (-10, -160)),
                 ((90, 0), (-90, 0))):
        assert way(p, q) == "near", (p, q)    # the same point (7 cm apart), nearly antipodal points
        with pytest.raises(ValueError):
            way(p, q, way="band")
    assert way((0, 179.9), (0, -179.9)) == "band"          # 22 km across the date line: close points
    assert way((0, 179.9), (0, -179.9), total=30_000) == "near"   # the band is for the full detour only
    assert way((0, 170), (0, -170)) == "far"                # 2,200 km across the date line


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


def close_requests(rng: random.Random, routes, n: int, apart: tuple[float, float] = (0.3, 2.1)):
    """Requests along a route whose points are 0.3-2.1 detours apart (or `apart`): the far way does
    not apply at their detour, a total step up to about their distance apart does."""
    for req in requests(rng, routes, 10 * n):
        o, d, dep = rng.choice(routes)
        arc = math.acos(max(-1.0, min(1.0, sum(x * y for x, y in zip(store.unit_vector(*o), store.unit_vector(*d))))))
        gap = req["detour"] * rng.uniform(*apart) / (arc * store.EARTH_RADIUS_M) if arc > 1e-3 else 2
        if gap >= 1:
            continue
        f1 = rng.uniform(0, 1 - gap)
        off = [rng.choice((-1, 1)) * req["detour"] * rng.uniform(0, 1) for _ in range(2)]
        req["pickup"], req["dropoff"] = on_route(o, d, f1, off[0]), on_route(o, d, f1 + gap, off[1])
        req["limit"] = rng.choice((1, 3, 10, 50))     # small pages: often full within a total step
        req["windows"]["pickup_start"] = dep - dt.timedelta(hours=rng.uniform(0, 5))
        if req["windows"]["pickup_end"] is not None:
            req["windows"]["pickup_end"] = req["windows"]["pickup_start"] + dt.timedelta(hours=rng.choice((6, 48)))
        yield req
        n -= 1
        if not n:
            return


def key(rows):
    return [(r.id, r.pickup_detour, r.dropoff_detour) for r in rows]


def test_the_band_finds_exactly_what_the_near_way_finds(trips_db):
    """Close points at the full detour take the far way's statement over the band of poles
    (match_cubes' `band`): the same rows as the near way, for points from a few metres to two
    detours apart, along routes (many matches, often near the detour limit) and anywhere."""
    url, routes = trips_db
    sql = store.MATCH_STATEMENTS
    rng = random.Random(8)
    compared = matched = 0
    with psycopg.connect(url, autocommit=True, row_factory=namedtuple_row) as conn:
        conn.execute("SET plan_cache_mode = force_generic_plan")   # as a prepared statement soon runs
        reqs = [*close_requests(rng, routes, 200), *close_requests(rng, routes, 100, apart=(0.0001, 0.3)),
                *requests(rng, routes, 300)]
        for n, req in enumerate(reqs):
            # in as many pieces as match_step asks: 16 after total steps, 4 when the band answers first
            full = store.match_bind(**req, pieces=(store.POLE_PIECES, store.SPARSE_BAND_PIECES)[n % 2])
            if full is None or full[0] != "band":
                continue
            got = conn.execute(sql["band"], full[1]).fetchall()
            want = conn.execute(sql["near"], store.match_bind(**req, way="near")[1]).fetchall()
            assert key(got) == key(want), req
            compared += 1
            matched += len(want)
            if compared == 1:   # it does use the cube index
                plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + sql["band"], full[1]).fetchall())
                assert "ix_trips_match_cube" in plan, plan
    assert compared >= 250 and matched >= 2000, (compared, matched)


def test_a_total_step_finds_exactly_what_the_near_way_finds_within_its_total(trips_db):
    """The far way with a total detour T (pole region of T/2, the test on the sum of the two pole
    products) returns what the near way returns with the same total: only the trips whose pickup +
    drop-off detour is at most T, none missed. Close points up to their widest_total, far ones
    anywhere below 2 detours, many of them with a total near the bound; the pole region in as
    many pieces as match_step cuts it into."""
    url, routes = trips_db
    sql = store.MATCH_STATEMENTS
    rng = random.Random(11)
    compared = {"far": 0, "close": 0}
    matched = bounded = 0
    with psycopg.connect(url, autocommit=True, row_factory=namedtuple_row) as conn:
        conn.execute("SET plan_cache_mode = force_generic_plan")   # as a prepared statement soon runs
        for req in list(close_requests(rng, routes, 250)) + list(requests(rng, routes, 300)):
            full = store.match_bind(**req)
            if full is None:
                continue
            top = store.widest_total(req["pickup"], req["dropoff"]) if full[0] != "far" else 2 * req["detour"] - 1
            if top < store.MIN_TOTAL:
                continue
            pieces = store.FAR_STEP_PIECES if full[0] == "far" else store.POLE_PIECES     # as match_step cuts them
            for total in (top, rng.randint(store.MIN_TOTAL, top)):
                way, bind = store.match_bind(**req, total=total, pieces=pieces)
                assert way == "far" and bind["total"] == total and bind["detour"] == min(total, req["detour"])
                got = conn.execute(sql["far"], bind).fetchall()
                want = conn.execute(sql["near"], store.match_bind(**req, total=total, way="near")[1]).fetchall()
                assert key(got) == key(want), (req, total)
                assert all(r.pickup_detour + r.dropoff_detour <= total + 1 for r in got)
                # the trips are read only when the page is full (then the rows are the answer)
                assert all((r.title is None) == (len(got) < req["limit"]) for r in got + want), (req, total)
                compared[store.kind_of(full[0])] += 1
                matched += len(want)
                unbounded = conn.execute(sql["near"], store.match_bind(**req, way="near")[1]).fetchall()
                bounded += len(unbounded) > len(want)     # the total did leave trips out
    assert min(compared.values()) >= 150 and matched >= 3000 and bounded >= 100, (compared, matched, bounded)


def _box(text: str) -> tuple[list[float], list[float]]:
    lo, hi = text[1:-1].split("), (")
    return [float(x) for x in lo.split(", ")], [float(x) for x in hi.split(", ")]


def _angle(a: list[float], b: list[float]) -> float:
    return math.acos(max(-1.0, min(1.0, sum(x * y for x, y in zip(a, b)))))


def _moved(x: list[float], metres: float, rng: random.Random) -> list[float]:
    """Unit vector x moved `metres` on the sphere in a random direction."""
    r = [rng.gauss(0, 1) for _ in range(3)]
    along = sum(a * b for a, b in zip(r, x))
    t = [a - along * b for a, b in zip(r, x)]
    size = math.sqrt(sum(a * a for a in t))
    angle = metres / store.EARTH_RADIUS_M
    return [math.cos(angle) * a + math.sin(angle) * b / size for a, b in zip(x, t)]


def test_the_pole_pieces_hold_every_pole_of_the_region():
    """match_cubes cuts the pole region into pieces: the pole of every great circle that passes
    within reach of the pickup and of the drop-off, in that order, with at most 2 pole_reach in
    all, lies in one of the pickup's boxes and in the drop-off's box (dimensions 4-6), also at the
    region's edge (circles exactly at the reach, or at the sum). A total step's pieces cover a small
    part of the one box around them (what the cube index would read); the full detour keeps one.
    Close points at the full detour (`band`, from centimetres to 2.2 reaches apart): the band of
    poles in pieces, none missed."""
    rng = random.Random(3)
    window = {"window_start": dt.datetime.now(dt.timezone.utc), "window_end": dt.datetime.now(dt.timezone.utc)}
    checked, cut, bands = 0, [], []
    while checked < 400:
        p = store.unit_vector(rng.uniform(-70, 70), rng.uniform(-180, 180))
        reach = rng.choice((5_000, 30_000, 50_000, 300_000))
        band = rng.random() < 0.25    # close points at the full detour: the band of poles
        q = _moved(p, rng.choice((rng.uniform(0.0001, 0.3), rng.uniform(0.3, 2.2))) * reach if band
                   else rng.uniform(0.3, 40) * reach, rng)
        pole_reach = reach if band else reach * rng.choice((1, rng.uniform(0.1, 1)))
        lat_lng = [(math.degrees(math.asin(x[2])), math.degrees(math.atan2(x[1], x[0]))) for x in (p, q)]
        got = store.match_cubes(*lat_lng, reach, window, pole_reach, band=band)
        if got is None:
            assert not band or _angle(p, q) * store.EARTH_RADIUS_M < 1, (lat_lng, reach)
            continue
        checked += 1
        pieces, whole = [_box(b) for b in got[0]], _box(got[1])
        assert len(pieces) == 1 or pole_reach < reach or band     # the full detour: one box, or the band's pieces
        if band:
            bands.append(len(pieces))
        for _ in range(200):
            edge, most = rng.random() < 0.5, min(reach, 2 * pole_reach)
            dp = most if edge and rng.random() < 0.5 else rng.uniform(0, most)
            dq = min(reach, 2 * pole_reach - dp) if edge else rng.uniform(0, min(reach, 2 * pole_reach - dp))
            a, b = _moved(p, dp * 0.999999, rng), _moved(q, dq * 0.999999, rng)
            n = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
            size = math.sqrt(sum(x * x for x in n))
            n = [x / size for x in n]
            t = [n[1] * a[2] - n[2] * a[1], n[2] * a[0] - n[0] * a[2], n[0] * a[1] - n[1] * a[0]]

            def along(x):    # position along the route a -> b
                return math.atan2(sum(i * j for i, j in zip(x, t)), sum(i * j for i, j in zip(x, a)))
            if along(p) >= along(q):
                continue     # the route passes the drop-off first: not in the region

            def inside(box):
                return all(box[0][3 + i] <= n[i] <= box[1][3 + i] for i in range(3))
            assert any(inside(piece) for piece in pieces) and inside(whole), (lat_lng, reach, pole_reach, dp, dq)
        if not band:
            volume = [math.prod(hi[i] - lo[i] for i in range(3, 6)) for lo, hi in pieces]
            cut.append((len(pieces), sum(volume) / math.prod(whole[1][i] - whole[0][i] for i in range(3, 6))))
    assert len(bands) >= 80 and min(bands) > 1 and max(bands) == store.POLE_PIECES, bands
    assert max(k for k, _ in cut) == store.POLE_PIECES and min(k for k, _ in cut) == 1
    shares = sorted(share for k, share in cut if k == store.POLE_PIECES)
    assert len(shares) >= 30 and shares[len(shares) // 2] < 0.2, cut


def test_total_steps_widen_then_the_full_detour_follows():
    row = namedtuple("row", "pickup_detour dropoff_detour")
    assert store.final([row(400, 600)] * 5, 1000, 5)         # a total step's full page: the answer
    assert not store.final([row(1, 1)] * 4, 1000, 5)          # not full: there may be more beyond its total
    assert store.final([], None, 5)                           # at the full detour, always
    window = {"pickup_start": None, "pickup_end": None}
    brussels, antwerp = (50.85, 4.35), (51.22, 4.40)          # 41 km apart: close points at 50 km
    req = dict(pickup=brussels, dropoff=antwerp, detour=50_000, w=0, v=0, n=0, exclude=[], category="", limit=5,
               windows=window)
    widest = store.widest_total(brussels, antwerp)
    assert 30_000 < widest < 40_000
    assert store.match_bind(**req, total=widest)[0] == "far" and store.match_bind(**req, total=widest + 2)[0] == "near"
    assert store.match_step(req)[::2] == ("band", None)                   # no start: the full detour
    way, bind, total = store.match_step(req, start=5_000)
    assert (way, total, bind["total"], bind["detour"]) == ("far", 5_000, 5_000, 5_000)
    assert store.match_step(req, start=90_000)[2] == widest               # at most the widest
    assert store.match_step(req, start=500)[::2] == ("band", None)        # below MIN_TOTAL
    assert store.match_step({**req, "way": "near"}, start=5_000)[::2] == ("near", None)   # a forced way
    assert store.match_step(req, after=([], 5_000))[2] == 15_000          # nothing found: 3 times wider
    assert store.match_step(req, after=([row(1, 1)] * 4, 5_000))[2] == 7_000     # 4 of 5: 1.4 times
    assert store.match_step(req, after=([row(1, 1)], 5_000))[2] == int(5_000 * 1.2 * math.sqrt(5))
    assert store.match_step(req, after=([], 20_000))[2] == widest         # capped at the widest ...
    assert store.match_step(req, after=([], widest))[::2] == ("band", None)   # ... then the full detour
    # the band's pieces: 16 after total steps (a hub), 4 when it answers first (trips sparse)
    assert len(store.match_step(req, after=([], widest))[1]["cube_p"]) == store.POLE_PIECES
    assert len(store.match_step(req)[1]["cube_p"]) == store.SPARSE_BAND_PIECES
    paris, berlin = (48.86, 2.35), (52.52, 13.40)
    req = {**req, "pickup": paris, "dropoff": berlin}
    assert store.match_step(req, start=70_000)[::2] == ("far", 70_000)
    assert store.match_step(req, start=90_000)[::2] == ("far", None)      # past WIDEN_UP_TO: the far way itself
    assert store.match_step(req, after=([], 30_000))[::2] == ("far", None)
    assert store.match_step(req, after=([], 20_000))[::2] == ("far", 60_000)
    # a total step's pole region in pieces: at most FAR_STEP_PIECES for points far apart, POLE_PIECES for
    # close ones (their region is a long strip); match_cubes would cut Paris - Berlin's at 20 km into more
    near = {**req, "pickup": brussels, "dropoff": antwerp}
    assert len(store.match_step(req, start=20_000)[1]["cube_p"]) == store.FAR_STEP_PIECES
    assert len(store.match_bind(**req, total=20_000)[1]["cube_p"]) == 8                 # 880 km apart
    assert len(store.match_step(near, start=20_000)[1]["cube_p"]) == store.POLE_PIECES
    # the way at the full detour, known without its boxes; they are built when its statement is returned
    for q in (req, {**req, "pickup": brussels, "dropoff": antwerp}, {**req, "dropoff": paris}):
        way, bare = store.match_bind(**q, boxes=False)
        assert way == store.match_bind(**q)[0] and "cube_p" not in bare and "cube_q" not in bare
        assert store.match_step(q, full=(way, bare))[::2] == (way, None)
        assert way == "near" or "cube_p" in store.match_step(q, full=(way, bare))[1]
    # the pickup window ended after the way was chosen: no statement
    over = {**req, "windows": {"pickup_start": None,
                               "pickup_end": dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)}}
    assert store.match_step(over, full=store.match_bind(**req, boxes=False)) is None
    assert store.match_step(over, start=20_000, full=store.match_bind(**req, boxes=False)) is None


def test_widening_starts_at_the_median_total_where_half_the_pages_fit():
    row = namedtuple("row", "pickup_detour dropoff_detour")
    w = store.Widening()
    for total in (10_000, 20_000, 30_000, 40_000):
        w.saw("far", [row(0, total)] * 3, 3, 80_000)
    assert w.start("far") is None                         # fewer than MIN_SEEN
    w.saw("far", [row(0, 50_000)] * 2, 3, 80_000)         # a page not full: no total would have settled it
    assert w.start("far") == 30_002                       # the median, 2 m over the rounded detours
    assert w.start("close") is None                       # each kind apart
    for _ in range(2):
        w.saw("far", [row(0, 50_000)] * 3, 3, 40_000)     # full, but beyond the widest step
    assert w.start("far") == 40_002                       # 4 of 7 fit; median of 10, 20, 30, 40, 50, 50, -
    w.saw("far", [], 3, 80_000)
    assert w.start("far") == 40_002                       # 4 of 8: half still fit (the lower median)
    w.saw("far", [], 3, 80_000)
    assert w.start("far") is None                         # 4 of 9: less than half
    for _ in range(store.Widening.WINDOW):
        w.saw("close", [row(1_000, 2_000)], 1, 5_000)
    assert w.start("close") == 3_002 and len(w.seen["close"]) == store.Widening.WINDOW


def drive(conn, steps):
    """Runs store.matching's statements on a connection, as store.match does: (rows, steps run)."""
    taken = []
    try:
        taken.append(next(steps))
        while True:
            way, bind, _ = taken[-1]
            taken.append(steps.send(conn.execute(store.MATCH_STATEMENTS[way], bind).fetchall()))
    except StopIteration as done:
        return done.value, taken


def learnt(start: int | None) -> store.Widening:
    w = store.Widening()
    if start is not None:
        for _ in range(store.Widening.MIN_SEEN):
            for kind in ("far", "close"):
                w.saw(kind, [namedtuple("row", "pickup_detour dropoff_detour")(0, start - 2)], 1, 10**9)
    assert w.start("far") == start
    return w


def test_matching_answers_as_the_near_way_wherever_it_starts(trips_db):
    """store.matching with total steps from a start that is too small, about right or too large,
    on close and far requests: the same rows as the near way at the full detour."""
    url, routes = trips_db
    rng = random.Random(12)
    how = {"first": 0, "widened": 0, "full after": 0, "full at once": 0}
    with psycopg.connect(url, autocommit=True, row_factory=namedtuple_row) as conn:
        for req in list(close_requests(rng, routes, 150)) + list(requests(rng, routes, 150)):
            want = conn.execute(store.MATCH_STATEMENTS["near"], store.match_bind(**req, way="near")[1]).fetchall() \
                if store.match_bind(**req) else []
            start = rng.choice((1_000, 3_000, 10_000, 30_000, 90_000))
            got, taken = drive(conn, store.matching(req, learnt(start)))
            assert key(got) == key(want), (req, start)
            if not taken:
                continue
            totals = [t for _, _, t in taken]
            assert all(t is not None for t in totals[:-1]) and totals == sorted(totals[:-1]) + totals[-1:]
            how["full at once" if totals == [None] else "first" if len(totals) == 1 else
                "full after" if totals[-1] is None else "widened"] += 1
    assert min(how.values()) >= 15, how


async def test_match_learns_where_total_steps_pay(trips_db):
    """store.match, as the service runs it: on pages larger than the trips there are, the
    Widening learns that no total step settles them and the full detour answers at once; on pages
    of one, it starts total steps at the median of their totals. Answers: the near way's."""
    url, routes = trips_db
    rng = random.Random(13)
    widening = store.Widening()
    reads = db.make_read_pool(url)
    await reads.open()
    try:
        with psycopg.connect(url, autocommit=True, row_factory=namedtuple_row) as conn:
            for limit, starts in ((500, False), (1, True)):
                asked = 0
                for req in close_requests(rng, routes, 40):
                    req["limit"] = limit
                    got = await store.match(reads, widening, **req)
                    want = conn.execute(store.MATCH_STATEMENTS["near"],
                                        store.match_bind(**req, way="near")[1]).fetchall()
                    assert key(got) == key(want)
                    asked += 1
                assert asked == 40 and (widening.start("close") is not None) == starts, widening.seen["close"]
                if starts:   # matching starts where the Widening says
                    assert next(store.matching(req, widening)) == store.match_step(req, widening.start("close"))
        # the pool's statements are prepared and run their generic plan (db.READ_CONNECTION), never planned again
        async with reads.connection() as conn:
            plans = await (await conn.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
                                              " WHERE statement LIKE '%match_cube%'")).fetchall()
        assert plans and all(p.generic_plans > 0 and p.custom_plans == 0 for p in plans), plans
    finally:
        await reads.close()


def test_a_total_step_is_exact_at_its_bound(trips_db):
    """The cheap tests of a total step (pole box and pole sum of half the total, sphere) keep a
    margin: a trip whose pickup + drop-off detour is exactly the total is found, one whose is a few
    metres more is not. Lisbon -> Warsaw, points hundreds of km off it (as test_matching's
    test_detour_limit_is_exact_at_the_boundary)."""
    url, _ = trips_db
    now = dt.datetime.now(dt.timezone.utc)
    lisbon, warsaw = (38.7223, -9.1393), (52.2297, 21.0122)
    trip = uuid.uuid4()
    with psycopg.connect(url, autocommit=True, row_factory=namedtuple_row) as conn:
        conn.execute(f"INSERT INTO trips ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})",
                     (trip, uuid.uuid4(), "t", "car", "published", "o", store.point(*lisbon), "d",
                      store.point(*warsaw), store.line(lisbon, warsaw), 1, now + dt.timedelta(hours=1),
                      now + dt.timedelta(hours=20), 1140, 10_000, 100_000, 5, 10_000, 100_000, 5, "public"))
        try:
            for a, b in (((45.764, 4.8357), (53.5511, 9.9937)), ((43.2965, 5.3698), (59.3293, 18.0686)),
                         ((48.5734, 7.7521), (54.35, 18.65))):
                req = dict(pickup=a, dropoff=b, detour=1_000_000, w=1, v=0, n=1, exclude=[], category="",
                           limit=5000, windows={"pickup_start": now, "pickup_end": now + dt.timedelta(hours=6)})
                exact = conn.execute("SELECT ST_Distance(route, %s::geography) + ST_Distance(route, %s::geography) "
                                     "FROM trips WHERE id = %s", (store.point(*a), store.point(*b), trip)).fetchone()[0]
                assert exact > 100_000
                for total, found in ((math.ceil(exact), True), (math.floor(exact) - 1, False)):
                    way, bind = store.match_bind(**req, total=total)
                    assert way == "far"
                    rows = conn.execute(store.MATCH_STATEMENTS[way], bind).fetchall()
                    assert (trip in [r.id for r in rows]) == found, (a, b, total)
        finally:
            conn.execute("DELETE FROM trips WHERE id = %s", (trip,))


def test_the_cube_holds_each_trip_schedule(trips_db):
    """trip_match_cube's 7th dimension is [departure, arrival] in units of 30 days (migration 0005),
    as match_cubes asks it: the cube index reads only trips underway during the pickup window."""
    url, _ = trips_db
    with psycopg.connect(url) as conn:
        n, off = conn.execute(
            "SELECT count(*), max(greatest(abs(cube_ll_coord(match_cube, 7) - extract(epoch FROM departure_time) / %s),"
            " abs(cube_ur_coord(match_cube, 7) - extract(epoch FROM arrival_time) / %s))) FROM trips",
            (store.CUBE_DAY_SECONDS, store.CUBE_DAY_SECONDS)).fetchone()
    assert n >= 3000 and off < 1e-9


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
