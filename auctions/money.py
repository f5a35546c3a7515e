"""Money as integer minor units (cents): parsing user input and formatting for display.

Floats never hold money. `parse_amount` is the one gate every amount from a form, the JSON API
or a WebSocket passes through; anything it refuses raises `InvalidAmount`.
"""

import re
from decimal import Decimal
from typing import overload

from django.conf import settings

from auctions.errors import InvalidAmount
from auctions.json_input import JsonNumber

# ASCII digits with at most the currency's decimals; no sign, no exponent, no NaN or Infinity
# (`\d` would also take other scripts' digits, such as "𝟓𝟎𝟎").
_AMOUNT_TEXT = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,2})?")


def minor_per_unit() -> int:
    """How many minor units make one unit of the site currency (100 for two decimals)."""
    return 10**settings.GAVEL_CURRENCY_DECIMALS


def parse_amount(value: object) -> int:
    """Turn a decimal string or JSON number into positive minor units, or raise InvalidAmount.

    Accepts `"12.50"`, `"12"`, `12`, `12.5`; refuses booleans, exponents (`1e2`, also as a
    JSON number read by `auctions.json_input`), other scripts' digits, NaN, Infinity,
    negatives, zero, more than two decimals and anything above `GAVEL_MAX_AMOUNT`.
    """
    if isinstance(value, bool) or value is None:
        raise InvalidAmount()
    if isinstance(value, JsonNumber):
        text = value.text  # as the client wrote it: "1e2" is refused, not read as 100.0
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        # JSON numbers arrive as floats; repr gives the shortest text that round-trips, so
        # 12.5 → "12.5" while 1e309 → "inf" and 1e-7 → "1e-07" are refused below.
        text = repr(value)
    elif isinstance(value, str | Decimal):
        text = str(value).strip()
    else:
        raise InvalidAmount()
    if not _AMOUNT_TEXT.fullmatch(text):
        raise InvalidAmount()
    cents = int(Decimal(text) * minor_per_unit())
    if cents <= 0 or cents > settings.GAVEL_MAX_AMOUNT:
        raise InvalidAmount()
    return cents


@overload
def format_amount(cents: int) -> str: ...


@overload
def format_amount(cents: None) -> None: ...


def format_amount(cents: int | None) -> str | None:
    """Format minor units as the public API's decimal string: 15000 → "150.00"."""
    if cents is None:
        return None
    units, minor = divmod(int(cents), minor_per_unit())
    return f"{units}.{minor:0{settings.GAVEL_CURRENCY_DECIMALS}d}"


def to_decimal(cents: int | None) -> Decimal | None:
    """Minor units as a Decimal in currency units, for forms: 15000 → Decimal("150.00")."""
    if cents is None:
        return None
    return Decimal(int(cents)) / minor_per_unit()
