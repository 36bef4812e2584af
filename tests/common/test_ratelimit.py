"""PostgreSQL fixed-window rate limiter against a real database (no mocks)."""
from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from services.common import ratelimit
from services.common.ratelimit import Decision, Limit, RateLimited, RateLimiter

pytestmark = pytest.mark.usefixtures("clean")


def subject() -> str:
    return f"user-{uuid.uuid4().hex[:8]}"


def test_limit_parse():
    assert Limit.parse("login", "5/900") == Limit("login", 5, 900)
    assert Limit.parse("otp", " 3 / 15m ") == Limit("otp", 3, 900)
    assert Limit.parse("api", "100/1h").window_seconds == 3600
    for bad in ("5", "5/", "/900", "a/b", "0/10", "5/0", "-1/10"):
        with pytest.raises(ValueError):
            Limit.parse("x", bad)


def test_table_definition():
    md = sa.MetaData()
    t = ratelimit.rate_limit_table(md)
    assert ratelimit.rate_limit_table(md) is t
    assert [c.name for c in t.primary_key.columns] == ["key"]
    assert {"key", "window_start", "hits"} <= {c.name for c in t.c}


async def test_allows_max_hits_then_refuses(session_factory):
    limiter = RateLimiter(session_factory)
    limit = Limit.parse("login", "5/900")
    who = subject()
    decisions = [await limiter.hit(limit, who) for _ in range(5)]
    assert [d.allowed for d in decisions] == [True] * 5
    assert [d.remaining for d in decisions] == [4, 3, 2, 1, 0]
    assert all(d.retry_after_seconds == 0 for d in decisions)
    refused = await limiter.hit(limit, who)
    assert refused.allowed is False and refused.remaining == 0
    assert 0 < refused.retry_after_seconds <= 900
    assert refused.retry_after_seconds > 890          # the window just started
    # Other subjects and other limits are counted separately.
    assert (await limiter.hit(limit, subject())).allowed
    assert (await limiter.hit(Limit("signup", 5, 900), who)).allowed


async def test_check_raises_rate_limited(session_factory):
    limiter = RateLimiter(session_factory)
    limit = Limit("otp", 2, 900)
    who = subject()
    assert isinstance(await limiter.check(limit, who), Decision)
    await limiter.check(limit, who)
    with pytest.raises(RateLimited) as info:
        await limiter.check(limit, who)
    assert info.value.limit_name == "otp"
    assert 0 < info.value.retry_after_seconds <= 900


async def test_two_replicas_share_the_count(scratch_db_url, engine):
    engines = [create_async_engine(scratch_db_url) for _ in range(2)]
    try:
        replicas = [RateLimiter(async_sessionmaker(e)) for e in engines]
        limit = Limit.parse("login", "5/900")
        who = subject()
        results = [await replicas[i % 2].hit(limit, who) for i in range(8)]
        assert [d.allowed for d in results] == [True] * 5 + [False] * 3
    finally:
        for e in engines:
            await e.dispose()


async def test_concurrent_hits_allow_exactly_max(scratch_db_url, engine):
    engines = [create_async_engine(scratch_db_url, pool_size=10) for _ in range(2)]
    try:
        replicas = [RateLimiter(async_sessionmaker(e)) for e in engines]
        limit = Limit("burst", 5, 900)
        who = subject()
        results = await asyncio.gather(*(replicas[i % 2].hit(limit, who) for i in range(20)))
        assert sum(d.allowed for d in results) == 5
        assert sorted(d.remaining for d in results if d.allowed) == [0, 1, 2, 3, 4]
        assert all(0 < d.retry_after_seconds <= 900 for d in results if not d.allowed)
    finally:
        for e in engines:
            await e.dispose()


async def test_window_expiry_resets(session_factory):
    limiter = RateLimiter(session_factory)
    limit = Limit("short", 2, 1)
    who = subject()
    assert (await limiter.hit(limit, who)).allowed
    assert (await limiter.hit(limit, who)).allowed
    refused = await limiter.hit(limit, who)
    assert not refused.allowed and 0 < refused.retry_after_seconds <= 1
    await asyncio.sleep(1.2)
    again = await limiter.hit(limit, who)
    assert again.allowed and again.remaining == 1


async def test_reset_clears(session_factory):
    limiter = RateLimiter(session_factory)
    limit = Limit.parse("login", "2/900")
    who = subject()
    for _ in range(3):
        await limiter.hit(limit, who)
    assert not (await limiter.hit(limit, who)).allowed
    await limiter.reset(limit, who)
    first = await limiter.hit(limit, who)
    assert first.allowed and first.remaining == 1
    await limiter.reset(limit, subject())            # resetting an unknown subject is fine


async def test_purge_expired_deletes_only_finished_windows(engine, session_factory):
    limiter = RateLimiter(session_factory)
    short, long_ = Limit("short", 5, 1), Limit("long", 5, 900)
    await limiter.hit(short, "a")
    await limiter.hit(long_, "a")
    assert await limiter.purge_expired() == 0
    await asyncio.sleep(1.2)
    assert await limiter.purge_expired() == 1
    async with engine.connect() as conn:
        keys = (await conn.exec_driver_sql(
            f"SELECT key FROM {ratelimit.TABLE_NAME}")).scalars().all()
    assert keys == ["long:a"]
    # The long window still counts after the purge.
    assert (await limiter.hit(long_, "a")).remaining == 3
