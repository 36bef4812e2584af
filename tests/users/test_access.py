"""Who may call each users RPC, as a table (the rules of proto/p2p/users/v1/users.proto's header):

    self       a signed-in user acting on their own data (services are refused: USER_REQUIRED)
    signed-in  any authenticated caller (user or service); what they see is decided inside
    admin      a user token with role "admin" or a service identity with role "admin"
    service    any service identity (admins too)
    <name>     that one service ("auth", "deliveries", "trips")

Each RPC is called by every kind of caller with an empty request: a refused caller gets
PERMISSION_DENIED with the reason of the rule; an allowed one never does (it may still get
INVALID_ARGUMENT, NOT_FOUND, ... for the empty request). A new RPC fails this test until the
table says who may call it."""
from __future__ import annotations

import grpc
import pytest
from google.protobuf import message_factory

from p2p.users.v1 import users_pb2 as pb
from tests.users.conftest import error_reason, stream_call

SERVICE = pb.DESCRIPTOR.services_by_name["UserService"]

RULES = {
    "GetMyProfile": "self", "UpdateMyProfile": "self", "DeleteMyAccount": "self", "SearchUsers": "self",
    "UploadProfilePhoto": "self", "SendPhoneVerification": "self", "ConfirmPhoneVerification": "self",
    "ListMyActivity": "self", "CreateAddress": "self", "ListAddresses": "self", "GetAddress": "self",
    "UpdateAddress": "self", "DeleteAddress": "self", "GetPreferences": "self", "UpdatePreferences": "self",
    "UploadVerificationDocument": "self", "ListMyVerificationDocuments": "self", "CreateReview": "self",
    "ReportReview": "self", "BlockUser": "self", "UnblockUser": "self", "ListBlockedUsers": "self",
    "AddFavorite": "self", "ListFavorites": "self", "RemoveFavorite": "self", "ReportUser": "self",
    "GetUserProfile": "signed-in", "GetProfilePhoto": "signed-in", "GetUserStatistics": "signed-in",
    "ListUserReviews": "signed-in", "DownloadVerificationDocument": "signed-in",
    "ListVerificationDocuments": "admin", "ReviewVerificationDocument": "admin", "ListReviewReports": "admin",
    "ModerateReview": "admin", "ListUserReports": "admin", "ResolveUserReport": "admin",
    "BatchGetRatings": "service", "GetBlockRelations": "service",
    "HandleUserRegistered": "auth", "HandleUserDeleted": "auth", "HandleDeliveryEvent": "deliveries",
    "HandleTripEvent": "trips",
}
CALLERS = ("user", "admin_user", "service", "admin_service", "auth", "deliveries", "trips")
ALLOWED = {
    "self": {"user", "admin_user"},
    "signed-in": set(CALLERS),
    "admin": {"admin_user", "admin_service"},
    "service": {"service", "admin_service", "auth", "deliveries", "trips", "admin_user"},
    "auth": {"auth"}, "deliveries": {"deliveries"}, "trips": {"trips"},
}
REFUSAL = {"self": "USER_REQUIRED", "admin": "ADMIN_REQUIRED", "service": "SERVICE_REQUIRED",
           "auth": "SERVICE_REQUIRED", "deliveries": "SERVICE_REQUIRED", "trips": "SERVICE_REQUIRED"}


def test_every_rpc_has_a_rule():
    assert set(RULES) == {m.name for m in SERVICE.methods}


@pytest.fixture(scope="module")
async def callers(make_user_module, admin_md, service_md):
    user = await make_user_module()
    return {"user": user.md, "admin_user": admin_md(), "service": service_md("payments"),
            "admin_service": service_md("admin", ("admin",)), "auth": service_md("auth"),
            "deliveries": service_md("deliveries"), "trips": service_md("trips")}


@pytest.fixture(scope="module")
def make_user_module(stub, sql, users_server):
    from tests.users.conftest import new_user

    async def make():
        return await new_user(stub, sql, "both")
    return make


@pytest.mark.parametrize("method", sorted(RULES))
async def test_who_may_call(method, users_server, callers):
    m = SERVICE.methods_by_name[method]
    rule = RULES[method]
    ch = grpc.aio.insecure_channel(users_server.address)
    try:
        path = f"/{SERVICE.full_name}/{method}"
        kw = dict(request_serializer=lambda x: x.SerializeToString(), response_deserializer=lambda b: b)
        empty = message_factory.GetMessageClass(m.input_type)()
        for who in CALLERS:
            if m.client_streaming:
                call = stream_call(ch.stream_unary(path, **kw), [empty], callers[who])
            else:
                call = ch.unary_unary(path, **kw)(empty, metadata=callers[who], timeout=10)
            try:
                await call
                code, reason = grpc.StatusCode.OK, ""
            except grpc.aio.AioRpcError as e:
                code, reason = e.code(), error_reason(e)
            refused = code == grpc.StatusCode.PERMISSION_DENIED and reason in REFUSAL.values()
            if who in ALLOWED[rule]:
                assert not refused, (method, who, code, reason)
                assert code not in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN), (method, who, code)
            else:
                assert refused and reason == REFUSAL[rule], (method, who, code, reason)
    finally:
        await ch.close()
