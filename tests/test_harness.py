"""The test harness itself: properties the other tests rely on."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import random_ip


def test_client_addresses_are_fresh_even_inside_hypothesis_examples():
    # Per-IP rate limits (5 logins / 15 min) are shared by the whole run: a test that exhausts one
    # must never hand its address to another. Hypothesis reseeds the global `random` identically
    # for every example, so the addresses must not come from it.
    seen = []

    @settings(max_examples=20, database=None)
    @given(st.integers())
    def draw(_):
        seen.append(random_ip())

    draw()
    seen += [random_ip() for _ in range(1000)]
    assert len(set(seen)) == len(seen)
