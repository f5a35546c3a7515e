"""Catalog sales (docs/design.md §3 "Sales"): a house's sale of numbered lots, its buyer's premium
schedule, tax, and the bidders registered for it.

A lot is an `auctions.Auction` with `sale` and `lot_number` set; an auction without a sale is a
single-item auction as before. Money is integer minor units (`MoneyField`); rates are percents
with three decimals, read by `sales.premium` as integer thousandths of a percent.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.fields import MoneyField

# A closing interval between two lots: at least a second, at most an hour.
MIN_INTERVAL_SECONDS = 1
MAX_INTERVAL_SECONDS = 3600


def _percent_field(**kwargs):
    return models.DecimalField(
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        **kwargs,
    )


class Sale(models.Model):
    """A catalog: lots that close one after another, lot 1 at `ends_at`, each next lot
    `closing_interval` seconds later (`sales.services.schedule`)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    class Approval(models.TextChoices):
        AUTOMATIC = "automatic", "Automatic"
        MANUAL = "manual", "Manual (a queue in the admin)"
        LIMIT = "limit", "Automatic, with the default credit limit"

    house = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sales_held"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    terms = models.TextField(help_text="Bidders accept these when they register.")
    preview_info = models.TextField(blank=True, help_text="When and where lots can be viewed.")
    pickup_info = models.TextField(blank=True, help_text="Pickup or shipping information.")
    currency = models.CharField(max_length=3, default="", editable=False)

    tax_rate = _percent_field(default=Decimal(0), help_text="Percent, e.g. 8.875.")
    tax_on_hammer = models.BooleanField(default=True)
    tax_on_premium = models.BooleanField(default=True)

    approval = models.CharField(max_length=16, choices=Approval.choices, default=Approval.AUTOMATIC)
    default_limit = MoneyField(
        null=True, blank=True, help_text="The credit limit automatic approval grants."
    )

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    ends_at = models.DateTimeField(help_text="When lot 1 closes.")
    closing_interval = models.PositiveIntegerField(
        default=30,
        validators=[
            MinValueValidator(MIN_INTERVAL_SECONDS),
            MaxValueValidator(MAX_INTERVAL_SECONDS),
        ],
        help_text="Seconds between the closing of one lot and the next.",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ends_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closing_interval__gte=MIN_INTERVAL_SECONDS)
                & Q(closing_interval__lte=MAX_INTERVAL_SECONDS),
                name="sale_interval_in_range",
            ),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0) & Q(tax_rate__lte=100), name="sale_tax_rate_in_range"
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.currency:
            self.currency = settings.GAVEL_CURRENCY
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("sales:detail", args=[self.pk])

    def clean(self):
        if self.approval == self.Approval.LIMIT and self.default_limit is None:
            raise ValidationError({"default_limit": "Automatic approval with a limit needs one."})


class PremiumBand(models.Model):
    """One band of the buyer's premium: `percent` of the part of the hammer price up to
    `up_to` (blank: everything above the previous band). See `sales.premium`."""

    sale = models.ForeignKey(Sale, on_delete=models.CASCADE, related_name="premium_bands")
    up_to = MoneyField(null=True, blank=True, help_text="Blank: the rest of the hammer price.")
    percent = _percent_field()

    class Meta:
        ordering = [models.F("up_to").asc(nulls_last=True)]
        constraints = [
            models.UniqueConstraint(fields=["sale", "up_to"], name="premium_band_unique_bound"),
            models.UniqueConstraint(
                fields=["sale"], condition=Q(up_to__isnull=True), name="premium_band_one_open"
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lte=100),
                name="premium_band_percent_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.percent} % up to {self.up_to or 'any amount'}"


class Registration(models.Model):
    """A bidder registered for a sale (terms accepted), with a paddle number unique in it.

    Only an approved registration may bid; `limit` (minor units, or none) caps the bidder's
    exposure in the sale. Status changes go through `sales.services.registration`, which audits
    them and writes the engine's copy.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    sale = models.ForeignKey(Sale, on_delete=models.CASCADE, related_name="registrations")
    bidder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sale_registrations"
    )
    paddle = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    limit = MoneyField(null=True, blank=True, help_text="Credit limit; blank: none.")
    reason = models.CharField(max_length=500, blank=True)
    terms_accepted_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sale", "paddle"]
        constraints = [
            models.UniqueConstraint(fields=["sale", "bidder"], name="registration_one_per_bidder"),
            models.UniqueConstraint(fields=["sale", "paddle"], name="registration_paddle_unique"),
        ]

    def __str__(self):
        return f"Paddle {self.paddle} · {self.sale}"
