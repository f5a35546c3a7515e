"""`MoneyField`: a BigIntegerField of minor units that forms show and accept as money."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.errors import InvalidAmount
from core.money import format_money, parse_human_amount


class MoneyFormField(forms.Field):
    """The one money input of every form (bid form and admin alike): text as people type it in
    the site currency ("$1,250.00", "1250", "1,250.50 USD"), integer minor units out.

    Initial values in minor units are shown as money ("$1,250.00"), so what a form shows is
    what it reads back. `allow_zero` takes 0 (a shipping cost); otherwise amounts are positive
    and within `GAVEL_MAX_AMOUNT` (see `core.money.parse_human_amount`).
    """

    widget = forms.TextInput
    max_length = 32

    def __init__(self, *, allow_zero: bool = False, **kwargs):
        self.allow_zero = allow_zero
        # What model fields pass for a number input; the parser applies the bounds instead.
        for key in ("max_digits", "decimal_places", "min_value", "max_value", "validators"):
            kwargs.pop(key, None)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "decimal", "autocomplete": "off", "maxlength": self.max_length})
        return attrs

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return format_money(value)
        return value

    def to_python(self, value):
        value = "" if value is None else str(value).strip()
        if not value:
            return None
        try:
            if len(value) > self.max_length:
                raise InvalidAmount()
            return parse_human_amount(value, allow_zero=self.allow_zero)
        except InvalidAmount as error:
            raise forms.ValidationError(error.message, code=error.code) from None

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != (initial if initial != "" else None)
        except forms.ValidationError:
            return True


class MoneyField(models.BigIntegerField):
    """Money in integer minor units (cents), positive and within `GAVEL_MAX_AMOUNT`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "validators", [MinValueValidator(1), MaxValueValidator(settings.GAVEL_MAX_AMOUNT)]
        )
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        # The bounds come from settings at run time; migrations need not freeze them.
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("validators", None)
        return name, path, args, kwargs

    def formfield(
        self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any
    ) -> Any:
        return super().formfield(
            form_class=form_class or MoneyFormField, choices_form_class=choices_form_class, **kwargs
        )
