"""Transactional outbox against a real PostgreSQL (no mocks)."""
from __future__ import annotations

import asyncio
import collections
import logging
import time
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from services.common import outbox
from services.common.outbox import Dispatcher, Event, publish, to_psycopg_dsn

pytestmark = pytest.mark.usefixtures("clean")

T = outbox._t


async def wait_until(predicate, timeout: float = 10.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate() if asyncio.iscoroutinefunction(predicate) else predicate():
            return True
        await asyncio.sleep(interval)
    return False


async def rows(engine: AsyncEngine, *where) -> list:
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(T).where(*where))).all()


async def publish_committed(sf: async_sessionmaker, topic: str, n: int = 1, **kw) -> list[str]:
    async with sf() as s, s.begin():
        return [await publish(s, topic, {"i": i}, **kw) for i in range(n)]


# ---- schema helpers -------------------------------------------------------------------------

def test_to_psycopg_dsn():
    assert to_psycopg_dsn("postgresql+psycopg://u:p@h:5/db?x=1") == "postgresql://u:p@h:5/db?x=1"
    assert to_psycopg_dsn("postgresql://u@h/db") == "postgresql://u@h/db"
    assert to_psycopg_dsn(sa.make_url("postgresql+psycopg://u:secret@h/db")) == \
        "postgresql://u:secret@h/db"


def test_outbox_table_is_idempotent_per_metadata():
    md = sa.MetaData()
    t1 = outbox.outbox_table(md)
    assert outbox.outbox_table(md) is t1
    assert {c.name for c in t1.c} == {
        "id", "topic", "aggregate_id", "payload", "idempotency_key", "created_at",
        "available_at", "attempts", "last_error", "delivered_at"}
    (idx,) = [i for i in t1.indexes if i.name == "ix_outbox_events_pending"]
    assert [c.name for c in idx.columns] == ["available_at"]


async def test_drop_sql_and_trigger_sql_run(engine: AsyncEngine):
    async with engine.connect() as conn:
        trans = await conn.begin()
        for stmt in outbox.drop_sql():
            await conn.exec_driver_sql(stmt)
        for stmt in outbox.create_notify_trigger_sql():   # re-runnable
            await conn.exec_driver_sql(stmt)
        for stmt in outbox.drop_sql(include_table=True):
            await conn.exec_driver_sql(stmt)
        await trans.rollback()                             # DDL is transactional
    async with engine.connect() as conn:
        n = (await conn.exec_driver_sql(
            "SELECT count(*) FROM pg_trigger WHERE tgname = 'outbox_events_notify'")).scalar()
    assert n == 1


# ---- publish --------------------------------------------------------------------------------

async def test_publish_in_rolled_back_transaction_leaves_no_event(engine, session_factory):
    with pytest.raises(RuntimeError, match="business failure"):
        async with session_factory() as s, s.begin():
            event_id = await publish(s, "t.rollback", {"a": 1})
            assert (await s.execute(sa.select(sa.func.count()).select_from(T))).scalar() == 1
            raise RuntimeError("business failure")
    assert uuid.UUID(event_id)
    assert await rows(engine) == []


async def test_publish_fields_and_default_key(engine, session_factory):
    async with session_factory() as s, s.begin():
        eid = await publish(s, "t.fields", {"x": [1, "two"]}, aggregate_id="agg-1")
    (row,) = await rows(engine)
    assert str(row.id) == eid
    assert row.idempotency_key == eid
    assert row.topic == "t.fields" and row.aggregate_id == "agg-1"
    assert row.payload == {"x": [1, "two"]}
    assert row.attempts == 0 and row.delivered_at is None and row.last_error is None
    assert row.available_at is not None and row.created_at is not None


async def test_duplicate_idempotency_key_is_noop(engine, session_factory):
    async with session_factory() as s, s.begin():
        first = await publish(s, "t.dup", {"v": 1}, idempotency_key="req-42")
    async with session_factory() as s, s.begin():          # a retried request
        second = await publish(s, "t.dup", {"v": 2}, idempotency_key="req-42")
    async with session_factory() as s, s.begin():          # same transaction twice
        a = await publish(s, "t.dup", {"v": 3}, idempotency_key="req-43")
        b = await publish(s, "t.dup", {"v": 4}, idempotency_key="req-43")
    assert first == second and a == b
    got = await rows(engine)
    assert sorted(r.idempotency_key for r in got) == ["req-42", "req-43"]
    assert {r.idempotency_key: r.payload["v"] for r in got} == {"req-42": 1, "req-43": 3}


# ---- dispatch -------------------------------------------------------------------------------

async def test_drain_once_delivers_and_marks(engine, session_factory, listen_dsn):
    seen: list[Event] = []

    async def handler(ev: Event) -> None:
        seen.append(ev)

    ids = await publish_committed(session_factory, "t.drain", 3, aggregate_id="a")
    d = Dispatcher(engine, listen_dsn, {"t.drain": handler}, batch_size=2)
    assert await d.drain_once() == 2
    assert await d.drain_once() == 1
    assert await d.drain_once() == 0
    assert [e.id for e in seen] == ids                       # creation order
    assert [e.payload for e in seen] == [{"i": 0}, {"i": 1}, {"i": 2}]
    assert all(e.attempts == 0 and e.aggregate_id == "a" and e.idempotency_key == e.id
               for e in seen)
    assert all(r.delivered_at is not None for r in await rows(engine))


async def test_two_dispatchers_deliver_each_event_exactly_once(engine, session_factory,
                                                               listen_dsn):
    counts: collections.Counter[str] = collections.Counter()
    by_dispatcher: collections.Counter[str] = collections.Counter()
    n_events = 300

    def make_handler(name: str):
        async def handler(ev: Event) -> None:
            counts[ev.idempotency_key] += 1
            by_dispatcher[name] += 1
            await asyncio.sleep(0.001)   # let the other replica interleave
        return handler

    d1 = Dispatcher(engine, listen_dsn, {"t.many": make_handler("a")}, batch_size=7,
                    poll_seconds=0.5, name="a")
    d2 = Dispatcher(engine, listen_dsn, {"t.many": make_handler("b")}, batch_size=7,
                    poll_seconds=0.5, name="b")
    keys = [f"k-{i}" for i in range(n_events)]
    await d1.start()
    await d2.start()
    try:
        # Publish while both run: 30 transactions of 10 events.
        for chunk in range(0, n_events, 10):
            async with session_factory() as s, s.begin():
                for k in keys[chunk:chunk + 10]:
                    await publish(s, "t.many", {"k": k}, idempotency_key=k)
        assert await wait_until(lambda: sum(counts.values()) >= n_events, timeout=60)
        # Concurrent drains on top of the running loops must find nothing left.
        extra = await asyncio.gather(*(d.drain_once() for d in (d1, d2, d1, d2)))
        await asyncio.sleep(0.3)
    finally:
        await d1.stop()
        await d2.stop()
    assert extra == [0, 0, 0, 0]
    assert set(counts) == set(keys)
    assert all(c == 1 for c in counts.values()), [k for k, c in counts.items() if c != 1]
    assert sum(by_dispatcher.values()) == n_events
    pending = await rows(engine, T.c.delivered_at.is_(None))
    assert pending == []


async def test_concurrent_drain_once_calls_never_share_events(engine, session_factory,
                                                              listen_dsn):
    counts: collections.Counter[str] = collections.Counter()

    async def handler(ev: Event) -> None:
        counts[ev.id] += 1
        await asyncio.sleep(0.002)

    ids = await publish_committed(session_factory, "t.gather", 120)
    ds = [Dispatcher(engine, listen_dsn, {"t.gather": handler}, batch_size=5) for _ in range(4)]
    delivered = 0
    for _ in range(20):
        got = await asyncio.gather(*(d.drain_once() for d in ds))
        delivered += sum(got)
        if not any(got):
            break
    assert delivered == 120
    assert set(counts) == set(ids) and set(counts.values()) == {1}


async def test_failing_handler_is_retried_with_backoff(engine, session_factory, listen_dsn):
    calls: list[int] = []

    async def flaky(ev: Event) -> None:
        calls.append(ev.attempts)
        if len(calls) <= 2:
            raise RuntimeError(f"downstream unavailable #{len(calls)}")

    base = 0.2
    d = Dispatcher(engine, listen_dsn, {"t.flaky": flaky}, base_backoff=base, max_backoff=5)
    (eid,) = await publish_committed(session_factory, "t.flaky")

    async def db_now():
        async with engine.connect() as conn:
            return (await conn.execute(sa.select(sa.func.clock_timestamp()))).scalar()

    before = await db_now()
    assert await d.drain_once() == 0
    (row,) = await rows(engine)
    assert row.attempts == 1 and row.delivered_at is None
    assert "RuntimeError: downstream unavailable #1" in row.last_error
    # First retry delay is base * [0.5, 1].
    assert (row.available_at - before).total_seconds() >= base * 0.5 - 0.001
    assert (row.available_at - before).total_seconds() <= base + 1.0

    async def drain_until_delivered():
        await d.drain_once()
        (r,) = await rows(engine)
        return r.delivered_at is not None

    assert await wait_until(drain_until_delivered, timeout=10, interval=0.05)
    (row,) = await rows(engine)
    assert str(row.id) == eid
    assert row.attempts == 2
    assert "#2" in row.last_error                 # last failure is kept for the record
    assert calls == [0, 1, 2]                     # Event.attempts = failures so far


async def test_max_attempts_stops_retrying(engine, session_factory, listen_dsn, caplog):
    calls = 0

    async def broken(ev: Event) -> None:
        nonlocal calls
        calls += 1
        raise ValueError("x" * 10_000)

    d = Dispatcher(engine, listen_dsn, {"t.dead": broken}, max_attempts=3,
                   base_backoff=0.001, max_backoff=0.002)
    await publish_committed(session_factory, "t.dead")
    with caplog.at_level(logging.WARNING, logger="p2p.outbox"):
        for _ in range(50):
            await d.drain_once()
            await asyncio.sleep(0.01)
    assert calls == 3
    (row,) = await rows(engine)
    assert row.attempts == 3 and row.delivered_at is None
    assert len(row.last_error) <= 2000
    assert any("giving up" in r.getMessage() for r in caplog.records)


async def test_notify_wakes_idle_dispatcher(engine, session_factory, listen_dsn):
    got = asyncio.Event()

    async def handler(ev: Event) -> None:
        got.set()

    d = Dispatcher(engine, listen_dsn, {"t.wake": handler}, poll_seconds=30)
    await d.start()
    try:
        assert await wait_until(lambda: d.listening, timeout=5)
        await asyncio.sleep(0.3)        # first drain done; the dispatcher is now idle
        await publish_committed(session_factory, "t.wake")
        # Bounded wait far below poll_seconds: only NOTIFY can explain delivery in time.
        await asyncio.wait_for(got.wait(), timeout=5)
    finally:
        await d.stop()


async def test_listener_reconnects_after_connection_loss(engine, session_factory, listen_dsn):
    got = asyncio.Event()

    async def handler(ev: Event) -> None:
        got.set()

    d = Dispatcher(engine, listen_dsn, {"t.reconnect": handler}, poll_seconds=30)
    await d.start()
    try:
        assert await wait_until(lambda: d.listening, timeout=5)
        async with engine.connect() as conn:
            killed = (await conn.exec_driver_sql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query = 'LISTEN outbox' "
                "AND pid <> pg_backend_pid()")).scalar()
        assert killed >= 1
        assert await wait_until(lambda: not d.listening, timeout=5)
        assert await wait_until(lambda: d.listening, timeout=10)
        await asyncio.sleep(0.2)
        await publish_committed(session_factory, "t.reconnect")
        await asyncio.wait_for(got.wait(), timeout=5)
    finally:
        await d.stop()


async def test_polls_when_listen_is_unavailable(engine, session_factory, caplog):
    got = asyncio.Event()

    async def handler(ev: Event) -> None:
        got.set()

    bad_dsn = "postgresql://postgres@127.0.0.1:1/nowhere?connect_timeout=2"
    d = Dispatcher(engine, bad_dsn, {"t.poll": handler}, poll_seconds=0.2)
    with caplog.at_level(logging.WARNING, logger="p2p.outbox"):
        await d.start()
        try:
            await asyncio.sleep(0.3)
            await publish_committed(session_factory, "t.poll")
            await asyncio.wait_for(got.wait(), timeout=5)
            assert not d.listening
        finally:
            await d.stop()
    assert any("LISTEN connection unavailable" in r.getMessage() for r in caplog.records)


async def test_stop_returns_promptly(engine, listen_dsn):
    d = Dispatcher(engine, listen_dsn, {"t.stop": lambda ev: asyncio.sleep(0)},
                   poll_seconds=30)
    await d.start()
    assert await wait_until(lambda: d.listening, timeout=5)
    await asyncio.sleep(0.2)
    t0 = time.monotonic()
    await d.stop()
    assert time.monotonic() - t0 < 2.0          # not a whole poll interval (30 s)
    assert not d.running and not d.listening


async def test_stop_cuts_a_batch_short(engine, session_factory, listen_dsn):
    started = asyncio.Event()
    handled: list[str] = []

    async def slow(ev: Event) -> None:
        started.set()
        await asyncio.sleep(0.3)
        handled.append(ev.id)

    await publish_committed(session_factory, "t.slow", 20)
    d = Dispatcher(engine, listen_dsn, {"t.slow": slow}, poll_seconds=30)
    await d.start()
    await asyncio.wait_for(started.wait(), 5)
    t0 = time.monotonic()
    await d.stop()
    assert time.monotonic() - t0 < 2.0
    delivered = await rows(engine, T.c.delivered_at.is_not(None))
    assert len(delivered) == len(handled) < 20   # handled ones committed, the rest released
    pending = await rows(engine, T.c.delivered_at.is_(None))
    assert all(r.attempts == 0 for r in pending)


async def test_unhandled_topic_stays_and_does_not_block(engine, session_factory, listen_dsn,
                                                        caplog):
    seen: list[str] = []

    async def handler(ev: Event) -> None:
        seen.append(ev.topic)

    # Many events of an unknown topic ahead of a known one, more than a batch.
    await publish_committed(session_factory, "t.unknown", 10)
    await publish_committed(session_factory, "t.known", 1)
    d = Dispatcher(engine, listen_dsn, {"t.known": handler}, batch_size=3, poll_seconds=30)
    with caplog.at_level(logging.WARNING, logger="p2p.outbox"):
        await d.start()
        try:
            assert await wait_until(lambda: seen == ["t.known"], timeout=5)
        finally:
            await d.stop()
    assert len(await rows(engine, T.c.topic == "t.unknown", T.c.delivered_at.is_(None))) == 10
    assert all(r.attempts == 0 for r in await rows(engine, T.c.topic == "t.unknown"))
    warnings = [r for r in caplog.records if "t.unknown" in r.getMessage()]
    assert len(warnings) == 1

    # A '*' handler takes whatever has no handler of its own.
    fallback: list[str] = []

    async def any_topic(ev: Event) -> None:
        fallback.append(ev.topic)

    d2 = Dispatcher(engine, listen_dsn, {"t.known": handler, "*": any_topic}, batch_size=50)
    assert await d2.drain_once() == 10
    assert fallback == ["t.unknown"] * 10


async def test_handler_timeout_counts_as_failure(engine, session_factory, listen_dsn):
    async def hangs(ev: Event) -> None:
        await asyncio.sleep(30)

    d = Dispatcher(engine, listen_dsn, {"t.hang": hangs}, handler_timeout=0.1)
    await publish_committed(session_factory, "t.hang")
    assert await d.drain_once() == 0
    (row,) = await rows(engine)
    assert row.attempts == 1 and "TimeoutError" in row.last_error


async def test_purge_delivered(engine, session_factory, listen_dsn):
    async def ok(ev: Event) -> None:
        pass

    await publish_committed(session_factory, "t.purge", 3)
    await publish_committed(session_factory, "t.other", 1)
    d = Dispatcher(engine, listen_dsn, {"t.purge": ok})
    assert await d.drain_once() == 3
    async with session_factory() as s, s.begin():
        assert await outbox.purge_delivered(s, older_than_seconds=3600) == 0
        assert await outbox.purge_delivered(s, older_than_seconds=0) == 3
    assert [r.topic for r in await rows(engine)] == ["t.other"]


async def test_a_deferred_event_waits_and_a_settled_one_never_runs(engine, session_factory, listen_dsn):
    seen: list[str] = []

    async def handler(ev: Event) -> None:
        seen.append(ev.idempotency_key)

    await publish_committed(session_factory, "t.later", 1, idempotency_key="later", delay_seconds=1.5)
    await publish_committed(session_factory, "t.later", 1, idempotency_key="settled", delay_seconds=1.5)
    await publish_committed(session_factory, "t.later", 1, idempotency_key="now")
    d = Dispatcher(engine, listen_dsn, {"t.later": handler})
    assert await d.drain_once() == 1 and seen == ["now"]          # the deferred ones are not due yet
    async with session_factory() as s, s.begin():
        assert await outbox.settle(s, "settled") is True
        assert await outbox.settle(s, "settled") is False         # already settled
        assert await outbox.settle(s, "no-such-key") is False
    assert await d.drain_once() == 0                                # still not due
    await asyncio.sleep(1.5)
    assert await d.drain_once() == 1 and seen == ["now", "later"]
    assert {r.idempotency_key: r.delivered_at is not None for r in await rows(engine)} == \
        {"now": True, "later": True, "settled": True}


async def test_settle_skips_an_event_a_dispatcher_holds(engine, session_factory, listen_dsn):
    """While a handler runs, settle neither waits for the event nor marks it: the handler's own
    outcome decides."""
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(ev: Event) -> None:
        started.set()
        await release.wait()

    await publish_committed(session_factory, "t.held", 1, idempotency_key="held")
    d = Dispatcher(engine, listen_dsn, {"t.held": slow})
    drain = asyncio.ensure_future(d.drain_once())
    await asyncio.wait_for(started.wait(), 10)
    async with session_factory() as s, s.begin():
        assert await asyncio.wait_for(outbox.settle(s, "held"), 5) is False
    release.set()
    assert await drain == 1
    assert [r.delivered_at is not None for r in await rows(engine)] == [True]


async def test_a_running_dispatcher_purges_old_delivered_events(engine, session_factory, listen_dsn):
    """Delivered events older than retention_seconds go, at most every purge_every_seconds; pending
    ones (not delivered yet, or of a topic nobody here handles) stay."""
    async def ok(ev: Event) -> None:
        pass

    await publish_committed(session_factory, "t.kept", 2)
    await publish_committed(session_factory, "t.nobody", 1)
    await publish_committed(session_factory, "t.later", 1, idempotency_key="later", delay_seconds=60)
    d = Dispatcher(engine, listen_dsn, {"t.kept": ok, "t.later": ok}, poll_seconds=0.1,
                   retention_seconds=1.0, purge_every_seconds=0.2)
    async def delivered() -> bool:
        return len(await rows(engine, T.c.topic == "t.kept", T.c.delivered_at.is_not(None))) == 2

    async def purged() -> bool:
        return not await rows(engine, T.c.topic == "t.kept")

    await d.start()
    try:
        assert await wait_until(delivered)
        assert await wait_until(purged, timeout=10)
    finally:
        await d.stop()
    assert sorted(r.topic for r in await rows(engine)) == ["t.later", "t.nobody"]
    kept = Dispatcher(engine, listen_dsn, {"t.later": ok}, retention_seconds=0, purge_every_seconds=0)
    async with session_factory() as s, s.begin():
        await outbox.settle(s, "later")
    await asyncio.sleep(1.1)
    await kept._maybe_purge()                       # retention 0: delivered events are kept
    assert sorted(r.topic for r in await rows(engine)) == ["t.later", "t.nobody"]
