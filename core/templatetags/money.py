"""`{{ cents|money }}`: minor units as the site shows money, "$1,250.00" or "1,250.00 CHF"."""

from django import template

from core.money import SYMBOLS, format_money

__all__ = ["SYMBOLS", "format_money", "money"]

register = template.Library()


@register.filter
def money(cents) -> str:
    """The template filter: `{{ auction.starting_price|money }}`."""
    try:
        return format_money(cents)
    except (TypeError, ValueError):
        return ""
