"""Domain exceptions and the one place that maps them to gRPC statuses.

Rules and storage raise these plain exceptions; the server interceptor turns them into a
`google.rpc.Status` with details: `ErrorInfo` (reason + domain) always, `BadRequest` field
violations for validation, `RetryInfo` for rate limits. Database failures that are not the
client's doing and may pass are mapped too (`from_database`): the database unreachable or
refusing work -> UNAVAILABLE (what the callers' service config retries), a deadlock or a
serialization failure -> ABORTED. Anything else becomes INTERNAL with no detail leaked to the
client.
"""
from __future__ import annotations

import grpc
import psycopg
import sqlalchemy.exc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status


class DomainError(Exception):
    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN
    default_reason = "ERROR"

    def __init__(self, message: str, *, reason: str | None = None, metadata: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.reason = reason or self.default_reason
        self.metadata = metadata or {}

    def details(self) -> list:
        return []


class InvalidArgument(DomainError):
    code = grpc.StatusCode.INVALID_ARGUMENT
    default_reason = "INVALID_ARGUMENT"

    def __init__(self, message: str = "invalid request", violations: list[tuple[str, str]] | None = None, **kw):
        super().__init__(message, **kw)
        self.violations = list(violations or [])

    def details(self) -> list:
        if not self.violations:
            return []
        br = error_details_pb2.BadRequest(field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=f, description=d) for f, d in self.violations
        ])
        return [br]


class Unauthenticated(DomainError):
    code = grpc.StatusCode.UNAUTHENTICATED
    default_reason = "UNAUTHENTICATED"


class PermissionDenied(DomainError):
    code = grpc.StatusCode.PERMISSION_DENIED
    default_reason = "PERMISSION_DENIED"


class NotFound(DomainError):
    code = grpc.StatusCode.NOT_FOUND
    default_reason = "NOT_FOUND"


class AlreadyExists(DomainError):
    code = grpc.StatusCode.ALREADY_EXISTS
    default_reason = "ALREADY_EXISTS"


class FailedPrecondition(DomainError):
    code = grpc.StatusCode.FAILED_PRECONDITION
    default_reason = "FAILED_PRECONDITION"


class Aborted(DomainError):
    code = grpc.StatusCode.ABORTED
    default_reason = "ABORTED"


class Unavailable(DomainError):
    code = grpc.StatusCode.UNAVAILABLE
    default_reason = "UNAVAILABLE"


class Unimplemented(DomainError):
    """A contract method whose implementation is not available yet (listed as missing)."""
    code = grpc.StatusCode.UNIMPLEMENTED
    default_reason = "NOT_YET_AVAILABLE"


class ResourceExhausted(DomainError):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED
    default_reason = "RATE_LIMITED"

    def __init__(self, message: str, retry_after_seconds: float, **kw):
        super().__init__(message, **kw)
        self.retry_after_seconds = max(0.0, retry_after_seconds)

    def details(self) -> list:
        secs = int(self.retry_after_seconds)
        nanos = int((self.retry_after_seconds - secs) * 1e9)
        return [error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=secs, nanos=nanos))]


# SQLSTATEs of a transaction that lost a race with another: the same request may succeed if repeated.
_CONFLICT_STATES = {"40001", "40P01", "55P03"}  # serialization_failure, deadlock_detected, lock_not_available
# SQLSTATEs of a server that cannot take work now: shutting down or restarting, out of connections or
# resources, or a standby after a failover (read-only). Class 08 (connection exceptions) too.
_UNAVAILABLE_STATES = {"57P01", "57P02", "57P03", "25006"}
_UNAVAILABLE_CLASSES = ("08", "53")


def from_database(e: BaseException) -> DomainError | None:
    """The DomainError for a database failure that is not the client's mistake and may pass, or
    None (then it is INTERNAL). Takes psycopg's exceptions, SQLAlchemy's wrappers of them and the
    pools' timeouts (psycopg_pool.PoolTimeout is an OperationalError)."""
    if isinstance(e, sqlalchemy.exc.TimeoutError):   # SQLAlchemy's pool: no connection free in time
        return _unavailable()
    if isinstance(e, sqlalchemy.exc.DBAPIError):
        if e.connection_invalidated:
            return _unavailable()
        e = e.orig
    if not isinstance(e, psycopg.Error):
        return None
    state = e.sqlstate or ""
    if state in _CONFLICT_STATES:
        return Aborted("the change conflicted with a concurrent one and was not made; retry it",
                       reason="CONCURRENT_CHANGE")
    if state in _UNAVAILABLE_STATES or state.startswith(_UNAVAILABLE_CLASSES):
        return _unavailable()
    if not state and isinstance(e, psycopg.OperationalError):  # connection refused, lost or timed out
        return _unavailable()
    return None


def _unavailable() -> Unavailable:
    return Unavailable("the database is unavailable; retry later", reason="DATABASE_UNAVAILABLE")


def to_status(err: DomainError, domain: str) -> grpc.Status:
    details = []
    info = error_details_pb2.ErrorInfo(reason=err.reason, domain=domain, metadata=err.metadata)
    for msg in [info, *err.details()]:
        a = any_pb2.Any()
        a.Pack(msg)
        details.append(a)
    return rpc_status.to_status(status_pb2.Status(code=err.code.value[0], message=err.message, details=details))


def internal_status(request_id: str) -> grpc.Status:
    return rpc_status.to_status(status_pb2.Status(
        code=code_pb2.INTERNAL, message=f"internal error (request id {request_id})"))


def rpc_error_details(err: grpc.aio.AioRpcError) -> tuple[str, list[tuple[str, str]]]:
    """The ErrorInfo reason and BadRequest field violations another service put on an error
    (empty when absent or malformed)."""
    reason, violations = "", []
    try:
        st = rpc_status.from_call(err)
    except Exception:  # noqa: BLE001 - malformed details: no details
        st = None
    for d in st.details if st else []:
        if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            d.Unpack(info)
            reason = info.reason
        elif d.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            br = error_details_pb2.BadRequest()
            d.Unpack(br)
            violations = [(v.field, v.description) for v in br.field_violations]
    return reason, violations
