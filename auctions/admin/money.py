"""Money in the admin: a read-only amount or a list column shows as the site shows money
("$1,250.00"), never as bare minor units. Editable amounts use `core.fields.MoneyFormField`.

`money_display(name, label)` makes the display method of one money field; `as_money(names)`
swaps the money fields among `names` for those methods (Django would print a read-only
`MoneyField` as the integer it stores).
"""

from collections.abc import Iterable

from django.contrib import admin

from core.money import format_money

SHOWN = "_shown"


def money_display(name: str, label: str):
    """The admin display method of the money field `name`: "$1,250.00", or "—" when empty."""

    @admin.display(description=label, ordering=name)
    def shown(self, obj) -> str:
        return format_money(getattr(obj, name)) or "—"

    shown.__name__ = f"{name}{SHOWN}"
    return shown


def as_money(names: Iterable[str], money_fields: Iterable[str]) -> list[str]:
    """`names` with each of `money_fields` replaced by its display method's name."""
    money = set(money_fields)
    return [f"{name}{SHOWN}" if name in money else name for name in names]
