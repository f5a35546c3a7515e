"""A person's own data: the JSON export (`/me/export/`) and the account deletion that
pseudonymizes them while the bid ledger, orders and feedback keep their rows.

Both cover everything a user wrote: the export holds it all (with the notices they were sent);
deletion erases it all (questions go, report details and feedback comments are emptied).
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from auctions.models import Auction, Bid, Report, Watch
from core.audit import AuditAction, audit_record
from core.errors import NotAllowed
from core.money import format_amount
from orders.models import Feedback, Order, SecondChanceOffer
from questions.models import Question


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


def _written(user: User) -> dict:
    """What `user` wrote besides bids and feedback: questions, answers, reports; and the
    notices Gavel sent them."""
    return {
        "questions": [
            {
                "auction_id": q.auction_id,
                "title": q.auction.title,
                "text": q.text,
                "answer": q.answer,
                "asked_at": _iso(q.created_at),
                "answered_at": _iso(q.answered_at),
                "hidden": q.hidden,
            }
            for q in Question.objects.filter(asker=user).select_related("auction")
        ],
        "answers_given": [
            {"auction_id": q.auction_id, "answer": q.answer, "answered_at": _iso(q.answered_at)}
            for q in Question.objects.filter(auction__seller=user).exclude(answer="")
        ],
        "reports": [
            {
                "auction_id": r.auction_id,
                "reason": r.reason,
                "details": r.details,
                "created_at": _iso(r.created_at),
                "resolved_at": _iso(r.resolved_at),
            }
            for r in Report.objects.filter(reporter=user)
        ],
        "notices": [
            {
                "kind": n.kind,
                "auction_id": n.auction_id,
                "text": n.text,
                "link": n.link,
                "created_at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
            }
            for n in user.notices.all()
        ],
    }


def account_export(*, user: User) -> dict:
    """Everything Gavel holds about `user` as their own: account, bids (with their own
    maximums), watches, orders (bought and sold), offers, feedback they gave or received,
    questions they asked or answered, reports they filed and notices they were sent."""
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
        **_written(user),
    }


UNFINISHED = (Order.Status.AWAITING_PAYMENT, Order.Status.PAID, Order.Status.SHIPPED)


@dataclass(frozen=True)
class DeleteBlockers:
    """What stands in the way of deleting an account, to show before the password is asked."""

    staff: bool
    orders: list[Order]
    auctions: list[Auction]

    def __bool__(self) -> bool:
        return self.staff or bool(self.orders) or bool(self.auctions)


def account_delete_blockers(*, user: User) -> DeleteBlockers:
    """Staff status, the unfinished orders bought and the open auctions bid on by `user`."""
    orders = Order.objects.filter(buyer=user, status__in=UNFINISHED).select_related("auction")
    auctions = Auction.objects.filter(
        status=Auction.Status.SCHEDULED,
        pk__in=Bid.objects.filter(bidder=user, voided=False).values("auction_id"),
    ).order_by("ends_at", "pk")
    return DeleteBlockers(
        staff=user.is_staff or user.is_superuser, orders=list(orders), auctions=list(auctions)
    )


def account_delete(*, user: User) -> User:
    """Delete `user`'s account by pseudonymizing it: name, email and profile are erased, the
    password unusable, the account inactive; watches, notices and questions go; the text they
    wrote in reports, feedback and shipping addresses is emptied; bids, orders, reports and
    feedback ratings stay (the ledger must replay, moderators keep the report), credited to
    "deleted-<id>".

    Refused for staff (sellers and moderators leave through an operator), while an order is
    unfinished, and while they have bids on an auction that has not ended.
    """
    blockers = account_delete_blockers(user=user)
    if blockers.staff:
        raise NotAllowed("Staff accounts are closed by an administrator.")
    if blockers.orders:
        raise NotAllowed("Finish your open orders before deleting your account.")
    if blockers.auctions:
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
        Question.objects.filter(asker=row).delete()
        Report.objects.filter(reporter=row).update(details="")
        Feedback.objects.filter(author=row).update(comment="")
        Order.objects.filter(buyer=row).update(shipping_name="", shipping_address="")
        SecondChanceOffer.objects.filter(bidder=row, status="open").update(
            status=SecondChanceOffer.Status.DECLINED, decided_at=timezone.now()
        )
        audit_record(actor=row, action=AuditAction.ACCOUNT_DELETE, target=row)
    return row
