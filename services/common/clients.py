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
    idempotent_methods = ("GetJwks", "ValidateToken", "GetAccount", "BatchGetUsers", "SetVerificationLevel")

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

    # -- on behalf of a user (their own access token) ------------------------------------------
    async def get_account(self, access_token: str, timeout: float | None = None):
        """The account of the user whose access token this is (auth_pb2.Account)."""
        return await self.stub.GetAccount(self._pb.GetAccountRequest(), **self.call_kwargs(timeout, access_token))

    async def update_account(self, access_token: str, account, paths: list[str], timeout: float | None = None):
        """UpdateAccount for that user: `account` is an auth_pb2.Account, `paths` its field mask."""
        req = self._pb.UpdateAccountRequest(account=account)
        req.update_mask.paths.extend(paths)
        return await self.stub.UpdateAccount(req, **self.call_kwargs(timeout, access_token))

    async def delete_account(self, access_token: str, password: str, reason: str = "", timeout: float | None = None):
        req = self._pb.DeleteAccountRequest(password=password, reason=reason)
        return await self.stub.DeleteAccount(req, **self.call_kwargs(timeout, access_token))

    # -- internal (this service's identity) ------------------------------------------------------
    async def batch_get_users(self, user_ids: list[str], timeout: float | None = None):
        """Public account fields (auth_pb2.UserSummary) of up to 500 users; unknown and deleted
        users are left out."""
        resp = await self.stub.BatchGetUsers(self._pb.BatchGetUsersRequest(user_ids=user_ids),
                                             **self.call_kwargs(timeout))
        return list(resp.users)

    async def set_verification_level(self, user_id: str, level: int, reason: str = "", raise_only: bool = True,
                                     timeout: float | None = None):
        """`level`: an auth_pb2.VerificationLevel value. Returns SetVerificationLevelResponse."""
        req = self._pb.SetVerificationLevelRequest(user_id=user_id, level=level, reason=reason[:500],
                                                   raise_only=raise_only)
        return await self.stub.SetVerificationLevel(req, **self.call_kwargs(timeout))


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


class UsersClient(ServiceClient):
    """The users service's internal API (p2p.users.v1.UserService), called with this service's
    identity. Every method here is idempotent (the Handle* methods by event id), so the
    channel retries them on UNAVAILABLE.

    For deliveries' ports (services/deliveries/domain/ports.py):
        ratings:  await client.ratings(ids)        -> {user_id: (average 0..5, count)}, rated users only
        blocks:   await client.blocked(user_id)    -> ids blocked by user_id or blocking user_id
    For outbox dispatchers: handle_user_registered / handle_user_deleted (auth),
    handle_delivery_event (deliveries), handle_trip_event (trips); pass the outbox event's
    idempotency key as event_id.
    For trips' ListTripReviews: list_user_reviews (as this service: published reviews only,
    anonymous ones without their author).
    """
    service = "p2p.users.v1.UserService"
    idempotent_methods = ("BatchGetRatings", "GetBlockRelations", "HandleUserRegistered", "HandleUserDeleted",
                          "HandleDeliveryEvent", "HandleTripEvent", "ListUserReviews")
    default_timeout = 3.0

    def __init__(self, settings: Settings, target: str | None = None, timeout: float | None = None):
        super().__init__(settings, target or registry.by_name("users").address)
        from p2p.users.v1 import users_pb2, users_pb2_grpc
        self.pb = users_pb2
        self.stub = users_pb2_grpc.UserServiceStub(self.channel)
        if timeout:
            self.default_timeout = timeout

    async def batch_get_ratings(self, user_ids, timeout: float | None = None):
        """users_pb2.UserRating for each distinct id (rating_count 0 when unrated)."""
        resp = await self.stub.BatchGetRatings(self.pb.BatchGetRatingsRequest(user_ids=list(user_ids)),
                                               **self.call_kwargs(timeout))
        return list(resp.ratings)

    async def ratings(self, user_ids, timeout: float | None = None) -> dict[str, tuple[float, int]]:
        ids = list(dict.fromkeys(user_ids))
        out: dict[str, tuple[float, int]] = {}
        for i in range(0, len(ids), 500):
            for r in await self.batch_get_ratings(ids[i:i + 500], timeout):
                if r.rating_count > 0:
                    out[r.user_id] = (r.average_rating, r.rating_count)
        return out

    async def get_block_relations(self, user_id: str, other_user_ids=(), timeout: float | None = None):
        req = self.pb.GetBlockRelationsRequest(user_id=user_id, other_user_ids=list(other_user_ids))
        return await self.stub.GetBlockRelations(req, **self.call_kwargs(timeout))

    async def blocked(self, user_id: str, timeout: float | None = None) -> set[str]:
        r = await self.get_block_relations(user_id, (), timeout)
        return set(r.blocked_user_ids) | set(r.blocked_by_user_ids)

    async def list_user_reviews(self, user_id: str, role: int = 0, trip_id: str = "", page_size: int = 0,
                                page_token: str = "", timeout: float | None = None):
        """One page of a user's reviews (users_pb2.ListUserReviewsResponse); `role` a
        users_pb2.ReviewRole (default RECEIVED), `trip_id` limits them to that trip's deliveries."""
        req = self.pb.ListUserReviewsRequest(user_id=user_id, role=role, trip_id=trip_id, page_size=page_size,
                                             page_token=page_token)
        return await self.stub.ListUserReviews(req, **self.call_kwargs(timeout))

    async def handle_user_registered(self, event_id: str, user_id: str, first_name: str = "", last_name: str = "",
                                     user_type: int = 0, register_time=None, timeout: float | None = None):
        req = self.pb.HandleUserRegisteredRequest(event_id=event_id, user_id=user_id, first_name=first_name,
                                                  last_name=last_name, user_type=user_type)
        if register_time is not None:
            req.register_time.FromDatetime(register_time)
        return await self.stub.HandleUserRegistered(req, **self.call_kwargs(timeout))

    async def handle_user_deleted(self, event_id: str, user_id: str, timeout: float | None = None):
        req = self.pb.HandleUserDeletedRequest(event_id=event_id, user_id=user_id)
        return await self.stub.HandleUserDeleted(req, **self.call_kwargs(timeout))

    async def handle_delivery_event(self, request, timeout: float | None = None):
        """`request`: a users_pb2.HandleDeliveryEventRequest (build it with `client.pb`)."""
        return await self.stub.HandleDeliveryEvent(request, **self.call_kwargs(timeout))

    async def handle_trip_event(self, request, timeout: float | None = None):
        """`request`: a users_pb2.HandleTripEventRequest (build it with `client.pb`)."""
        return await self.stub.HandleTripEvent(request, **self.call_kwargs(timeout))
