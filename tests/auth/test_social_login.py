"""Social sign-in through the auth service against local servers that sign and answer as
Google, Apple and Facebook do (tests/support/providers.py)."""
from __future__ import annotations

import uuid

import grpc

from p2p.auth.v1 import auth_pb2 as pb
from tests.auth.test_auth_flows import expect
from tests.conftest import device, md, new_email, signed_up


def social(provider, token, **kw) -> pb.SocialLoginRequest:
    return pb.SocialLoginRequest(provider=provider, token=token, device=device(), **kw)


async def test_google_creates_account_then_signs_in(stub, providers, sql):
    email = new_email("goog")
    sub = uuid.uuid4().hex
    tok = providers["google"].issue_id_token(sub, "google-client", email, given_name="Gina", family_name="Lopez")
    # a new account needs a user type and the terms
    d = await expect(grpc.StatusCode.INVALID_ARGUMENT, stub.SocialLogin(social(pb.SOCIAL_PROVIDER_GOOGLE, tok), metadata=md()))
    assert {v.field for v in d["BadRequest"].field_violations} >= {"user_type", "accept_terms", "accept_privacy"}
    r = await stub.SocialLogin(social(pb.SOCIAL_PROVIDER_GOOGLE, tok, user_type=pb.USER_TYPE_TRAVELER,
                                      accept_terms=True, accept_privacy=True), metadata=md())
    assert r.account_created and r.tokens.access_token
    assert (r.account.email, r.account.first_name, r.account.last_name) == (email, "Gina", "Lopez")
    assert r.account.email_verified and r.account.status == pb.USER_STATUS_ACTIVE
    again = await stub.SocialLogin(social(pb.SOCIAL_PROVIDER_GOOGLE, tok), metadata=md())
    assert not again.account_created and again.account.id == r.account.id
    assert sql("SELECT count(*) FROM user_social_identities WHERE subject = %s", sub)[0][0] == 1


async def test_apple_links_to_existing_account_by_verified_email(stub, providers, sql):
    email, login = await signed_up(stub, sql)
    tok = providers["apple"].issue_id_token(uuid.uuid4().hex, "apple.bundle", email, email_verified="true")
    r = await stub.SocialLogin(social(pb.SOCIAL_PROVIDER_APPLE, tok), metadata=md())
    assert not r.account_created and r.account.id == login.account.id


async def test_unverified_social_email_is_not_linked(stub, providers, sql):
    email, _ = await signed_up(stub, sql)
    tok = providers["apple"].issue_id_token(uuid.uuid4().hex, "apple.bundle", email, email_verified="false")
    d = await expect(grpc.StatusCode.FAILED_PRECONDITION, stub.SocialLogin(social(pb.SOCIAL_PROVIDER_APPLE, tok), metadata=md()))
    assert d["ErrorInfo"].reason == "SOCIAL_EMAIL_REQUIRED"


async def test_facebook_token_inspection(stub, providers):
    fb = providers["facebook"]
    email = new_email("fb")
    tok = fb.register_user_token(f"EAA{uuid.uuid4().hex}", str(uuid.uuid4().int)[:15], email, "Femi", "Ade")
    r = await stub.SocialLogin(social(pb.SOCIAL_PROVIDER_FACEBOOK, tok, user_type=pb.USER_TYPE_CUSTOMER,
                                      accept_terms=True, accept_privacy=True), metadata=md())
    assert r.account_created and r.account.email == email
    other_app = fb.register_user_token(f"EAA{uuid.uuid4().hex}", "999", new_email(), "X", "Y", app_id="555")
    d = await expect(grpc.StatusCode.UNAUTHENTICATED, stub.SocialLogin(social(pb.SOCIAL_PROVIDER_FACEBOOK, other_app), metadata=md()))
    assert d["ErrorInfo"].reason == "SOCIAL_TOKEN_INVALID"


async def test_bad_tokens_and_provider_outage(stub, providers):
    forged = providers["google"].issue_id_token("x", "someone-else", new_email())
    await expect(grpc.StatusCode.UNAUTHENTICATED, stub.SocialLogin(social(pb.SOCIAL_PROVIDER_GOOGLE, forged), metadata=md()))
    await expect(grpc.StatusCode.INVALID_ARGUMENT, stub.SocialLogin(social(pb.SOCIAL_PROVIDER_UNSPECIFIED, "x" * 20), metadata=md()))
    fb = providers["facebook"]
    tok = fb.register_user_token(f"EAA{uuid.uuid4().hex}", "4242", new_email(), "A", "B")
    fb.fail_status = 503
    try:
        d = await expect(grpc.StatusCode.UNAVAILABLE, stub.SocialLogin(social(pb.SOCIAL_PROVIDER_FACEBOOK, tok), metadata=md()))
        assert d["ErrorInfo"].reason == "PROVIDER_UNAVAILABLE"
    finally:
        fb.fail_status = None
