"""Money: parsing user input into minor units and formatting it back (no services)."""

from decimal import Decimal

import pytest

from core.errors import InvalidAmount
from core.money import format_amount, parse_amount, to_decimal


@pytest.mark.parametrize(
    ("value", "cents"),
    [
        ("12.50", 1250),
        ("12", 1200),
        (12, 1200),
        (12.5, 1250),
        ("0.01", 1),
        (" 7.1 ", 710),
        (Decimal("3.33"), 333),
        ("10000000.00", 1_000_000_000),
    ],
)
def test_parse_amount_accepts_positive_decimals_with_two_places(value, cents):
    assert parse_amount(value) == cents


@pytest.mark.parametrize(
    "value",
    [
        "abc",
        "-5",
        "0",
        "0.00",
        "1.001",
        1e309,
        "NaN",
        "Infinity",
        float("nan"),
        float("inf"),
        "1e3",
        "10000000.01",
        10**20,
        True,
        None,
        "",
        "1,5",
        "+5",
        [1],
        {"a": 1},
        0.001,
        -1,
    ],
)
def test_parse_amount_refuses_anything_else(value):
    with pytest.raises(InvalidAmount):
        parse_amount(value)


def test_format_and_decimal_round_trip():
    assert format_amount(15000) == "150.00"
    assert format_amount(5) == "0.05"
    assert format_amount(None) is None
    assert to_decimal(1250) == Decimal("12.50")
    assert parse_amount(format_amount(123456)) == 123456
