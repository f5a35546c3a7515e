"""The buyer's premium and tax in integer minor units: band edges and the rounding rule (each
component exact, then rounded once, half up; tax on the rounded premium)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sales.premium import Band, charges, describe, premium, rate_of, tax

# 25 % of the hammer up to 1,000.00, 20 % of the part above.
SCHEDULE = [Band(up_to=100_000, rate=25_000), Band(up_to=None, rate=20_000)]


@pytest.mark.parametrize(
    "hammer, expected",
    [
        (1, 0),  # 0.25 of a cent rounds down
        (2, 1),  # 0.5 of a cent rounds up (half up)
        (3, 1),  # 0.75 rounds up
        (99_999, 25_000),  # 24,999.75 → 25,000
        (100_000, 25_000),  # the edge: all at 25 %
        (100_001, 25_000),  # 25,000 + 0.2 → 25,000
        (100_003, 25_001),  # 25,000 + 0.6 → 25,001
        (150_000, 35_000),  # 25,000 + 20 % of 500.00
    ],
)
def test_the_premium_is_marginal_by_band_and_rounded_half_up_once(hammer, expected):
    assert premium(hammer, SCHEDULE) == expected


def test_bands_are_read_in_order_of_their_bounds():
    assert premium(150_000, list(reversed(SCHEDULE))) == 35_000


def test_three_bands():
    bands = [Band(100_000, 25_000), Band(500_000, 20_000), Band(None, 12_000)]
    # 25 % of 1,000 + 20 % of 4,000 + 12 % of 5,000 = 250 + 800 + 600
    assert premium(1_000_000, bands) == 165_000


def test_no_bands_no_premium_and_without_an_open_band_the_last_rate_goes_on():
    assert premium(12_345, []) == 0
    assert premium(200_000, [Band(100_000, 10_000)]) == 20_000


def test_rounding_happens_once_per_component_not_per_band():
    # Per band: 0.5 → 1 and 0.5 → 1 would give 2; exact then rounded: 1.0 → 1.
    bands = [Band(up_to=2, rate=25_000), Band(up_to=None, rate=25_000)]
    assert premium(4, bands) == 1


@pytest.mark.parametrize(
    "on_hammer, on_premium, expected",
    [(True, True, 11_094), (True, False, 8_875), (False, True, 2_219), (False, False, 0)],
)
def test_tax_applies_to_hammer_and_or_premium(on_hammer, on_premium, expected):
    # 8.875 % of 1,000.00 = 88.75 ; of the premium 250.00 = 22.1875 → 22.19 ; of both 110.9375
    assert (
        tax(hammer=100_000, premium=25_000, rate=8_875, on_hammer=on_hammer, on_premium=on_premium)
        == expected
    )


def test_charges_add_up_to_the_total():
    result = charges(
        hammer=150_000,
        bands=SCHEDULE,
        tax_rate=rate_of(Decimal("8.875")),
        tax_on_hammer=True,
        tax_on_premium=True,
        shipping=1_500,
    )
    assert (result.hammer, result.premium, result.tax, result.shipping) == (
        150_000,
        35_000,
        16_419,  # 8.875 % of 1,850.00 = 164.1875
        1_500,
    )
    assert result.total == 150_000 + 35_000 + 16_419 + 1_500


def test_describe():
    assert describe(SCHEDULE) == "25 % / 20 %"
    assert describe([Band(None, 12_500)]) == "12.5 %"
    assert rate_of(Decimal("8.875")) == 8_875


@given(
    hammer=st.integers(min_value=1, max_value=10**9),
    bound=st.integers(min_value=1, max_value=10**7),
    low=st.integers(min_value=0, max_value=100_000),
    high=st.integers(min_value=0, max_value=100_000),
)
def test_the_premium_is_within_half_a_minor_unit_of_the_exact_value(hammer, bound, low, high):
    bands = [Band(bound, low), Band(None, high)]
    exact = Decimal(min(hammer, bound) * low + max(0, hammer - bound) * high) / 100_000
    assert abs(premium(hammer, bands) - exact) <= Decimal("0.5")
