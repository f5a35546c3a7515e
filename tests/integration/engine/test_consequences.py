"""What ledger rows imply (an order for a sale, the outbox's emails) commits with the rows, on
every path that writes the ledger: a failure right after the consequences were written leaves
neither, and the path that repairs the ledger later writes both. A read that repairs the
ledger announces what it wrote, after commit."""

import contextlib
from datetime import timedelta
from unittest import mock

import pytest
from django.db import DatabaseError

from auctions import selectors
from auctions.engine import hooks, keys
from auctions.engine.connection import get_redis
from auctions.events.broadcast import auction_group
from auctions.models import AuctionEvent, Bid
from auctions.services.announce import announce_repaired
from auctions.services.consequences import record_consequences
from auctions.services.lifecycle import auction_cancel, auction_settle, reconcile_auction
from core.errors import Unavailable
from orders.models import Order
from outbox.models import OutboxEmail
from tests.factories import make_auction, make_moderator, make_user
from tests.integration.engine.helpers import bid, shift_time

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.GAVEL_BID_RATE_LIMIT = (1000, 10)


@contextlib.contextmanager
def failing_after_consequences():
    """The real consequences are written, then the ledger's transaction fails."""

    def fail(*, auction, events):
        record_consequences(auction=auction, events=events)
        raise DatabaseError("the transaction fails after the consequences were written")

    hooks.register(consequences=fail, announce=announce_repaired)
    try:
        yield
    finally:
        hooks.register(consequences=record_consequences, announce=announce_repaired)


def sale_rows(auction) -> tuple[bool, bool, list[str]]:
    """Whether the `ended` row and the order exist, and the result emails in the outbox."""
    ended = AuctionEvent.objects.filter(auction=auction, type=AuctionEvent.Type.ENDED).exists()
    order = Order.objects.filter(auction=auction).exists()
    emails = sorted(
        OutboxEmail.objects.filter(template__in=["won", "sold"]).values_list("template", flat=True)
    )
    return ended, order, emails


def test_bid_path_the_outbid_email_commits_with_the_bid_row():
    auction = make_auction(starting_price=1000)
    alice, bob = make_user(), make_user()
    bid(auction, alice, 1000)
    with failing_after_consequences(), pytest.raises(Unavailable):
        bid(auction, bob, 1500)
    assert not Bid.objects.filter(auction=auction, seq=2).exists()
    assert not OutboxEmail.objects.exists()

    assert reconcile_auction(auction) == 1  # the stream holds the accepted bid
    assert Bid.objects.filter(auction=auction, seq=2, bidder=bob).exists()
    assert list(OutboxEmail.objects.values_list("template", "user")) == [("outbid", alice.pk)]


def test_settle_path_the_order_and_emails_commit_with_the_ended_row():
    auction = make_auction(starting_price=1000)
    alice = make_user()
    bid(auction, alice, 1000)
    shift_time(auction, timedelta(hours=2))
    with failing_after_consequences(), pytest.raises(Unavailable):
        auction_settle(auction=auction)
    assert sale_rows(auction) == (False, False, [])

    auction_settle(auction=auction)  # closed before: makes sure the result is in the database
    assert sale_rows(auction) == (True, True, ["sold", "won"])


def test_reconcile_path_the_order_and_emails_commit_with_the_ended_row():
    auction = make_auction(starting_price=1000)
    alice = make_user()
    bid(auction, alice, 1000)
    shift_time(auction, timedelta(hours=2))
    with failing_after_consequences():
        with pytest.raises(Unavailable):
            auction_settle(auction=auction)
        with pytest.raises(DatabaseError):
            reconcile_auction(auction)
    assert sale_rows(auction) == (False, False, [])

    assert reconcile_auction(auction) == 1
    assert sale_rows(auction) == (True, True, ["sold", "won"])
    assert Order.objects.get(auction=auction).buyer == alice


def test_cancel_path_the_bidders_emails_commit_with_the_cancelled_row():
    auction = make_auction(starting_price=1000)
    alice = make_user()
    bid(auction, alice, 1000)
    with failing_after_consequences(), pytest.raises(Unavailable):
        auction_cancel(auction=auction, actor=make_moderator(), reason="counterfeit")
    cancelled = AuctionEvent.objects.filter(auction=auction, type=AuctionEvent.Type.CANCELLED)
    assert not cancelled.exists()
    assert not OutboxEmail.objects.filter(template="cancelled").exists()

    assert reconcile_auction(auction) == 1
    assert cancelled.exists()
    assert list(
        OutboxEmail.objects.filter(template="cancelled").values_list("user", flat=True)
    ) == [alice.pk]


def test_a_read_that_repairs_the_ledger_writes_the_consequences_and_announces_after_commit(
    django_capture_on_commit_callbacks,
):
    """The hot state is lost while the stream still holds a bid the ledger lacks: the next
    read reloads it, writing the bid, its outbid email, and broadcasting it once committed."""
    auction = make_auction(starting_price=1000)
    alice, bob = make_user(), make_user()
    bid(auction, alice, 1000)
    with failing_after_consequences(), pytest.raises(Unavailable):
        bid(auction, bob, 1500)
    get_redis().delete(keys.state_key(auction))

    with mock.patch("auctions.events.broadcast._send") as send:
        with django_capture_on_commit_callbacks() as callbacks:
            state = selectors.auction_state_get(auction=auction)
        assert send.call_count == 0  # nothing leaves before the commit
        for callback in callbacks:
            callback()

    assert (state.seq, state.leader_id) == (2, bob.pk)
    assert Bid.objects.filter(auction=auction, seq=2, bidder=bob).exists()
    assert list(OutboxEmail.objects.values_list("template", "user")) == [("outbid", alice.pk)]
    sent = [
        message["event"]
        for group, message in (c.args for c in send.call_args_list)
        if group == auction_group(auction.pk)
    ]
    assert [(event["type"], event["seq"]) for event in sent] == [("bid", 2)]


def test_writing_the_ledger_without_registered_hooks_refuses():
    """A process that never ran `AuctionsConfig.ready` cannot write rows without their
    consequences."""
    from django.core.exceptions import ImproperlyConfigured

    auction = make_auction(starting_price=1000)
    registered = hooks._hooks
    hooks._hooks = None
    try:
        with pytest.raises(ImproperlyConfigured):
            bid(auction, make_user(), 1000)
    finally:
        hooks._hooks = registered
    assert not Bid.objects.filter(auction=auction).exists()
