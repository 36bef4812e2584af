"""Property-based tests (hypothesis) of the plain rules: pricing, the compatibility score, the
delivery state machine table, and request validation. No server needed."""
from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from services.common.errors import InvalidArgument
from services.deliveries import store
from services.deliveries.domain import lifecycle, pricing, rules, scoring
from services.deliveries.domain.values import ItemInput, Point, RequestInput, StopInput, TripPricing
from services.deliveries.settings import PricingRules

RULES = PricingRules()
weights = st.integers(0, 10_000_000)
distances = st.integers(0, 40_000_000)
urgencies = st.sampled_from(store.URGENCIES)
rule_sets = st.builds(PricingRules, base_minor=st.integers(0, 10_000), per_kg_minor=st.integers(0, 10_000),
                      per_km_minor=st.integers(0, 1_000), express_bp=st.integers(10_000, 40_000),
                      urgent_bp=st.integers(10_000, 40_000), fragile_bp=st.integers(10_000, 40_000))


@given(rule_sets, weights, distances, urgencies, st.booleans())
def test_estimate_is_a_non_negative_integer(r, w, d, u, fragile):
    p = pricing.estimate(r, weight_grams=w, distance_meters=d, urgency=u, fragile=fragile)
    assert isinstance(p, int) and p >= 0
    assert p >= r.base_minor


@given(rule_sets, weights, weights, distances, urgencies, st.booleans())
def test_estimate_is_monotone_in_weight(r, w1, w2, d, u, fragile):
    lo, hi = sorted((w1, w2))
    assert pricing.estimate(r, weight_grams=lo, distance_meters=d, urgency=u, fragile=fragile) <= \
        pricing.estimate(r, weight_grams=hi, distance_meters=d, urgency=u, fragile=fragile)


@given(rule_sets, weights, distances, distances, urgencies, st.booleans())
def test_estimate_is_monotone_in_distance(r, w, d1, d2, u, fragile):
    lo, hi = sorted((d1, d2))
    assert pricing.estimate(r, weight_grams=w, distance_meters=lo, urgency=u, fragile=fragile) <= \
        pricing.estimate(r, weight_grams=w, distance_meters=hi, urgency=u, fragile=fragile)


@given(rule_sets, weights, distances)
def test_multipliers_never_lower_the_price(r, w, d):
    std = pricing.estimate(r, weight_grams=w, distance_meters=d, urgency="standard", fragile=False)
    assert pricing.estimate(r, weight_grams=w, distance_meters=d, urgency="express", fragile=False) >= std
    assert pricing.estimate(r, weight_grams=w, distance_meters=d, urgency="urgent", fragile=False) >= std
    assert pricing.estimate(r, weight_grams=w, distance_meters=d, urgency="standard", fragile=True) >= std


def test_estimate_worked_example():
    # 2 kg over 183.782 km, standard: 500 + 2*150 + ceil(183782*5/1000)=919 -> 1719
    assert pricing.estimate(RULES, weight_grams=2000, distance_meters=183_782, urgency="standard", fragile=False) == 1719
    # express x1.5 then fragile x1.25, each rounded up: 1719*1.5=2578.5->2579; *1.25=3223.75->3224
    assert pricing.estimate(RULES, weight_grams=2000, distance_meters=183_782, urgency="express", fragile=True) == 3224


@given(st.builds(TripPricing, st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 1_000),
                 st.integers(0, 40_000), st.integers(0, 40_000), st.just("EUR")), weights, weights, distances,
       urgencies, st.booleans())
def test_trip_price_is_monotone_and_integer(p, w1, w2, d, u, fragile):
    lo, hi = sorted((w1, w2))
    a = pricing.trip_price(p, weight_grams=lo, distance_meters=d, urgency=u, fragile=fragile)
    b = pricing.trip_price(p, weight_grams=hi, distance_meters=d, urgency=u, fragile=fragile)
    assert isinstance(a, int) and 0 <= a <= b


times = st.one_of(st.none(), st.datetimes(min_value=dt.datetime(2030, 1, 1), max_value=dt.datetime(2030, 2, 1),
                                          timezones=st.just(dt.timezone.utc)))


@given(st.integers(0, 400_000), st.integers(0, 400_000), st.integers(1, 300_000), times, times, times, times, times,
       times, st.one_of(st.none(), st.integers(0, 10**7)), st.one_of(st.none(), st.integers(0, 10**7)),
       st.one_of(st.none(), st.floats(0, 5)), st.integers(0, 50), st.integers(0, 50), st.booleans())
def test_score_and_components_stay_in_0_1(pd, dd, md_, dep, arr, ps, pe, ds, de, tp, mp, rating, c, x, pref):
    b = scoring.breakdown(pickup_detour=pd, dropoff_detour=dd, max_detour=md_, departure=dep, arrival=arr,
                          pickup_start=ps, pickup_end=pe, delivery_start=ds, delivery_end=de, trip_price_minor=tp,
                          trip_currency="EUR", max_price_minor=mp, currency="EUR", rating=rating, completed=c,
                          cancelled=x, preferred=pref)
    for name in ("detour", "time_fit", "price", "rating", "reliability"):
        assert 0.0 <= getattr(b, name) <= 1.0, name
    assert 0.0 <= b.score <= 1.0


@given(st.integers(0, 100_000), st.integers(0, 100_000), st.integers(0, 100_000))
def test_less_detour_never_scores_lower(a, b, extra):
    assert scoring.detour_score(a, b, 100_000) >= scoring.detour_score(a + extra, b, 100_000)


def test_price_score_rules():
    assert scoring.price_score(None, "EUR", 1000, "EUR") == 0.5
    assert scoring.price_score(500, "EUR", None, "EUR") == 0.5
    assert scoring.price_score(500, "USD", 1000, "EUR") == 0.5
    assert scoring.price_score(1500, "EUR", 1000, "EUR") == 0.0
    assert scoring.price_score(500, "EUR", 1000, "EUR") == 0.75
    assert scoring.price_score(0, "EUR", 1000, "EUR") == 1.0


def test_time_fit_decays_over_72_hours():
    t0 = dt.datetime(2030, 1, 10, tzinfo=dt.timezone.utc)
    inside = scoring.time_fit_score(t0, None, t0 - dt.timedelta(hours=1), t0 + dt.timedelta(hours=1), None, None)
    assert inside == 1.0
    half = scoring.time_fit_score(t0 - dt.timedelta(hours=36), None, t0, t0 + dt.timedelta(hours=1), None, None)
    assert half == 0.5
    assert scoring.time_fit_score(t0 - dt.timedelta(days=5), None, t0, None, None, None) == 0.0
    assert scoring.time_fit_score(t0, t0, None, None, None, None) == 1.0   # no windows


# -- the delivery state machine ---------------------------------------------------------------
ACTORS = ("customer", "traveler", "service:qr", "service:admin", "service:trips", "service:payments")
STATUSES = store.DELIVERY_STATUSES


def test_every_status_is_reachable_from_accepted():
    seen, frontier = {"accepted"}, ["accepted"]
    while frontier:
        s = frontier.pop()
        for r in lifecycle.RULES:
            if s in r.sources and r.to not in seen:
                seen.add(r.to)
                frontier.append(r.to)
    assert seen == set(STATUSES)


def test_terminal_states_have_no_way_out():
    for s in lifecycle.TERMINAL:
        assert not any(s in r.sources for r in lifecycle.RULES)


def test_cancellation_only_before_pickup_for_participants():
    for s in STATUSES:
        for who in ("customer", "traveler"):
            assert lifecycle.allowed(s, "cancelled", who) == (s in ("accepted", "pickup_scheduled"))


@settings(max_examples=300)
@given(st.lists(st.tuples(st.sampled_from(STATUSES), st.sampled_from(ACTORS)), max_size=20))
def test_random_walks_follow_the_table(steps):
    """Applying random (target, actor) moves through `allowed` only ever follows a declared rule,
    keeps scan confirmations with the traveler or qr, and never leaves a terminal state."""
    state = "accepted"
    for to, actor in steps:
        if lifecycle.allowed(state, to, actor):
            assert lifecycle.move_exists(state, to)
            assert state not in lifecycle.TERMINAL
            if to in ("picked_up", "delivered"):
                assert actor in ("traveler", "service:qr")
            if actor in ("service:trips", "service:payments"):
                raise AssertionError("unknown services move nothing")
            state = to


# -- validation -------------------------------------------------------------------------------
NOW = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)


def valid_input(**kw) -> RequestInput:
    base = dict(title="Books", urgency="standard",
                item=ItemInput(name="Books", category="books", quantity=2, weight_grams=1500),
                pickup=StopInput("A", Point(50.85, 4.35)), delivery=StopInput("B", Point(50.93, 6.96)))
    base.update(kw)
    return RequestInput(**base)


def test_valid_input_passes():
    rules.check_request(valid_input(), NOW)


@given(st.sampled_from(sorted(store.PROHIBITED_CATEGORIES)))
def test_prohibited_categories_are_refused(category):
    try:
        rules.check_request(valid_input(item=ItemInput(name="x", category=category, weight_grams=10)), NOW)
    except InvalidArgument as e:
        assert e.reason == "PROHIBITED_ITEM"
        assert ("delivery_request.item.category" in dict(e.violations))
    else:
        raise AssertionError("accepted a prohibited item")


@given(st.integers(-10**9, 10**9), st.floats(allow_nan=True, allow_infinity=True), st.floats(-1000, 1000))
def test_weights_ratings_and_coordinates_are_bounded(weight, rating, lat):
    inp = valid_input(min_traveler_rating=rating, pickup=StopInput("A", Point(lat, 4.35)),
                      item=ItemInput(name="x", category="books", weight_grams=weight))
    ok = 0 < weight <= rules.MAX_WEIGHT_GRAMS and 0 <= rating <= 5 and -90 <= lat <= 90 and (lat, 4.35) != (50.93, 6.96)
    try:
        rules.check_request(inp, NOW)
        assert ok
    except InvalidArgument as e:
        assert not ok, e.violations
