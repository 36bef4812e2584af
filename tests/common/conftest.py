"""A scratch PostgreSQL database per test session for the common runtime's tests.

Uses $DATABASE_URL (any database on the target cluster; it is only used to CREATE/DROP the
scratch database), else the private test cluster on 127.0.0.1:55432.
"""
from __future__ import annotations

import os
import uuid

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from services.common import outbox, ratelimit

DEFAULT_URL = "postgresql://postgres@127.0.0.1:55432/postgres"


def _admin_dsn() -> str:
    return outbox.to_psycopg_dsn(os.environ.get("DATABASE_URL") or DEFAULT_URL)


@pytest.fixture(scope="session")
def scratch_db_url() -> str:
    """SQLAlchemy URL (postgresql+psycopg://) of a freshly created database, dropped at the end."""
    admin = _admin_dsn()
    name = f"test_common_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin).set(drivername="postgresql+psycopg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def listen_dsn(scratch_db_url: str) -> str:
    return outbox.to_psycopg_dsn(scratch_db_url)


def make_engine(url: str, **kw) -> AsyncEngine:
    return create_async_engine(url, **kw)


@pytest.fixture(scope="session")
async def engine(scratch_db_url: str):
    eng = make_engine(scratch_db_url, pool_size=10, max_overflow=20)
    metadata = sa.MetaData()
    outbox.outbox_table(metadata)
    ratelimit.rate_limit_table(metadata)
    async with eng.begin() as conn:
        await conn.run_sync(metadata.create_all)
        for stmt in outbox.create_notify_trigger_sql():
            await conn.exec_driver_sql(stmt)
    try:
        yield eng
    finally:
        await eng.dispose()


@pytest.fixture(scope="session")
def session_factory(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


@pytest.fixture
async def clean(engine: AsyncEngine):
    """Empty tables before a test (tests do not depend on each other's rows)."""
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            f"TRUNCATE {outbox.TABLE_NAME}, {ratelimit.TABLE_NAME}")
    yield
