"""Async SQLAlchemy engine and sessions over psycopg 3."""
from __future__ import annotations

import re
from typing import NamedTuple

from psycopg import AsyncRawCursor
from psycopg.rows import namedtuple_row
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

from services.common import deadlines

# A wait for a connection ends this long before the caller's deadline, so that the UNAVAILABLE it
# then raises still reaches the caller. 0.2 s was not always enough on a busy 2-core machine: in
# CI, the UNAVAILABLE of a wait given up after 1.81 s of a 2 s call reached the caller after its
# deadline (while the server's pools and outbox were failing to reconnect to a lost database).
WAIT_MARGIN_SECONDS = 0.5


def sqlalchemy_url(url: str) -> str:
    """postgresql://... -> postgresql+psycopg://... (psycopg 3 driver)."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    raise ValueError(f"not a PostgreSQL URL: {url!r}")


def psycopg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


class DeadlineQueuePool(AsyncAdaptedQueuePool):
    """SQLAlchemy's asyncio pool, whose wait for a free connection (pool_timeout, 30 s) also ends
    WAIT_MARGIN_SECONDS before the caller's deadline, as read_connection's does: with every connection busy, the
    caller gets UNAVAILABLE (sqlalchemy.exc.TimeoutError) instead of the server waiting past the
    time it was given. The bound is read in the waiting call's context each time."""

    @property
    def _timeout(self) -> float:
        return deadlines.timeout(self._configured_timeout, margin=WAIT_MARGIN_SECONDS)

    @_timeout.setter
    def _timeout(self, value: float) -> None:
        self._configured_timeout = value

    def recreate(self) -> "DeadlineQueuePool":
        pool = super().recreate()          # passed timeout=self._timeout: the bounded value
        pool._timeout = self._configured_timeout
        return pool


def make_engine(url: str, pool_size: int = 10, connect_timeout: int = 5, **kw) -> AsyncEngine:
    """The service's SQLAlchemy engine. A new connection that the server does not complete within
    connect_timeout seconds fails (OperationalError: UNAVAILABLE to the caller, errors.from_database)
    instead of waiting for libpq's default of 130 s on a database that accepts but does not answer.
    The wait for a free connection ends before the caller's deadline (DeadlineQueuePool)."""
    return create_async_engine(sqlalchemy_url(url), poolclass=DeadlineQueuePool, pool_size=pool_size,
                               max_overflow=pool_size, pool_pre_ping=False, pool_recycle=1800,
                               connect_args={"connect_timeout": connect_timeout}, **kw)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


# How make_read_pool's connections talk: autocommit, named tuples, each statement prepared from its
# second run, and prepared statements always run their generic plan (plan_cache_mode). Left to
# choose, PostgreSQL kept planning MatchTrips' far statement anew on every run on a table where
# the trips are few (the table with two years of history in bench/README.md): ~2 ms of planning
# for a statement of ~2 ms. Its generic plan is the plan wanted (the cube index), whatever the
# values. Also for benchmarks, to run the statements as the service does.
READ_CONNECTION = {"autocommit": True, "row_factory": namedtuple_row, "prepare_threshold": 1,
                   "options": "-c plan_cache_mode=force_generic_plan"}


def make_read_pool(url: str, size: int = 4, timeout: float = 5.0, connect_timeout: int = 5) -> AsyncConnectionPool:
    """A plain psycopg pool for hot read paths: prepared statements (READ_CONNECTION), no ORM, no
    explicit transaction (autocommit). The ORM costs ~1 ms of CPU per call (notes/grpc-python.md);
    this costs ~0.25 ms. Rows come back as named tuples. A call waits at most `timeout` seconds
    for a connection (psycopg_pool's default is 30), then fails with PoolTimeout: UNAVAILABLE
    to the caller (errors.from_database). Opening a connection gives up after connect_timeout
    seconds, as make_engine's do.

    Its cursors are raw (psycopg's AsyncRawCursor, traced as the others where telemetry is on):
    statements use PostgreSQL's own $1, $2 ... placeholders (`Raw`) and reach the server as
    written. psycopg parses a statement with %s placeholders again on every execute when it is
    longer than 4 KB (its cache stops there): ~0.3 ms for each of MatchTrips' ~5 KB statements."""
    return AsyncConnectionPool(psycopg_url(sqlalchemy_url(url)), min_size=1, max_size=size, open=False, timeout=timeout,
                               kwargs={**READ_CONNECTION, "connect_timeout": connect_timeout,
                                       "cursor_factory": AsyncRawCursor})


class Raw(NamedTuple):
    """A statement for raw cursors (make_read_pool's): `sql` with $1, $2 ... where it was written
    with %(name)s, and the names in that order; `args(params)` gives the values for a dict."""
    sql: str
    names: tuple[str, ...]

    @classmethod
    def of(cls, sql: str) -> Raw:
        """From a statement in psycopg's %(name)s style (as SQLAlchemy compiles for psycopg): each
        name becomes $n (the same n wherever it recurs), %% becomes %."""
        names: dict[str, int] = {}

        def sub(m: re.Match) -> str:
            if m[0] == "%%":
                return "%"
            if m[1] is None:
                raise ValueError(f"a positional {m[0]} placeholder: name it, or write $1, $2 ... directly")
            return f"${names.setdefault(m[1], len(names) + 1)}"
        return cls(re.sub(r"%\((\w+)\)s|%%|%[sb]", sub, sql), tuple(names))

    def args(self, params: dict) -> list:
        return [params[name] for name in self.names]


def read_connection(pool: AsyncConnectionPool):
    """`async with read_connection(pool) as conn`: a connection of a make_read_pool pool, waited
    for at most the pool's timeout and never past WAIT_MARGIN_SECONDS before the caller's
    deadline. During a database outage the caller then gets UNAVAILABLE (PoolTimeout), not
    DEADLINE_EXCEEDED, and the server does not go on waiting for a caller that has left."""
    return pool.connection(timeout=deadlines.timeout(pool.timeout, margin=WAIT_MARGIN_SECONDS))
