"""Money as integer minor units (cents): parsing user input and formatting for display.

Floats never hold money. `parse_amount` is the one gate every amount from a form, the JSON API
or a WebSocket passes through; anything it refuses raises `InvalidAmount`. People's text (every
form, the admin's included) goes through `parse_human_amount` on top of it, and money is shown
to people by `format_money` (the `money` template filter).
"""

import re
from decimal import Decimal
from typing import overload

from django.conf import settings

from core.errors import InvalidAmount
from core.json_input import JsonNumber

# ASCII digits with at most the currency's decimals; no sign, no exponent, no NaN or Infinity
# (`\d` would also take other scripts' digits, such as "𝟓𝟎𝟎").
_AMOUNT_TEXT = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,2})?")


def minor_per_unit() -> int:
    """How many minor units make one unit of the site currency (100 for two decimals)."""
    return 10**settings.GAVEL_CURRENCY_DECIMALS


def parse_amount(value: object) -> int:
    """Turn a decimal string or JSON number into positive minor units, or raise InvalidAmount.

    Accepts `"12.50"`, `"12"`, `12`, `12.5`; refuses booleans, exponents (`1e2`, also as a
    JSON number read by `core.json_input`), other scripts' digits, NaN, Infinity,
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


# Currencies written with a leading symbol; any other shows its code after the amount.
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def format_money(cents: int | None) -> str:
    """Format minor units for people: 125000 → "$1,250.00" (the JS formats the same way)."""
    if cents is None or cents == "":
        return ""
    units, minor = divmod(int(cents), minor_per_unit())
    decimals = settings.GAVEL_CURRENCY_DECIMALS
    text = f"{units:,}.{minor:0{decimals}d}" if decimals else f"{units:,}"
    currency = settings.GAVEL_CURRENCY
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


# What people type: an optional currency symbol or code, digits grouped by commas (or not),
# optional decimals. ASCII digits only; the strict gate (`parse_amount`) decides the rest.
_HUMAN_AMOUNT = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")


def _without_currency(text: str) -> str:
    currency = settings.GAVEL_CURRENCY
    symbol = SYMBOLS.get(currency)
    if symbol and text.startswith(symbol):
        text = text[len(symbol) :].lstrip()
    if text.upper().startswith(currency):
        text = text[len(currency) :].lstrip()
    if text.upper().endswith(currency):
        text = text[: -len(currency)].rstrip()
    return text


def parse_human_amount(value: str, *, allow_zero: bool = False) -> int:
    """An amount as a person types it into a form, in minor units, or raise InvalidAmount.

    Accepts what `parse_amount` accepts plus the site currency's symbol or code and thousands
    separators: `"1,000.00"`, `"$1,000.00"`, `"$700"`, `"700 USD"`; zero too when `allow_zero`
    (a shipping cost). An amount above the site maximum gets its own message. The result always
    passes through `parse_amount`, so a form never accepts a value the API would refuse once
    written plainly.
    """
    text = _without_currency(value.strip())
    if not _HUMAN_AMOUNT.fullmatch(text):
        raise InvalidAmount()
    plain = text.replace(",", "")
    if Decimal(plain) * minor_per_unit() > settings.GAVEL_MAX_AMOUNT:
        raise InvalidAmount(f"The most you can bid is {format_money(settings.GAVEL_MAX_AMOUNT)}.")
    if allow_zero and Decimal(plain) == 0:
        return 0
    return parse_amount(plain)


def to_decimal(cents: int | None) -> Decimal | None:
    """Minor units as a Decimal in currency units, for forms: 15000 → Decimal("150.00")."""
    if cents is None:
        return None
    return Decimal(int(cents)) / minor_per_unit()
