"""Settings from environment variables, with defaults that work locally.

One typed settings object per service: `Settings.for_service("auth")`. Every variable is
listed in the README's configuration table; nothing here is secret in production except
the values that have no safe default (signing-key encryption, service key), which must
be set there (`P2P_ENV=production` refuses the development defaults).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from services import registry

DEV_SECRET = "dev-only-not-secret-change-me-0123456789abcdef"


def env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def env_bool(name: str, default: bool) -> bool:
    v = os.environ.get(name)
    return default if v is None else v.strip().lower() in {"1", "true", "yes", "on"}


def database_url(db_name: str, prefix: str) -> str:
    """<PREFIX>_DATABASE_URL, else DATABASE_URL with its database replaced by db_name."""
    explicit = os.environ.get(f"{prefix}_DATABASE_URL")
    if explicit:
        return explicit
    base = env("DATABASE_URL", "postgresql://postgres@127.0.0.1:55432/postgres")
    head, _, _ = base.rpartition("/")
    query = ""
    if "?" in base.rsplit("/", 1)[1]:
        query = "?" + base.rsplit("?", 1)[1]
    return f"{head}/{db_name}{query}"


@dataclass
class Settings:
    service: str
    host: str
    port: int
    database_url: str
    db_pool_size: int
    db_connect_timeout: int       # seconds to open a connection (libpq's connect_timeout, at least 2)
    db_check_seconds: float       # the database watch: time between checks while healthy ...
    db_check_timeout: float       # ... and how long one may take before health says NOT_SERVING
    workers: int                  # processes sharing the port (SO_REUSEPORT)
    grace_seconds: float
    max_message_bytes: int
    log_level: str
    log_json: bool
    otel_exporter: str            # "none" | "console" | "otlp" (otlp needs the exporter package)
    # identity
    jwt_issuer: str
    jwt_audience: str
    jwks_cache_seconds: int
    service_key: str              # HMAC key shared by services for service-identity tokens
    trusted_proxies: tuple[str, ...]
    trusted_proxy_hops: int       # trusted proxies in front of Envoy that append to x-forwarded-for
    # outbox
    outbox_poll_seconds: float
    outbox_max_attempts: int
    outbox_retention_seconds: float   # delivered events are deleted after this long (0: kept)
    extra: dict = field(default_factory=dict)

    @classmethod
    def for_service(cls, name: str) -> "Settings":
        spec = registry.by_name(name)
        p = name.upper()
        s = cls(
            service=name,
            host=env(f"{p}_HOST", env("GRPC_HOST", "127.0.0.1")),
            port=spec.listen_port,
            database_url=database_url(spec.database, p),
            db_pool_size=env_int("DB_POOL_SIZE", 10),
            db_connect_timeout=env_int("DB_CONNECT_TIMEOUT", 5),
            db_check_seconds=env_float("DB_CHECK_SECONDS", 5.0),
            db_check_timeout=env_float("DB_CHECK_TIMEOUT", 3.0),
            workers=env_int("GRPC_WORKERS", 1),
            grace_seconds=env_float("SHUTDOWN_GRACE_SECONDS", 10.0),
            max_message_bytes=env_int("GRPC_MAX_MESSAGE_BYTES", 4 * 1024 * 1024),
            log_level=env("LOG_LEVEL", "INFO"),
            log_json=env_bool("LOG_JSON", True),
            otel_exporter=env("OTEL_TRACES_EXPORTER", "none"),
            jwt_issuer=env("JWT_ISSUER", "p2p-auth"),
            jwt_audience=env("JWT_AUDIENCE", "p2p-api"),
            jwks_cache_seconds=env_int("JWKS_CACHE_SECONDS", 300),
            service_key=env("SERVICE_KEY", DEV_SECRET),
            trusted_proxies=tuple(env("TRUSTED_PROXIES", "127.0.0.1,::1").split(",")),
            trusted_proxy_hops=env_int("TRUSTED_PROXY_HOPS", 0),
            outbox_poll_seconds=env_float("OUTBOX_POLL_SECONDS", 2.0),
            outbox_max_attempts=env_int("OUTBOX_MAX_ATTEMPTS", 12),
            outbox_retention_seconds=env_float("OUTBOX_RETENTION_SECONDS", 7 * 86400.0),
        )
        if env("P2P_ENV", "development") == "production" and s.service_key == DEV_SECRET:
            raise RuntimeError("SERVICE_KEY must be set in production")
        return s
