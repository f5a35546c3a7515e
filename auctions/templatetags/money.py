"""`{{ cents|money }}`: minor units as the site shows money, "$1,250.00" or "1,250.00 CHF"."""

from django import template
from django.conf import settings

from auctions.money import minor_per_unit

register = template.Library()

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


@register.filter
def money(cents) -> str:
    """The template filter: `{{ auction.starting_price|money }}`."""
    try:
        return format_money(cents)
    except (TypeError, ValueError):
        return ""
