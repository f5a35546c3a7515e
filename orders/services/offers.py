"""Second-chance offers: when a winner does not pay, the seller offers the lot to the next
bidder at that bidder's own highest bid (eBay's rule); accepting opens a new order.

Who is next: among the auction's non-voided bidders who have had neither an order nor an offer
on it, the one whose highest bid (their maximum, else their amount) is largest; on a tie the one
who bid first. Accepting, declining and expiring are conditional updates on the offer's status,
so of two racing decisions exactly one applies.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Min
from django.db.models.functions import Coalesce
from django.utils import timezone

from auctions.models import Bid
from core.audit import AuditAction, audit_record
from core.errors import InvalidState, NotAllowed
from core.templatetags.money import format_money
from orders import notices
from orders.errors import NOT_YOUR_ORDER, OFFER_CLOSED
from orders.models import Order, SecondChanceOffer
from orders.services.orders import order_open

OS = SecondChanceOffer.Status


def next_bidder(*, auction_id: int) -> tuple[int, int] | None:
    """(bidder id, their highest bid) of the next bidder to offer the lot to, or None."""
    tried = set(Order.objects.filter(auction_id=auction_id).values_list("buyer_id", flat=True))
    tried |= set(
        SecondChanceOffer.objects.filter(auction_id=auction_id).values_list("bidder_id", flat=True)
    )
    rows = (
        Bid.objects.filter(auction_id=auction_id, voided=False)
        .exclude(bidder_id__in=tried)
        .exclude(bidder__is_active=False)
        .exclude(bidder__is_suspended=True)
        .values("bidder_id")
        .annotate(top=Max(Coalesce("max_amount", "amount")), first=Min("seq"))
        .order_by(F("top").desc(), "first")
    )
    row = rows.first()
    return (row["bidder_id"], row["top"]) if row else None


def _offer_target(row: Order, actor) -> tuple[int, int]:
    """(bidder id, price) of the offer `actor` may make on `row`, or the refusal."""
    if actor.pk != row.seller_id:
        raise NotAllowed(NOT_YOUR_ORDER)
    if row.status != Order.Status.CLOSED:
        raise InvalidState("A second-chance offer follows an order that closed unpaid.")
    auction_id = row.auction_id
    if Order.objects.filter(auction_id=auction_id).exclude(status=Order.Status.CLOSED).exists():
        raise InvalidState("This lot already has an order.")
    if SecondChanceOffer.objects.filter(auction_id=auction_id, status=OS.OPEN).exists():
        raise InvalidState("This lot already has an open offer.")
    chosen = next_bidder(auction_id=auction_id)
    if chosen is None:
        raise InvalidState("No other bidder is left to offer this lot to.")
    return chosen


def offer_preview(*, order: Order, actor) -> tuple[int, int]:
    """(bidder id, price) `offer_make` would offer the lot of `order` to and at, for the
    seller's confirmation page; raises the refusal `offer_make` would raise instead.

    The price is the next bidder's own highest bid, which is private until offered: nobody
    sees it unless an offer can be made now.
    """
    row = Order.objects.get(pk=order.pk)
    return _offer_target(row, actor)


def offer_make(*, order: Order, actor) -> SecondChanceOffer:
    """The seller offers the lot of `order` (closed unpaid) to the next bidder.

    Refused unless `actor` is the order's seller, the order closed unpaid, the auction has no
    live order and no open offer, and a next bidder exists.
    """
    with transaction.atomic():
        row = Order.objects.select_for_update().select_related("auction").get(pk=order.pk)
        bidder_id, price = _offer_target(row, actor)
        auction = row.auction
        try:
            with transaction.atomic():
                offer = SecondChanceOffer.objects.create(
                    auction=auction,
                    source_order=row,
                    bidder_id=bidder_id,
                    price=price,
                    expires_at=timezone.now() + timedelta(hours=settings.GAVEL_SECOND_CHANCE_HOURS),
                )
        except IntegrityError as error:
            # A racing offer on the same lot took the one open slot.
            raise InvalidState("This lot already has an open offer.") from error
        audit_record(
            actor=actor,
            action=AuditAction.OFFER_MAKE,
            target=offer,
            data={"bidder": bidder_id, "price": price, "order": row.pk},
        )
        notices.announce(
            order=row,
            step="offer",
            to=[offer.bidder],
            link=offer.get_absolute_url(),
            text=f"Second chance: “{auction.title}” is yours for {format_money(price)} "
            f"if you accept before {offer.expires_at:%Y-%m-%d %H:%M} UTC.",
            offer=offer,
        )
    return offer


def _decide(offer: SecondChanceOffer, actor, to: str, now: datetime) -> SecondChanceOffer:
    """Move an open, unexpired offer to `to` for its bidder, or raise InvalidState (NotAllowed when it is not the actor's)."""
    if actor.pk != offer.bidder_id:
        raise NotAllowed("This offer is not yours.")
    changed = SecondChanceOffer.objects.filter(
        pk=offer.pk, status=OS.OPEN, expires_at__gt=now
    ).update(status=to, decided_at=now)
    if not changed:
        raise InvalidState(OFFER_CLOSED)
    return SecondChanceOffer.objects.select_related("auction", "bidder", "source_order").get(
        pk=offer.pk
    )


def offer_accept(*, offer: SecondChanceOffer, actor) -> Order:
    """The bidder takes the offer: a new order at the offer's price. Exactly one of two
    racing accepts (or an accept racing the expiry) succeeds; the other is refused."""
    now = timezone.now()
    with transaction.atomic():
        row = _decide(offer, actor, OS.ACCEPTED, now)
        try:
            with transaction.atomic():
                order = order_open(
                    auction_id=row.auction_id,
                    buyer_id=row.bidder_id,
                    seller_id=row.auction.seller_id,
                    price=row.price,
                    origin=Order.Origin.SECOND_CHANCE,
                )
        except IntegrityError as error:
            raise InvalidState("This lot already has an order.") from error
        SecondChanceOffer.objects.filter(pk=row.pk).update(order=order)
        audit_record(
            actor=actor, action=AuditAction.OFFER_ACCEPT, target=row, data={"order": order.pk}
        )
        notices.announce(
            order=order,
            step="offer_accepted",
            to=[order.seller],
            text=f"Your second-chance offer on “{row.auction.title}” was accepted.",
        )
    offer.status, offer.order = OS.ACCEPTED, order
    return order


def offer_decline(*, offer: SecondChanceOffer, actor) -> SecondChanceOffer:
    """The bidder turns the offer down; the seller may then offer the next bidder."""
    now = timezone.now()
    with transaction.atomic():
        row = _decide(offer, actor, OS.DECLINED, now)
        audit_record(actor=actor, action=AuditAction.OFFER_DECLINE, target=row)
        notices.announce(
            order=row.source_order,
            step="offer_declined",
            to=[row.auction.seller],
            text=f"Your second-chance offer on “{row.auction.title}” was declined.",
        )
    offer.status = OS.DECLINED
    return row


def offers_expire(*, now: datetime | None = None) -> int:
    """Expire open offers past `expires_at` (the worker's job); returns how many."""
    now = now or timezone.now()
    expired = 0
    for pk in list(
        SecondChanceOffer.objects.filter(status=OS.OPEN, expires_at__lte=now).values_list(
            "pk", flat=True
        )
    ):
        with transaction.atomic():
            if not SecondChanceOffer.objects.filter(pk=pk, status=OS.OPEN).update(
                status=OS.EXPIRED, decided_at=now
            ):
                continue
            row = SecondChanceOffer.objects.select_related("auction__seller", "source_order").get(
                pk=pk
            )
            audit_record(actor=None, action=AuditAction.OFFER_EXPIRE, target=row)
            notices.announce(
                order=row.source_order,
                step="offer_expired",
                to=[row.auction.seller],
                text=f"Your second-chance offer on “{row.auction.title}” expired.",
            )
            expired += 1
    return expired
