"""The wake-up behind WatchOffers: one dedicated LISTEN connection per replica.

A row trigger on delivery_offers does pg_notify('delivery_offers', <request id>) (store.py),
delivered at commit to every replica's listener, which sets the asyncio.Event of each local
watcher of that request. The table stays the record: a watcher re-reads the offers when woken
(and every DELIVERIES_WATCH_POLL_SECONDS anyway, so a lost connection only delays it).
The connection is autocommit and reconnects with backoff, like the outbox dispatcher's.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict

import psycopg

from services.common.outbox import to_psycopg_dsn
from services.deliveries.store import OFFER_CHANNEL

log = logging.getLogger("p2p.deliveries.notifier")


class OfferNotifier:
    def __init__(self, dsn: str, channel: str = OFFER_CHANNEL):
        self._dsn = to_psycopg_dsn(dsn)
        self._channel = channel
        self._watchers: dict[str, set[asyncio.Event]] = defaultdict(set)
        self._listening = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task | None = None

    @property
    def listening(self) -> bool:
        return self._listening.is_set()

    async def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._loop(), name="deliveries-offer-listen")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self._task = None
        self._listening.clear()
        for events in self._watchers.values():
            for e in events:
                e.set()

    async def wait_listening(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._listening.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    @contextlib.asynccontextmanager
    async def subscribe(self, key: str):
        event = asyncio.Event()
        self._watchers[key].add(event)
        try:
            yield event
        finally:
            watchers = self._watchers.get(key)
            if watchers is not None:
                watchers.discard(event)
                if not watchers:
                    self._watchers.pop(key, None)

    def _wake(self, key: str | None) -> None:
        targets = self._watchers.values() if key is None else [self._watchers.get(key, ())]
        for events in targets:
            for e in events:
                e.set()

    async def _loop(self) -> None:
        delay = 0.5
        while not self._stopping.is_set():
            conn = None
            try:
                conn = await psycopg.AsyncConnection.connect(self._dsn, autocommit=True, connect_timeout=10)
                await conn.execute(f"LISTEN {self._channel}")
                self._listening.set()
                self._wake(None)        # anything missed while not listening: re-read
                delay = 0.5
                while not self._stopping.is_set():
                    async for n in conn.notifies(timeout=30.0):
                        self._wake(n.payload)
                    await conn.execute("SELECT 1")
            except asyncio.CancelledError:
                raise
            except Exception as e:  # noqa: BLE001
                log.warning("offer LISTEN connection lost or unavailable (%s); retrying in %.1fs", e, delay)
            finally:
                self._listening.clear()
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            delay = min(delay * 2, 30.0)
