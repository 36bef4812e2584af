"""Typed clients for calling other services: one wrapper per callee, always with a deadline.

Each call carries this service's identity token, the current request id, and a timeout of
min(the method's default, what is left of the incoming call's deadline). Retries happen
only through the gRPC service config, only on UNAVAILABLE, only for methods safe to repeat.
"""
from __future__ import annotations

import json

import grpc
from google.protobuf import json_format

from services import registry
from services.common import deadlines, identity
from services.common.config import Settings
from services.common.telemetry import request_id_var


def _service_config(service: str, idempotent_methods: tuple[str, ...]) -> str:
    return json.dumps({"methodConfig": [{
        "name": [{"service": service, "method": m} for m in idempotent_methods],
        "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.1s", "maxBackoff": "1s",
                        "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]},
    }]})


class ServiceClient:
    service: str = ""
    idempotent_methods: tuple[str, ...] = ()
    default_timeout = 2.0

    def __init__(self, settings: Settings, target: str, roles: tuple[str, ...] = ()):
        self._identity = identity.ServiceIdentity(settings.service, settings.service_key, settings.jwt_audience, roles)
        # Looked up on grpc.aio at call time so OpenTelemetry's patch applies.
        self.channel = grpc.aio.insecure_channel(target, options=[
            ("grpc.service_config", _service_config(self.service, self.idempotent_methods)),
            ("grpc.enable_retries", 1),
            ("grpc.keepalive_time_ms", 30_000),
        ])

    def call_kwargs(self, timeout: float | None = None, token: str | None = None) -> dict:
        md = [("authorization", f"Bearer {token or self._identity.token()}")]
        rid = request_id_var.get()
        if rid:
            md.append(("x-request-id", rid))
        return {"timeout": deadlines.timeout(timeout or self.default_timeout), "metadata": md}

    async def close(self) -> None:
        await self.channel.close()


class AuthClient(ServiceClient):
    service = "p2p.auth.v1.AuthService"
    idempotent_methods = ("GetJwks", "ValidateToken")

    def __init__(self, settings: Settings, target: str | None = None):
        super().__init__(settings, target or registry.AUTH.address)
        from p2p.auth.v1 import auth_pb2, auth_pb2_grpc
        self._pb = auth_pb2
        self.stub = auth_pb2_grpc.AuthServiceStub(self.channel)

    async def get_jwks(self) -> dict:
        resp = await self.stub.GetJwks(self._pb.GetJwksRequest(), **self.call_kwargs())
        return json_format.MessageToDict(resp)

    async def validate_token(self, access_token: str):
        """The user, session and permissions behind a user's access token."""
        return await self.stub.ValidateToken(self._pb.ValidateTokenRequest(), **self.call_kwargs(token=access_token))


class TripsClient(ServiceClient):
    """The trips service's internal API (p2p.trips.v1.TripService), called with this service's
    identity. All four methods are idempotent by design (ReserveCapacity is keyed by
    delivery_id), so the channel retries them on UNAVAILABLE."""
    service = "p2p.trips.v1.TripService"
    idempotent_methods = ("GetTrip", "MatchTrips", "ReserveCapacity", "ReleaseCapacity")
    default_timeout = 3.0

    def __init__(self, settings: Settings, target: str | None = None, timeout: float | None = None):
        super().__init__(settings, target or registry.by_name("trips").address)
        from p2p.trips.v1 import trips_pb2, trips_pb2_grpc
        self.pb = trips_pb2
        self.stub = trips_pb2_grpc.TripServiceStub(self.channel)
        if timeout:
            self.default_timeout = timeout

    async def get_trip(self, trip_id: str, timeout: float | None = None):
        return await self.stub.GetTrip(self.pb.GetTripRequest(trip_id=trip_id), **self.call_kwargs(timeout))

    async def reserve_capacity(self, trip_id: str, delivery_id: str, weight_grams: int, volume_cm3: int, items: int,
                               timeout: float | None = None):
        req = self.pb.ReserveCapacityRequest(trip_id=trip_id, delivery_id=delivery_id, weight_grams=weight_grams,
                                             volume_cm3=volume_cm3, items=items)
        return await self.stub.ReserveCapacity(req, **self.call_kwargs(timeout))

    async def release_capacity(self, trip_id: str, delivery_id: str, timeout: float | None = None):
        req = self.pb.ReleaseCapacityRequest(trip_id=trip_id, delivery_id=delivery_id)
        return await self.stub.ReleaseCapacity(req, **self.call_kwargs(timeout))

    async def match_trips(self, request, timeout: float | None = None):
        """`request`: a trips_pb2.MatchTripsRequest (build it with `client.pb.MatchTripsRequest`)."""
        return await self.stub.MatchTrips(request, **self.call_kwargs(timeout))
