"""After the hammer: the order each sale opens, second-chance offers and feedback.

Money is integer minor units (`MoneyField`). Status moves only through `orders.services`, which
audit and announce each step; the constraints below hold whatever a form forgets.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.fields import MoneyField


class Order(models.Model):
    """One sale between a buyer and a seller: awaiting payment → paid → shipped → received.

    An order left unpaid past `pay_by` is closed by the worker. Payment happens outside Gavel;
    the seller marks it received. An auction has at most one order that is not closed.
    """

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
        PAID = "paid", "Paid"
        SHIPPED = "shipped", "Shipped"
        RECEIVED = "received", "Received"
        CLOSED = "closed", "Closed unpaid"

    class Origin(models.TextChoices):
        SALE = "sale", "Won at auction"
        SECOND_CHANCE = "second_chance", "Second-chance offer"

    auction = models.ForeignKey("auctions.Auction", on_delete=models.PROTECT, related_name="orders")
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders_bought"
    )
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders_sold"
    )
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.SALE)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.AWAITING_PAYMENT
    )
    price = MoneyField(help_text="The hammer price (or the accepted offer).")
    premium = models.BigIntegerField(
        default=0, help_text="The buyer's premium on a lot of a sale, in minor units."
    )
    tax = models.BigIntegerField(
        default=0, help_text="Tax on the hammer and/or premium (a lot of a sale), minor units."
    )
    shipping_cost = models.BigIntegerField(
        default=0, help_text="Postage the seller charges, in minor units (0: none)."
    )
    pay_by = models.DateTimeField(help_text="Closed unpaid after this moment.")
    shipping_name = models.CharField(max_length=200, blank=True)
    shipping_address = models.TextField(max_length=1000, blank=True)
    tracking_note = models.CharField(max_length=200, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["auction", "buyer"], name="order_one_per_buyer"),
            models.UniqueConstraint(
                fields=["auction"],
                condition=~Q(status="closed"),
                name="order_one_live_per_auction",
            ),
            models.CheckConstraint(condition=Q(price__gt=0), name="order_price_positive"),
            models.CheckConstraint(
                condition=Q(shipping_cost__gte=0), name="order_shipping_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(premium__gte=0) & Q(tax__gte=0), name="order_charges_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(buyer=models.F("seller")), name="order_buyer_is_not_seller"
            ),
        ]

    def __str__(self):
        return f"Order {self.pk} · {self.auction}"

    def get_absolute_url(self) -> str:
        return reverse("orders:detail", args=[self.pk])

    @property
    def total(self) -> int:
        """What the buyer pays: the hammer price, the buyer's premium and tax (a lot of a
        sale), and postage."""
        return self.price + self.premium + self.tax + self.shipping_cost

    def involves(self, user) -> bool:
        """Whether `user` is this order's buyer or seller."""
        return getattr(user, "pk", None) in (self.buyer_id, self.seller_id)


class SecondChanceOffer(models.Model):
    """The seller's offer of an unpaid lot to the next bidder, at that bidder's own highest bid.

    Open until `expires_at`; accepting opens a new order. One offer per bidder and auction, and
    at most one open offer per auction.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Expired"

    auction = models.ForeignKey(
        "auctions.Auction", on_delete=models.PROTECT, related_name="second_chance_offers"
    )
    source_order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="second_chance_offers"
    )
    bidder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="second_chance_offers"
    )
    price = MoneyField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    order = models.OneToOneField(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="from_offer",
        help_text="The order the accepted offer opened.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["auction", "bidder"], name="offer_one_per_bidder"),
            models.UniqueConstraint(
                fields=["auction"], condition=Q(status="open"), name="offer_one_open_per_auction"
            ),
            models.CheckConstraint(condition=Q(price__gt=0), name="offer_price_positive"),
        ]

    def __str__(self):
        return f"Second-chance offer {self.pk} · {self.auction}"

    def get_absolute_url(self) -> str:
        return reverse("orders:offer", args=[self.pk])


class Feedback(models.Model):
    """One rating an order's buyer or seller leaves about the other, once per order each."""

    class Rating(models.IntegerChoices):
        POSITIVE = 1, "Positive"
        NEUTRAL = 0, "Neutral"
        NEGATIVE = -1, "Negative"

    class Role(models.TextChoices):
        BUYER = "buyer", "From the buyer"
        SELLER = "seller", "From the seller"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="feedback")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="feedback_given"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="feedback_received"
    )
    role = models.CharField(max_length=8, choices=Role.choices, help_text="The author's side.")
    rating = models.SmallIntegerField(choices=Rating.choices)
    comment = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "author"], name="feedback_one_per_author"),
            models.CheckConstraint(
                condition=Q(rating__in=[-1, 0, 1]), name="feedback_rating_known"
            ),
        ]

    def __str__(self):
        return f"{self.get_rating_display()} on order {self.order_id}"
