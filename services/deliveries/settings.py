"""Deliveries' own settings (environment variables, with defaults that work locally).

Pricing rules (integer minor units of the request's currency; multipliers in basis points,
10000 = x1.0):
    DELIVERIES_PRICE_BASE_MINOR          500     base price of every request
    DELIVERIES_PRICE_PER_KG_MINOR        150     per kilogram of total weight (per gram, rounded up)
    DELIVERIES_PRICE_PER_KM_MINOR        5       per kilometre pickup -> delivery (per metre, rounded up)
    DELIVERIES_EXPRESS_MULTIPLIER_BP     15000   urgency EXPRESS
    DELIVERIES_URGENT_MULTIPLIER_BP      20000   urgency URGENT
    DELIVERIES_FRAGILE_MULTIPLIER_BP     12500   fragile items
Other:
    DELIVERIES_DEFAULT_EXPIRY_HOURS      336     request expiry when neither expire_time nor a pickup window end is given
    DELIVERIES_EXPIRY_INTERVAL_SECONDS   5       how often the background job expires requests and offers
    DELIVERIES_WATCH_POLL_SECONDS        2       WatchOffers re-reads the offers at least this often (NOTIFY is the fast path)
    DELIVERIES_TRIPS_TIMEOUT_SECONDS     3       deadline of calls to the trips service
    DELIVERIES_ACCEPT_GUARD_SECONDS      60      after this, an accept's reservation that its saga could not settle
                                                 (crash, unknown commit outcome) is given back unless the delivery exists
"""
from __future__ import annotations

from dataclasses import dataclass

from services.common.config import Settings, env_float, env_int


@dataclass(frozen=True)
class PricingRules:
    base_minor: int = 500
    per_kg_minor: int = 150
    per_km_minor: int = 5
    express_bp: int = 15000
    urgent_bp: int = 20000
    fragile_bp: int = 12500


@dataclass
class DeliveriesSettings:
    base: Settings
    pricing: PricingRules
    default_expiry_hours: int
    expiry_interval_seconds: float
    watch_poll_seconds: float
    trips_timeout_seconds: float
    accept_guard_seconds: float = 60.0

    @classmethod
    def from_env(cls) -> "DeliveriesSettings":
        return cls(
            base=Settings.for_service("deliveries"),
            pricing=PricingRules(
                base_minor=env_int("DELIVERIES_PRICE_BASE_MINOR", 500),
                per_kg_minor=env_int("DELIVERIES_PRICE_PER_KG_MINOR", 150),
                per_km_minor=env_int("DELIVERIES_PRICE_PER_KM_MINOR", 5),
                express_bp=env_int("DELIVERIES_EXPRESS_MULTIPLIER_BP", 15000),
                urgent_bp=env_int("DELIVERIES_URGENT_MULTIPLIER_BP", 20000),
                fragile_bp=env_int("DELIVERIES_FRAGILE_MULTIPLIER_BP", 12500),
            ),
            default_expiry_hours=env_int("DELIVERIES_DEFAULT_EXPIRY_HOURS", 14 * 24),
            expiry_interval_seconds=env_float("DELIVERIES_EXPIRY_INTERVAL_SECONDS", 5.0),
            watch_poll_seconds=env_float("DELIVERIES_WATCH_POLL_SECONDS", 2.0),
            trips_timeout_seconds=env_float("DELIVERIES_TRIPS_TIMEOUT_SECONDS", 3.0),
            accept_guard_seconds=env_float("DELIVERIES_ACCEPT_GUARD_SECONDS", 60.0),
        )
