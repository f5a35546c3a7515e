"""A person's own data: the JSON export (`/me/export/`) and the account deletion that
pseudonymizes them while the bid ledger, orders and feedback keep their rows."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from auctions.errors import NotAllowed
from auctions.models import Auction, Bid, Watch
from auctions.money import format_amount
from auctions.services.audit import audit_record
from orders.models import Feedback, Order, SecondChanceOffer


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _money(cents) -> str | None:
    return format_amount(cents) if cents is not None else None


def _order(order: Order) -> dict:
    return {
        "id": order.pk,
        "auction_id": order.auction_id,
        "title": order.auction.title,
        "status": order.status,
        "price": _money(order.price),
        "shipping_cost": _money(order.shipping_cost),
        "shipping_name": order.shipping_name,
        "shipping_address": order.shipping_address,
        "tracking_note": order.tracking_note,
        "created_at": _iso(order.created_at),
    }


def account_export(*, user: User) -> dict:
    """Everything Gavel holds about `user` as their own: account, bids (with their own
    maximums), watches, orders (bought and sold), offers and feedback they gave or received."""
    bids = Bid.objects.filter(bidder=user).select_related("auction").order_by("placed_at", "pk")
    watches = Watch.objects.filter(user=user).select_related("auction")
    related = ("auction",)
    return {
        "account": {
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "public_name": user.public_name,
            "email_confirmed": user.email_confirmed,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "bids": [
            {
                "auction_id": bid.auction_id,
                "title": bid.auction.title,
                "seq": bid.seq,
                "kind": bid.kind,
                "amount": _money(bid.amount),
                "max_amount": _money(bid.max_amount),
                "price": _money(bid.price),
                "placed_at": _iso(bid.placed_at),
                "voided": bid.voided,
            }
            for bid in bids
        ],
        "watches": [
            {"auction_id": w.auction_id, "title": w.auction.title, "since": _iso(w.created_at)}
            for w in watches
        ],
        "orders": [_order(o) for o in Order.objects.filter(buyer=user).select_related(*related)],
        "sales": [_order(o) for o in Order.objects.filter(seller=user).select_related(*related)],
        "second_chance_offers": [
            {
                "auction_id": offer.auction_id,
                "price": _money(offer.price),
                "status": offer.status,
                "expires_at": _iso(offer.expires_at),
            }
            for offer in SecondChanceOffer.objects.filter(bidder=user)
        ],
        "feedback_given": [
            {"order_id": f.order_id, "rating": f.rating, "comment": f.comment}
            for f in Feedback.objects.filter(author=user)
        ],
        "feedback_received": [
            {"order_id": f.order_id, "rating": f.rating, "comment": f.comment}
            for f in Feedback.objects.filter(recipient=user)
        ],
    }


UNFINISHED = (Order.Status.AWAITING_PAYMENT, Order.Status.PAID, Order.Status.SHIPPED)


def account_delete(*, user: User) -> User:
    """Delete `user`'s account by pseudonymizing it: name, email and profile are erased, the
    password unusable, the account inactive; watches and notices go; bids, orders and
    feedback stay (the ledger must replay), credited to "deleted-<id>".

    Refused for staff (sellers and moderators leave through an operator), while an order is
    unfinished, and while they have bids on an auction that has not ended.
    """
    if user.is_staff or user.is_superuser:
        raise NotAllowed("Staff accounts are closed by an administrator.")
    if Order.objects.filter(status__in=UNFINISHED).filter(buyer=user).exists():
        raise NotAllowed("Finish your open orders before deleting your account.")
    open_bids = Bid.objects.filter(
        bidder=user,
        voided=False,
        auction__status=Auction.Status.SCHEDULED,
    )
    if open_bids.exists():
        raise NotAllowed("You have bids on auctions that have not ended yet.")
    with transaction.atomic():
        row = User.objects.select_for_update().get(pk=user.pk)
        row.username = f"deleted-{row.pk}"
        row.email = ""
        row.first_name = row.last_name = row.public_name = ""
        row.is_active = False
        row.email_confirmed = False
        row.set_unusable_password()
        row.save()
        Watch.objects.filter(user=row).delete()
        row.notices.all().delete()
        Order.objects.filter(buyer=row).update(shipping_name="", shipping_address="")
        SecondChanceOffer.objects.filter(bidder=row, status="open").update(
            status=SecondChanceOffer.Status.DECLINED, decided_at=timezone.now()
        )
        audit_record(actor=row, action="account.delete", target=row)
    return row
