"""Auth's internal API for other services: BatchGetUsers (public account fields) and
SetVerificationLevel. Service identities only; users get PERMISSION_DENIED; Envoy routes them
(they carry HTTP rules) but the service refuses non-service callers."""
from __future__ import annotations

import uuid

import grpc
import pytest

from p2p.auth.v1 import auth_pb2 as pb
from services.common.identity import ServiceIdentity
from tests.conftest import md, signed_up


@pytest.fixture(scope="module")
def svc(auth_server):
    def make(name: str = "users", roles: tuple[str, ...] = ()):
        return md(ServiceIdentity(name, auth_server.settings.service_key, "p2p-api", roles).token())
    return make


async def _fails(code, coro):
    with pytest.raises(grpc.aio.AioRpcError) as ei:
        await coro
    assert ei.value.code() == code, ei.value.details()
    return ei.value


async def test_batch_get_users_public_fields_in_order(stub, sql, svc):
    _, a = await signed_up(stub, sql, first_name="Ada", last_name="Byron", user_type=pb.USER_TYPE_TRAVELER)
    _, b = await signed_up(stub, sql, first_name="Ben", last_name="Okri")
    unknown = str(uuid.uuid4())
    r = await stub.BatchGetUsers(pb.BatchGetUsersRequest(user_ids=[b.account.id, unknown, a.account.id, b.account.id]),
                                 metadata=svc())
    assert [u.id for u in r.users] == [b.account.id, a.account.id]
    ada = r.users[1]
    assert (ada.first_name, ada.last_name, ada.user_type) == ("Ada", "Byron", pb.USER_TYPE_TRAVELER)
    assert ada.status == pb.USER_STATUS_ACTIVE and ada.verification_level == pb.VERIFICATION_LEVEL_EMAIL
    assert ada.create_time.seconds > 0
    # public fields only: the message has no email, phone or birth date
    assert not set(pb.UserSummary.DESCRIPTOR.fields_by_name) & {"email", "phone_number", "date_of_birth"}


async def test_batch_get_users_leaves_out_deleted_accounts(stub, sql, svc):
    from tests.conftest import PASSWORD
    _, a = await signed_up(stub, sql)
    await stub.DeleteAccount(pb.DeleteAccountRequest(password=PASSWORD), metadata=md(a.tokens.access_token))
    r = await stub.BatchGetUsers(pb.BatchGetUsersRequest(user_ids=[a.account.id]), metadata=svc())
    assert list(r.users) == []


async def test_batch_get_users_validation_and_callers(stub, sql, svc):
    _, a = await signed_up(stub, sql)
    await _fails(grpc.StatusCode.PERMISSION_DENIED, stub.BatchGetUsers(
        pb.BatchGetUsersRequest(user_ids=[a.account.id]), metadata=md(a.tokens.access_token)))
    await _fails(grpc.StatusCode.UNAUTHENTICATED, stub.BatchGetUsers(
        pb.BatchGetUsersRequest(user_ids=[a.account.id]), metadata=md()))
    for ids in ([], ["not-a-uuid"], [str(uuid.uuid4())] * 501):
        await _fails(grpc.StatusCode.INVALID_ARGUMENT, stub.BatchGetUsers(pb.BatchGetUsersRequest(user_ids=ids),
                                                                          metadata=svc()))


async def test_set_verification_level(stub, sql, svc):
    _, a = await signed_up(stub, sql)
    uid = a.account.id
    r = await stub.SetVerificationLevel(pb.SetVerificationLevelRequest(
        user_id=uid, level=pb.VERIFICATION_LEVEL_IDENTITY, reason="passport approved", raise_only=True),
        metadata=svc())
    assert (r.previous_level, r.level) == (pb.VERIFICATION_LEVEL_EMAIL, pb.VERIFICATION_LEVEL_IDENTITY)
    acc = await stub.GetAccount(pb.GetAccountRequest(), metadata=md(a.tokens.access_token))
    assert acc.verification_level == pb.VERIFICATION_LEVEL_IDENTITY
    # raise_only leaves a higher level alone; without it the level is set
    r = await stub.SetVerificationLevel(pb.SetVerificationLevelRequest(
        user_id=uid, level=pb.VERIFICATION_LEVEL_PHONE, raise_only=True), metadata=svc())
    assert r.level == pb.VERIFICATION_LEVEL_IDENTITY
    r = await stub.SetVerificationLevel(pb.SetVerificationLevelRequest(
        user_id=uid, level=pb.VERIFICATION_LEVEL_PHONE, reason="document revoked"), metadata=svc("admin", ("admin",)))
    assert (r.previous_level, r.level) == (pb.VERIFICATION_LEVEL_IDENTITY, pb.VERIFICATION_LEVEL_PHONE)
    # the new level is in the account (and so in the tokens' ValidateToken answer)
    v = await stub.ValidateToken(pb.ValidateTokenRequest(), metadata=md(a.tokens.access_token))
    assert v.account.verification_level == pb.VERIFICATION_LEVEL_PHONE


async def test_set_verification_level_refusals(stub, sql, svc):
    _, a = await signed_up(stub, sql)
    uid = a.account.id
    await _fails(grpc.StatusCode.PERMISSION_DENIED, stub.SetVerificationLevel(pb.SetVerificationLevelRequest(
        user_id=uid, level=pb.VERIFICATION_LEVEL_FULL), metadata=md(a.tokens.access_token)))
    await _fails(grpc.StatusCode.NOT_FOUND, stub.SetVerificationLevel(pb.SetVerificationLevelRequest(
        user_id=str(uuid.uuid4()), level=pb.VERIFICATION_LEVEL_FULL), metadata=svc()))
    for req in (pb.SetVerificationLevelRequest(user_id=uid, level=pb.VERIFICATION_LEVEL_NONE),
                pb.SetVerificationLevelRequest(user_id=uid, level=0),
                pb.SetVerificationLevelRequest(user_id=uid, level=42),
                pb.SetVerificationLevelRequest(user_id="x", level=pb.VERIFICATION_LEVEL_FULL),
                pb.SetVerificationLevelRequest(user_id=uid, level=pb.VERIFICATION_LEVEL_FULL, reason="r" * 501)):
        await _fails(grpc.StatusCode.INVALID_ARGUMENT, stub.SetVerificationLevel(req, metadata=svc()))
    acc = await stub.GetAccount(pb.GetAccountRequest(), metadata=md(a.tokens.access_token))
    assert acc.verification_level == pb.VERIFICATION_LEVEL_EMAIL


def test_internal_rpcs_have_http_rules_under_the_auth_prefix():
    from google.api import annotations_pb2
    svc = pb.DESCRIPTOR.services_by_name["AuthService"]
    for name, route in (("BatchGetUsers", "/api/v1/auth/users:batchGet"),
                        ("SetVerificationLevel", "/api/v1/auth/users/{user_id}:setVerificationLevel")):
        rule = svc.methods_by_name[name].GetOptions().Extensions[annotations_pb2.http]
        assert route in (rule.get, rule.post), (name, rule)
