"""Pricing rules, in integer minor units (never floats).

Estimated price of a request (rules from DeliveriesSettings.pricing, per currency unit):

    weight_part   = ceil(weight_grams x per_kg_minor / 1000)
    distance_part = ceil(distance_meters x per_km_minor / 1000)
    subtotal      = base_minor + weight_part + distance_part
    price         = ceil(subtotal x urgency_bp / 10000)          STANDARD 10000, EXPRESS, URGENT from settings
    price         = ceil(price x fragile_bp / 10000)   if fragile

Every step rounds up, so the result is an integer, never negative for non-negative inputs,
and monotone (non-decreasing) in weight and distance. A trip's price for an item uses the
same formula with the trip's own rules (its express multiplier for EXPRESS and URGENT).
"""
from __future__ import annotations

from services.deliveries.domain.values import TripPricing
from services.deliveries.settings import PricingRules

ONE = 10_000   # basis points for x1.0


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def apply_bp(amount: int, bp: int) -> int:
    return ceil_div(amount * (bp or ONE), ONE)


def subtotal(base: int, per_kg: int, per_km: int, weight_grams: int, distance_meters: int) -> int:
    return base + ceil_div(weight_grams * per_kg, 1000) + ceil_div(distance_meters * per_km, 1000)


def urgency_bp(rules: PricingRules, urgency: str) -> int:
    return {"express": rules.express_bp, "urgent": rules.urgent_bp}.get(urgency, ONE)


def estimate(rules: PricingRules, *, weight_grams: int, distance_meters: int, urgency: str, fragile: bool) -> int:
    if weight_grams < 0 or distance_meters < 0:
        raise ValueError("weight and distance must be non-negative")
    price = subtotal(rules.base_minor, rules.per_kg_minor, rules.per_km_minor, weight_grams, distance_meters)
    price = apply_bp(price, urgency_bp(rules, urgency))
    if fragile:
        price = apply_bp(price, rules.fragile_bp)
    return price


def trip_price(p: TripPricing, *, weight_grams: int, distance_meters: int, urgency: str, fragile: bool) -> int:
    price = subtotal(max(p.base_minor, 0), max(p.per_kg_minor, 0), max(p.per_km_minor, 0),
                     weight_grams, distance_meters)
    if urgency in ("express", "urgent"):
        price = apply_bp(price, max(p.express_bp, 0))
    if fragile:
        price = apply_bp(price, max(p.fragile_bp, 0))
    return price
