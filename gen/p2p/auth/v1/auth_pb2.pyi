import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import date_pb2 as _date_pb2
from p2p.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UserType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    USER_TYPE_UNSPECIFIED: _ClassVar[UserType]
    USER_TYPE_CUSTOMER: _ClassVar[UserType]
    USER_TYPE_TRAVELER: _ClassVar[UserType]
    USER_TYPE_BOTH: _ClassVar[UserType]

class UserStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    USER_STATUS_UNSPECIFIED: _ClassVar[UserStatus]
    USER_STATUS_PENDING_VERIFICATION: _ClassVar[UserStatus]
    USER_STATUS_ACTIVE: _ClassVar[UserStatus]
    USER_STATUS_SUSPENDED: _ClassVar[UserStatus]
    USER_STATUS_DEACTIVATED: _ClassVar[UserStatus]
    USER_STATUS_DELETED: _ClassVar[UserStatus]

class VerificationLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERIFICATION_LEVEL_UNSPECIFIED: _ClassVar[VerificationLevel]
    VERIFICATION_LEVEL_NONE: _ClassVar[VerificationLevel]
    VERIFICATION_LEVEL_EMAIL: _ClassVar[VerificationLevel]
    VERIFICATION_LEVEL_PHONE: _ClassVar[VerificationLevel]
    VERIFICATION_LEVEL_IDENTITY: _ClassVar[VerificationLevel]
    VERIFICATION_LEVEL_FULL: _ClassVar[VerificationLevel]

class SocialProvider(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SOCIAL_PROVIDER_UNSPECIFIED: _ClassVar[SocialProvider]
    SOCIAL_PROVIDER_GOOGLE: _ClassVar[SocialProvider]
    SOCIAL_PROVIDER_APPLE: _ClassVar[SocialProvider]
    SOCIAL_PROVIDER_FACEBOOK: _ClassVar[SocialProvider]
USER_TYPE_UNSPECIFIED: UserType
USER_TYPE_CUSTOMER: UserType
USER_TYPE_TRAVELER: UserType
USER_TYPE_BOTH: UserType
USER_STATUS_UNSPECIFIED: UserStatus
USER_STATUS_PENDING_VERIFICATION: UserStatus
USER_STATUS_ACTIVE: UserStatus
USER_STATUS_SUSPENDED: UserStatus
USER_STATUS_DEACTIVATED: UserStatus
USER_STATUS_DELETED: UserStatus
VERIFICATION_LEVEL_UNSPECIFIED: VerificationLevel
VERIFICATION_LEVEL_NONE: VerificationLevel
VERIFICATION_LEVEL_EMAIL: VerificationLevel
VERIFICATION_LEVEL_PHONE: VerificationLevel
VERIFICATION_LEVEL_IDENTITY: VerificationLevel
VERIFICATION_LEVEL_FULL: VerificationLevel
SOCIAL_PROVIDER_UNSPECIFIED: SocialProvider
SOCIAL_PROVIDER_GOOGLE: SocialProvider
SOCIAL_PROVIDER_APPLE: SocialProvider
SOCIAL_PROVIDER_FACEBOOK: SocialProvider

class Account(_message.Message):
    __slots__ = ("id", "email", "email_verified", "first_name", "last_name", "phone_number", "date_of_birth", "user_type", "status", "verification_level", "preferred_language", "timezone", "preferred_currency", "referral_code", "referred_by_user_id", "terms_accept_time", "privacy_accept_time", "two_factor_enabled", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    EMAIL_VERIFIED_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DATE_OF_BIRTH_FIELD_NUMBER: _ClassVar[int]
    USER_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_LEVEL_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    REFERRAL_CODE_FIELD_NUMBER: _ClassVar[int]
    REFERRED_BY_USER_ID_FIELD_NUMBER: _ClassVar[int]
    TERMS_ACCEPT_TIME_FIELD_NUMBER: _ClassVar[int]
    PRIVACY_ACCEPT_TIME_FIELD_NUMBER: _ClassVar[int]
    TWO_FACTOR_ENABLED_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    email: str
    email_verified: bool
    first_name: str
    last_name: str
    phone_number: str
    date_of_birth: _date_pb2.Date
    user_type: UserType
    status: UserStatus
    verification_level: VerificationLevel
    preferred_language: str
    timezone: str
    preferred_currency: str
    referral_code: str
    referred_by_user_id: str
    terms_accept_time: _timestamp_pb2.Timestamp
    privacy_accept_time: _timestamp_pb2.Timestamp
    two_factor_enabled: bool
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., email: _Optional[str] = ..., email_verified: _Optional[bool] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., phone_number: _Optional[str] = ..., date_of_birth: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., user_type: _Optional[_Union[UserType, str]] = ..., status: _Optional[_Union[UserStatus, str]] = ..., verification_level: _Optional[_Union[VerificationLevel, str]] = ..., preferred_language: _Optional[str] = ..., timezone: _Optional[str] = ..., preferred_currency: _Optional[str] = ..., referral_code: _Optional[str] = ..., referred_by_user_id: _Optional[str] = ..., terms_accept_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., privacy_accept_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., two_factor_enabled: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DeviceInfo(_message.Message):
    __slots__ = ("device_id", "device_type", "platform", "app_version", "push_token", "location")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    DEVICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    APP_VERSION_FIELD_NUMBER: _ClassVar[int]
    PUSH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    device_type: _common_pb2.DeviceType
    platform: _common_pb2.Platform
    app_version: str
    push_token: str
    location: str
    def __init__(self, device_id: _Optional[str] = ..., device_type: _Optional[_Union[_common_pb2.DeviceType, str]] = ..., platform: _Optional[_Union[_common_pb2.Platform, str]] = ..., app_version: _Optional[str] = ..., push_token: _Optional[str] = ..., location: _Optional[str] = ...) -> None: ...

class AuthTokens(_message.Message):
    __slots__ = ("access_token", "refresh_token", "token_type", "expires_in_seconds", "access_token_expire_time", "refresh_token_expire_time", "session_id")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOKEN_TYPE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    refresh_token: str
    token_type: str
    expires_in_seconds: int
    access_token_expire_time: _timestamp_pb2.Timestamp
    refresh_token_expire_time: _timestamp_pb2.Timestamp
    session_id: str
    def __init__(self, access_token: _Optional[str] = ..., refresh_token: _Optional[str] = ..., token_type: _Optional[str] = ..., expires_in_seconds: _Optional[int] = ..., access_token_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., refresh_token_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., session_id: _Optional[str] = ...) -> None: ...

class Session(_message.Message):
    __slots__ = ("id", "device_id", "device_type", "platform", "app_version", "ip_address", "location", "create_time", "last_active_time", "expire_time", "current")
    ID_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    DEVICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    APP_VERSION_FIELD_NUMBER: _ClassVar[int]
    IP_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_ACTIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    id: str
    device_id: str
    device_type: _common_pb2.DeviceType
    platform: _common_pb2.Platform
    app_version: str
    ip_address: str
    location: str
    create_time: _timestamp_pb2.Timestamp
    last_active_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    current: bool
    def __init__(self, id: _Optional[str] = ..., device_id: _Optional[str] = ..., device_type: _Optional[_Union[_common_pb2.DeviceType, str]] = ..., platform: _Optional[_Union[_common_pb2.Platform, str]] = ..., app_version: _Optional[str] = ..., ip_address: _Optional[str] = ..., location: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_active_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., current: _Optional[bool] = ...) -> None: ...

class RegisterRequest(_message.Message):
    __slots__ = ("email", "password", "first_name", "last_name", "user_type", "phone_number", "preferred_language", "timezone", "preferred_currency", "referral_code", "accept_terms", "accept_privacy", "request_id")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    USER_TYPE_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    REFERRAL_CODE_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_TERMS_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_PRIVACY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    email: str
    password: str
    first_name: str
    last_name: str
    user_type: UserType
    phone_number: str
    preferred_language: str
    timezone: str
    preferred_currency: str
    referral_code: str
    accept_terms: bool
    accept_privacy: bool
    request_id: str
    def __init__(self, email: _Optional[str] = ..., password: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., user_type: _Optional[_Union[UserType, str]] = ..., phone_number: _Optional[str] = ..., preferred_language: _Optional[str] = ..., timezone: _Optional[str] = ..., preferred_currency: _Optional[str] = ..., referral_code: _Optional[str] = ..., accept_terms: _Optional[bool] = ..., accept_privacy: _Optional[bool] = ..., request_id: _Optional[str] = ...) -> None: ...

class RegisterResponse(_message.Message):
    __slots__ = ("account", "verification_expire_time")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    account: Account
    verification_expire_time: _timestamp_pb2.Timestamp
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., verification_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class VerifyEmailRequest(_message.Message):
    __slots__ = ("token", "device")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    token: str
    device: DeviceInfo
    def __init__(self, token: _Optional[str] = ..., device: _Optional[_Union[DeviceInfo, _Mapping]] = ...) -> None: ...

class VerifyEmailResponse(_message.Message):
    __slots__ = ("account", "tokens")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    account: Account
    tokens: AuthTokens
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., tokens: _Optional[_Union[AuthTokens, _Mapping]] = ...) -> None: ...

class ResendVerificationRequest(_message.Message):
    __slots__ = ("email",)
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    email: str
    def __init__(self, email: _Optional[str] = ...) -> None: ...

class ResendVerificationResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LoginRequest(_message.Message):
    __slots__ = ("email", "password", "device")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    email: str
    password: str
    device: DeviceInfo
    def __init__(self, email: _Optional[str] = ..., password: _Optional[str] = ..., device: _Optional[_Union[DeviceInfo, _Mapping]] = ...) -> None: ...

class LoginResponse(_message.Message):
    __slots__ = ("tokens", "account", "two_factor_required", "two_factor_token", "account_created")
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    TWO_FACTOR_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    TWO_FACTOR_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_CREATED_FIELD_NUMBER: _ClassVar[int]
    tokens: AuthTokens
    account: Account
    two_factor_required: bool
    two_factor_token: str
    account_created: bool
    def __init__(self, tokens: _Optional[_Union[AuthTokens, _Mapping]] = ..., account: _Optional[_Union[Account, _Mapping]] = ..., two_factor_required: _Optional[bool] = ..., two_factor_token: _Optional[str] = ..., account_created: _Optional[bool] = ...) -> None: ...

class LoginTwoFactorRequest(_message.Message):
    __slots__ = ("two_factor_token", "code")
    TWO_FACTOR_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    two_factor_token: str
    code: str
    def __init__(self, two_factor_token: _Optional[str] = ..., code: _Optional[str] = ...) -> None: ...

class SocialLoginRequest(_message.Message):
    __slots__ = ("provider", "token", "device", "user_type", "first_name", "last_name", "referral_code", "accept_terms", "accept_privacy")
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    USER_TYPE_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    REFERRAL_CODE_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_TERMS_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_PRIVACY_FIELD_NUMBER: _ClassVar[int]
    provider: SocialProvider
    token: str
    device: DeviceInfo
    user_type: UserType
    first_name: str
    last_name: str
    referral_code: str
    accept_terms: bool
    accept_privacy: bool
    def __init__(self, provider: _Optional[_Union[SocialProvider, str]] = ..., token: _Optional[str] = ..., device: _Optional[_Union[DeviceInfo, _Mapping]] = ..., user_type: _Optional[_Union[UserType, str]] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., referral_code: _Optional[str] = ..., accept_terms: _Optional[bool] = ..., accept_privacy: _Optional[bool] = ...) -> None: ...

class RefreshTokenRequest(_message.Message):
    __slots__ = ("refresh_token",)
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    refresh_token: str
    def __init__(self, refresh_token: _Optional[str] = ...) -> None: ...

class LogoutRequest(_message.Message):
    __slots__ = ("all_devices",)
    ALL_DEVICES_FIELD_NUMBER: _ClassVar[int]
    all_devices: bool
    def __init__(self, all_devices: _Optional[bool] = ...) -> None: ...

class LogoutResponse(_message.Message):
    __slots__ = ("revoked_sessions",)
    REVOKED_SESSIONS_FIELD_NUMBER: _ClassVar[int]
    revoked_sessions: int
    def __init__(self, revoked_sessions: _Optional[int] = ...) -> None: ...

class ForgotPasswordRequest(_message.Message):
    __slots__ = ("email",)
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    email: str
    def __init__(self, email: _Optional[str] = ...) -> None: ...

class ForgotPasswordResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ResetPasswordRequest(_message.Message):
    __slots__ = ("token", "new_password")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    NEW_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    token: str
    new_password: str
    def __init__(self, token: _Optional[str] = ..., new_password: _Optional[str] = ...) -> None: ...

class ResetPasswordResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ChangePasswordRequest(_message.Message):
    __slots__ = ("current_password", "new_password")
    CURRENT_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    NEW_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    current_password: str
    new_password: str
    def __init__(self, current_password: _Optional[str] = ..., new_password: _Optional[str] = ...) -> None: ...

class ChangePasswordResponse(_message.Message):
    __slots__ = ("revoked_sessions",)
    REVOKED_SESSIONS_FIELD_NUMBER: _ClassVar[int]
    revoked_sessions: int
    def __init__(self, revoked_sessions: _Optional[int] = ...) -> None: ...

class SetupTwoFactorRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetupTwoFactorResponse(_message.Message):
    __slots__ = ("secret", "otpauth_uri", "qr_code_png", "backup_codes")
    SECRET_FIELD_NUMBER: _ClassVar[int]
    OTPAUTH_URI_FIELD_NUMBER: _ClassVar[int]
    QR_CODE_PNG_FIELD_NUMBER: _ClassVar[int]
    BACKUP_CODES_FIELD_NUMBER: _ClassVar[int]
    secret: str
    otpauth_uri: str
    qr_code_png: bytes
    backup_codes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, secret: _Optional[str] = ..., otpauth_uri: _Optional[str] = ..., qr_code_png: _Optional[bytes] = ..., backup_codes: _Optional[_Iterable[str]] = ...) -> None: ...

class EnableTwoFactorRequest(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class EnableTwoFactorResponse(_message.Message):
    __slots__ = ("enable_time",)
    ENABLE_TIME_FIELD_NUMBER: _ClassVar[int]
    enable_time: _timestamp_pb2.Timestamp
    def __init__(self, enable_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DisableTwoFactorRequest(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class DisableTwoFactorResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ValidateTokenRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ValidateTokenResponse(_message.Message):
    __slots__ = ("account", "session_id", "roles", "permissions", "expire_time")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    account: Account
    session_id: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    permissions: _containers.RepeatedScalarFieldContainer[str]
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., session_id: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., permissions: _Optional[_Iterable[str]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListSessionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSessionsResponse(_message.Message):
    __slots__ = ("sessions", "next_page_token")
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    sessions: _containers.RepeatedCompositeFieldContainer[Session]
    next_page_token: str
    def __init__(self, sessions: _Optional[_Iterable[_Union[Session, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RevokeSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class RevokeSessionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RevokeAllSessionsRequest(_message.Message):
    __slots__ = ("keep_current",)
    KEEP_CURRENT_FIELD_NUMBER: _ClassVar[int]
    keep_current: bool
    def __init__(self, keep_current: _Optional[bool] = ...) -> None: ...

class RevokeAllSessionsResponse(_message.Message):
    __slots__ = ("revoked_sessions",)
    REVOKED_SESSIONS_FIELD_NUMBER: _ClassVar[int]
    revoked_sessions: int
    def __init__(self, revoked_sessions: _Optional[int] = ...) -> None: ...

class GetAccountRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UpdateAccountRequest(_message.Message):
    __slots__ = ("account", "update_mask")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    account: Account
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class DeactivateAccountRequest(_message.Message):
    __slots__ = ("password", "reason")
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    password: str
    reason: str
    def __init__(self, password: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DeactivateAccountResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DeleteAccountRequest(_message.Message):
    __slots__ = ("password", "reason")
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    password: str
    reason: str
    def __init__(self, password: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DeleteAccountResponse(_message.Message):
    __slots__ = ("delete_time",)
    DELETE_TIME_FIELD_NUMBER: _ClassVar[int]
    delete_time: _timestamp_pb2.Timestamp
    def __init__(self, delete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetJwksRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class JsonWebKey(_message.Message):
    __slots__ = ("kty", "crv", "x", "y", "kid", "alg", "use")
    KTY_FIELD_NUMBER: _ClassVar[int]
    CRV_FIELD_NUMBER: _ClassVar[int]
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    KID_FIELD_NUMBER: _ClassVar[int]
    ALG_FIELD_NUMBER: _ClassVar[int]
    USE_FIELD_NUMBER: _ClassVar[int]
    kty: str
    crv: str
    x: str
    y: str
    kid: str
    alg: str
    use: str
    def __init__(self, kty: _Optional[str] = ..., crv: _Optional[str] = ..., x: _Optional[str] = ..., y: _Optional[str] = ..., kid: _Optional[str] = ..., alg: _Optional[str] = ..., use: _Optional[str] = ...) -> None: ...

class JsonWebKeySet(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[JsonWebKey]
    def __init__(self, keys: _Optional[_Iterable[_Union[JsonWebKey, _Mapping]]] = ...) -> None: ...

class RotateSigningKeyRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RotateSigningKeyResponse(_message.Message):
    __slots__ = ("kid", "previous_key_retire_time")
    KID_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_KEY_RETIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    kid: str
    previous_key_retire_time: _timestamp_pb2.Timestamp
    def __init__(self, kid: _Optional[str] = ..., previous_key_retire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class BatchGetUsersRequest(_message.Message):
    __slots__ = ("user_ids",)
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class UserSummary(_message.Message):
    __slots__ = ("id", "first_name", "last_name", "user_type", "status", "verification_level", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    USER_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_LEVEL_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    first_name: str
    last_name: str
    user_type: UserType
    status: UserStatus
    verification_level: VerificationLevel
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., user_type: _Optional[_Union[UserType, str]] = ..., status: _Optional[_Union[UserStatus, str]] = ..., verification_level: _Optional[_Union[VerificationLevel, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class BatchGetUsersResponse(_message.Message):
    __slots__ = ("users",)
    USERS_FIELD_NUMBER: _ClassVar[int]
    users: _containers.RepeatedCompositeFieldContainer[UserSummary]
    def __init__(self, users: _Optional[_Iterable[_Union[UserSummary, _Mapping]]] = ...) -> None: ...

class SetVerificationLevelRequest(_message.Message):
    __slots__ = ("user_id", "level", "reason", "raise_only")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RAISE_ONLY_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    level: VerificationLevel
    reason: str
    raise_only: bool
    def __init__(self, user_id: _Optional[str] = ..., level: _Optional[_Union[VerificationLevel, str]] = ..., reason: _Optional[str] = ..., raise_only: _Optional[bool] = ...) -> None: ...

class SetVerificationLevelResponse(_message.Message):
    __slots__ = ("previous_level", "level")
    PREVIOUS_LEVEL_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    previous_level: VerificationLevel
    level: VerificationLevel
    def __init__(self, previous_level: _Optional[_Union[VerificationLevel, str]] = ..., level: _Optional[_Union[VerificationLevel, str]] = ...) -> None: ...
