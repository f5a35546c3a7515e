"""Notices to people: private live events (outbid, won) and plain-text emails.

Everything here runs after the write it reports has committed (`transaction.on_commit`), and a
failing mail server never fails the write: the durable record is the ledger, not the email.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from accounts.models import User
from auctions.events import outbid_event, publish_user_event, won_event
from auctions.money import format_amount

log = logging.getLogger(__name__)


def _currency() -> str:
    return getattr(settings, "GAVEL_CURRENCY", "USD")


def _mail(user: User, template: str, context: dict) -> None:
    """Queue one plain-text email (subject = first line of the template) after commit."""
    if not user.email:
        return
    text = render_to_string(
        f"auctions/email/{template}.txt", {"user": user, "currency": _currency(), **context}
    )
    subject, _, body = text.strip().partition("\n")

    def send():
        try:
            send_mail(subject.strip(), body.strip() + "\n", None, [user.email])
        except Exception:
            log.exception("sending %s to user %s failed", template, user.pk)

    transaction.on_commit(send, robust=True)


def _users(ids) -> dict[int, User]:
    return {user.pk: user for user in User.objects.filter(pk__in=[i for i in ids if i])}


def notify_outbid(*, auction, user_id: int, price: int, min_bid: int) -> None:
    """Tell a former leader they were outbid: a private event and an email."""
    publish_user_event(
        user_id,
        outbid_event(auction_id=auction.pk, title=auction.title, price=price, min_bid=min_bid),
    )
    user = _users([user_id]).get(user_id)
    if user is not None:
        _mail(
            user,
            "outbid",
            {"auction": auction, "price": format_amount(price), "min_bid": format_amount(min_bid)},
        )


def notify_ended(*, auction, winner_id: int | None, final_price: int | None) -> None:
    """The result: the winner gets `won` + an email; the seller gets the winner or "not sold"."""
    people = _users([winner_id, auction.seller_id])
    winner = people.get(winner_id) if winner_id else None
    price = format_amount(final_price) if final_price else None
    if winner is not None:
        publish_user_event(
            winner.pk,
            won_event(auction_id=auction.pk, title=auction.title, final_price=final_price),
        )
        _mail(winner, "won", {"auction": auction, "price": price})
    seller = people.get(auction.seller_id)
    if seller is not None:
        _mail(
            seller,
            "sold" if winner else "not_sold",
            {"auction": auction, "price": price, "winner": winner},
        )


def notify_cancelled(*, auction, reason: str) -> None:
    """Email everyone who placed a (non-voided) bid that the auction was cancelled."""
    bidder_ids = auction.bids.filter(voided=False).values_list("bidder_id", flat=True).distinct()
    for user in _users(set(bidder_ids)).values():
        _mail(user, "cancelled", {"auction": auction, "reason": reason})


def notify_voided(*, auction, bidder_id: int, seq: int, reason: str) -> None:
    """Email a bidder that one of their bids was voided by staff."""
    user = _users([bidder_id]).get(bidder_id)
    if user is not None:
        _mail(user, "voided", {"auction": auction, "seq": seq, "reason": reason})
