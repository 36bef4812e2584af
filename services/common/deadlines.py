"""Deadline propagation: Python gRPC does not pass a caller's deadline on by itself.

The server interceptor records the absolute deadline of the incoming call; outbound calls
take the smaller of the time left (less a margin) and their own default.
"""
from __future__ import annotations

import contextvars
import time

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("deadline", default=None)

MARGIN_SECONDS = 0.05


def set_from_context(context) -> contextvars.Token:
    remaining = context.time_remaining()
    # aio returns None without a deadline; huge values mean "none" too (notes/grpc-python.md).
    if remaining is None or remaining > 1e6:
        return _deadline.set(None)
    return _deadline.set(time.monotonic() + remaining)


def reset(token: contextvars.Token) -> None:
    _deadline.reset(token)


def timeout(default: float, margin: float = MARGIN_SECONDS) -> float:
    """Timeout for an outbound call (or a wait): min(default, time left on the caller's deadline -
    margin)."""
    d = _deadline.get()
    if d is None:
        return default
    return max(min(default, d - time.monotonic() - margin), 0.001)
