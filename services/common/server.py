"""grpc.aio server bootstrap shared by every service.

`ServiceApp` owns the database engine, the health service (NOT_SERVING until the database
answers, then kept in step with it), server reflection, the interceptors (OpenTelemetry
first, then PlatformInterceptor), keepalive and message-size limits, background tasks, and
graceful drain on SIGTERM/SIGINT: health -> NOT_SERVING, stop accepting, let in-flight
calls finish within the grace period, then stop background tasks and dispose the engine.
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
from typing import Awaitable, Callable

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from services import registry
from services.common import db, identity, interceptors, telemetry
from services.common.config import Settings

log = logging.getLogger("p2p.server")

Hook = Callable[[], Awaitable[None]]


class ServiceApp:
    def __init__(self, name: str, settings: Settings | None = None):
        self.name = name
        self.spec = registry.by_name(name)
        self.settings = settings or Settings.for_service(name)
        s = self.settings
        self.engine = db.make_engine(s.database_url, s.db_pool_size, connect_timeout=s.db_connect_timeout)
        self.sessions = db.make_sessionmaker(self.engine)
        self.reads = db.make_read_pool(s.database_url, s.db_pool_size, connect_timeout=s.db_connect_timeout)
        self.health = health.aio.HealthServicer()
        self.verifier: identity.TokenVerifier | None = None
        self.server: grpc.aio.Server | None = None
        self.port: int = 0
        self._servicers: list[tuple[Callable, object]] = []
        self._startup: list[Hook] = []
        self._shutdown: list[Hook] = []
        self._tasks: list[asyncio.Task] = []
        self._stopping = asyncio.Event()

    @property
    def stopping(self) -> asyncio.Event:
        """Set when shutdown begins: long-lived calls (server streams) end on it."""
        return self._stopping

    # -- assembly -------------------------------------------------------------------------
    def add_servicer(self, add_fn: Callable, servicer: object) -> None:
        self._servicers.append((add_fn, servicer))

    def on_startup(self, hook: Hook) -> None:
        self._startup.append(hook)

    def on_shutdown(self, hook: Hook) -> None:
        self._shutdown.append(hook)

    def background(self, fn: Callable[[asyncio.Event], Awaitable[None]]) -> None:
        """Run fn(stop_event) as a task from start until shutdown."""
        self._startup.append(lambda: self._spawn(fn))

    async def _spawn(self, fn) -> None:
        self._tasks.append(asyncio.create_task(fn(self._stopping), name=f"{self.name}-bg"))

    def use_remote_jwks(self) -> None:
        """Verify access tokens with the JWKS auth publishes (for every service but auth)."""
        from services.common.clients import AuthClient
        client = AuthClient(self.settings)
        self.on_shutdown(client.close)
        self.verifier = self._make_verifier(client.get_jwks)

    def _make_verifier(self, source: identity.JwksSource) -> identity.TokenVerifier:
        s = self.settings
        return identity.TokenVerifier(source, issuer=s.jwt_issuer, audience=s.jwt_audience,
                                      service_key=s.service_key, cache_seconds=s.jwks_cache_seconds)

    def use_local_jwks(self, source: identity.JwksSource) -> None:
        self.verifier = self._make_verifier(source)

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self, port: int | None = None) -> int:
        s = self.settings
        telemetry.setup_tracing(self.name, s.otel_exporter)
        if self.verifier is None:
            self.use_remote_jwks()
        await self.reads.open(wait=False)
        options = [
            ("grpc.max_receive_message_length", s.max_message_bytes),
            ("grpc.max_send_message_length", s.max_message_bytes),
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.keepalive_timeout_ms", 10_000),
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
            ("grpc.http2.max_pings_without_data", 0),
            ("grpc.max_connection_age_grace_ms", int(s.grace_seconds * 1000)),
            ("grpc.so_reuseport", 1 if s.workers > 1 else 0),
        ]
        self.server = grpc.aio.server(
            interceptors=[
                telemetry.server_tracing_interceptor(),
                interceptors.PlatformInterceptor(self.verifier, error_domain=f"{self.name}.p2p-delivery",
                                                 is_public=registry.is_public, trusted_proxies=s.trusted_proxies,
                                                 trusted_hops=s.trusted_proxy_hops),
            ],
            options=options,
        )
        for add_fn, servicer in self._servicers:
            add_fn(servicer, self.server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        names = (*self.spec.grpc_services, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                 reflection.SERVICE_NAME)
        reflection.enable_server_reflection(names, self.server)
        for svc in ("", *self.spec.grpc_services):
            await self.health.set(svc, health_pb2.HealthCheckResponse.NOT_SERVING)
        self.port = self.server.add_insecure_port(f"{s.host}:{s.port if port is None else port}")
        if self.port == 0:
            raise RuntimeError(f"cannot bind {s.host}:{s.port}")
        await self.server.start()
        self._tasks.append(asyncio.create_task(self._watch_database(), name=f"{self.name}-health"))
        for hook in self._startup:
            await hook()
        log.info("started", extra={"fields": {"service": self.name, "port": self.port}})
        return self.port

    async def _set_serving(self, ok: bool) -> None:
        status = health_pb2.HealthCheckResponse.SERVING if ok else health_pb2.HealthCheckResponse.NOT_SERVING
        for svc in ("", *self.spec.grpc_services):
            await self.health.set(svc, status)

    async def _watch_database(self) -> None:
        """Every db_check_seconds (0.2 s while failing), check that the database answers and keep
        health in step. A check that has not answered within db_check_timeout fails at once: it is
        cancelled but not awaited, because on a hung connection psycopg's own cancellation can take
        10 s more (it asks the server to cancel, then waits). No new check starts while it is still
        winding down: the verdict stays "not serving" until one answers."""
        s = self.settings
        serving: bool | None = None
        check: asyncio.Task | None = None
        try:
            while not self._stopping.is_set():
                if check is None:
                    check = asyncio.create_task(db.ping(self.engine), name=f"{self.name}-db-check")
                    check.add_done_callback(_retrieve)
                done, _ = await asyncio.wait({check}, timeout=s.db_check_timeout)
                error: BaseException | str | None = "no answer"
                if not done:
                    check.cancel()      # winds down on its own; the next round waits for it
                elif check.cancelled():  # the previous round's check, which did not answer
                    check = None
                else:
                    error, check = check.exception(), None
                ok = error is None
                if not ok and serving is not False:
                    log.warning("database unreachable", extra={"fields": {"error": str(error)[:200]}})
                if ok != serving and not self._stopping.is_set():
                    await self._set_serving(ok)
                    serving = ok
                try:
                    await asyncio.wait_for(self._stopping.wait(), timeout=s.db_check_seconds if ok else 0.2)
                except asyncio.TimeoutError:
                    pass
        finally:
            if check is not None:
                check.cancel()

    async def stop(self, grace: float | None = None) -> None:
        grace = self.settings.grace_seconds if grace is None else grace
        self._stopping.set()
        await self.health.enter_graceful_shutdown()
        if self.server is not None:
            await self.server.stop(grace)
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for hook in reversed(self._shutdown):
            try:
                await hook()
            except Exception:  # noqa: BLE001
                log.exception("shutdown hook failed")
        await self.reads.close()
        await self.engine.dispose()
        log.info("stopped", extra={"fields": {"service": self.name}})

    async def serve_forever(self, on_signal: Callable[[], object] | None = None) -> None:
        await self.start()
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        if on_signal is not None:
            on_signal()
        log.info("draining", extra={"fields": {"grace_seconds": self.settings.grace_seconds}})
        await self.stop()


def _retrieve(task: asyncio.Task) -> None:
    """Done callback: mark a background task's exception as seen (the caller logs its own way)."""
    if not task.cancelled():
        task.exception()


def run(build: Callable[[], ServiceApp], service: str) -> None:
    """Entry point used by each service's server.py.

    With GRPC_WORKERS=N > 1 the process starts N-1 copies of itself that share the port
    (SO_REUSEPORT): one event loop per core, each a full replica (own pools, health, outbox
    dispatcher). SIGTERM/SIGINT to the first process drains it and is passed on to the others.
    """
    s = Settings.for_service(service)
    telemetry.setup_logging(s.log_level, s.log_json)
    children: list[subprocess.Popen] = []
    if s.workers > 1 and "P2P_WORKER_INDEX" not in os.environ:
        for i in range(1, s.workers):
            children.append(subprocess.Popen([sys.executable, "-m", f"services.{service}.server"],
                                             env={**os.environ, "P2P_WORKER_INDEX": str(i)}))

    async def main() -> None:
        app = build()
        await app.serve_forever(on_signal=lambda: [c.send_signal(signal.SIGTERM) for c in children])
    try:
        asyncio.run(main())
    finally:
        for c in children:
            if c.poll() is None:
                c.send_signal(signal.SIGTERM)
        for c in children:
            c.wait()
