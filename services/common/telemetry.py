"""Logging and OpenTelemetry tracing.

Logs are one JSON object per line (LOG_JSON=false for plain text) carrying the request id
and the trace id of the current call. Traces: server spans from the OTel gRPC aio
interceptor, client spans from the patched `grpc.aio` channels, so one trace follows a
request across service hops (W3C traceparent in gRPC metadata); and a client span for each
database statement (OpenTelemetry's psycopg instrumentation: its text, never its parameters).
"""
from __future__ import annotations

import contextvars
import json
import logging
import os
import sys

from opentelemetry import trace
from opentelemetry.instrumentation.grpc import GrpcAioInstrumentorClient, aio_server_interceptor, filters
from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider, sampling
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

_configured = False


def trace_id() -> str:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else ""


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
               "logger": record.name, "msg": record.getMessage()}
        rid = request_id_var.get()
        if rid:
            out["request_id"] = rid
        tid = trace_id()
        if tid:
            out["trace_id"] = tid
        out.update(getattr(record, "fields", {}) or {})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def setup_logging(level: str = "INFO", as_json: bool = True) -> None:
    root = logging.getLogger()
    root.handlers.clear()
    h = logging.StreamHandler(sys.stderr)
    h.setFormatter(_JsonFormatter() if as_json else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(h)
    root.setLevel(level.upper())


def setup_tracing(service: str, exporter: str = "none") -> TracerProvider:
    """Install a tracer provider once per process and instrument outbound aio channels and
    database statements."""
    global _configured
    provider = trace.get_tracer_provider()
    if _configured and isinstance(provider, TracerProvider):
        return provider
    kwargs = {}
    if exporter == "none" and "OTEL_TRACES_SAMPLER" not in os.environ:
        # Nothing exports spans: keep trace context (ids in logs, traceparent to the next hop)
        # but do not record spans, which costs ~8% of a cheap call's CPU.
        kwargs["sampler"] = sampling.ParentBased(sampling.ALWAYS_OFF)
    provider = TracerProvider(resource=Resource.create({"service.name": f"p2p-{service}"}), **kwargs)
    if exporter == "console":
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(out=sys.stderr)))
    elif exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter  # optional dependency
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    GrpcAioInstrumentorClient().instrument()
    # psycopg's connect is wrapped: every connection opened from now on, by SQLAlchemy's engine or
    # a plain read pool (the services open theirs after this), hands out traced cursors.
    PsycopgInstrumentor().instrument(tracer_provider=provider)
    _configured = True
    return trace.get_tracer_provider()


def server_tracing_interceptor():
    # The health servicer's Watch uses context.write(), which the OTel aio interceptor breaks
    # (shared/notes/grpc-python.md): leave health out of tracing.
    return aio_server_interceptor(filter_=filters.negate(filters.service_name("grpc.health.v1.Health")))
