"""Auth's own settings (environment variables; README lists them with defaults)."""
from __future__ import annotations

from dataclasses import dataclass

from services.common.config import DEV_SECRET, Settings, env, env_int
from services.common.ratelimit import Limit


@dataclass
class AuthSettings:
    base: Settings
    access_ttl: int
    refresh_ttl: int
    verification_ttl: int
    reset_ttl: int
    challenge_ttl: int
    argon_time_cost: int
    argon_memory_kib: int
    argon_parallelism: int
    encryption_key: str
    key_rotation_days: int
    key_overlap_seconds: int
    key_publish_delay: int
    limit_login: Limit
    limit_register: Limit
    limit_reset: Limit
    limit_verification: Limit
    limit_two_factor: Limit
    totp_issuer: str
    email_transport: str   # "log" | "smtp"
    smtp_host: str
    smtp_port: int
    email_from: str
    app_url: str

    @classmethod
    def from_env(cls) -> "AuthSettings":
        base = Settings.for_service("auth")
        s = cls(
            base=base,
            access_ttl=env_int("AUTH_ACCESS_TOKEN_TTL_SECONDS", 900),
            refresh_ttl=env_int("AUTH_REFRESH_TOKEN_TTL_SECONDS", 30 * 86400),
            verification_ttl=env_int("AUTH_VERIFICATION_TTL_SECONDS", 86400),
            reset_ttl=env_int("AUTH_RESET_TTL_SECONDS", 3600),
            challenge_ttl=env_int("AUTH_2FA_CHALLENGE_TTL_SECONDS", 300),
            # OWASP's argon2id minimum (19 MiB, t=2, p=1): ~35 ms of CPU a hash on these machines.
            argon_time_cost=env_int("AUTH_ARGON2_TIME_COST", 2),
            argon_memory_kib=env_int("AUTH_ARGON2_MEMORY_KIB", 19456),
            argon_parallelism=env_int("AUTH_ARGON2_PARALLELISM", 1),
            encryption_key=env("AUTH_ENCRYPTION_KEY", DEV_SECRET),
            key_rotation_days=env_int("AUTH_KEY_ROTATION_DAYS", 30),
            key_overlap_seconds=env_int("AUTH_KEY_OVERLAP_SECONDS", 86400),
            key_publish_delay=env_int("AUTH_KEY_PUBLISH_DELAY_SECONDS", 60),
            limit_login=Limit.parse("login", env("AUTH_LIMIT_LOGIN", "5/900")),
            limit_register=Limit.parse("register", env("AUTH_LIMIT_REGISTER", "3/3600")),
            limit_reset=Limit.parse("password_reset", env("AUTH_LIMIT_PASSWORD_RESET", "3/3600")),
            limit_verification=Limit.parse("verification", env("AUTH_LIMIT_VERIFICATION", "5/3600")),
            limit_two_factor=Limit.parse("two_factor", env("AUTH_LIMIT_2FA", "5/900")),
            totp_issuer=env("AUTH_TOTP_ISSUER", "P2P Delivery"),
            email_transport=env("EMAIL_TRANSPORT", "log"),
            smtp_host=env("SMTP_HOST", "127.0.0.1"),
            smtp_port=env_int("SMTP_PORT", 1025),
            email_from=env("EMAIL_FROM", "P2P Delivery <no-reply@p2p-delivery.local>"),
            app_url=env("APP_URL", "http://127.0.0.1:8080"),
        )
        if env("P2P_ENV", "development") == "production" and s.encryption_key == DEV_SECRET:
            raise RuntimeError("AUTH_ENCRYPTION_KEY must be set in production")
        return s
