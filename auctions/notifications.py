"""Notices to people: private live events (outbid, won) and plain-text emails.

One `queue_*` function per kind of notice is the only way in for the services. Emails go
through the durable outbox (`outbox.services`): the ones a ledger event implies (outbid, result,
cancellation, void) are written by `outbox_for_event` in the ledger's own transaction, the
others by their `queue_*` in the caller's; the outbox sends them after commit and the worker
retries whatever failed, so a crash or a slow mail server loses no notice and never delays a
bid's acknowledgement. Live events leave after commit and are never retried (the page resyncs).
"""

import logging
import uuid
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import models
from django.template.loader import render_to_string

from accounts.email_preferences import OPTIONAL, unsubscribe_url, wants_email
from accounts.models import User
from auctions.engine import BidPlaced, BidVoided, Cancelled, Ended, Event
from auctions.events import after_commit, outbid_event, publish_user_event, won_event
from auctions.models import Auction, Bid
from core.metrics import NOTICES_WAITING
from core.money import format_amount
from core.templatetags.money import format_money
from notices import kinds
from notices.services import notice_create
from orders.models import Order
from outbox.services import outbox_drain, outbox_enqueue, run_soon

log = logging.getLogger(__name__)


def notices_sent() -> None:
    """Wait until the jobs handed to sending threads are done (before a process exits)."""
    outbox_drain()


def _later(job: Callable[[], object]) -> None:
    """Run `job` after the current transaction commits, off the caller's path when configured
    (in-site notices; emails go through the outbox, which keeps them until they are sent)."""

    def start():
        NOTICES_WAITING.inc()

        def counted():
            try:
                return job()
            finally:
                NOTICES_WAITING.dec()

        run_soon(counted)

    after_commit(start)


def _notice(user_id: int | None, kind: str, auction, text: str, link: str = "") -> None:
    """Record an in-site notice (`/me/notices/`) after commit, off the caller's path."""
    if user_id:
        _later(
            lambda: notice_create(user=user_id, kind=kind, auction=auction, text=text, link=link)
        )


def _currency() -> str:
    return getattr(settings, "GAVEL_CURRENCY", "USD")


# Typographic quotes read as plain ones in a subject line: a subject stays ASCII (unencoded,
# readable in any client and in the console backend's output) unless a title itself is not.
ASCII_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


def email_message(user: User, template: str, context: dict) -> EmailMessage | None:
    """One plain-text email (subject = first line of the template), or None when not wanted.

    Links in it are absolute (`SITE_URL`); an optional kind (`email_preferences.OPTIONAL`) is
    skipped for a user who turned it off, and carries a one-click unsubscribe link and headers.
    """
    if not user.email or not wants_email(user=user, kind=template):
        return None
    headers = {}
    extra = {"site_url": settings.SITE_URL.rstrip("/"), "unsubscribe_url": ""}
    if template in OPTIONAL:
        extra["unsubscribe_url"] = unsubscribe_url(user=user, kind=template)
        headers["List-Unsubscribe"] = f"<{extra['unsubscribe_url']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    text = render_to_string(
        f"auctions/email/{template}.txt",
        {"user": user, "currency": _currency(), **extra, **context},
    )
    subject, _, body = text.strip().partition("\n")
    subject = subject.strip().translate(ASCII_QUOTES)
    return EmailMessage(subject, body.strip() + "\n", to=[user.email], headers=headers)


def render_outbox_email(row) -> EmailMessage | None:
    """The outbox's renderer (`GAVEL_OUTBOX_RENDERER`): the row's email, built at send time."""
    user = row.user
    if user is None:
        return None
    context = dict(row.context)
    for name, value in row.context.items():
        if name.endswith("_at") and isinstance(value, str):
            context[name] = datetime.fromisoformat(value)
    if "auction_id" in context:
        context["auction"] = Auction.objects.filter(pk=context["auction_id"]).first()
        if context["auction"] is None:
            return None
    if context.get("winner_id"):
        context["winner"] = User.objects.filter(pk=context["winner_id"]).first()
    return email_message(user, row.template, context)


def _store(key: str, user_id: int | None, template: str, context: dict) -> None:
    if user_id:
        outbox_enqueue(key=key, user_id=user_id, template=template, context=context)


def outbox_for_event(auction: Auction, record: Event) -> None:
    """Store the emails a ledger event implies, in the ledger's transaction (one row each,
    keyed by the event and the recipient, so replaying the event stores nothing twice)."""
    base = f"auction:{auction.pk}:{record.seq}"
    if isinstance(record, BidPlaced):
        previous = record.previous_leader_id
        if previous is not None and previous != record.leader_id:
            context = {
                "auction_id": auction.pk,
                "price": format_amount(record.price),
                "min_bid": format_amount(record.min_bid),
            }
            _store(f"{base}:outbid:{previous}", previous, "outbid", context)
    elif isinstance(record, Ended):
        price = format_amount(record.final_price) if record.final_price else None
        context = {"auction_id": auction.pk, "price": price, "winner_id": record.winner_id}
        if record.winner_id:
            _store(f"{base}:won:{record.winner_id}", record.winner_id, "won", context)
        template = "sold" if record.winner_id else "not_sold"
        _store(f"{base}:{template}:{auction.seller_id}", auction.seller_id, template, context)
    elif isinstance(record, Cancelled):
        context = {"auction_id": auction.pk, "reason": record.reason}
        for bidder_id in sorted(_bidder_ids(auction.pk)):
            _store(f"{base}:cancelled:{bidder_id}", bidder_id, "cancelled", context)
    elif isinstance(record, BidVoided) and record.bidder_id is not None:
        context = {"auction_id": auction.pk, "seq": record.voided_seq, "reason": record.reason}
        _store(f"{base}:voided:{record.bidder_id}", record.bidder_id, "voided", context)


def queue_outbid(*, auction, user_id: int, price: int, min_bid: int) -> None:
    """Tell a former leader they were outbid, live and in their notices (the email is in the
    outbox already)."""
    publish_user_event(
        user_id,
        outbid_event(auction_id=auction.pk, title=auction.title, price=price, min_bid=min_bid),
    )
    _notice(
        user_id,
        kinds.OUTBID,
        auction,
        f"You were outbid on “{auction.title}”: the price is now {format_money(price)}; "
        f"bid {format_money(min_bid)} or more to lead again.",
    )


def queue_ended(*, auction, winner_id: int | None, final_price: int | None) -> None:
    """The result, live to the winner and in everyone's notices (the other bidders read that
    they did not win); the emails to winner and seller are in the outbox already."""
    if winner_id and final_price is not None:
        publish_user_event(
            winner_id,
            won_event(auction_id=auction.pk, title=auction.title, final_price=final_price),
        )
        _notice(
            winner_id,
            kinds.WON,
            auction,
            f"You won “{auction.title}” for {format_money(final_price)}. "
            "Pay and send your address on your order.",
            link=_order_link(auction.pk, winner_id),
        )
        _notice(
            auction.seller_id,
            kinds.SOLD,
            auction,
            f"“{auction.title}” sold for {format_money(final_price)}.",
        )
    else:
        _notice(auction.seller_id, kinds.NOT_SOLD, auction, f"“{auction.title}” did not sell.")

    _notice_bidders(auction, kinds.LOST, f"You didn't win “{auction.title}”.", except_id=winner_id)


def _order_link(auction_id: int, buyer_id: int) -> str:
    """The path of the order a won sale opened (its settlement wrote it), else the order list."""
    order = Order.objects.filter(auction_id=auction_id, buyer_id=buyer_id).first()
    return order.get_absolute_url() if order is not None else "/me/orders/"


def _notice_bidders(auction, kind: str, text: str, *, except_id: int | None = None) -> None:
    """After commit, the same notice to everyone with a standing bid (but `except_id`)."""

    def notices():
        for user_id in sorted(_bidder_ids(auction.pk) - {except_id}):
            notice_create(user=user_id, kind=kind, auction=auction, text=text)

    _later(notices)


def _bidder_ids(auction_id: int) -> set[int]:
    """Everyone with a standing (not voided) bid on the auction."""
    return set(
        Bid.objects.filter(auction_id=auction_id, voided=False).values_list("bidder_id", flat=True)
    )


def queue_cancelled(*, auction, reason: str) -> None:
    """A cancellation, in the notices of each bidder (their emails are in the outbox already)
    and of the seller, each in their own words: the seller reads the reason, the bidders do
    not (it stays in the audit log: it may accuse the seller)."""
    _notice(
        auction.seller_id,
        kinds.CANCELLED,
        auction,
        f"Your auction “{auction.title}” was cancelled ({reason or 'no reason given'}). It is "
        "off the site: there is no winner and nobody pays anything.",
    )
    _notice_bidders(
        auction,
        kinds.CANCELLED,
        f"“{auction.title}”, which you bid on, was cancelled by the site. There is no winner: "
        "your bid no longer binds you, and nobody pays anything.",
    )


def _stored_context(context: dict) -> dict:
    """`context` as JSON: a model becomes `<name>_id`, a time its ISO text (read back by name)."""
    stored = {}
    for name, value in context.items():
        if isinstance(value, models.Model):
            stored[f"{name}_id"] = value.pk
        elif isinstance(value, datetime):
            stored[name] = value.isoformat()
        else:
            stored[name] = value
    return stored


def _queue_mail(user_id: int, template: str, context: dict) -> None:
    """Store one email to one user in the caller's transaction (sent after it commits)."""
    key = f"{template}:{user_id}:{uuid.uuid4().hex}"
    _store(key, user_id, template, _stored_context(context))


def queue_listing_approved(*, auction) -> None:
    """Tell the seller their listing was approved and when it opens."""
    _queue_mail(auction.seller_id, "listing_approved", {"auction": auction})


def queue_listing_rejected(*, auction, reason: str) -> None:
    """Tell the seller a moderator rejected their listing, and why."""
    _queue_mail(auction.seller_id, "listing_rejected", {"auction_id": auction.pk, "reason": reason})


def queue_user_suspended(*, user_id: int, reason: str) -> None:
    """Tell a user their account is suspended, and why."""
    _queue_mail(user_id, "suspended", {"reason": reason})


def queue_user_reinstated(*, user_id: int) -> None:
    """Tell a user their account is active again."""
    _queue_mail(user_id, "reinstated", {})


def queue_ending_soon(*, auction, user_id: int, ends_at) -> None:
    """Tell a watcher a lot they watch is about to end: a notice now (it also records that they
    were told, so the worker tells them once) and an (optional) email through the outbox."""
    notice_create(
        user=user_id,
        kind=kinds.ENDING_SOON,
        auction=auction,
        text=f"“{auction.title}” is about to end.",
    )
    _queue_mail(user_id, "ending_soon", {"auction": auction, "ends_at": ends_at})
