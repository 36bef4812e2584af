"""Users' own settings (environment variables, with defaults that work locally).

    USERS_BLOB_DIR                   .data/blobs/users   where the local blob store keeps photos and documents
    USERS_PHOTO_MAX_BYTES            5242880     profile photo upload limit (5 MiB)
    USERS_DOCUMENT_MAX_BYTES         10485760    identity document upload limit (10 MiB)
    USERS_UPLOAD_DRAIN_BYTES         33554432    a refused upload is still read up to this many bytes so that
                                                 the client gets the real status (INVALID_ARGUMENT), then cut
    GEOCODER_BASE_URL                https://nominatim.openstreetmap.org   Nominatim-format geocoder
    GEOCODER_TIMEOUT_SECONDS         5
    GEOCODER_USER_AGENT              p2p-delivery-users/0.1   (Nominatim's usage policy wants an identifying one)
    USERS_PHONE_CODE_TTL_SECONDS     600         a texted code's lifetime
    USERS_PHONE_CODE_SECRET          SERVICE_KEY HMAC key of stored phone codes (must be set in production)
    USERS_LIMIT_PHONE_SEND           3/3600      codes sent per user per window (seconds)
    USERS_LIMIT_PHONE_NUMBER         5/86400     codes sent per phone number per window
    USERS_LIMIT_PHONE_CONFIRM        5/900       wrong codes per user per window
    SMS_TRANSPORT                    log         "log": the users dispatcher writes texted codes to the log;
                                                 "outbox": they stay in outbox_events for the notifications service
    USERS_AUTH_TIMEOUT_SECONDS       3           deadline of calls to auth
"""
from __future__ import annotations

from dataclasses import dataclass

from services.common.config import DEV_SECRET, Settings, env, env_float, env_int
from services.common.ratelimit import Limit


@dataclass
class UsersSettings:
    base: Settings
    blob_dir: str
    photo_max_bytes: int
    document_max_bytes: int
    upload_drain_bytes: int
    geocoder_base_url: str
    geocoder_timeout: float
    geocoder_user_agent: str
    phone_code_ttl: int
    phone_code_secret: str
    limit_phone_send: Limit
    limit_phone_number: Limit
    limit_phone_confirm: Limit
    sms_transport: str
    auth_timeout: float

    @classmethod
    def from_env(cls) -> "UsersSettings":
        base = Settings.for_service("users")
        s = cls(
            base=base,
            blob_dir=env("USERS_BLOB_DIR", ".data/blobs/users"),
            photo_max_bytes=env_int("USERS_PHOTO_MAX_BYTES", 5 * 1024 * 1024),
            document_max_bytes=env_int("USERS_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024),
            upload_drain_bytes=env_int("USERS_UPLOAD_DRAIN_BYTES", 32 * 1024 * 1024),
            geocoder_base_url=env("GEOCODER_BASE_URL", "https://nominatim.openstreetmap.org"),
            geocoder_timeout=env_float("GEOCODER_TIMEOUT_SECONDS", 5.0),
            geocoder_user_agent=env("GEOCODER_USER_AGENT", "p2p-delivery-users/0.1"),
            phone_code_ttl=env_int("USERS_PHONE_CODE_TTL_SECONDS", 600),
            phone_code_secret=env("USERS_PHONE_CODE_SECRET", base.service_key),
            limit_phone_send=Limit.parse("phone_send", env("USERS_LIMIT_PHONE_SEND", "3/3600")),
            limit_phone_number=Limit.parse("phone_number", env("USERS_LIMIT_PHONE_NUMBER", "5/86400")),
            limit_phone_confirm=Limit.parse("phone_confirm", env("USERS_LIMIT_PHONE_CONFIRM", "5/900")),
            sms_transport=env("SMS_TRANSPORT", "log"),
            auth_timeout=env_float("USERS_AUTH_TIMEOUT_SECONDS", 3.0),
        )
        if s.sms_transport not in ("log", "outbox"):
            raise RuntimeError("SMS_TRANSPORT must be 'log' or 'outbox'")
        if env("P2P_ENV", "development") == "production" and s.phone_code_secret == DEV_SECRET:
            raise RuntimeError("USERS_PHONE_CODE_SECRET (or SERVICE_KEY) must be set in production")
        return s
