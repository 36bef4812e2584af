"""The one list of the platform's services.

Everything that needs to know which services exist reads it from here: the Envoy config
generator (envoy/generate.py), `make run` (scripts/run.sh via services.common.dbadmin),
the authentication interceptor (public methods), the typed clients (default addresses) and
the tests. Add a service here and it is routed, started, migrated and authenticated.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ServiceSpec:
    name: str                       # short name: "auth"
    port: int                       # gRPC port (spec/database-design.md)
    database: str                   # its own PostgreSQL database
    grpc_services: tuple[str, ...]  # fully-qualified gRPC service names it serves
    public_methods: frozenset[str] = field(default_factory=frozenset)  # "/pkg.Svc/Method"
    extensions: tuple[str, ...] = ("postgis", "citext", "btree_gist", "pgcrypto")

    @property
    def module(self) -> str:
        return f"services.{self.name}.server"

    @property
    def address(self) -> str:
        """Where clients reach it: <NAME>_ADDR, default 127.0.0.1:<port>."""
        return os.environ.get(f"{self.name.upper()}_ADDR", f"127.0.0.1:{self.port}")

    @property
    def listen_port(self) -> int:
        return int(os.environ.get(f"{self.name.upper()}_PORT", self.port))


def _methods(service: str, *names: str) -> frozenset[str]:
    return frozenset(f"/{service}/{n}" for n in names)


AUTH = ServiceSpec(
    name="auth",
    port=3001,
    database="auth_db",
    grpc_services=("p2p.auth.v1.AuthService",),
    public_methods=_methods(
        "p2p.auth.v1.AuthService",
        "Register", "VerifyEmail", "ResendVerification", "Login", "LoginTwoFactor",
        "SocialLogin", "RefreshToken", "ForgotPassword", "ResetPassword", "GetJwks",
    ),
)

# Every users method needs a token: public profiles show people (names, photos, ratings),
# so they are for signed-in members only, not for anonymous scraping.
USERS = ServiceSpec(
    name="users",
    port=3002,
    database="user_db",
    grpc_services=("p2p.users.v1.UserService",),
)

TRIPS = ServiceSpec(
    name="trips",
    port=3003,
    database="trip_db",
    grpc_services=("p2p.trips.v1.TripService",),
    public_methods=_methods("p2p.trips.v1.TripService", "SearchTrips", "ListPopularRoutes"),
)

DELIVERIES = ServiceSpec(
    name="deliveries",
    port=3004,
    database="delivery_db",
    grpc_services=("p2p.deliveries.v1.DeliveryService",),
)

SERVICES: tuple[ServiceSpec, ...] = (AUTH, USERS, TRIPS, DELIVERIES)

# Infrastructure methods open on every server (health checks and reflection for grpcurl).
ALWAYS_PUBLIC_PREFIXES: tuple[str, ...] = (
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1alpha.ServerReflection/",
    "/grpc.reflection.v1.ServerReflection/",
)


def by_name(name: str) -> ServiceSpec:
    for s in SERVICES:
        if s.name == name:
            return s
    raise KeyError(name)


def is_public(method: str) -> bool:
    if method.startswith(ALWAYS_PUBLIC_PREFIXES):
        return True
    return any(method in s.public_methods for s in SERVICES)
