"""Transactional outbox: side effects on other services, written with the change that causes them.

Writing side
    ``await publish(session, "trip.accepted", {...}, aggregate_id=trip_id)`` inserts a row into
    ``outbox_events`` inside the caller's transaction (it never commits). The event exists if and
    only if the business change commits. Publishing twice with the same ``idempotency_key`` is a
    no-op, so a retried request does not publish twice.

Delivering side
    A :class:`Dispatcher` per service replica claims due events with
    ``SELECT ... FOR UPDATE SKIP LOCKED`` (replicas never claim the same event at the same time),
    calls the handler registered for the event's topic, marks it delivered and commits, one
    transaction per batch. A failing handler is retried with capped exponential backoff and
    jitter, up to ``max_attempts`` failures, after which the event is left undelivered ("dead")
    with its ``last_error`` for an operator to inspect.

    A statement-level trigger does ``pg_notify('outbox', '')`` on insert; the dispatcher keeps a
    dedicated autocommit connection that ``LISTEN``s on that channel, so a committed event is
    delivered within milliseconds. Notifications are only a wake-up: the table is the record,
    and the dispatcher also polls every ``poll_seconds`` (and keeps working if LISTEN is
    unavailable).

Delivery is AT-LEAST-ONCE. A handler may run again for an event it already handled (a crash or
lost connection between the handler's side effect and the commit that marks the event
delivered). Receivers must deduplicate by ``Event.idempotency_key`` (pass it on, e.g. as the
request id of the downstream gRPC call, and have the receiver drop keys it has already seen).
Order is roughly by creation time but is not guaranteed (retries, concurrent replicas).

Migrations: include ``outbox_table(metadata)`` in the service's metadata and run
``create_notify_trigger_sql()`` after creating the table (``drop_sql()`` on downgrade).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable, Mapping

import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID, insert as pg_insert
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

__all__ = [
    "TABLE_NAME",
    "CHANNEL",
    "Event",
    "Handler",
    "Dispatcher",
    "outbox_table",
    "create_notify_trigger_sql",
    "drop_sql",
    "publish",
    "settle",
    "purge_delivered",
    "to_psycopg_dsn",
]

log = logging.getLogger("p2p.outbox")

TABLE_NAME = "outbox_events"
CHANNEL = "outbox"
WILDCARD = "*"
_PENDING_INDEX = "ix_outbox_events_pending"
_NOTIFY_FUNCTION = "outbox_events_notify"
_NOTIFY_TRIGGER = "outbox_events_notify"
_LAST_ERROR_MAX = 2000


# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------

def outbox_table(metadata: sa.MetaData) -> sa.Table:
    """Define (or return the already defined) ``outbox_events`` table in ``metadata``."""
    existing = metadata.tables.get(TABLE_NAME)
    if existing is not None:
        return existing
    table = sa.Table(
        TABLE_NAME,
        metadata,
        sa.Column("id", UUID(as_uuid=True), primary_key=True,
                  server_default=sa.text("gen_random_uuid()")),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("aggregate_id", sa.Text, nullable=True),
        sa.Column("payload", JSONB, nullable=False),
        # The event id receivers dedupe by; defaults to the id.
        sa.Column("idempotency_key", sa.Text, nullable=False, unique=True),
        # clock_timestamp() rather than now(): several events published in one transaction keep
        # their insertion order (now() is the same for the whole transaction).
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("clock_timestamp()")),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()")),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    )
    sa.Index(_PENDING_INDEX, table.c.available_at,
             postgresql_where=table.c.delivered_at.is_(None))
    return table


def create_notify_trigger_sql() -> list[str]:
    """SQL (run in order, after the table exists) for the statement-level NOTIFY trigger.

    NOTIFY is delivered at commit, and identical notifications of one transaction are folded
    into one, so a transaction publishing 300 events wakes the dispatchers once.
    """
    return [
        f"""
        CREATE OR REPLACE FUNCTION {_NOTIFY_FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', '');
            RETURN NULL;
        END
        $$
        """.strip(),
        f"DROP TRIGGER IF EXISTS {_NOTIFY_TRIGGER} ON {TABLE_NAME}",
        f"CREATE TRIGGER {_NOTIFY_TRIGGER} AFTER INSERT ON {TABLE_NAME} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {_NOTIFY_FUNCTION}()",
    ]


def drop_sql(*, include_table: bool = False) -> list[str]:
    """SQL undoing :func:`create_notify_trigger_sql` (and the table, if ``include_table``).

    With Alembic, a downgrade typically runs ``drop_sql()`` then ``op.drop_table("outbox_events")``.
    """
    stmts = [
        f"DROP TRIGGER IF EXISTS {_NOTIFY_TRIGGER} ON {TABLE_NAME}",
        f"DROP FUNCTION IF EXISTS {_NOTIFY_FUNCTION}()",
    ]
    if include_table:
        stmts.append(f"DROP TABLE IF EXISTS {TABLE_NAME}")
    return stmts


# Module-private definition used to build statements (the same SQL as any metadata's copy).
_t = outbox_table(sa.MetaData())


# --------------------------------------------------------------------------------------------
# Publishing
# --------------------------------------------------------------------------------------------

async def publish(
    session: AsyncSession | AsyncConnection,
    topic: str,
    payload: dict,
    *,
    aggregate_id: str | None = None,
    idempotency_key: str | None = None,
    delay_seconds: float = 0.0,
) -> str:
    """Insert an event in the caller's transaction (no commit) and return its id.

    ``payload`` must be JSON-serialisable. ``idempotency_key`` defaults to the event id. If an
    event with the same ``idempotency_key`` already exists, nothing is inserted and the id of the
    existing event is returned. ``delay_seconds``: no dispatcher handles it before then (a
    deferred check, which :func:`settle` can call off in the meantime).
    """
    if not topic:
        raise ValueError("topic must not be empty")
    event_id = uuid.uuid4()
    key = idempotency_key if idempotency_key is not None else str(event_id)
    stmt = (
        pg_insert(_t)
        .values(
            id=event_id,
            topic=topic,
            aggregate_id=aggregate_id,
            payload=payload,
            idempotency_key=key,
            **({"available_at": sa.func.now() + sa.bindparam(
                "delay", timedelta(seconds=delay_seconds), type_=sa.Interval)} if delay_seconds > 0 else {}),
        )
        .on_conflict_do_nothing(index_elements=[_t.c.idempotency_key])
        .returning(_t.c.id)
    )
    inserted = (await session.execute(stmt)).scalar_one_or_none()
    if inserted is not None:
        return str(inserted)
    # Duplicate: report the event that already carries this key.
    existing = (await session.execute(
        sa.select(_t.c.id).where(_t.c.idempotency_key == key)
    )).scalar_one_or_none()
    return str(existing) if existing is not None else str(event_id)


async def settle(session: AsyncSession | AsyncConnection, idempotency_key: str) -> bool:
    """Mark the pending event with this key delivered without running its handler, in the
    caller's transaction (no commit): what it was to do is no longer needed. An event that a
    dispatcher holds at this moment is skipped, not waited for (its handler must then find
    nothing to do). True when an event was settled."""
    pending = (sa.select(_t.c.id).where(_t.c.idempotency_key == idempotency_key, _t.c.delivered_at.is_(None))
               .with_for_update(skip_locked=True).scalar_subquery())
    result = await session.execute(sa.update(_t).where(_t.c.id == pending).values(delivered_at=sa.func.now()))
    return bool(result.rowcount)


async def purge_delivered(
    session: AsyncSession | AsyncConnection, *, older_than_seconds: float = 7 * 86400
) -> int:
    """Delete events delivered more than ``older_than_seconds`` ago (caller commits).

    Returns the number of rows deleted. Housekeeping only: it bounds the table's size
    (receivers keep their own record of keys already seen).
    """
    stmt = sa.delete(_t).where(
        _t.c.delivered_at.is_not(None),
        _t.c.delivered_at < sa.func.now() - sa.bindparam(
            "age", timedelta(seconds=older_than_seconds), type_=sa.Interval),
    )
    result = await session.execute(stmt)
    return result.rowcount or 0


def to_psycopg_dsn(sqlalchemy_url: str | URL) -> str:
    """``postgresql+psycopg://u:p@h/db`` -> ``postgresql://u:p@h/db`` (a libpq/psycopg conninfo).

    Accepts a URL string or a SQLAlchemy ``URL`` (its password is kept, unlike ``str(url)``).
    """
    if isinstance(sqlalchemy_url, URL):
        sqlalchemy_url = sqlalchemy_url.render_as_string(hide_password=False)
    return re.sub(r"^(postgres(?:ql)?)\+[A-Za-z0-9_]+://", r"\1://", sqlalchemy_url)


# --------------------------------------------------------------------------------------------
# Dispatching
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Event:
    id: str
    topic: str
    aggregate_id: str | None
    payload: dict[str, Any]
    idempotency_key: str
    attempts: int          # failed attempts before this one
    created_at: datetime


Handler = Callable[[Event], Awaitable[None]]


class Dispatcher:
    """Delivers outbox events of one database to in-process handlers, one per topic.

    ``handlers`` maps topic -> ``async def handler(event)``; a ``"*"`` key is the fallback for
    topics without their own handler. Without a fallback, events of unknown topics are not
    claimed at all (they stay undelivered and a warning is logged once per topic), so a replica
    running older code leaves newer topics to replicas that know them.

    A handler "fails" by raising; it is then retried after
    ``min(max_backoff, base_backoff * 2**(attempts-1))`` seconds, scaled by a random factor in
    [0.5, 1], until it has failed ``max_attempts`` times. Every ``purge_every_seconds`` it deletes
    the events delivered more than ``retention_seconds`` ago (0 keeps them). Handlers of one batch run one after
    another inside the batch's transaction (the claimed rows stay locked meanwhile), so give
    outbound calls a deadline, or set ``handler_timeout``.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        listen_dsn: str | None,
        handlers: Mapping[str, Handler],
        *,
        batch_size: int = 50,
        poll_seconds: float = 2.0,
        max_attempts: int = 12,
        base_backoff: float = 0.5,
        max_backoff: float = 300,
        handler_timeout: float | None = None,
        name: str = "outbox",
        retention_seconds: float = 7 * 86400,
        purge_every_seconds: float = 3600,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        if poll_seconds <= 0:
            raise ValueError("poll_seconds must be > 0")
        if max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        self._engine = engine
        self._listen_dsn = to_psycopg_dsn(listen_dsn) if listen_dsn else None
        self._handlers: dict[str, Handler] = dict(handlers)
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.max_attempts = max_attempts
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.handler_timeout = handler_timeout
        self.name = name
        self.retention_seconds = retention_seconds      # 0: delivered events are kept
        self.purge_every_seconds = purge_every_seconds
        self._purged_at: float | None = None

        self._wake = asyncio.Event()          # NOTIFY, stop(), retry due, listener reconnected
        self._stop = asyncio.Event()
        self._listen_attempted = asyncio.Event()
        self._stopping = False
        self._listening = False
        self._run_task: asyncio.Task | None = None
        self._listen_task: asyncio.Task | None = None
        self._retry_due: float | None = None  # loop.time() when a failed event becomes due
        self._warned_topics: set[str] = set()
        self._unhandled_checked_at: float | None = None

    # ---- public API -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._run_task is not None and not self._run_task.done()

    @property
    def listening(self) -> bool:
        """True while the LISTEN connection is up (NOTIFY wakes the dispatcher)."""
        return self._listening

    async def start(self) -> None:
        """Start listening and delivering in background tasks (returns at once)."""
        if self.running:
            raise RuntimeError("dispatcher already started")
        self._stopping = False
        self._stop.clear()
        self._wake.clear()
        self._listen_attempted.clear()
        self._listening = False
        if self._listen_dsn:
            self._listen_task = asyncio.create_task(
                self._listen_loop(), name=f"{self.name}-outbox-listen")
        else:
            self._listen_attempted.set()
        self._run_task = asyncio.create_task(self._run(), name=f"{self.name}-outbox-dispatch")

    async def stop(self, timeout: float = 5.0) -> None:
        """Stop promptly: finish at most the handler call in flight, commit, close.

        A batch is cut short between handler calls; events not yet handled are released
        undelivered. After ``timeout`` seconds the in-flight handler is cancelled (its batch
        rolls back; those events are delivered again later).
        """
        self._stopping = True
        self._stop.set()
        self._wake.set()
        run, listen = self._run_task, self._listen_task
        if run is not None:
            try:
                await asyncio.wait_for(asyncio.shield(run), timeout)
            except asyncio.TimeoutError:
                log.warning("outbox dispatcher %r did not stop in %.1fs; cancelling",
                            self.name, timeout)
                run.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await run
            except Exception:  # _run logs its own errors; nothing escapes normally
                log.exception("outbox dispatcher task failed")
        if listen is not None:
            listen.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await listen
        self._run_task = self._listen_task = None
        self._listening = False

    async def drain_once(self) -> int:
        """Claim and handle one batch of due events; return how many were delivered."""
        return (await self._drain_batch())[1]

    # ---- internals --------------------------------------------------------------------------

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        # LISTEN is set up before the first drain, so nothing committed after the drain's
        # snapshot can be missed. Give up waiting for it after a while (it keeps retrying).
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._listen_attempted.wait(), 15)
        errors = 0
        while not self._stopping:
            self._wake.clear()
            claimed = 0
            try:
                await self._maybe_warn_unhandled()
                await self._maybe_purge()
                claimed, _ = await self._drain_batch()
                errors = 0
            except asyncio.CancelledError:
                raise
            except Exception:
                errors += 1
                if errors == 1 or errors % 30 == 0:
                    log.exception("outbox drain failed (%d consecutive); retrying", errors)
                else:
                    log.warning("outbox drain failed (%d consecutive)", errors)
            if self._stopping:
                break
            if claimed >= self.batch_size and errors == 0:
                await asyncio.sleep(0)  # more may be due: go again, but let others run
                continue
            timeout = self.poll_seconds
            if self._retry_due is not None:
                timeout = min(timeout, max(0.0, self._retry_due - loop.time()))
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except asyncio.TimeoutError:
                pass
            if self._retry_due is not None and loop.time() >= self._retry_due:
                self._retry_due = None

    def _topic_filter(self) -> sa.ColumnElement[bool] | None:
        if WILDCARD in self._handlers:
            return None
        return _t.c.topic.in_(list(self._handlers))

    async def _drain_batch(self) -> tuple[int, int]:
        """One transaction: claim up to batch_size due events, handle them, record outcomes."""
        if not self._handlers:
            return 0, 0
        conds = [
            _t.c.delivered_at.is_(None),
            _t.c.available_at <= sa.func.now(),
            _t.c.attempts < self.max_attempts,
        ]
        topic_filter = self._topic_filter()
        if topic_filter is not None:
            conds.append(topic_filter)
        select = (
            sa.select(_t.c.id, _t.c.topic, _t.c.aggregate_id, _t.c.payload,
                      _t.c.idempotency_key, _t.c.attempts, _t.c.created_at)
            .where(*conds)
            .order_by(_t.c.created_at)
            .limit(self.batch_size)
            .with_for_update(skip_locked=True)
        )
        delivered: list[uuid.UUID] = []
        claimed = 0
        async with self._engine.connect() as conn:
            # SKIP LOCKED + re-check of the WHERE clause on a concurrently updated row is what
            # makes two replicas never deliver the same event twice: needs READ COMMITTED.
            await conn.execution_options(isolation_level="READ COMMITTED")
            async with conn.begin():
                rows = (await conn.execute(select)).all()
                for row in rows:
                    if self._stopping:
                        break
                    claimed += 1
                    event = Event(
                        id=str(row.id), topic=row.topic, aggregate_id=row.aggregate_id,
                        payload=row.payload, idempotency_key=row.idempotency_key,
                        attempts=row.attempts, created_at=row.created_at,
                    )
                    handler = self._handlers.get(event.topic) or self._handlers.get(WILDCARD)
                    try:
                        if handler is None:  # only if handlers changed under us
                            raise LookupError(f"no handler for topic {event.topic!r}")
                        if self.handler_timeout is not None:
                            await asyncio.wait_for(handler(event), self.handler_timeout)
                        else:
                            await handler(event)
                    except asyncio.CancelledError:
                        raise
                    except Exception as exc:
                        await self._record_failure(conn, event, exc)
                    else:
                        delivered.append(row.id)
                if delivered:
                    await conn.execute(
                        sa.update(_t).where(_t.c.id.in_(delivered))
                        .values(delivered_at=sa.func.now())
                    )
        if delivered:
            log.debug("outbox delivered %d event(s)", len(delivered))
        return claimed, len(delivered)

    def _backoff(self, failures: int) -> float:
        exp = min(max(failures - 1, 0), 60)
        delay = min(float(self.max_backoff), self.base_backoff * (2 ** exp))
        return delay * random.uniform(0.5, 1.0)

    async def _record_failure(self, conn: AsyncConnection, event: Event, exc: Exception) -> None:
        failures = event.attempts + 1
        delay = self._backoff(failures)
        error = f"{type(exc).__name__}: {exc}"[:_LAST_ERROR_MAX]
        await conn.execute(
            sa.update(_t).where(_t.c.id == uuid.UUID(event.id)).values(
                attempts=_t.c.attempts + 1,
                last_error=error,
                available_at=sa.func.now() + sa.bindparam(
                    "delay", timedelta(seconds=delay), type_=sa.Interval),
            )
        )
        if failures >= self.max_attempts:
            log.error(
                "outbox event %s (topic %s, key %s) failed %d times; giving up: %s",
                event.id, event.topic, event.idempotency_key, failures, error,
                exc_info=exc,
            )
        else:
            log.warning(
                "outbox event %s (topic %s) failed (attempt %d/%d), retry in %.2fs: %s",
                event.id, event.topic, failures, self.max_attempts, delay, error,
                exc_info=exc,
            )
            due = asyncio.get_running_loop().time() + delay + 0.01
            if self._retry_due is None or due < self._retry_due:
                self._retry_due = due

    async def _maybe_purge(self) -> None:
        """Every purge_every_seconds, delete the events delivered more than retention_seconds ago
        (purge_delivered), so that the table does not grow for ever. Replicas may purge at the same
        time: the second finds nothing left."""
        now = time.monotonic()
        if self.retention_seconds <= 0 or (self._purged_at is not None
                                           and now - self._purged_at < self.purge_every_seconds):
            return
        self._purged_at = now
        async with self._engine.begin() as conn:
            n = await purge_delivered(conn, older_than_seconds=self.retention_seconds)
        if n:
            log.info("outbox %r purged %d event(s) delivered more than %.0f s ago", self.name, n,
                     self.retention_seconds)

    async def _maybe_warn_unhandled(self, every_seconds: float = 60.0) -> None:
        """Log once per topic that has pending events but no handler here (cheap, rare)."""
        if WILDCARD in self._handlers:
            return
        now = time.monotonic()
        if self._unhandled_checked_at is not None and now - self._unhandled_checked_at < every_seconds:
            return
        self._unhandled_checked_at = now
        stmt = sa.select(_t.c.topic).distinct().where(
            _t.c.delivered_at.is_(None),
            _t.c.topic.not_in(list(self._handlers)) if self._handlers else sa.true(),
        ).limit(100)
        async with self._engine.connect() as conn:
            topics = (await conn.execute(stmt)).scalars().all()
            await conn.rollback()
        for topic in topics:
            if topic not in self._warned_topics:
                self._warned_topics.add(topic)
                log.warning("outbox has undelivered events of topic %r and no handler for it "
                            "in dispatcher %r; they stay undelivered", topic, self.name)

    async def _listen_loop(self) -> None:
        """Own a dedicated autocommit connection LISTENing on the channel; reconnect forever."""
        assert self._listen_dsn
        delay = 0.5
        while not self._stopping:
            conn: psycopg.AsyncConnection | None = None
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self._listen_dsn, autocommit=True, connect_timeout=10)
                await conn.execute(f"LISTEN {CHANNEL}")
                if not self._listening:
                    log.info("outbox dispatcher %r listening on %r", self.name, CHANNEL)
                self._listening = True
                self._listen_attempted.set()
                self._wake.set()   # notifications may have been missed while not listening
                delay = 0.5
                while not self._stopping:
                    async for _ in conn.notifies(timeout=30.0):
                        self._wake.set()
                    # Quiet for a while: make sure the connection is still alive.
                    await conn.execute("SELECT 1")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                was = self._listening
                self._listening = False
                self._listen_attempted.set()
                log.warning("outbox LISTEN connection %s (%s); polling every %.1fs, "
                            "reconnecting in %.1fs",
                            "lost" if was else "unavailable", exc, self.poll_seconds, delay)
            finally:
                self._listening = False
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close()
            if self._stopping:
                break
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)
            delay = min(delay * 2, 30.0)
