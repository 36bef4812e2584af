"""The server interceptor every service runs (after OpenTelemetry's).

For each call, in this order: request id (from `x-request-id` or new), the caller's
deadline and address into context variables; authentication (bearer token verified by
TokenVerifier, the principal put in `identity.current_principal`; methods declared public
skip the requirement); the handler; domain exceptions and passing database failures mapped to
a rich `google.rpc.Status` (services.common.errors: the database unreachable -> UNAVAILABLE, a
deadlock -> ABORTED), anything unexpected to INTERNAL without details; one log line per
call with method, status, duration, request id and trace id. It is one wrapper rather
than four so that a cheap call pays for one layer.
"""
from __future__ import annotations

import contextvars
import inspect
import ipaddress
import logging
import time
import uuid
from typing import Callable

import grpc

from services.common import deadlines, errors, identity
from services.common.validation import nul_fields
from services.common.telemetry import request_id_var

log = logging.getLogger("p2p.rpc")

client_ip_var: contextvars.ContextVar[str] = contextvars.ContextVar("client_ip", default="")


def _peer_ip(peer: str) -> str:
    # "ipv4:127.0.0.1:5000", "ipv6:[::1]:5000", "unix:..."
    if peer.startswith("ipv4:"):
        return peer[5:].rsplit(":", 1)[0]
    if peer.startswith("ipv6:"):
        return peer[5:].rsplit(":", 1)[0].strip("[]")
    return "127.0.0.1"


def client_ip(peer: str, forwarded_for: str | None, trusted: tuple[str, ...], hops: int = 0) -> str:
    """The caller's address. When the peer is a trusted proxy (Envoy), x-forwarded-for is
    read from the right: Envoy appended the address it saw; `hops` more trusted proxies (a
    load balancer in front of Envoy) appended theirs before it. With fewer entries than
    that, the leftmost is taken. Anything unparsable falls back to the peer."""
    ip = _peer_ip(peer)
    if forwarded_for and ip in trusted:
        chain = [p.strip() for p in forwarded_for.split(",") if p.strip()]
        if chain:
            candidate = chain[max(len(chain) - 1 - hops, 0)]
            try:
                ipaddress.ip_address(candidate)
                return candidate
            except ValueError:
                pass
    return ip


def reject_nul(request) -> None:
    bad = nul_fields(request)
    if bad:
        raise errors.InvalidArgument("the request has invalid fields",
                                     [(f, "must not contain NUL characters") for f in bad])


class _Call:
    __slots__ = ("method", "started", "md", "rid", "principal", "code", "tokens")


class PlatformInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, verifier: identity.TokenVerifier, *, error_domain: str,
                 is_public: Callable[[str], bool], trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1"),
                 trusted_hops: int = 0):
        self._verifier = verifier
        self._domain = error_domain
        self._is_public = is_public
        self._trusted = trusted_proxies
        self._hops = trusted_hops

    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        public = self._is_public(method)
        metadata = handler_call_details.invocation_metadata or ()
        enter, authenticate, fail, leave = self._enter, self._authenticate, self._fail, self._leave

        if not handler.response_streaming:
            inner = handler.stream_unary if handler.request_streaming else handler.unary_unary

            async def unary_response(request, context):
                call = enter(method, metadata, context)
                try:
                    await authenticate(call, public)
                    if not handler.request_streaming:
                        reject_nul(request)
                    return await inner(request, context)
                except Exception as e:
                    await fail(call, context, e)
                finally:
                    leave(call)
            factory = grpc.stream_unary_rpc_method_handler if handler.request_streaming else grpc.unary_unary_rpc_method_handler
            return factory(unary_response, handler.request_deserializer, handler.response_serializer)

        inner = handler.stream_stream if handler.request_streaming else handler.unary_stream

        async def stream_response(request, context):
            call = enter(method, metadata, context)
            try:
                await authenticate(call, public)
                if not handler.request_streaming:
                    reject_nul(request)
                result = inner(request, context)
                if inspect.isasyncgen(result):      # async generator handler
                    async for item in result:
                        yield item
                else:                               # handler using `await context.write()`
                    await result
            except Exception as e:
                await fail(call, context, e)
            finally:
                leave(call)
        factory = grpc.stream_stream_rpc_method_handler if handler.request_streaming else grpc.unary_stream_rpc_method_handler
        return factory(stream_response, handler.request_deserializer, handler.response_serializer)

    def _enter(self, method: str, metadata, context) -> _Call:
        call = _Call()
        call.method = method
        call.started = time.perf_counter()
        call.md = md = {k: v for k, v in metadata}
        call.rid = md.get("x-request-id") or uuid.uuid4().hex
        call.principal = None
        call.code = "OK"
        call.tokens = (
            request_id_var.set(call.rid),
            deadlines.set_from_context(context),
            client_ip_var.set(client_ip(context.peer(), md.get("x-forwarded-for"), self._trusted, self._hops)),
            identity.current_principal.set(None),
            identity.current_token.set(""),
        )
        return call

    async def _authenticate(self, call: _Call, public: bool) -> None:
        auth = call.md.get("authorization", "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        if token:
            try:
                call.principal = await self._verifier.authenticate(token)
            except errors.Unauthenticated:
                if not public:
                    raise
                return
            identity.current_principal.set(call.principal)
            identity.current_token.set(token)
        elif not public:
            raise errors.Unauthenticated("authentication required: send 'authorization: Bearer <token>'",
                                         reason="UNAUTHENTICATED")

    async def _fail(self, call: _Call, context, e: Exception) -> None:
        if isinstance(e, grpc.aio.AbortError):
            code = context.code()
            call.code = code.name if code else "ABORTED"
            raise e
        mapped = None if isinstance(e, errors.DomainError) else errors.from_database(e)
        if mapped is not None:
            log.warning("database error", exc_info=e, extra={"fields": {"method": call.method,
                                                                        "code": mapped.code.name}})
            e = mapped
        if isinstance(e, errors.DomainError):
            call.code = e.code.name
            st = errors.to_status(e, self._domain)
        else:
            call.code = "INTERNAL"
            log.error("unhandled error", exc_info=e, extra={"fields": {"method": call.method}})
            st = errors.internal_status(call.rid)
        await context.abort(st.code, st.details, st.trailing_metadata)

    def _leave(self, call: _Call) -> None:
        if log.isEnabledFor(logging.INFO):
            p = call.principal
            log.info("rpc", extra={"fields": {
                "method": call.method, "code": call.code, "ms": round((time.perf_counter() - call.started) * 1000, 2),
                "principal": f"{p.kind}:{p.subject}" if p else "-", "ip": client_ip_var.get()}})
        rid, dl, ip, pr, tk = call.tokens
        identity.current_token.reset(tk)
        identity.current_principal.reset(pr)
        client_ip_var.reset(ip)
        deadlines.reset(dl)
        request_id_var.reset(rid)
