"""Gavel's system of record: auctions, the bid ledger, their durable events, watches, reports and
the audit log. Money is integer minor units (`MoneyField`); the database enforces the rules that
a form could forget.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from core.fields import MoneyField


def default_extension_window():
    return settings.GAVEL_DEFAULT_EXTENSION


class Category(models.Model):
    """A browse category, e.g. "Watches"."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class AuctionQuerySet(models.QuerySet):
    def public(self):
        """Auctions bidders may see: approved and published, including ended and cancelled ones."""
        return self.filter(
            status__in=[Auction.Status.SCHEDULED, Auction.Status.ENDED, Auction.Status.CANCELLED]
        )


class Auction(models.Model):
    """One item for sale. Whether a scheduled auction is open is decided by the clock.

    `ends_at` is the end the seller set; soft-close extensions are derived from the bid ledger
    (and held live in Redis), and `hard_close_at` caps them when set.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PENDING = "pending", "Pending approval"
        REJECTED = "rejected", "Rejected"
        SCHEDULED = "scheduled", "Published"
        ENDED = "ended", "Ended"
        CANCELLED = "cancelled", "Cancelled"

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="auctions_selling"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="auctions"
    )
    image = models.ImageField(upload_to="auctions/%Y/%m/", blank=True)

    starting_price = MoneyField()
    reserve_price = MoneyField(
        null=True, blank=True, help_text="Hidden from bidders; below it there is no winner."
    )
    buy_now_price = MoneyField(
        null=True,
        blank=True,
        help_text="Offered until the first bid (or until the reserve is met).",
    )
    increment = MoneyField(
        null=True, blank=True, help_text="A fixed increment; blank uses the site's tiered table."
    )
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()
    extension_window = models.DurationField(
        default=default_extension_window,
        help_text="A bid this close to the end moves the end to now + this window.",
    )
    hard_close_at = models.DateTimeField(
        null=True, blank=True, help_text="Soft close never extends the end past this moment."
    )

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    moderation_reason = models.CharField(
        max_length=500, blank=True, help_text="Why a moderator rejected the listing."
    )
    cancel_reason = models.CharField(max_length=500, blank=True)

    winner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="auctions_won",
    )
    final_price = MoneyField(null=True, blank=True)
    reserve_met = models.BooleanField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    # A lot of a catalog sale (`sales`): None for a single-item auction.
    sale = models.ForeignKey(
        "sales.Sale", on_delete=models.PROTECT, null=True, blank=True, related_name="lots"
    )
    lot_number = models.PositiveIntegerField(
        null=True, blank=True, help_text="The lot's number in its sale; lots close in this order."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AuctionQuerySet.as_manager()

    class Meta:
        ordering = ["ends_at", "id"]
        indexes = [models.Index(fields=["status", "ends_at"])]
        permissions = [
            ("moderate_auction", "Can approve, reject and cancel any auction"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["sale", "lot_number"], name="auction_lot_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(sale__isnull=True) | Q(lot_number__isnull=False),
                name="auction_lot_has_number",
            ),
            models.CheckConstraint(
                condition=Q(starting_price__gt=0), name="auction_starting_price_positive"
            ),
            models.CheckConstraint(
                condition=Q(reserve_price__isnull=True) | Q(reserve_price__gte=F("starting_price")),
                name="auction_reserve_at_least_start",
            ),
            models.CheckConstraint(
                condition=Q(buy_now_price__isnull=True) | Q(buy_now_price__gt=F("starting_price")),
                name="auction_buy_now_above_start",
            ),
            models.CheckConstraint(
                condition=Q(increment__isnull=True) | Q(increment__gt=0),
                name="auction_increment_positive",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="auction_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(hard_close_at__isnull=True) | Q(hard_close_at__gte=F("ends_at")),
                name="auction_hard_close_after_end",
            ),
            models.CheckConstraint(
                condition=Q(extension_window__gte=timedelta(0)),
                name="auction_extension_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(final_price__isnull=True) | Q(final_price__gt=0),
                name="auction_final_price_positive",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("auctions:detail", args=[self.pk])

    def clean(self):
        """Field errors for the rules the check constraints enforce, plus the site's durations."""
        errors = {}
        start = self.starting_price
        if start is not None:
            if self.reserve_price is not None and self.reserve_price < start:
                errors["reserve_price"] = "The reserve must be at least the starting price."
            if self.buy_now_price is not None and self.buy_now_price <= start:
                errors["buy_now_price"] = "Buy it now must be above the starting price."
        if self.starts_at and self.ends_at:
            duration = self.ends_at - self.starts_at
            if duration <= timedelta(0):
                errors["ends_at"] = "The end must be after the start."
            elif duration < settings.GAVEL_MIN_DURATION:
                errors["ends_at"] = f"An auction lasts at least {settings.GAVEL_MIN_DURATION}."
            elif duration > settings.GAVEL_MAX_DURATION:
                errors["ends_at"] = f"An auction lasts at most {settings.GAVEL_MAX_DURATION}."
            if self.hard_close_at is not None and self.hard_close_at < self.ends_at:
                errors["hard_close_at"] = "The hard close cannot be before the end."
        if self.sale_id is not None and self.lot_number is None:
            errors["lot_number"] = "A lot of a sale needs a lot number."
        if self.sale_id is None and self.lot_number is not None:
            errors["lot_number"] = "Only a lot of a sale has a lot number."
        if self.extension_window is not None and self.extension_window < timedelta(0):
            errors["extension_window"] = "The extension window cannot be negative."
        if errors:
            raise ValidationError(errors)


class AuctionPhoto(models.Model):
    """One more photo of a lot, for the gallery; `Auction.image` stays the main photo."""

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="auctions/%Y/%m/")
    alt = models.CharField(
        max_length=200, blank=True, help_text="What the photo shows, for people who cannot see it."
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first.")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        # The admin's inline labels each row with this: the file, not a bare position and id.
        return self.alt or (self.image.name.rsplit("/", 1)[-1] if self.image else "New photo")


class Bid(models.Model):
    """One accepted bid: a row of the append-only ledger. Voiding flags it; nothing deletes it.

    `amount` is what the bidder offered (empty when a leader only raised their maximum),
    `max_amount` their proxy ceiling, `price` the auction's price right after this bid, and
    `placed_at` Redis time. `seq` is the auction's event number of this bid. `leader` is who led
    right after it: when that is someone else, their maximum answered this bid at once.
    """

    class Kind(models.TextChoices):
        BID = "bid", "Bid"
        BUY_NOW = "buy_now", "Buy it now"

    auction = models.ForeignKey(Auction, on_delete=models.PROTECT, related_name="bids")
    bidder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bids"
    )
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.BID)
    amount = MoneyField(null=True, blank=True)
    max_amount = MoneyField(null=True, blank=True)
    price = MoneyField()
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    placed_at = models.DateTimeField()
    request_id = models.CharField(max_length=64)
    voided = models.BooleanField(default=False)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["auction", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["auction", "seq"], name="bid_unique_seq"),
            models.UniqueConstraint(
                fields=["auction", "bidder", "request_id"], name="bid_unique_request_id"
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=False) | Q(max_amount__isnull=False),
                name="bid_has_amount_or_max",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True)
                | Q(max_amount__isnull=True)
                | Q(max_amount__gte=F("amount")),
                name="bid_max_at_least_amount",
            ),
            models.CheckConstraint(condition=Q(price__gt=0), name="bid_price_positive"),
            models.CheckConstraint(
                condition=(Q(amount__isnull=True) | Q(amount__gt=0))
                & (Q(max_amount__isnull=True) | Q(max_amount__gt=0)),
                name="bid_amounts_positive",
            ),
        ]

    def __str__(self):
        return f"#{self.seq} on auction {self.auction_id}"


class AuctionEvent(models.Model):
    """A durable event of one auction, numbered by `seq` with no gap (docs/design.md §4).

    The same events travel over the Redis stream and the channel layer; this table is their
    system of record, so clients can resume with `since=<seq>` even after Redis was lost.
    """

    class Type(models.TextChoices):
        BID = "bid"
        EXTENDED = "extended"
        ENDED = "ended"
        CANCELLED = "cancelled"
        BID_VOIDED = "bid_voided"

    auction = models.ForeignKey(Auction, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=16, choices=Type.choices)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["auction", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["auction", "seq"], name="event_unique_seq"),
        ]

    def __str__(self):
        return f"{self.type} #{self.seq} on auction {self.auction_id}"


class Watch(models.Model):
    """A user watching an auction (their watchlist)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches"
    )
    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="watches")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "watches"
        constraints = [
            models.UniqueConstraint(fields=["user", "auction"], name="watch_unique_user_auction")
        ]

    def __str__(self):
        return f"{self.user} watches {self.auction}"


class Report(models.Model):
    """A bidder's report of a listing, for the moderation queue."""

    class Reason(models.TextChoices):
        PROHIBITED = "prohibited", "Prohibited item"
        COUNTERFEIT = "counterfeit", "Counterfeit or replica"
        MISLEADING = "misleading", "Misleading description"
        SHILL_BIDDING = "shill_bidding", "Suspected shill bidding"
        OTHER = "other", "Something else"

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    details = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["auction", "reporter"],
                condition=Q(resolved_at__isnull=True),
                name="report_one_open_per_reporter",
            )
        ]

    def __str__(self):
        return f"{self.get_reason_display()} on {self.auction}"
