"""The accept saga when the deliveries database or process fails in the middle of it: a write
that never reaches the database, a commit whose reply is lost (the database then answering, or
staying out of reach), a process killed after it reserved, and an accept held up past its
guard's delay. The database traffic goes through
a TcpRelay (tests/support/relay.py) that drops the connection at a chosen statement."""
from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys

import grpc
from sqlalchemy.engine import make_url

from p2p.deliveries.v1 import deliveries_pb2 as pb
from p2p.deliveries.v1 import deliveries_pb2_grpc
from tests.deliveries.conftest import any_trip, create_request, expect, make_offer
from tests.deliveries.test_accept import accept, available, reservations
from tests.support.relay import TcpRelay
from tests.support.services import start_deliveries

OK = grpc.StatusCode
INSERT_DELIVERY = b"INSERT INTO deliveries "


def relayed(url: str, relay: TcpRelay) -> str:
    return make_url(url).set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)


@contextlib.asynccontextmanager
async def deliveries_behind_relay(deliveries_env, ratings, blocks, trips_address):
    """A deliveries server in this process whose database connections go through a relay: (stub, relay)."""
    url = make_url(deliveries_env["DELIVERIES_DATABASE_URL"])
    relay = await TcpRelay(url.host, url.port).start()
    app = await start_deliveries({**deliveries_env, "DELIVERIES_DATABASE_URL": relayed(str(url), relay)},
                                 ratings, blocks, trips_address)
    os.environ.update(deliveries_env)     # servers started later get the database itself again
    ch = grpc.aio.insecure_channel(app.address)
    try:
        yield deliveries_pb2_grpc.DeliveryServiceStub(ch), relay
    finally:
        await ch.close()
        await app.stop(grace=0.5)
        await relay.stop()


async def booked(trips, traveler, trip_id: str) -> int:
    return (await available(trips, traveler, trip_id)).weight_grams


async def offered(dl, trips, customer, traveler):
    """(trip, request, offer, weight still available on the trip): a request with one offer on a new trip."""
    trip = await any_trip(trips, traveler)
    r = await create_request(dl, customer)
    o = await make_offer(dl, traveler, r.id, trip.id)
    return trip, r, o, await booked(trips, traveler, trip.id)


def guard(dsql, delivery_id: str) -> list[tuple]:
    return dsql("SELECT delivered_at IS NOT NULL, attempts FROM outbox_events WHERE idempotency_key = %s",
                f"accept-guard:{delivery_id}")


async def eventually(check, seconds: float = 30):
    for _ in range(int(seconds * 10)):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


async def test_a_lost_commit_reply_is_resolved_by_looking(dl, trips, customer, traveler, dsql, trips_db,
                                                          deliveries_env, ratings, blocks, trips_server):
    """The commit landed, its reply did not: the saga looks, finds the delivery and returns it; the
    reservation stays. (Before, a failed commit always released: the delivery stood with its
    capacity given back, so the trip could be overbooked.)"""
    trip, r, o, before = await offered(dl, trips, customer, traveler)
    async with deliveries_behind_relay(deliveries_env, ratings, blocks, trips_server.address) as (stub, relay):
        relay.lose_reply(after=INSERT_DELIVERY, to=b"COMMIT")
        d = await accept(stub, customer, r, o)
        assert not relay.armed, "the fault did not fire"
    assert d.status == pb.DELIVERY_STATUS_ACCEPTED
    assert dsql("SELECT id::text FROM deliveries WHERE delivery_request_id = %s", r.id) == [(d.id,)]
    assert reservations(trips_db, trip.id) == [(d.id, 2_000, False)]
    assert before - await booked(trips, traveler, trip.id) == 2_000
    assert guard(dsql, d.id) == [(True, 0)]      # settled with the delivery: it never runs


async def test_a_lost_commit_reply_with_the_database_gone_releases_nothing(dl, trips, customer, traveler, dsql,
                                                                            trips_db, deliveries_env, ratings,
                                                                            blocks, trips_server):
    """The commit landed and the database is then out of reach: the saga cannot tell, answers
    UNAVAILABLE and gives nothing back; a retry returns the delivery."""
    trip, r, o, before = await offered(dl, trips, customer, traveler)
    async with deliveries_behind_relay(deliveries_env, ratings, blocks, trips_server.address) as (stub, relay):
        relay.lose_reply(after=INSERT_DELIVERY, to=b"COMMIT", then_cut=True)
        await expect(OK.UNAVAILABLE, accept(stub, customer, r, o))
        assert relay.down
    [(delivery_id,)] = dsql("SELECT id::text FROM deliveries WHERE delivery_request_id = %s", r.id)
    assert reservations(trips_db, trip.id) == [(delivery_id, 2_000, False)]
    assert before - await booked(trips, traveler, trip.id) == 2_000
    again = await accept(dl, customer, r, o)
    assert again.id == delivery_id and reservations(trips_db, trip.id) == [(delivery_id, 2_000, False)]


async def test_a_write_that_never_reaches_the_database_gives_the_reservation_back(dl, trips, customer, traveler,
                                                                                   dsql, trips_db, deliveries_env,
                                                                                   ratings, blocks, trips_server):
    trip, r, o, before = await offered(dl, trips, customer, traveler)
    async with deliveries_behind_relay(deliveries_env, ratings, blocks, trips_server.address) as (stub, relay):
        relay.cut_on(INSERT_DELIVERY)
        await expect(OK.UNAVAILABLE, accept(stub, customer, r, o))
        assert not relay.armed, "the fault did not fire"
    assert dsql("SELECT count(*) FROM deliveries WHERE delivery_request_id = %s", r.id) == [(0,)]
    [(delivery_id, grams, released)] = reservations(trips_db, trip.id)
    assert (grams, released) == (2_000, True) and await booked(trips, traveler, trip.id) == before
    assert guard(dsql, delivery_id) == [(True, 0)]    # called off once the release was done
    d = await accept(dl, customer, r, o)
    assert d.status == pb.DELIVERY_STATUS_ACCEPTED and before - await booked(trips, traveler, trip.id) == 2_000


async def test_a_guard_due_while_its_accept_still_runs_waits_for_it(dl, trips, customer, traveler, dsql, trips_db,
                                                                    deliveries_env, ratings, blocks, trips_server,
                                                                    deliveries_server):
    """The accept is held up between its reservation and its writes past the guard's delay (1 s
    here). Another replica runs the guard: it waits for the request's row lock, which the accept
    holds, and once the accept has committed it finds the delivery and gives nothing back."""
    trip, r, o, before = await offered(dl, trips, customer, traveler)
    async with deliveries_behind_relay(deliveries_env, ratings, blocks, trips_server.address) as (stub, relay):
        relay.stall_on(INSERT_DELIVERY)
        call = asyncio.ensure_future(accept(stub, customer, r, o))
        await eventually(lambda: relay.stalled)
        # the guard's handler (this process's other server) is blocked on the request's lock
        await eventually(lambda: dsql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                      "AND wait_event_type = 'Lock' AND query LIKE 'SELECT delivery_requests.%%'")
                         [0][0] >= 1)
        relay.resume()
        d = await call
    [(delivery_id, _, _)] = reservations(trips_db, trip.id)
    assert d.id == delivery_id and reservations(trips_db, trip.id) == [(d.id, 2_000, False)]
    await eventually(lambda: guard(dsql, d.id)[0][0])
    assert guard(dsql, d.id) == [(True, 0)]      # run once, found the delivery
    assert before - await booked(trips, traveler, trip.id) == 2_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_a_process_killed_after_reserving_has_its_reservation_given_back(dl, trips, customer, traveler, dsql,
                                                                                trips_db, deliveries_env,
                                                                                trips_server, deliveries_server,
                                                                                tmp_path):
    """A deliveries process (a real one, `python -m services.deliveries.server`) is killed between
    its reservation and its writes. Its transaction dies with it; the guard it committed first is
    run by another replica (this process's server) and gives the capacity back."""
    trip, r, o, before = await offered(dl, trips, customer, traveler)
    url = make_url(deliveries_env["DELIVERIES_DATABASE_URL"])
    relay = await TcpRelay(url.host, url.port).start()
    port = _free_port()
    env = {**os.environ, **deliveries_env, "DELIVERIES_DATABASE_URL": relayed(str(url), relay),
           "DELIVERIES_PORT": str(port), "TRIPS_ADDR": trips_server.address, "LOG_LEVEL": "WARNING"}
    log = open(tmp_path / "deliveries.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "services.deliveries.server"], env=env, stdout=log, stderr=log,
                            start_new_session=True)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
            stub = deliveries_pb2_grpc.DeliveryServiceStub(ch)
            await asyncio.wait_for(ch.channel_ready(), 60)
            relay.stall_on(INSERT_DELIVERY)
            call = asyncio.ensure_future(accept(stub, customer, r, o))
            await eventually(lambda: relay.stalled)
            assert [(g, rel) for _, g, rel in reservations(trips_db, trip.id)] == [(2_000, False)]
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
            relay.cut()
            relay.resume()
            await expect(OK.UNAVAILABLE, call)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        log.close()
        await relay.stop()
    [(delivery_id, _, _)] = reservations(trips_db, trip.id)
    await eventually(lambda: reservations(trips_db, trip.id)[0][2])
    assert await booked(trips, traveler, trip.id) == before
    assert dsql("SELECT count(*) FROM deliveries WHERE delivery_request_id = %s", r.id) == [(0,)]
    await eventually(lambda: guard(dsql, delivery_id)[0][0])
    assert guard(dsql, delivery_id)[0][1] == 0    # handled at its first run
    d = await accept(dl, customer, r, o)
    assert d.status == pb.DELIVERY_STATUS_ACCEPTED and before - await booked(trips, traveler, trip.id) == 2_000
