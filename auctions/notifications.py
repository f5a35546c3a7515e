"""Notices to people: private live events (outbid, won) and plain-text emails.

One `queue_*` function per kind of notice is the only way in. Everything here runs after the
write it reports has committed, and a failing mail server never
fails the write: the durable record is the ledger, not the email. Emails (their user lookup,
rendering and sending) run on a small thread pool (`GAVEL_NOTICE_THREADS`), so a slow mail
server never delays a bid's acknowledgement; with 0 threads they run inline (the tests).
"""

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import close_old_connections, transaction
from django.template.loader import render_to_string

from accounts.email_preferences import OPTIONAL, unsubscribe_url, wants_email
from accounts.models import User
from auctions.events import outbid_event, publish_user_event, won_event
from auctions.metrics import NOTICES_WAITING
from auctions.money import format_amount
from auctions.templatetags.money import format_money
from notices import kinds
from notices.services import notice_create

log = logging.getLogger(__name__)


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor(threads: int) -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="gavel-notices")
        return _pool


def notices_sent() -> None:
    """Wait until every notice handed to the pool has been sent (before a process exits)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True)


def _run(job: Callable[[], object]) -> None:
    try:
        job()
    except Exception:
        log.exception("sending a notice failed")
    finally:
        NOTICES_WAITING.dec()
        if settings.GAVEL_NOTICE_THREADS > 0:
            close_old_connections()  # this pool thread's connection, as a request would


def _later(job: Callable[[], object]) -> None:
    """Run `job` after the current transaction commits, off the caller's path when configured."""

    def start():
        NOTICES_WAITING.inc()
        threads = settings.GAVEL_NOTICE_THREADS
        if threads > 0:
            _executor(threads).submit(_run, job)
        else:
            _run(job)

    transaction.on_commit(start, robust=True)


def _currency() -> str:
    return getattr(settings, "GAVEL_CURRENCY", "USD")


def _mail(user: User, template: str, context: dict) -> None:
    """Send one plain-text email now (subject = first line of the template).

    Links in it are absolute (`SITE_URL`); an optional kind (`email_preferences.OPTIONAL`) is
    skipped for a user who turned it off, and carries a one-click unsubscribe link and headers.
    """
    if not user.email or not wants_email(user=user, kind=template):
        return
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
    message = EmailMessage(subject.strip(), body.strip() + "\n", to=[user.email], headers=headers)
    try:
        message.send()
    except Exception:
        log.exception("sending %s to user %s failed", template, user.pk)


def _users(ids) -> dict[int, User]:
    return {user.pk: user for user in User.objects.filter(pk__in=[i for i in ids if i])}


def _notice(user_id: int | None, kind: str, auction, text: str) -> None:
    """Record an in-site notice (`/me/notices/`) after commit, off the caller's path."""
    if user_id:
        _later(lambda: notice_create(user=user_id, kind=kind, auction=auction, text=text))


def queue_outbid(*, auction, user_id: int, price: int, min_bid: int) -> None:
    """Tell a former leader they were outbid: a private event, a notice and an email."""
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
    context = {"auction": auction, "price": format_amount(price), "min_bid": format_amount(min_bid)}

    def email():
        user = _users([user_id]).get(user_id)
        if user is not None:
            _mail(user, "outbid", context)

    _later(email)


def queue_ended(*, auction, winner_id: int | None, final_price: int | None) -> None:
    """The result: the winner gets `won` + an email; the seller gets the winner or "not sold";
    everyone reads it in their notices (the other bidders that they did not win)."""
    if winner_id and final_price is not None:
        publish_user_event(
            winner_id,
            won_event(auction_id=auction.pk, title=auction.title, final_price=final_price),
        )
        _notice(
            winner_id,
            kinds.WON,
            auction,
            f"You won “{auction.title}” for {format_money(final_price)}.",
        )
        _notice(
            auction.seller_id,
            kinds.SOLD,
            auction,
            f"“{auction.title}” sold for {format_money(final_price)}.",
        )
    else:
        _notice(auction.seller_id, kinds.NOT_SOLD, auction, f"“{auction.title}” did not sell.")

    def losers():
        bidders = set(auction.bids.filter(voided=False).values_list("bidder_id", flat=True))
        for user_id in sorted(bidders - {winner_id}):
            notice_create(
                user=user_id,
                kind=kinds.LOST,
                auction=auction,
                text=f"You didn't win “{auction.title}”.",
            )

    _later(losers)
    price = format_amount(final_price) if final_price else None

    def emails():
        people = _users([winner_id, auction.seller_id])
        winner = people.get(winner_id) if winner_id else None
        if winner is not None:
            _mail(winner, "won", {"auction": auction, "price": price})
        seller = people.get(auction.seller_id)
        if seller is not None:
            context = {"auction": auction, "price": price, "winner": winner}
            _mail(seller, "sold" if winner else "not_sold", context)

    _later(emails)


def queue_cancelled(*, auction, reason: str) -> None:
    """Tell everyone who placed a (non-voided) bid that the auction was cancelled."""

    def emails():
        bids = auction.bids.filter(voided=False)
        for user in _users(set(bids.values_list("bidder_id", flat=True))).values():
            notice_create(
                user=user,
                kind=kinds.CANCELLED,
                auction=auction,
                text=f"“{auction.title}” was cancelled ({reason or 'no reason given'}).",
            )
            _mail(user, "cancelled", {"auction": auction, "reason": reason})

    _later(emails)


def queue_voided(*, auction, bidder_id: int, seq: int, reason: str) -> None:
    """Email a bidder that one of their bids was voided by staff."""

    def email():
        user = _users([bidder_id]).get(bidder_id)
        if user is not None:
            _mail(user, "voided", {"auction": auction, "seq": seq, "reason": reason})

    _later(email)


def _queue_mail(user_id: int, template: str, context: dict) -> None:
    """Email one user (looked up when the mail is sent) after the current transaction commits."""

    def email():
        user = _users([user_id]).get(user_id)
        if user is not None:
            _mail(user, template, context)

    _later(email)


def queue_listing_approved(*, auction) -> None:
    """Tell the seller their listing was approved and when it opens."""
    _queue_mail(auction.seller_id, "listing_approved", {"auction": auction})


def queue_listing_rejected(*, auction, reason: str) -> None:
    """Tell the seller a moderator rejected their listing, and why."""
    _queue_mail(auction.seller_id, "listing_rejected", {"auction": auction, "reason": reason})


def queue_user_suspended(*, user_id: int, reason: str) -> None:
    """Tell a user their account is suspended, and why."""
    _queue_mail(user_id, "suspended", {"reason": reason})


def queue_user_reinstated(*, user_id: int) -> None:
    """Tell a user their account is active again."""
    _queue_mail(user_id, "reinstated", {})


def queue_ending_soon(*, auction, user_id: int, ends_at) -> None:
    """Tell a watcher a lot they watch is about to end: a notice now (it also records that they
    were told, so the worker tells them once) and an (optional) email after commit."""
    notice_create(
        user=user_id,
        kind=kinds.ENDING_SOON,
        auction=auction,
        text=f"“{auction.title}” is about to end.",
    )
    _queue_mail(user_id, "ending_soon", {"auction": auction, "ends_at": ends_at})
