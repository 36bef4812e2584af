"""The auth service as the users rules see it: AuthClient's protobuf in and out, plain values
(domain.ports) and domain errors for the rules.

Errors from auth keep their code and reason (INVALID_ARGUMENT with its field violations, the
field paths prefixed as the caller asks; UNAUTHENTICATED; PERMISSION_DENIED such as a wrong
password; NOT_FOUND; FAILED_PRECONDITION); anything else (unreachable, deadline, internal) is
UNAVAILABLE with reason AUTH_UNAVAILABLE.
"""
from __future__ import annotations

import datetime as dt

import grpc

from p2p.auth.v1 import auth_pb2 as apb
from services.common import errors
from services.common.clients import AuthClient
from services.users.domain.ports import AccountView, UserSummary

USER_TYPE = {apb.USER_TYPE_CUSTOMER: "customer", apb.USER_TYPE_TRAVELER: "traveler", apb.USER_TYPE_BOTH: "both"}
STATUS = {apb.USER_STATUS_PENDING_VERIFICATION: "pending_verification", apb.USER_STATUS_ACTIVE: "active",
          apb.USER_STATUS_SUSPENDED: "suspended", apb.USER_STATUS_DEACTIVATED: "deactivated",
          apb.USER_STATUS_DELETED: "deleted"}
LEVEL = {apb.VERIFICATION_LEVEL_NONE: "none", apb.VERIFICATION_LEVEL_EMAIL: "email",
         apb.VERIFICATION_LEVEL_PHONE: "phone", apb.VERIFICATION_LEVEL_IDENTITY: "identity",
         apb.VERIFICATION_LEVEL_FULL: "full"}
LEVEL_PB = {v: k for k, v in LEVEL.items()}
BATCH = 500


def domain_error(err: grpc.aio.AioRpcError, field_prefix: str = "") -> errors.DomainError:
    code = err.code()
    reason, violations = errors.rpc_error_details(err)
    message = err.details() or "the auth service refused the request"
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return errors.InvalidArgument(message, [(field_prefix + f, d) for f, d in violations], reason=reason or None)
    simple = {grpc.StatusCode.UNAUTHENTICATED: errors.Unauthenticated,
              grpc.StatusCode.PERMISSION_DENIED: errors.PermissionDenied,
              grpc.StatusCode.NOT_FOUND: errors.NotFound,
              grpc.StatusCode.FAILED_PRECONDITION: errors.FailedPrecondition,
              grpc.StatusCode.ALREADY_EXISTS: errors.AlreadyExists}
    if code in simple:
        return simple[code](message, reason=reason or None)
    return errors.Unavailable(f"the auth service could not be reached ({code.name}); retry later",
                              reason="AUTH_UNAVAILABLE")


def account_view(a: apb.Account) -> AccountView:
    return AccountView(id=a.id, first_name=a.first_name, last_name=a.last_name,
                       user_type=USER_TYPE.get(a.user_type, ""), verification_level=LEVEL.get(a.verification_level, "none"),
                       phone_number=a.phone_number, raw=a)


class AuthGatewayGrpc:
    def __init__(self, client: AuthClient, timeout: float = 3.0):
        self.client = client
        self.timeout = timeout

    async def account(self, token: str) -> AccountView:
        try:
            return account_view(await self.client.get_account(token, self.timeout))
        except grpc.aio.AioRpcError as e:
            raise domain_error(e) from None

    async def update_account(self, token: str, patch: apb.Account, paths: list[str], field_prefix: str) -> AccountView:
        try:
            return account_view(await self.client.update_account(token, patch, paths, self.timeout))
        except grpc.aio.AioRpcError as e:
            # auth names the fields "account.<name>"; the caller's request nests them deeper.
            raise domain_error(e, field_prefix) from None

    async def set_phone(self, token: str, phone_number: str) -> None:
        try:
            await self.client.update_account(token, apb.Account(phone_number=phone_number), ["phone_number"],
                                             self.timeout)
        except grpc.aio.AioRpcError as e:
            err = domain_error(e)
            if isinstance(err, errors.InvalidArgument):
                err.violations = [("phone_number", d) for _, d in err.violations]
            raise err from None

    async def delete_account(self, token: str, password: str, reason: str) -> dt.datetime:
        try:
            r = await self.client.delete_account(token, password, reason, self.timeout)
        except grpc.aio.AioRpcError as e:
            raise domain_error(e) from None
        return r.delete_time.ToDatetime(tzinfo=dt.timezone.utc)

    async def summaries(self, user_ids: list[str]) -> dict[str, UserSummary]:
        ids = list(dict.fromkeys(user_ids))
        out: dict[str, UserSummary] = {}
        for i in range(0, len(ids), BATCH):
            try:
                users = await self.client.batch_get_users(ids[i:i + BATCH], self.timeout)
            except grpc.aio.AioRpcError as e:
                raise domain_error(e) from None
            for u in users:
                out[u.id] = UserSummary(
                    id=u.id, first_name=u.first_name, last_name=u.last_name, user_type=USER_TYPE.get(u.user_type, ""),
                    status=STATUS.get(u.status, ""), verification_level=LEVEL.get(u.verification_level, "none"),
                    created_at=u.create_time.ToDatetime(tzinfo=dt.timezone.utc) if u.HasField("create_time") else None)
        return out

    async def raise_level(self, user_id: str, level: str, reason: str) -> str:
        try:
            r = await self.client.set_verification_level(user_id, LEVEL_PB[level], reason, True, self.timeout)
        except grpc.aio.AioRpcError as e:
            raise domain_error(e) from None
        return LEVEL.get(r.level, level)
