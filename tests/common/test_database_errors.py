"""errors.from_database on failures a real PostgreSQL raises: a lost race -> ABORTED
(CONCURRENT_CHANGE), a database that cannot be reached or is going away -> UNAVAILABLE
(DATABASE_UNAVAILABLE), the same through SQLAlchemy's wrappers and the pools' timeouts; a
mistake in the statement or its data is not mapped (it stays INTERNAL). The status a caller sees
through a real server is in tests/trips/test_database_outage.py."""
from __future__ import annotations

import asyncio
import contextlib
import threading
import types

import grpc
import psycopg
import pytest
import sqlalchemy as sa
from psycopg_pool import ConnectionPool, PoolTimeout
from sqlalchemy.engine import make_url

from services.common import db, deadlines, errors
from tests.support.relay import TcpRelay


@pytest.fixture
def dsn(listen_dsn):
    """The scratch database's conninfo (conftest's listen_dsn), with a fresh two-row table `race`."""
    with psycopg.connect(listen_dsn, autocommit=True) as c:
        c.execute("DROP TABLE IF EXISTS race; CREATE TABLE race (id int PRIMARY KEY, v int)")
        c.execute("INSERT INTO race VALUES (1, 0), (2, 0)")
    return listen_dsn


def raised(fn) -> BaseException:
    with pytest.raises(Exception) as ei:
        fn()
    return ei.value


def mapped(e: BaseException) -> tuple[grpc.StatusCode, str] | None:
    m = errors.from_database(e)
    return None if m is None else (m.code, m.reason)


ABORTED = (grpc.StatusCode.ABORTED, "CONCURRENT_CHANGE")
UNAVAILABLE = (grpc.StatusCode.UNAVAILABLE, "DATABASE_UNAVAILABLE")


def test_a_serialization_failure_is_aborted(dsn, scratch_db_url):
    with psycopg.connect(dsn) as a, psycopg.connect(dsn, autocommit=True) as b:
        a.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        a.execute("SELECT v FROM race WHERE id = 1")       # a's snapshot
        b.execute("UPDATE race SET v = 1 WHERE id = 1")     # committed after it
        e = raised(lambda: a.execute("UPDATE race SET v = 2 WHERE id = 1"))
    assert isinstance(e, psycopg.errors.SerializationFailure) and mapped(e) == ABORTED
    # the same failure as SQLAlchemy raises it (the services' sessions)
    engine = sa.create_engine(scratch_db_url)
    try:
        with engine.connect() as a, psycopg.connect(dsn, autocommit=True) as b:
            a.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
            a.execute(sa.text("SELECT v FROM race WHERE id = 1"))
            b.execute("UPDATE race SET v = 3 WHERE id = 1")
            e = raised(lambda: a.execute(sa.text("UPDATE race SET v = 4 WHERE id = 1")))
    finally:
        engine.dispose()
    assert isinstance(e, sa.exc.OperationalError) and mapped(e) == ABORTED


def test_a_deadlock_and_a_refused_lock_are_aborted(dsn):
    a, b = psycopg.connect(dsn), psycopg.connect(dsn)
    try:
        for c in (a, b):
            c.execute("SET deadlock_timeout = '50ms'")
        a.execute("UPDATE race SET v = v + 1 WHERE id = 1")
        b.execute("UPDATE race SET v = v + 1 WHERE id = 2")
        failures: list[BaseException] = []

        def cross(c, row):
            try:
                c.execute("UPDATE race SET v = v + 1 WHERE id = %s", (row,))
            except psycopg.Error as e:
                failures.append(e)
                c.rollback()              # frees its locks: the other one goes on
        threads = [threading.Thread(target=cross, args=(a, 2)), threading.Thread(target=cross, args=(b, 1))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert len(failures) == 1 and isinstance(failures[0], psycopg.errors.DeadlockDetected)
        assert mapped(failures[0]) == ABORTED
        a.rollback()
        b.rollback()
        a.execute("SELECT 1 FROM race WHERE id = 1 FOR UPDATE")
        e = raised(lambda: b.execute("SELECT 1 FROM race WHERE id = 1 FOR UPDATE NOWAIT"))
        assert isinstance(e, psycopg.errors.LockNotAvailable) and mapped(e) == ABORTED
    finally:
        a.close()
        b.close()


def test_an_unreachable_or_departing_database_is_unavailable(dsn, scratch_db_url):
    e = raised(lambda: psycopg.connect("postgresql://postgres@127.0.0.1:1/x", connect_timeout=2))
    assert isinstance(e, psycopg.OperationalError) and e.sqlstate is None and mapped(e) == UNAVAILABLE
    # a server that ends the session (a restart, a failover, an operator): 57P01, or the socket closed
    with psycopg.connect(dsn, autocommit=True) as admin, psycopg.connect(dsn, autocommit=True) as victim:
        admin.execute("SELECT pg_terminate_backend(%s)", (victim.info.backend_pid,))
        e = raised(lambda: victim.execute("SELECT 1"))
    assert isinstance(e, psycopg.OperationalError) and mapped(e) == UNAVAILABLE
    # no connection free in time, in either pool
    with ConnectionPool(dsn, min_size=1, max_size=1, timeout=0.2) as pool, pool.connection():
        e = raised(lambda: pool.getconn())
    assert isinstance(e, PoolTimeout) and mapped(e) == UNAVAILABLE
    engine = sa.create_engine(scratch_db_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    try:
        with engine.connect():
            e = raised(lambda: engine.connect())
    finally:
        engine.dispose()
    assert isinstance(e, sa.exc.TimeoutError) and mapped(e) == UNAVAILABLE
    # through SQLAlchemy, where the engine invalidates the dead connection
    engine = sa.create_engine(scratch_db_url)
    try:
        with engine.connect() as c, psycopg.connect(dsn, autocommit=True) as admin:
            pid = c.execute(sa.text("SELECT pg_backend_pid()")).scalar()
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            e = raised(lambda: c.execute(sa.text("SELECT 1")))
    finally:
        engine.dispose()
    assert isinstance(e, sa.exc.DBAPIError) and e.connection_invalidated and mapped(e) == UNAVAILABLE


def test_mistakes_in_the_statement_or_its_data_are_not_mapped(dsn):
    with psycopg.connect(dsn, autocommit=True) as c:
        for stmt in ("INSERT INTO race VALUES (1, 0)",       # unique_violation: the service's to handle
                     "SELECT 1 / 0",                          # division_by_zero
                     "SELEC 1",                               # syntax error
                     "SELECT v FROM race WHERE id = 'x'"):     # invalid text representation
            e = raised(lambda: c.execute(stmt))
            assert isinstance(e, psycopg.Error) and mapped(e) is None, stmt
    assert mapped(ValueError("no")) is None and mapped(sa.exc.ArgumentError("no")) is None


async def acquire(pool) -> None:
    async with db.read_connection(pool):
        pass


async def test_a_read_connection_is_not_awaited_past_the_callers_deadline(dsn):
    """db.read_connection: with the read pool busy, a caller with 0.5 s left gets PoolTimeout
    (UNAVAILABLE) before its deadline, though the pool itself would wait a minute."""
    pool = db.make_read_pool(dsn, size=1, timeout=60)
    await pool.open()
    try:
        async with db.read_connection(pool):          # the only connection, held
            token = deadlines.set_from_context(types.SimpleNamespace(time_remaining=lambda: 0.5))
            try:
                with pytest.raises(PoolTimeout) as ei:     # not asyncio's TimeoutError after 10 s
                    await asyncio.wait_for(acquire(pool), 10)
            finally:
                deadlines.reset(token)
        assert mapped(ei.value) == UNAVAILABLE
        async with db.read_connection(pool) as conn:  # free again, and no deadline: served at once
            assert await (await conn.execute("SELECT 1 AS one")).fetchone() == (1,)
    finally:
        await asyncio.wait_for(pool.close(), 10)


@contextlib.asynccontextmanager
async def stalled(dsn: str):
    """The database seen through a TcpRelay that accepts connections but passes no byte (a server
    that hangs, or a network that drops packets): the URL to reach it."""
    url = make_url(dsn)
    relay = await TcpRelay(url.host, url.port).start()
    relay.stall()
    try:
        yield url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    finally:
        await relay.stop()


async def test_a_connection_to_a_database_that_does_not_answer_gives_up(dsn):
    """make_engine and make_read_pool open connections with a connect_timeout (here libpq's
    minimum, 2 s): against a server that never answers, the engine's connect fails with an
    error mapped to UNAVAILABLE, and the pool records failed attempts, instead of both waiting
    libpq's default 130 s (the guards below are 10 s)."""
    async with stalled(dsn) as url:
        engine = db.make_engine(url, pool_size=1, connect_timeout=2)
        try:
            with pytest.raises(sa.exc.OperationalError) as ei:
                async with asyncio.timeout(10):
                    async with engine.connect():
                        pass
            assert mapped(ei.value) == UNAVAILABLE
        finally:
            await engine.dispose()
        pool = db.make_read_pool(url, size=1, timeout=30, connect_timeout=2)
        await pool.open(wait=False)
        try:
            async with asyncio.timeout(10):
                while pool.get_stats().get("connections_errors", 0) == 0:
                    await asyncio.sleep(0.1)
        finally:
            await asyncio.wait_for(pool.close(timeout=0), 10)


async def test_a_session_connection_is_not_awaited_past_the_callers_deadline(dsn):
    """make_engine's pool (db.DeadlineQueuePool): with every connection busy, a caller with 0.5 s
    left gets SQLAlchemy's TimeoutError (UNAVAILABLE) before its deadline, though pool_timeout is
    60 s; a caller without a deadline waits as configured and is served once one is free."""
    engine = db.make_engine(dsn, pool_size=1, pool_timeout=60)        # 1 + 1 overflow
    try:
        async with engine.connect(), engine.connect():                   # both held
            token = deadlines.set_from_context(types.SimpleNamespace(time_remaining=lambda: 0.5))
            try:
                with pytest.raises(sa.exc.TimeoutError) as ei:
                    async with asyncio.timeout(10):
                        async with engine.connect():
                            pass
            finally:
                deadlines.reset(token)
            assert mapped(ei.value) == UNAVAILABLE
            waiting = asyncio.create_task(engine.connect().__aenter__())
            await asyncio.sleep(1)
            assert not waiting.done()                                    # no deadline: still waiting
        conn = await asyncio.wait_for(waiting, 10)                       # served once one was given back
        assert (await conn.execute(sa.text("SELECT 1"))).scalar() == 1
        await conn.close()
        assert engine.pool.timeout() == 60
    finally:
        await engine.dispose()
