"""`MoneyField`: a BigIntegerField of minor units that forms show and accept as decimals."""

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from auctions.money import minor_per_unit, to_decimal


class MoneyFormField(forms.DecimalField):
    """A decimal input ("150.00") whose cleaned value is integer minor units (15000)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 15)
        kwargs.setdefault("decimal_places", settings.GAVEL_CURRENCY_DECIMALS)
        kwargs.setdefault("min_value", Decimal(1) / minor_per_unit())
        kwargs.setdefault("max_value", to_decimal(settings.GAVEL_MAX_AMOUNT))
        # The model's validators speak minor units; the decimal bounds above replace them.
        kwargs.pop("validators", None)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return to_decimal(value)
        return super().prepare_value(value)

    def clean(self, value):
        amount = super().clean(value)
        if amount is None:
            return None
        return int(amount * minor_per_unit())

    def has_changed(self, initial, data):
        if isinstance(initial, int):
            initial = to_decimal(initial)
        return super().has_changed(initial, data)


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
