"""db.make_read_pool's raw cursors and db.Raw: statements written in psycopg's %(name)s style reach
PostgreSQL with its own $1, $2 ... placeholders, as written, however long (psycopg would parse a
%s-style statement over 4 KB again on every execute)."""
from __future__ import annotations

import psycopg
import pytest

from services.common import db


def test_raw_numbers_each_name_once_and_unescapes_percent():
    r = db.Raw.of("SELECT %(a)s + %(b)s * %(a)s, 'x%%s' LIKE %(pat)s")
    assert r.sql == "SELECT $1 + $2 * $1, 'x%s' LIKE $3"
    assert r.names == ("a", "b", "pat")
    assert r.args({"pat": "x%", "b": 3, "a": 2, "unused": 0}) == [2, 3, "x%"]
    with pytest.raises(KeyError):
        r.args({"a": 1, "b": 2})                            # a missing value is not sent as NULL
    for positional in ("SELECT %s", "SELECT %b, %(a)s"):
        with pytest.raises(ValueError, match="positional"):
            db.Raw.of(positional)


async def test_the_read_pool_sends_statements_as_written(listen_dsn):
    pool = db.make_read_pool(listen_dsn, size=1)
    await pool.open()
    try:
        # over 4 KB, a name used twice, a literal percent sign
        stmt = db.Raw.of("SELECT %(a)s::int * %(b)s::int AS product, %(a)s::int AS a, 'x%%' AS pct -- " + "y" * 5000)
        assert len(stmt.sql) > 4096
        async with db.read_connection(pool) as conn:
            for _ in range(3):                                  # prepared from the second run
                row = await (await conn.execute(stmt.sql, stmt.args({"a": 6, "b": 7}))).fetchone()
                assert row == (42, 6, "x%") and row.product == 42
            prepared = await (await conn.execute(
                "SELECT count(*) AS n FROM pg_prepared_statements WHERE statement LIKE 'SELECT $1::int * $2::int%'")).fetchone()
            assert prepared.n == 1
            with pytest.raises(psycopg.errors.SyntaxError):      # psycopg's placeholders are not for this pool
                await conn.execute("SELECT %s::int", [1])
    finally:
        await pool.close()
