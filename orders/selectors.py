"""Reads of the after-sale for pages: orders people may see, offers, feedback scores."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import Lower

from accounts.models import User
from core.roles import is_moderator
from orders.models import Feedback, Order, SecondChanceOffer


def order_visible_get(*, order_id: int, user) -> Order | None:
    """The order if `user` is its buyer, its seller or a moderator; else None (a 404)."""
    if not getattr(user, "is_authenticated", False):
        return None
    order = Order.objects.select_related("auction", "buyer", "seller").filter(pk=order_id).first()
    if order is None:
        return None
    if order.involves(user) or is_moderator(user):
        return order
    return None


def order_of_winner(*, auction, user) -> Order | None:
    """`user`'s order for `auction` (the one its sale opened), or None."""
    if not user.is_authenticated:
        return None
    return Order.objects.filter(auction=auction, buyer=user).first()


def orders_of_buyer(*, user) -> list[Order]:
    """The user's orders as a buyer, newest first."""
    return list(Order.objects.filter(buyer=user).select_related("auction", "seller"))


def offers_open_for(*, user) -> list[SecondChanceOffer]:
    """Second-chance offers waiting for `user`'s answer."""
    return list(
        SecondChanceOffer.objects.filter(bidder=user, status=SecondChanceOffer.Status.OPEN)
        .select_related("auction")
        .order_by("expires_at")
    )


def offer_visible_get(*, offer_id: int, user) -> SecondChanceOffer | None:
    """The offer if `user` is its bidder, the lot's seller or a moderator; else None."""
    if not getattr(user, "is_authenticated", False):
        return None
    offer = (
        SecondChanceOffer.objects.select_related("auction__seller", "bidder")
        .filter(pk=offer_id)
        .first()
    )
    if offer is None:
        return None
    if user.pk in (offer.bidder_id, offer.auction.seller_id) or is_moderator(user):
        return offer
    return None


def feedback_left_by(*, order: Order, user) -> Feedback | None:
    return Feedback.objects.filter(order=order, author=user).first()


def seller_by_name(*, name: str) -> User | None:
    """The seller whose public name (else username) is `name`, case-insensitively.

    Only users who have listed something are sellers here: a bidder's username (masked
    everywhere else) is never confirmed by this page.
    """
    name = name.strip()
    if not name or "\x00" in name:
        return None  # no name holds a NUL (and PostgreSQL would refuse the query)
    sellers = User.objects.filter(auctions_selling__isnull=False).distinct()
    match = sellers.filter(public_name__iexact=name).first()
    if match is not None:
        return match
    # A user who set a public name is not found by their username.
    return (
        sellers.annotate(lname=Lower("username")).filter(public_name="", lname=name.lower()).first()
    )


def seller_name(user) -> str:
    """The name a seller is shown under (`User.display_name`)."""
    return user.display_name


@dataclass(frozen=True)
class Score:
    """A user's feedback as a seller: eBay's score (positives − negatives) and counts."""

    positive: int
    neutral: int
    negative: int

    @property
    def score(self) -> int:
        return self.positive - self.negative

    @property
    def percent_positive(self) -> int | None:
        rated = self.positive + self.negative
        return round(100 * self.positive / rated) if rated else None


def seller_score(*, user) -> Score:
    """Counts of the feedback `user` received from buyers."""
    counts = Feedback.objects.filter(recipient=user, role=Feedback.Role.BUYER).aggregate(
        positive=Count("pk", filter=Q(rating=1)),
        neutral=Count("pk", filter=Q(rating=0)),
        negative=Count("pk", filter=Q(rating=-1)),
    )
    return Score(**counts)


def seller_recent_feedback(*, user, limit: int = 20) -> list[Feedback]:
    """The latest feedback buyers left `user`, newest first."""
    return list(
        Feedback.objects.filter(recipient=user, role=Feedback.Role.BUYER)
        .select_related("order__auction", "author")
        .order_by("-created_at", "-id")[:limit]
    )
