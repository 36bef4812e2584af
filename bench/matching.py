"""Matching benchmark: `python -m bench.matching [--trips 1000000] [--requests 1000]`.

Creates a fresh trip_db, loads --trips trips with COPY (routes between ~40 European cities
with jitter, departures spread over 60 days, 90 % published and public; with --history-days,
over that many days before them too, those completed or cancelled), builds the
indexes, then runs --requests realistic random requests (pickup and drop-off near two
cities in the right order along a route, a 3-day pickup window, 1-5 kg) twice:
  * at the database: the statements MatchTrips runs (services/trips/store.matching picks them
    from store.MATCH_QUERY: MATCH_SQL and the columns of the trips it found),
  * end to end over gRPC: MatchTrips on a real trips server (in this process' event loop) called
    by a client in a process of its own (a service identity token, one channel, blocking stub),
and prints p50/p95/p99 for both (and at the database for each sequence of statements: total steps,
then the far way or the band at the full detour, store.match_step, started where a store.Widening
of its own says), the mean result count, how many runs
had a generic plan, and the generic plan of the first request of each kind and first statement (EXPLAIN ANALYZE,
BUFFERS) to show the index use. It also counts the trips that match each request with no page
limit and times the statement handed exactly those trips: the floor that a perfect candidate
index would leave (floor_bench). The database is dropped at the end.

Before measuring, the trips table and its matching indexes are read into PostgreSQL's cache
(pg_prewarm), as on a server that has been answering: the figures are for a warm cache, and the
run says whether the cache (shared_buffers) is big enough to hold them. The private cluster's
default is 128MB, too small for a million trips (~550 MB with the matching indexes); start it with
`PG_SHARED_BUFFERS=4GB scripts/pg.sh start` for representative figures.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import itertools
import json
import os
import pathlib
import random
import statistics
import sys
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parent.parent
for _p in (str(ROOT), str(ROOT / "gen")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import grpc  # noqa: E402
import psycopg  # noqa: E402
from psycopg import sql as psql  # noqa: E402
from google.type import latlng_pb2  # noqa: E402

from p2p.trips.v1 import trips_pb2 as tpb  # noqa: E402
from p2p.trips.v1 import trips_pb2_grpc  # noqa: E402
from services.common import db, dbadmin, identity, migrations  # noqa: E402

CITIES = {
    "Paris": (48.8566, 2.3522), "Berlin": (52.52, 13.405), "Brussels": (50.8503, 4.3517), "Cologne": (50.9375, 6.9603),
    "Amsterdam": (52.3676, 4.9041), "Lyon": (45.764, 4.8357), "Marseille": (43.2965, 5.3698), "Madrid": (40.4168, -3.7038),
    "Barcelona": (41.3874, 2.1686), "Lisbon": (38.7223, -9.1393), "Milan": (45.4642, 9.19), "Rome": (41.9028, 12.4964),
    "Vienna": (48.2082, 16.3738), "Munich": (48.1351, 11.582), "Frankfurt": (50.1109, 8.6821), "Hamburg": (53.5511, 9.9937),
    "Prague": (50.0755, 14.4378), "Warsaw": (52.2297, 21.0122), "Zurich": (47.3769, 8.5417), "Geneva": (46.2044, 6.1432),
    "London": (51.5072, -0.1276), "Manchester": (53.4808, -2.2426), "Dublin": (53.3498, -6.2603), "Copenhagen": (55.6761, 12.5683),
    "Stockholm": (59.3293, 18.0686), "Oslo": (59.9139, 10.7522), "Budapest": (47.4979, 19.0402), "Bordeaux": (44.8378, -0.5792),
    "Toulouse": (43.6047, 1.4442), "Nantes": (47.2184, -1.5536), "Lille": (50.6292, 3.0573), "Strasbourg": (48.5734, 7.7521),
    "Stuttgart": (48.7758, 9.1829), "Rotterdam": (51.9244, 4.4777), "Antwerp": (51.2194, 4.4025), "Luxembourg": (49.6116, 6.1319),
    "Turin": (45.0703, 7.6869), "Valencia": (39.4699, -0.3763), "Porto": (41.1579, -8.6291), "Krakow": (50.0647, 19.945),
}
NAMES = list(CITIES)
COLUMNS = ("id", "traveler_id", "title", "trip_type", "status", "origin_address", "origin_coordinates",
           "destination_address", "destination_coordinates", "route", "route_distance_m", "departure_time",
           "arrival_time", "estimated_duration", "weight_capacity", "volume_capacity", "item_capacity",
           "available_weight", "available_volume", "available_items", "base_price", "price_per_kg", "visibility")


def jitter(p, km=15.0):
    return p[0] + random.uniform(-km, km) / 111.0, p[1] + random.uniform(-km, km) / 75.0


def rows(n: int, start: dt.datetime, history_days: int = 0):
    """n trips departing at a steady rate from history_days before start to 60 days after it: those
    already gone are completed (88 %) or cancelled, the others 90 % published (else draft,
    completed or cancelled)."""
    travelers = [uuid.uuid4() for _ in range(max(n // 20, 1))]
    for _ in range(n):
        a, b = random.sample(NAMES, 2)
        o, d = jitter(CITIES[a]), jitter(CITIES[b])
        dep = start + dt.timedelta(minutes=random.randint(-history_days * 24 * 60, 60 * 24 * 60))
        hours = random.randint(2, 16)
        w = random.choice((5000, 10000, 20000, 30000))
        published = random.random() < 0.9
        status = "published" if published else random.choice(("draft", "completed", "cancelled"))
        if dep < start:
            status = "completed" if random.random() < 0.88 else "cancelled"
        yield (uuid.uuid4(), random.choice(travelers), f"{a} to {b}", random.choice(("car", "train", "flight", "bus")),
               status, a,
               f"SRID=4326;POINT({o[1]} {o[0]})", b, f"SRID=4326;POINT({d[1]} {d[0]})",
               f"SRID=4326;LINESTRING({o[1]} {o[0]}, {d[1]} {d[0]})", 500000, dep, dep + dt.timedelta(hours=hours),
               hours * 60, w, 100000, 5, random.randint(0, w), 100000, 5, 1500, 200,
               "public" if random.random() < 0.95 else "private")


def load(url: str, n: int, history_days: int = 0) -> float:
    started = time.perf_counter()
    start = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    cols = ", ".join(COLUMNS)
    with psycopg.connect(url) as conn:
        # COPY into a bare copy of the columns, then one INSERT that measures each route: every
        # trips row and index entry is written once (an UPDATE afterwards would write them twice).
        conn.execute(f"CREATE TEMP TABLE trips_load AS SELECT {cols} FROM trips WITH NO DATA")
        with conn.cursor() as cur:
            with cur.copy(f"COPY trips_load ({cols}) FROM STDIN") as cp:
                for r in rows(n, start, history_days):
                    cp.write_row(r)
        conn.execute(f"INSERT INTO trips ({cols}) SELECT {cols.replace('route_distance_m', 'ST_Length(route)::int')} "
                     "FROM trips_load")
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE trips")
    return time.perf_counter() - started


def make_request():
    """Pickup and drop-off near two points along a city pair's line, in order."""
    a, b = random.sample(NAMES, 2)
    pa, pb = CITIES[a], CITIES[b]
    f1, f2 = sorted(random.sample([x / 10 for x in range(0, 11)], 2))
    p = jitter((pa[0] + (pb[0] - pa[0]) * f1, pa[1] + (pb[1] - pa[1]) * f1), 10)
    d = jitter((pa[0] + (pb[0] - pa[0]) * f2, pa[1] + (pb[1] - pa[1]) * f2), 10)
    day = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=random.randint(1, 55))
    return {"pickup": p, "dropoff": d, "pickup_start": day, "pickup_end": day + dt.timedelta(days=3),
            "weight": random.randint(1000, 5000)}


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def request(r, detour):
    return dict(pickup=r["pickup"], dropoff=r["dropoff"], detour=detour, w=r["weight"], v=0, n=1, exclude=[],
                category="", limit=50, windows={"pickup_start": r["pickup_start"], "pickup_end": r["pickup_end"]})


CACHED = ("trips", "ix_trips_match_short", "ix_trips_match_long", "ix_trips_match_cube", "pk_trips")


def prewarm(url: str) -> str:
    """Read the table and the matching indexes into shared_buffers; say whether they fit."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        size = sum(conn.execute("SELECT pg_relation_size(%s)", (rel,)).fetchone()[0] for rel in CACHED)
        for rel in CACHED:
            conn.execute("SELECT pg_prewarm(%s)", (rel,))
        buffers = conn.execute("SELECT setting::bigint * 8192 FROM pg_settings WHERE name = 'shared_buffers'").fetchone()[0]
    verdict = "fit" if size < buffers * 0.9 else "DO NOT fit: reads come from the OS cache, slower (see the docstring)"
    return f"trips and matching indexes {size / 2**20:,.0f} MB, shared_buffers {buffers / 2**20:,.0f} MB: {verdict}"


CALIBRATION_SQL = """SELECT sum(ST_Distance(CAST('SRID=4326;LINESTRING(2.3522 48.8566, 13.405 52.52)' AS geography),
                          CAST(ST_SetSRID(ST_MakePoint(2 + i / 9000.0, 48 + i / 25000.0), 4326) AS geography)))
FROM generate_series(1, 100000) AS i"""


def machine_speed(url: str) -> str:
    """How fast this machine is, in two figures that earlier runs recorded by hand: Python's
    sum(range(10**8)) and 100,000 spheroid distances from a route in PostgreSQL (what the matching
    statement pays per candidate). The best of three each; compare runs on other machines by them."""
    py = min(_timed(lambda: sum(range(10**8))) for _ in range(3))
    with psycopg.connect(url, autocommit=True) as conn:
        pg = min(_timed(lambda: conn.execute(CALIBRATION_SQL).fetchone()) for _ in range(3))
    return f"machine: sum(range(10**8)) {py:.2f} s, 100,000 spheroid distances in PostgreSQL {pg * 1000:.0f} ms"


def _timed(f) -> float:
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def cpu_ticks() -> tuple[int, int] | None:
    """(steal, total) CPU ticks of the whole machine so far (/proc/stat), None where unreadable."""
    try:
        fields = [int(x) for x in pathlib.Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    return (fields[7] if len(fields) > 7 else 0), sum(fields[:8])


def stolen(before, after) -> str:
    """The share of CPU time the hypervisor took away between two cpu_ticks() readings."""
    if before is None or after is None or after[1] <= before[1]:
        return "CPU steal: unknown"
    share = (after[0] - before[0]) / (after[1] - before[1])
    return f"CPU steal during the measurements: {share:.1%}" + (
        " (the machine was unsteady: figures are noisier than usual)" if share >= 0.02 else "")


def generic_plan(conn, stmt: db.Raw, params: dict) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the statement's generic plan (the one PostgreSQL keeps for a
    prepared statement, see db_bench): prepared with its $n placeholders, executed with these values."""
    conn.execute("SET plan_cache_mode = force_generic_plan")
    conn.execute("PREPARE bench_plan AS " + stmt.sql)
    values = ", ".join(psql.Literal(value).as_string(conn) for value in stmt.args(params))
    plan = [x[0] for x in conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_plan({values})").fetchall()]
    conn.execute("DEALLOCATE bench_plan")
    conn.execute("RESET plan_cache_mode")
    return plan


def db_bench(url: str, reqs, detour: int):
    """Times per request at the database as store.match runs it (store.matching, with a
    Widening of its own), the statements each took, the plan of the first request of each kind,
    how many runs had a generic plan, and where the Widening starts at the end."""
    from services.trips import store
    times, counts, ways, plans = [], [], [], {}
    widening = store.Widening()     # as the service's: learns from every request, the warm-up's too

    def run(conn, req):   # as store.match; returns the rows and the statements run
        steps, taken = store.matching(req, widening), []
        try:
            way, p, total = next(steps)
            while True:
                got = conn.execute(store.MATCH_RAW[way].sql, store.MATCH_RAW[way].args(p)).fetchall()
                taken.append((way, p, total))
                way, p, total = steps.send(got)
        except StopIteration as done:
            return done.value, taken

    def how(req, taken) -> str:
        """e.g. "far: total x2 then far": the kind of request, then its statements."""
        kind = store.kind_of(store.match_bind(**req, boxes=False)[0])
        names = ["total" if total is not None else way for way, _, total in taken]
        runs = [(n, len(list(g))) for n, g in itertools.groupby(names)]
        return f"{kind}: " + (" then ".join(n + (f" x{k}" if k > 1 else "") for n, k in runs) or "none")
    # as the service's read pool: its connection settings and raw cursors (db.make_read_pool)
    with psycopg.connect(url, **db.READ_CONNECTION, cursor_factory=psycopg.RawCursor) as conn:
        for r in reqs[:20]:  # warm-up
            run(conn, request(r, detour))
        for r in reqs:
            req = request(r, detour)
            t0 = time.perf_counter()
            got, taken = run(conn, req)
            times.append((time.perf_counter() - t0) * 1000)
            counts.append(len(got))
            ways.append(how(req, taken))
            first = ways[-1].split(" then ")[0].split(" x")[0]    # e.g. "far: total"
            if first not in plans and taken:
                plans[first] = generic_plan(conn, store.MATCH_RAW[taken[0][0]], taken[0][1])
        generic = conn.execute("SELECT sum(generic_plans) AS g, sum(custom_plans) AS c FROM pg_prepared_statements").fetchone()
    return times, counts, ways, plans, generic, (widening.start("far"), widening.start("close"))


def floor_bench(url: str, reqs, detour: int):
    """How many trips match each request with no page limit, and how long the matching statement
    takes when handed exactly those trips (`t.id = ANY(ids)` in place of the candidate search and
    its filters): what the exact distances, the order along the route, the ranking and the page of
    trips cost with a perfect candidate index. Times per request (ms) and match counts."""
    from services.trips import store
    head, rest = store.MATCH_STATEMENTS["near"].split("  FROM trips t\n  WHERE ", 1)
    floor = db.Raw.of(head + "  FROM trips t\n  WHERE t.id = ANY(%(ids)s))\nSELECT" + rest.split(")\nSELECT", 1)[1])
    times, sizes = [], []
    with psycopg.connect(url, **db.READ_CONNECTION, cursor_factory=psycopg.RawCursor) as conn:
        for r in reqs:
            way, bind = store.match_bind(**{**request(r, detour), "limit": 10**6})
            ids = [row.id for row in conn.execute(store.MATCH_RAW[way].sql, store.MATCH_RAW[way].args(bind))]
            sizes.append(len(ids))
            bind = {**bind, "ids": ids, "limit": 50}
            conn.execute(floor.sql, floor.args(bind)).fetchall()
            t0 = time.perf_counter()
            conn.execute(floor.sql, floor.args(bind)).fetchall()
            times.append((time.perf_counter() - t0) * 1000)
    return times, sizes


async def grpc_bench(url: str, reqs, detour: int):
    """MatchTrips over gRPC: the trips server runs in this process' event loop, the client in a
    process of its own (grpc_client), as a caller would; its times come back as JSON."""
    os.environ.update({"TRIPS_DATABASE_URL": url, "TRIPS_PORT": "0", "LOG_LEVEL": "WARNING",
                       "WEATHER_REFRESH_SECONDS": "100000", "WEATHER_BASE_URL": "http://127.0.0.1:9"})
    from services.common.config import Settings
    from services.trips import server
    app = server.build()
    app.use_local_jwks(_no_keys)             # only service tokens are used here: no auth service needed
    app._startup.clear()                     # no weather job during the measurement
    port = await app.start(port=0)
    token = identity.ServiceIdentity("deliveries", Settings.for_service("trips").service_key, "p2p-api").token()
    payload = json.dumps({"port": port, "token": token, "detour": detour,
                          "requests": [{**r, "pickup_start": r["pickup_start"].isoformat(),
                                        "pickup_end": r["pickup_end"].isoformat()} for r in reqs]})
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.matching", "--grpc-client", cwd=str(ROOT),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        out, _ = await proc.communicate(payload.encode())
        if proc.returncode != 0:
            raise RuntimeError(f"the gRPC client failed (exit {proc.returncode})")
    finally:
        await app.stop(grace=0.5)
    return json.loads(out)


def grpc_client() -> int:
    """The client side of grpc_bench (`--grpc-client`): reads the port, a token, the detour and
    the requests as JSON on stdin, calls MatchTrips for each on one channel with the blocking
    stub, prints the times (ms) as JSON."""
    job = json.load(sys.stdin)
    md = [("authorization", f"Bearer {job['token']}")]

    def req(r):
        m = tpb.MatchTripsRequest(pickup=latlng_pb2.LatLng(latitude=r["pickup"][0], longitude=r["pickup"][1]),
                                  dropoff=latlng_pb2.LatLng(latitude=r["dropoff"][0], longitude=r["dropoff"][1]),
                                  weight_grams=r["weight"], items=1, max_detour_meters=job["detour"], page_size=50)
        m.pickup_window_start.FromDatetime(dt.datetime.fromisoformat(r["pickup_start"]))
        m.pickup_window_end.FromDatetime(dt.datetime.fromisoformat(r["pickup_end"]))
        return m
    times = []
    with grpc.insecure_channel(f"127.0.0.1:{job['port']}") as ch:
        stub = trips_pb2_grpc.TripServiceStub(ch)
        for r in job["requests"][:20]:    # warm-up
            stub.MatchTrips(req(r), metadata=md, timeout=10)
        for r in job["requests"]:
            m = req(r)
            t0 = time.perf_counter()
            stub.MatchTrips(m, metadata=md, timeout=10)
            times.append((time.perf_counter() - t0) * 1000)
    json.dump(times, sys.stdout)
    return 0


async def _no_keys() -> dict:
    return {"keys": []}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trips", type=int, default=1_000_000)
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--detour", type=int, default=50_000, help="max detour in metres (default 50 km)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--history-days", type=int, default=0,
                    help="spread the trips' departures over this many days of history before the 60 days ahead "
                         "(a table that keeps its past trips); default 0: every trip departs in the next 60 days")
    ap.add_argument("--grpc-client", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.grpc_client:
        return grpc_client()
    random.seed(args.seed)
    admin = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:55432/postgres"
    name = f"bench_trips_{os.getpid()}"
    url = dbadmin.server_url(admin, name)
    dbadmin.create_database(admin, name, ("postgis", "citext", "btree_gist", "pgcrypto"))
    try:
        migrations.upgrade("trips", url)
        print(f"loading {args.trips:,} trips with COPY ...", flush=True)
        secs = load(url, args.trips, args.history_days)
        print(f"  loaded, indexed and analysed in {secs:.1f} s ({args.trips / secs:,.0f} trips/s overall)")
        with psycopg.connect(url) as conn:
            live = conn.execute("SELECT count(*) FROM trips WHERE status = 'published' AND visibility = 'public'"
                                ).fetchone()[0]
        print(f"  {live:,} of them published and public (departing in the next 60 days), "
              f"{args.history_days} days of history")
        print("  " + prewarm(url))
        print("  " + machine_speed(url), flush=True)
        reqs = [make_request() for _ in range(args.requests)]
        ticks = cpu_ticks()
        db_times, counts, ways, plans, generic, starts = db_bench(url, reqs, args.detour)
        floor_times, sizes = floor_bench(url, reqs, args.detour)
        rpc_times = asyncio.run(grpc_bench(url, reqs, args.detour))
        steal = stolen(ticks, cpu_ticks())
        print(f"\n== matching: {args.trips:,} trips, {args.requests} requests, detour {args.detour / 1000:.0f} km ==")
        print(f"{'where':<32} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
        for label, xs in (("database (statements)", db_times), ("gRPC MatchTrips", rpc_times)):
            print(f"{label:<32} {pct(xs, .5):8.2f} {pct(xs, .95):8.2f} {pct(xs, .99):8.2f} {statistics.mean(xs):8.2f}")
        for kind in ("far", "close"):
            xs = [t for t, w in zip(db_times, ways) if w.startswith(kind + ":")]
            if xs:
                print(f"{kind + ' points (database)':<32} {pct(xs, .5):8.2f} {pct(xs, .95):8.2f} {pct(xs, .99):8.2f} "
                      f"{statistics.mean(xs):8.2f}   ({len(xs)} requests)")
            for way, n in collections.Counter(w for w in ways if w.startswith(kind + ":")).most_common():
                xs = [t for t, w in zip(db_times, ways) if w == way]
                print(f"  {way:<30} {pct(xs, .5):8.2f} {pct(xs, .95):8.2f} {pct(xs, .99):8.2f} "
                      f"{statistics.mean(xs):8.2f}   ({n} requests)")
        print("where total steps start at the end (store.Widening; - : the full detour at once): "
              + ", ".join(f"{kind} {'-' if x is None else f'{x / 1000:.1f} km'}" for kind, x in zip(("far", "close"), starts)))
        print(steal)
        print(f"matches per request: mean {statistics.mean(counts):.1f}, max {max(counts)} (limit 50)")
        print(f"matching trips per request with no page limit: p50 {pct(sizes, .5)}, p95 {pct(sizes, .95)}, "
              f"p99 {pct(sizes, .99)}, max {max(sizes)}")
        print(f"floor: the statement handed exactly those trips (a perfect candidate index): p50 "
              f"{pct(floor_times, .5):.2f}, p95 {pct(floor_times, .95):.2f}, p99 {pct(floor_times, .99):.2f} ms")
        print(f"runs with a generic plan: {generic[0]}, with a custom plan: {generic[1]} (as on the service's read "
              "connections, services/common/db.READ_CONNECTION: prepared from the 2nd run, generic plans; the first run "
              "of each statement is not counted)")
        for way, plan in plans.items():
            print(f"\nplan of the first statement of the first request that went {way} (generic plan):")
            print("\n".join("  " + line for line in plan))
    finally:
        dbadmin.drop_database(admin, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
