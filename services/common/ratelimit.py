"""Fixed-window rate limiting in PostgreSQL, shared by every replica of a service.

    LOGIN = Limit.parse("login", "5/900")          # 5 hits per 900 s
    limiter = RateLimiter(session_factory)
    await limiter.check(LOGIN, email.lower())       # raises RateLimited(limit_name, retry_after)

Each hit is one atomic ``INSERT ... ON CONFLICT DO UPDATE`` on the counter row
``"<limit.name>:<subject>"`` committed in its own short transaction, so concurrent hits from any
number of replicas are counted exactly and a hit counts even if the business call that follows
fails or rolls back. All time arithmetic uses the database clock (no skew between replicas).

Fixed windows allow up to 2x ``max_hits`` across a window boundary; that is the accepted cost of
one row and one statement per hit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker

__all__ = [
    "TABLE_NAME",
    "Decision",
    "Limit",
    "RateLimited",
    "RateLimiter",
    "rate_limit_table",
]

TABLE_NAME = "rate_limit_counters"
_INT_MAX = 2_147_483_647


def rate_limit_table(metadata: sa.MetaData) -> sa.Table:
    """Define (or return the already defined) ``rate_limit_counters`` table in ``metadata``.

    ``expires_at`` (= window_start + the limit's window) is kept so that
    :meth:`RateLimiter.purge_expired` can delete finished windows without knowing every limit.
    """
    existing = metadata.tables.get(TABLE_NAME)
    if existing is not None:
        return existing
    table = sa.Table(
        TABLE_NAME,
        metadata,
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    sa.Index("ix_rate_limit_counters_expires_at", table.c.expires_at)
    return table


_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*([smhd]?)\s*$")


@dataclass(frozen=True)
class Limit:
    name: str
    max_hits: int
    window_seconds: int

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("limit name must not be empty")
        if self.max_hits < 1 or self.window_seconds < 1:
            raise ValueError(f"limit {self.name!r}: max_hits and window_seconds must be >= 1")

    @classmethod
    def parse(cls, name: str, spec: str) -> "Limit":
        """``Limit.parse("login", "5/900")`` -> 5 hits per 900 s. Also "5/15m", "100/1h", "3/1d"."""
        m = _SPEC.match(spec)
        if not m:
            raise ValueError(f"rate limit {name!r}: expected '<hits>/<seconds>', got {spec!r}")
        return cls(name, int(m.group(1)), int(m.group(2)) * _UNITS[m.group(3)])

    def key(self, subject: str) -> str:
        return f"{self.name}:{subject}"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int              # hits left in the current window after this one
    retry_after_seconds: float  # 0 when allowed; else time until the window ends (> 0)


class RateLimited(Exception):
    """Raised by :meth:`RateLimiter.check` when a limit is exhausted."""

    def __init__(self, limit_name: str, retry_after_seconds: float) -> None:
        self.limit_name = limit_name
        self.retry_after_seconds = retry_after_seconds
        super().__init__(f"rate limit {limit_name!r} exceeded; retry after "
                         f"{retry_after_seconds:.1f}s")


_HIT = sa.text(f"""
    INSERT INTO {TABLE_NAME} (key, window_start, hits, expires_at)
    VALUES (:key, now(), 1, now() + make_interval(secs => :w))
    ON CONFLICT (key) DO UPDATE SET
        hits = CASE
            WHEN {TABLE_NAME}.window_start + make_interval(secs => :w) <= now() THEN 1
            ELSE LEAST({TABLE_NAME}.hits, {_INT_MAX - 1}) + 1 END,
        window_start = CASE
            WHEN {TABLE_NAME}.window_start + make_interval(secs => :w) <= now() THEN now()
            ELSE {TABLE_NAME}.window_start END,
        expires_at = CASE
            WHEN {TABLE_NAME}.window_start + make_interval(secs => :w) <= now()
                THEN now() + make_interval(secs => :w)
            ELSE {TABLE_NAME}.window_start + make_interval(secs => :w) END
    RETURNING hits, window_start,
        EXTRACT(EPOCH FROM window_start + make_interval(secs => :w) - now())::float8
            AS retry_after
""").bindparams(sa.bindparam("key", type_=sa.Text), sa.bindparam("w", type_=sa.Float))

_RESET = sa.text(f"DELETE FROM {TABLE_NAME} WHERE key = :key")
_PURGE = sa.text(f"DELETE FROM {TABLE_NAME} WHERE expires_at <= now()")


class RateLimiter:
    """Counts hits per (limit, subject) in the ``rate_limit_counters`` table."""

    def __init__(self, session_factory: async_sessionmaker) -> None:
        self._sessions = session_factory

    async def hit(self, limit: Limit, subject: str) -> Decision:
        """Count one hit (committed at once) and say whether it is within the limit."""
        async with self._sessions() as session:
            async with session.begin():
                row = (await session.execute(
                    _HIT, {"key": limit.key(subject), "w": float(limit.window_seconds)}
                )).one()
        hits = int(row.hits)
        if hits <= limit.max_hits:
            return Decision(True, limit.max_hits - hits, 0.0)
        # window_start + window > now() here (else the window would have restarted at hits=1).
        retry_after = min(max(float(row.retry_after), 0.001), float(limit.window_seconds))
        return Decision(False, 0, retry_after)

    async def check(self, limit: Limit, subject: str) -> Decision:
        """Like :meth:`hit`, but raise :class:`RateLimited` when the hit is refused."""
        decision = await self.hit(limit, subject)
        if not decision.allowed:
            raise RateLimited(limit.name, decision.retry_after_seconds)
        return decision

    async def reset(self, limit: Limit, subject: str) -> None:
        """Forget the subject's count (e.g. after a successful login)."""
        async with self._sessions() as session:
            async with session.begin():
                await session.execute(_RESET, {"key": limit.key(subject)})

    async def purge_expired(self) -> int:
        """Delete counters whose window has ended; return how many. Safe to run anytime."""
        async with self._sessions() as session:
            async with session.begin():
                result = await session.execute(_PURGE)
        return result.rowcount or 0

    async def peek(self, limit: Limit, subject: str) -> Decision:
        """Whether a hit would be refused now, without counting one (for limits that count
        only failures, such as wrong two-factor codes)."""
        async with self._sessions() as session:
            row = (await session.execute(_PEEK, {"key": limit.key(subject), "w": float(limit.window_seconds)})).first()
        if row is None or int(row.hits) < limit.max_hits:
            return Decision(True, limit.max_hits - (int(row.hits) if row else 0), 0.0)
        return Decision(False, 0, min(max(float(row.retry_after), 0.001), float(limit.window_seconds)))


_PEEK = sa.text(f"""
    SELECT hits, EXTRACT(EPOCH FROM window_start + make_interval(secs => :w) - now())::float8 AS retry_after
    FROM {TABLE_NAME} WHERE key = :key AND window_start + make_interval(secs => :w) > now()
""").bindparams(sa.bindparam("key", type_=sa.Text), sa.bindparam("w", type_=sa.Float))
