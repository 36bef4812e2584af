"""The gRPC adapter of auth: protobuf in -> domain call -> protobuf out. No SQL, no rules."""
from __future__ import annotations

import datetime as dt

from google.type import date_pb2

from p2p.auth.v1 import auth_pb2 as pb
from p2p.auth.v1 import auth_pb2_grpc
from p2p.common.v1 import common_pb2 as cpb
from services.auth import store
from services.auth.domain import AuthDomain, Device, LoginResult, NewAccount, Tokens, email_verified
from services.common.errors import InvalidArgument
from services.common.identity import require_service, require_user
from services.common.interceptors import client_ip_var
from services.common.timestamps import ts

USER_TYPE = {pb.USER_TYPE_CUSTOMER: "customer", pb.USER_TYPE_TRAVELER: "traveler", pb.USER_TYPE_BOTH: "both"}
USER_TYPE_PB = {v: k for k, v in USER_TYPE.items()}
STATUS_PB = {"pending_verification": pb.USER_STATUS_PENDING_VERIFICATION, "active": pb.USER_STATUS_ACTIVE,
             "suspended": pb.USER_STATUS_SUSPENDED, "deactivated": pb.USER_STATUS_DEACTIVATED,
             "deleted": pb.USER_STATUS_DELETED}
LEVEL_PB = {"none": pb.VERIFICATION_LEVEL_NONE, "email": pb.VERIFICATION_LEVEL_EMAIL,
            "phone": pb.VERIFICATION_LEVEL_PHONE, "identity": pb.VERIFICATION_LEVEL_IDENTITY,
            "full": pb.VERIFICATION_LEVEL_FULL}
LEVEL = {v: k for k, v in LEVEL_PB.items()}
DEVICE_TYPE = {cpb.DEVICE_TYPE_MOBILE: "mobile", cpb.DEVICE_TYPE_TABLET: "tablet",
               cpb.DEVICE_TYPE_DESKTOP: "desktop", cpb.DEVICE_TYPE_WEB: "web"}
DEVICE_TYPE_PB = {v: k for k, v in DEVICE_TYPE.items()}
PLATFORM = {cpb.PLATFORM_IOS: "ios", cpb.PLATFORM_ANDROID: "android", cpb.PLATFORM_WEB: "web",
            cpb.PLATFORM_WINDOWS: "windows", cpb.PLATFORM_MACOS: "macos", cpb.PLATFORM_LINUX: "linux"}
PLATFORM_PB = {v: k for k, v in PLATFORM.items()}
PROVIDER = {pb.SOCIAL_PROVIDER_GOOGLE: "google", pb.SOCIAL_PROVIDER_APPLE: "apple",
            pb.SOCIAL_PROVIDER_FACEBOOK: "facebook"}


def account_pb(u: store.User, two_factor: bool = False) -> pb.Account:
    a = pb.Account(
        id=str(u.id), email=u.email, email_verified=email_verified(u), first_name=u.first_name,
        last_name=u.last_name, phone_number=u.phone_number or "", user_type=USER_TYPE_PB[u.user_type],
        status=STATUS_PB[u.status], verification_level=LEVEL_PB[u.verification_level],
        preferred_language=u.preferred_language, timezone=u.timezone, preferred_currency=u.preferred_currency,
        referral_code=u.referral_code, referred_by_user_id=str(u.referred_by_user_id or ""),
        terms_accept_time=ts(u.terms_accepted_at), privacy_accept_time=ts(u.privacy_accepted_at),
        two_factor_enabled=two_factor, create_time=ts(u.created_at), update_time=ts(u.updated_at))
    if u.date_of_birth:
        a.date_of_birth.CopyFrom(date_pb2.Date(year=u.date_of_birth.year, month=u.date_of_birth.month,
                                               day=u.date_of_birth.day))
    return a


def tokens_pb(t: Tokens | None) -> pb.AuthTokens | None:
    if t is None:
        return None
    return pb.AuthTokens(access_token=t.access_token, refresh_token=t.refresh_token, token_type="Bearer",
                         expires_in_seconds=t.expires_in, access_token_expire_time=ts(t.access_expires_at),
                         refresh_token_expire_time=ts(t.refresh_expires_at), session_id=t.session_id)


def login_pb(r: LoginResult, two_factor: bool = False) -> pb.LoginResponse:
    return pb.LoginResponse(tokens=tokens_pb(r.tokens), account=account_pb(r.user, two_factor or r.two_factor_required),
                            two_factor_required=r.two_factor_required, two_factor_token=r.two_factor_token,
                            account_created=r.created)


def device(d: pb.DeviceInfo, present: bool) -> Device | None:
    if not present:
        return None
    return Device(d.device_id, DEVICE_TYPE.get(d.device_type, ""), PLATFORM.get(d.platform, ""), d.app_version,
                  d.push_token, d.location)


def date_value(d: date_pb2.Date, present: bool) -> dt.date | None:
    if not present or (d.year == 0 and d.month == 0 and d.day == 0):
        return None
    try:
        return dt.date(d.year, d.month, d.day)
    except ValueError:
        raise InvalidArgument("the request has invalid fields",
                              [("account.date_of_birth", "is not a valid calendar date")]) from None


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, domain: AuthDomain):
        self.d = domain

    async def Register(self, request: pb.RegisterRequest, context) -> pb.RegisterResponse:
        key = f"Register:{request.request_id}" if request.request_id else ""
        if key and len(request.request_id) <= 100:
            stored = await self.d.remembered(key)
            if stored is not None:
                return pb.RegisterResponse.FromString(stored)
        user, expires = await self.d.register(NewAccount(
            email=request.email, password=request.password, first_name=request.first_name,
            last_name=request.last_name, user_type=USER_TYPE.get(request.user_type, ""),
            phone_number=request.phone_number, preferred_language=request.preferred_language,
            timezone=request.timezone, preferred_currency=request.preferred_currency,
            referral_code=request.referral_code, accept_terms=request.accept_terms,
            accept_privacy=request.accept_privacy), client_ip_var.get(), request.request_id)
        resp = pb.RegisterResponse(account=account_pb(user), verification_expire_time=ts(expires))
        if key:
            await self.d.remember(key, resp.SerializeToString())
        return resp

    async def VerifyEmail(self, request, context):
        user, tokens = await self.d.verify_email(request.token, device(request.device, request.HasField("device")),
                                                 client_ip_var.get())
        return pb.VerifyEmailResponse(account=account_pb(user), tokens=tokens_pb(tokens))

    async def ResendVerification(self, request, context):
        await self.d.resend_verification(request.email, client_ip_var.get())
        return pb.ResendVerificationResponse()

    async def Login(self, request, context):
        r = await self.d.login(request.email, request.password, device(request.device, request.HasField("device")),
                               client_ip_var.get())
        return login_pb(r)

    async def LoginTwoFactor(self, request, context):
        return login_pb(await self.d.login_two_factor(request.two_factor_token, request.code, client_ip_var.get()),
                        two_factor=True)

    async def SocialLogin(self, request, context):
        r = await self.d.social_login(
            PROVIDER.get(request.provider, ""), request.token, device(request.device, request.HasField("device")),
            client_ip_var.get(),
            NewAccount(email="", password="", first_name=request.first_name, last_name=request.last_name,
                       user_type=USER_TYPE.get(request.user_type, "") if request.user_type else "",
                       referral_code=request.referral_code, accept_terms=request.accept_terms,
                       accept_privacy=request.accept_privacy))
        return login_pb(r)

    async def RefreshToken(self, request, context):
        return tokens_pb(await self.d.refresh(request.refresh_token))

    async def Logout(self, request, context):
        return pb.LogoutResponse(revoked_sessions=await self.d.logout(require_user(), request.all_devices))

    async def ForgotPassword(self, request, context):
        await self.d.forgot_password(request.email, client_ip_var.get())
        return pb.ForgotPasswordResponse()

    async def ResetPassword(self, request, context):
        await self.d.reset_password(request.token, request.new_password)
        return pb.ResetPasswordResponse()

    async def ChangePassword(self, request, context):
        n = await self.d.change_password(require_user(), request.current_password, request.new_password)
        return pb.ChangePasswordResponse(revoked_sessions=n)

    async def SetupTwoFactor(self, request, context):
        r = await self.d.setup_two_factor(require_user())
        return pb.SetupTwoFactorResponse(secret=r.secret, otpauth_uri=r.otpauth_uri, qr_code_png=r.qr_png,
                                         backup_codes=r.backup_codes)

    async def EnableTwoFactor(self, request, context):
        return pb.EnableTwoFactorResponse(enable_time=ts(await self.d.enable_two_factor(require_user(), request.code)))

    async def DisableTwoFactor(self, request, context):
        await self.d.disable_two_factor(require_user(), request.code)
        return pb.DisableTwoFactorResponse()

    async def ValidateToken(self, request, context):
        p = require_user()
        user, tf, roles, perms = await self.d.validate(p)
        return pb.ValidateTokenResponse(account=account_pb(user, tf), session_id=p.session_id, roles=roles,
                                        permissions=perms, expire_time=ts(dt.datetime.fromtimestamp(p.expires_at, dt.timezone.utc)))

    async def ListSessions(self, request, context):
        p = require_user()
        rows, nxt = await self.d.list_sessions(p, request.page_size, request.page_token)
        return pb.ListSessionsResponse(next_page_token=nxt, sessions=[pb.Session(
            id=str(r.id), device_id=r.device_id, device_type=DEVICE_TYPE_PB[r.device_type],
            platform=PLATFORM_PB[r.platform], app_version=r.app_version or "", ip_address=str(r.ip_address or ""),
            location=r.location or "", create_time=ts(r.created_at), last_active_time=ts(r.last_active_at),
            expire_time=ts(r.expires_at), current=str(r.id) == p.session_id) for r in rows])

    async def RevokeSession(self, request, context):
        await self.d.revoke_session(require_user(), request.session_id)
        return pb.RevokeSessionResponse()

    async def RevokeAllSessions(self, request, context):
        return pb.RevokeAllSessionsResponse(revoked_sessions=await self.d.revoke_all(require_user(), request.keep_current))

    async def GetAccount(self, request, context):
        user, tf = await self.d.get_account(require_user())
        return account_pb(user, tf)

    async def UpdateAccount(self, request, context):
        p = require_user()
        a = request.account
        values = {
            "first_name": a.first_name, "last_name": a.last_name, "phone_number": a.phone_number,
            "preferred_language": a.preferred_language, "timezone": a.timezone,
            "preferred_currency": a.preferred_currency, "user_type": USER_TYPE.get(a.user_type, ""),
        }
        changes = {}
        for path in request.update_mask.paths:
            if path == "date_of_birth":
                changes[path] = date_value(a.date_of_birth, a.HasField("date_of_birth"))
            else:
                changes[path] = values.get(path, None)
        user, tf = await self.d.update_account(p, changes)
        return account_pb(user, tf)

    async def DeactivateAccount(self, request, context):
        await self.d.deactivate(require_user(), request.password, request.reason)
        return pb.DeactivateAccountResponse()

    async def DeleteAccount(self, request, context):
        return pb.DeleteAccountResponse(delete_time=ts(await self.d.delete(require_user(), request.password, request.reason)))

    async def GetJwks(self, request, context):
        jwks = await self.d.jwks()
        return pb.JsonWebKeySet(keys=[pb.JsonWebKey(**k) for k in jwks["keys"]])

    async def RotateSigningKey(self, request, context):
        require_service("admin", "key-rotation")
        kid, retire = await self.d.rotate_key()
        return pb.RotateSigningKeyResponse(kid=kid, previous_key_retire_time=ts(retire))

    async def BatchGetUsers(self, request, context):
        require_service()
        users = await self.d.batch_get_users(list(request.user_ids))
        return pb.BatchGetUsersResponse(users=[pb.UserSummary(
            id=str(u.id), first_name=u.first_name, last_name=u.last_name, user_type=USER_TYPE_PB[u.user_type],
            status=STATUS_PB[u.status], verification_level=LEVEL_PB[u.verification_level],
            create_time=ts(u.created_at)) for u in users])

    async def SetVerificationLevel(self, request, context):
        p = require_service()
        previous, current = await self.d.set_verification_level(
            p, request.user_id, LEVEL.get(request.level, ""), request.reason, request.raise_only)
        return pb.SetVerificationLevelResponse(previous_level=LEVEL_PB[previous], level=LEVEL_PB[current])
