"""Auth over a real in-process gRPC server and a real PostgreSQL (tests/conftest.py)."""
from __future__ import annotations

import asyncio
import time
import uuid

import grpc
import jwt
import pyotp
import pytest
from google.protobuf import field_mask_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from p2p.auth.v1 import auth_pb2 as pb
from tests.conftest import (PASSWORD, device, latest_event_token, md, new_email, random_ip, register_request,
                            signed_up)


def details(err: grpc.aio.AioRpcError) -> dict:
    st = rpc_status.from_call(err)
    out = {}
    for d in st.details if st else []:
        for cls in (error_details_pb2.BadRequest, error_details_pb2.ErrorInfo, error_details_pb2.RetryInfo):
            if d.Is(cls.DESCRIPTOR):
                m = cls()
                d.Unpack(m)
                out[cls.__name__] = m
    return out


async def expect(code: grpc.StatusCode, coro) -> dict:
    with pytest.raises(grpc.aio.AioRpcError) as ei:
        await coro
    assert ei.value.code() == code, ei.value.details()
    return details(ei.value)


def violations(d: dict) -> dict[str, str]:
    return {v.field: v.description for v in d["BadRequest"].field_violations}


# -- registration --------------------------------------------------------------------------------
async def test_register_normalises_email_and_records_acceptance(stub, sql):
    email = new_email("Mixed").replace("mixed", "MiXeD")
    resp = await stub.Register(register_request("  " + email.upper() + " "), metadata=md())
    a = resp.account
    assert a.email == email.lower()
    assert a.status == pb.USER_STATUS_PENDING_VERIFICATION and not a.email_verified
    assert a.terms_accept_time.seconds > 0 and a.privacy_accept_time.seconds > 0
    assert len(a.referral_code) == 8
    row = sql("SELECT password_hash FROM users WHERE id = %s", a.id)[0][0]
    assert row.startswith("$argon2id$") and PASSWORD not in row
    # the verification token is stored only as a hash
    token = latest_event_token(sql, "auth.email.verification", email)
    assert not sql("SELECT 1 FROM email_verification_tokens WHERE token_hash = %s", token)
    await expect(grpc.StatusCode.ALREADY_EXISTS, stub.Register(register_request(email.lower()), metadata=md()))


async def test_register_validates_every_field(stub, sql):
    before = sql("SELECT count(*) FROM users")[0][0]
    d = await expect(grpc.StatusCode.INVALID_ARGUMENT, stub.Register(pb.RegisterRequest(
        email="not-an-email", password="short", first_name="", last_name="x" * 101, phone_number="0612",
        preferred_currency="eur", timezone="Mars/Olympus", preferred_language="!!"), metadata=md()))
    v = violations(d)
    for f in ("email", "password", "first_name", "last_name", "user_type", "phone_number", "preferred_currency",
              "timezone", "preferred_language", "accept_terms", "accept_privacy"):
        assert f in v, f
    assert v["user_type"].startswith("must be set")
    assert d["ErrorInfo"].domain == "auth.p2p-delivery"
    assert sql("SELECT count(*) FROM users")[0][0] == before


@pytest.mark.parametrize("password,problem", [
    ("alllower1!", "upper-case"), ("ALLUPPER1!", "lower-case"), ("NoDigits!!", "digit"),
    ("NoSymbol12", "symbol"), ("Sh0rt!", "at least 8"), ("Alice#2024x", "name"),
])
async def test_password_policy(stub, password, problem):
    d = await expect(grpc.StatusCode.INVALID_ARGUMENT,
                     stub.Register(register_request(new_email(), password=password), metadata=md()))
    assert problem in " ".join(d["BadRequest"].field_violations[i].description
                               for i in range(len(d["BadRequest"].field_violations)))


async def test_password_must_not_contain_email(stub):
    email = new_email("jonathan")
    d = await expect(grpc.StatusCode.INVALID_ARGUMENT,
                     stub.Register(register_request(email, password="Jonathan.1x!"), metadata=md()))
    assert "email" in violations(d)["password"]


async def test_referral_code_links_referrer(stub, sql):
    _, first = await signed_up(stub, sql)
    resp = await stub.Register(register_request(new_email(), referral_code=first.account.referral_code.lower()),
                               metadata=md())
    assert resp.account.referred_by_user_id == first.account.id
    d = await expect(grpc.StatusCode.INVALID_ARGUMENT,
                     stub.Register(register_request(new_email(), referral_code="NOPE1234"), metadata=md()))
    assert d["ErrorInfo"].reason == "REFERRAL_CODE_UNKNOWN"


async def test_register_request_id_is_idempotent(stub, sql):
    email, rid = new_email(), uuid.uuid4().hex
    a = await stub.Register(register_request(email, request_id=rid), metadata=md())
    b = await stub.Register(register_request(email, request_id=rid), metadata=md())
    assert a.account.id == b.account.id
    assert sql("SELECT count(*) FROM users WHERE email = %s", email)[0][0] == 1


# -- verification and login -----------------------------------------------------------------------
async def test_login_requires_verified_email_then_works(stub, sql):
    email = new_email()
    await stub.Register(register_request(email), metadata=md())
    d = await expect(grpc.StatusCode.FAILED_PRECONDITION,
                     stub.Login(pb.LoginRequest(email=email, password=PASSWORD, device=device()), metadata=md()))
    assert d["ErrorInfo"].reason == "EMAIL_NOT_VERIFIED"
    # resend invalidates the first token
    first = latest_event_token(sql, "auth.email.verification", email)
    await stub.ResendVerification(pb.ResendVerificationRequest(email=email), metadata=md())
    second = latest_event_token(sql, "auth.email.verification", email)
    assert first != second
    await expect(grpc.StatusCode.FAILED_PRECONDITION, stub.VerifyEmail(pb.VerifyEmailRequest(token=first), metadata=md()))
    v = await stub.VerifyEmail(pb.VerifyEmailRequest(token=second, device=device()), metadata=md())
    assert v.account.email_verified and v.account.status == pb.USER_STATUS_ACTIVE and v.tokens.access_token
    await expect(grpc.StatusCode.FAILED_PRECONDITION, stub.VerifyEmail(pb.VerifyEmailRequest(token=second), metadata=md()))
    r = await stub.Login(pb.LoginRequest(email=email.upper(), password=PASSWORD, device=device()), metadata=md())
    claims = jwt.get_unverified_header(r.tokens.access_token)
    assert claims["alg"] == "ES256" and claims["kid"]
    assert r.tokens.token_type == "Bearer" and r.tokens.expires_in_seconds == 900


async def test_resend_and_forgot_do_not_reveal_accounts(stub):
    await stub.ResendVerification(pb.ResendVerificationRequest(email=new_email()), metadata=md())
    await stub.ForgotPassword(pb.ForgotPasswordRequest(email=new_email()), metadata=md())


async def test_wrong_password_and_unknown_email_look_the_same(stub, sql):
    email, _ = await signed_up(stub, sql)
    a = await expect(grpc.StatusCode.UNAUTHENTICATED, stub.Login(
        pb.LoginRequest(email=email, password="Wrong#Pass1", device=device()), metadata=md()))
    b = await expect(grpc.StatusCode.UNAUTHENTICATED, stub.Login(
        pb.LoginRequest(email=new_email(), password="Wrong#Pass1", device=device()), metadata=md()))
    assert a["ErrorInfo"].reason == b["ErrorInfo"].reason == "INVALID_CREDENTIALS"


async def test_login_records_device_session_and_new_device_email(stub, sql):
    email, first = await signed_up(stub, sql)
    dev = device("tablet-1")
    dev.device_type = 2
    ip = random_ip()
    second = await stub.Login(pb.LoginRequest(email=email, password=PASSWORD, device=dev), metadata=md(ip=ip))
    row = sql("SELECT device_id, device_type, platform, app_version, push_token, host(ip_address), location, "
              "refresh_token_hash, expires_at > now() + interval '29 days' FROM user_sessions WHERE id = %s",
              second.tokens.session_id)[0]
    assert row[:7] == ("tablet-1", "tablet", "ios", "1.4.0", "push-abc", ip, "Paris, FR")
    assert row[7] != second.tokens.refresh_token and row[8]
    assert sql("SELECT count(*) FROM outbox_events WHERE topic = 'auth.email.new_device_login' "
               "AND payload->>'email' = %s", email)[0][0] == 1


# -- tokens and sessions ---------------------------------------------------------------------------
async def test_refresh_rotates_and_reuse_revokes_session(stub, sql):
    _, login = await signed_up(stub, sql)
    t1 = login.tokens
    t2 = await stub.RefreshToken(pb.RefreshTokenRequest(refresh_token=t1.refresh_token), metadata=md())
    assert t2.refresh_token != t1.refresh_token and t2.session_id == t1.session_id
    d = await expect(grpc.StatusCode.UNAUTHENTICATED,
                     stub.RefreshToken(pb.RefreshTokenRequest(refresh_token=t1.refresh_token), metadata=md()))
    assert d["ErrorInfo"].reason == "REFRESH_TOKEN_REUSED"
    # the whole session is gone: even the newest refresh token and the access token stop working
    await expect(grpc.StatusCode.UNAUTHENTICATED,
                 stub.RefreshToken(pb.RefreshTokenRequest(refresh_token=t2.refresh_token), metadata=md()))
    await expect(grpc.StatusCode.UNAUTHENTICATED, stub.GetAccount(pb.GetAccountRequest(), metadata=md(t2.access_token)))


async def test_sessions_list_revoke_and_strangers(stub, sql):
    email, a = await signed_up(stub, sql)
    b = await stub.Login(pb.LoginRequest(email=email, password=PASSWORD, device=device()), metadata=md())
    c = await stub.Login(pb.LoginRequest(email=email, password=PASSWORD, device=device()), metadata=md())
    tok = c.tokens.access_token
    page1 = await stub.ListSessions(pb.ListSessionsRequest(page_size=2), metadata=md(tok))
    assert len(page1.sessions) == 2 and page1.next_page_token
    page2 = await stub.ListSessions(pb.ListSessionsRequest(page_size=2, page_token=page1.next_page_token), metadata=md(tok))
    ids = [s.id for s in page1.sessions] + [s.id for s in page2.sessions]
    assert sorted(ids) == sorted([a.tokens.session_id, b.tokens.session_id, c.tokens.session_id])
    assert [s.current for s in page1.sessions if s.id == c.tokens.session_id] == [True]
    # a stranger cannot revoke my session
    _, other = await signed_up(stub, sql)
    await expect(grpc.StatusCode.NOT_FOUND, stub.RevokeSession(
        pb.RevokeSessionRequest(session_id=a.tokens.session_id), metadata=md(other.tokens.access_token)))
    await expect(grpc.StatusCode.INVALID_ARGUMENT, stub.RevokeSession(
        pb.RevokeSessionRequest(session_id="nope"), metadata=md(tok)))
    await stub.RevokeSession(pb.RevokeSessionRequest(session_id=a.tokens.session_id), metadata=md(tok))
    await expect(grpc.StatusCode.UNAUTHENTICATED,
                 stub.RefreshToken(pb.RefreshTokenRequest(refresh_token=a.tokens.refresh_token), metadata=md()))
    n = await stub.RevokeAllSessions(pb.RevokeAllSessionsRequest(keep_current=True), metadata=md(tok))
    assert n.revoked_sessions == 1
    left = await stub.ListSessions(pb.ListSessionsRequest(), metadata=md(tok))
    assert [s.id for s in left.sessions] == [c.tokens.session_id]
    out = await stub.Logout(pb.LogoutRequest(), metadata=md(tok))
    assert out.revoked_sessions == 1
    await expect(grpc.StatusCode.UNAUTHENTICATED, stub.GetAccount(pb.GetAccountRequest(), metadata=md(tok)))


async def test_nul_characters_are_refused_everywhere(stub):
    d = await expect(grpc.StatusCode.INVALID_ARGUMENT, stub.Register(
        register_request(new_email(), request_id="a\x00b", first_name="Al\x00ice"), metadata=md()))
    assert set(violations(d)) >= {"request_id", "first_name"}
    d = await expect(grpc.StatusCode.INVALID_ARGUMENT, stub.Login(pb.LoginRequest(
        email="a@b.com", password="x", device=pb.DeviceInfo(device_id="d\x00")), metadata=md()))
    assert "device.device_id" in violations(d)


async def test_authentication_is_required_and_checked(stub):
    await expect(grpc.StatusCode.UNAUTHENTICATED, stub.GetAccount(pb.GetAccountRequest(), metadata=md()))
    await expect(grpc.StatusCode.UNAUTHENTICATED, stub.GetAccount(pb.GetAccountRequest(), metadata=md("garbage")))
    forged = jwt.encode({"sub": str(uuid.uuid4()), "typ": "access", "iss": "p2p-auth", "aud": "p2p-api",
                         "exp": int(time.time()) + 60}, "secret", algorithm="HS256")
    await expect(grpc.StatusCode.UNAUTHENTICATED, stub.GetAccount(pb.GetAccountRequest(), metadata=md(forged)))


async def test_validate_token_returns_permissions(stub, sql):
    _, login = await signed_up(stub, sql, user_type=pb.USER_TYPE_BOTH)
    v = await stub.ValidateToken(pb.ValidateTokenRequest(), metadata=md(login.tokens.access_token))
    assert v.account.id == login.account.id and v.session_id == login.tokens.session_id
    assert set(v.roles) == {"customer", "traveler"}
    assert "trips:write" in v.permissions and "delivery_requests:write" in v.permissions


# -- account ------------------------------------------------------------------------------------------
async def test_update_account_with_field_mask(stub, sql):
    _, login = await signed_up(stub, sql)
    tok = login.tokens.access_token
    acc = pb.Account(first_name="Alicia", timezone="Europe/Paris", preferred_currency="GBP", phone_number="+33612345678",
                     last_name="IGNORED")
    acc.date_of_birth.year, acc.date_of_birth.month, acc.date_of_birth.day = 1990, 5, 17
    r = await stub.UpdateAccount(pb.UpdateAccountRequest(account=acc, update_mask=field_mask_pb2.FieldMask(
        paths=["first_name", "timezone", "preferred_currency", "phone_number", "date_of_birth"])), metadata=md(tok))
    assert (r.first_name, r.last_name, r.timezone, r.preferred_currency, r.phone_number) == \
        ("Alicia", "Martin", "Europe/Paris", "GBP", "+33612345678")
    assert (r.date_of_birth.year, r.date_of_birth.month, r.date_of_birth.day) == (1990, 5, 17)
    d = await expect(grpc.StatusCode.INVALID_ARGUMENT, stub.UpdateAccount(pb.UpdateAccountRequest(
        account=pb.Account(timezone="Nowhere/City"), update_mask=field_mask_pb2.FieldMask(paths=["timezone", "email"])),
        metadata=md(tok)))
    assert set(violations(d)) == {"account.timezone", "update_mask"}
    got = await stub.GetAccount(pb.GetAccountRequest(), metadata=md(tok))
    assert got.timezone == "Europe/Paris"


async def test_change_password_revokes_other_sessions(stub, sql):
    email, a = await signed_up(stub, sql)
    b = await stub.Login(pb.LoginRequest(email=email, password=PASSWORD, device=device()), metadata=md())
    await expect(grpc.StatusCode.PERMISSION_DENIED, stub.ChangePassword(
        pb.ChangePasswordRequest(current_password="Wrong#Pass1", new_password="N3w#Password"), metadata=md(b.tokens.access_token)))
    r = await stub.ChangePassword(pb.ChangePasswordRequest(current_password=PASSWORD, new_password="N3w#Password"),
                                  metadata=md(b.tokens.access_token))
    assert r.revoked_sessions == 1
    await expect(grpc.StatusCode.UNAUTHENTICATED, stub.GetAccount(pb.GetAccountRequest(), metadata=md(a.tokens.access_token)))
    await stub.GetAccount(pb.GetAccountRequest(), metadata=md(b.tokens.access_token))
    await stub.Login(pb.LoginRequest(email=email, password="N3w#Password", device=device()), metadata=md())


async def test_password_reset_flow(stub, sql):
    email, a = await signed_up(stub, sql)
    await stub.ForgotPassword(pb.ForgotPasswordRequest(email=email), metadata=md())
    token = latest_event_token(sql, "auth.email.password_reset", email)
    expiry = sql("SELECT expires_at - created_at FROM password_reset_tokens WHERE user_id = %s ORDER BY created_at DESC LIMIT 1",
                 a.account.id)[0][0]
    assert expiry.total_seconds() == pytest.approx(3600, abs=5)
    await expect(grpc.StatusCode.INVALID_ARGUMENT, stub.ResetPassword(
        pb.ResetPasswordRequest(token=token, new_password="weak"), metadata=md()))
    await stub.ResetPassword(pb.ResetPasswordRequest(token=token, new_password="Res3t#Password"), metadata=md())
    await expect(grpc.StatusCode.FAILED_PRECONDITION, stub.ResetPassword(
        pb.ResetPasswordRequest(token=token, new_password="Res3t#Password2"), metadata=md()))
    await expect(grpc.StatusCode.UNAUTHENTICATED, stub.GetAccount(pb.GetAccountRequest(), metadata=md(a.tokens.access_token)))
    await stub.Login(pb.LoginRequest(email=email, password="Res3t#Password", device=device()), metadata=md())


async def test_delete_and_deactivate(stub, sql):
    email, a = await signed_up(stub, sql)
    tok = a.tokens.access_token
    await expect(grpc.StatusCode.PERMISSION_DENIED, stub.DeleteAccount(pb.DeleteAccountRequest(password="Wrong#Pass1"), metadata=md(tok)))
    r = await stub.DeleteAccount(pb.DeleteAccountRequest(password=PASSWORD, reason="moving"), metadata=md(tok))
    assert r.delete_time.seconds > 0
    assert sql("SELECT status, deleted_at IS NOT NULL FROM users WHERE id = %s", a.account.id)[0] == ("deleted", True)
    await expect(grpc.StatusCode.UNAUTHENTICATED, stub.Login(pb.LoginRequest(email=email, password=PASSWORD, device=device()), metadata=md()))
    # the address can be used again by a new account
    await stub.Register(register_request(email), metadata=md())

    email2, b = await signed_up(stub, sql)
    await stub.DeactivateAccount(pb.DeactivateAccountRequest(password=PASSWORD), metadata=md(b.tokens.access_token))
    d = await expect(grpc.StatusCode.PERMISSION_DENIED, stub.Login(pb.LoginRequest(email=email2, password=PASSWORD, device=device()), metadata=md()))
    assert d["ErrorInfo"].reason == "ACCOUNT_DISABLED"


# -- two-factor -----------------------------------------------------------------------------------------
async def test_two_factor_full_cycle(stub, sql):
    email, a = await signed_up(stub, sql)
    tok = a.tokens.access_token
    setup = await stub.SetupTwoFactor(pb.SetupTwoFactorRequest(), metadata=md(tok))
    assert setup.otpauth_uri.startswith("otpauth://totp/") and setup.qr_code_png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(setup.backup_codes) == 10 and len(set(setup.backup_codes)) == 10
    stored = sql("SELECT secret_key, backup_codes FROM user_two_factor_auth WHERE user_id = %s", a.account.id)[0]
    assert setup.secret not in stored[0] and not set(setup.backup_codes) & set(stored[1])
    await expect(grpc.StatusCode.INVALID_ARGUMENT, stub.EnableTwoFactor(pb.EnableTwoFactorRequest(code="000000"), metadata=md(tok)))
    totp = pyotp.TOTP(setup.secret)
    await stub.EnableTwoFactor(pb.EnableTwoFactorRequest(code=totp.now()), metadata=md(tok))
    me = await stub.GetAccount(pb.GetAccountRequest(), metadata=md(tok))
    assert me.two_factor_enabled

    step1 = await stub.Login(pb.LoginRequest(email=email, password=PASSWORD, device=device()), metadata=md())
    assert step1.two_factor_required and step1.two_factor_token and not step1.tokens.access_token
    # the code used to enable cannot be replayed; the next step's code works
    await expect(grpc.StatusCode.INVALID_ARGUMENT, stub.LoginTwoFactor(
        pb.LoginTwoFactorRequest(two_factor_token=step1.two_factor_token, code=totp.now()), metadata=md()))
    nxt = totp.at(time.time() + 30)
    step2 = await stub.LoginTwoFactor(pb.LoginTwoFactorRequest(two_factor_token=step1.two_factor_token, code=nxt),
                                      metadata=md())
    assert step2.tokens.access_token
    # a backup code works once
    step1 = await stub.Login(pb.LoginRequest(email=email, password=PASSWORD, device=device()), metadata=md())
    code = setup.backup_codes[0]
    await stub.LoginTwoFactor(pb.LoginTwoFactorRequest(two_factor_token=step1.two_factor_token, code=code), metadata=md())
    await expect(grpc.StatusCode.INVALID_ARGUMENT, stub.LoginTwoFactor(
        pb.LoginTwoFactorRequest(two_factor_token=step1.two_factor_token, code=code), metadata=md()))
    await expect(grpc.StatusCode.UNAUTHENTICATED, stub.LoginTwoFactor(
        pb.LoginTwoFactorRequest(two_factor_token="x" * 40, code="123456"), metadata=md()))
    # disable needs a valid code
    await expect(grpc.StatusCode.INVALID_ARGUMENT, stub.DisableTwoFactor(pb.DisableTwoFactorRequest(code="999999"), metadata=md(tok)))
    await stub.DisableTwoFactor(pb.DisableTwoFactorRequest(code=setup.backup_codes[1]), metadata=md(tok))
    plain = await stub.Login(pb.LoginRequest(email=email, password=PASSWORD, device=device()), metadata=md())
    assert not plain.two_factor_required and plain.tokens.access_token


# -- rate limits ---------------------------------------------------------------------------------------
async def test_login_rate_limit_per_ip(stub):
    ip = random_ip()
    req = pb.LoginRequest(email=new_email(), password="Wrong#Pass1", device=device())
    for _ in range(5):
        await expect(grpc.StatusCode.UNAUTHENTICATED, stub.Login(req, metadata=md(ip=ip)))
    d = await expect(grpc.StatusCode.RESOURCE_EXHAUSTED, stub.Login(req, metadata=md(ip=ip)))
    delay = d["RetryInfo"].retry_delay
    assert 0 < delay.seconds + delay.nanos / 1e9 <= 900
    assert d["ErrorInfo"].reason == "RATE_LIMITED"
    # another address is not affected
    await expect(grpc.StatusCode.UNAUTHENTICATED, stub.Login(req, metadata=md(ip=random_ip())))


async def test_register_and_reset_limits(stub):
    ip = random_ip()
    for _ in range(3):
        await stub.Register(register_request(new_email()), metadata=md(ip=ip))
    await expect(grpc.StatusCode.RESOURCE_EXHAUSTED, stub.Register(register_request(new_email()), metadata=md(ip=ip)))
    email = new_email()
    for _ in range(3):
        await stub.ForgotPassword(pb.ForgotPasswordRequest(email=email), metadata=md())
    await expect(grpc.StatusCode.RESOURCE_EXHAUSTED, stub.ForgotPassword(pb.ForgotPasswordRequest(email=email), metadata=md()))


async def test_rate_limit_holds_across_replicas(auth_server, stub, auth_env):
    """A second replica of auth on the same database shares the counters."""
    from services.auth import server
    import grpc as _grpc
    from p2p.auth.v1 import auth_pb2_grpc
    replica = server.build()
    port = await replica.start(port=0)
    try:
        async with _grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
            other = auth_pb2_grpc.AuthServiceStub(ch)
            ip = random_ip()
            req = pb.LoginRequest(email=new_email(), password="Wrong#Pass1", device=device())
            for i in range(5):
                await expect(grpc.StatusCode.UNAUTHENTICATED, (stub if i % 2 else other).Login(req, metadata=md(ip=ip)))
            await expect(grpc.StatusCode.RESOURCE_EXHAUSTED, other.Login(req, metadata=md(ip=ip)))
            await expect(grpc.StatusCode.RESOURCE_EXHAUSTED, stub.Login(req, metadata=md(ip=ip)))
    finally:
        await replica.stop(grace=0.5)


# -- keys -------------------------------------------------------------------------------------------------
async def test_jwks_and_rotation_with_overlap(auth_server, stub, sql):
    from services.common.identity import ServiceIdentity
    _, login = await signed_up(stub, sql)
    before = await stub.GetJwks(pb.GetJwksRequest(), metadata=md())
    old_kid = jwt.get_unverified_header(login.tokens.access_token)["kid"]
    assert old_kid in [k.kid for k in before.keys]
    assert all(k.kty == "EC" and k.crv == "P-256" and k.alg == "ES256" for k in before.keys)
    # only a service identity with the admin role may rotate
    await expect(grpc.StatusCode.PERMISSION_DENIED, stub.RotateSigningKey(
        pb.RotateSigningKeyRequest(), metadata=md(login.tokens.access_token)))
    svc = ServiceIdentity("admin", auth_server.settings.service_key, "p2p-api", roles=("admin",)).token()
    r = await stub.RotateSigningKey(pb.RotateSigningKeyRequest(), metadata=md(svc))
    after = await stub.GetJwks(pb.GetJwksRequest(), metadata=md())
    kids = [k.kid for k in after.keys]
    assert r.kid in kids and old_kid in kids  # overlap: the old key is still published
    # a token signed before the rotation keeps working during the overlap
    await stub.GetAccount(pb.GetAccountRequest(), metadata=md(login.tokens.access_token))


# -- email delivery through the outbox -------------------------------------------------------------------
async def test_emails_are_delivered_over_smtp(stub, sql, smtp):
    email = new_email("mail")
    await stub.Register(register_request(email), metadata=md())
    token = latest_event_token(sql, "auth.email.verification", email)
    for _ in range(100):
        found = [m for m in smtp.messages if email in m.rcpt_tos]
        if found:
            break
        await asyncio.sleep(0.05)
    assert found, "the verification email never reached the SMTP server"
    assert token in found[0].content.decode()
    for _ in range(100):  # the dispatcher marks the event delivered when its batch commits
        delivered = sql("SELECT delivered_at IS NOT NULL FROM outbox_events WHERE topic = 'auth.email.verification' "
                        "AND payload->>'email' = %s", email)[0][0]
        if delivered:
            break
        await asyncio.sleep(0.05)
    assert delivered
