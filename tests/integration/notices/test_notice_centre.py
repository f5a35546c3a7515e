"""The notice centre end to end: outbid, won / didn't win / sold, cancelled and ending-soon
notices are written where they happen, the worker tells each watcher once (notice and email),
and `/me/notices/` shows them until they are marked read."""

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from auctions import worker
from auctions.models import Watch
from auctions.services.bidding import BidRequest, bid_place
from auctions.services.lifecycle import auction_settle
from auctions.services.moderation import auction_cancel_by_staff
from core.models import AuditLog
from notices.models import Notice
from orders.models import Order
from tests.factories import make_auction, make_moderator, make_user
from tests.integration.web.conftest import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a service and run what it queued for after commit."""

    def run_(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return run_


def kinds_of(user) -> list[str]:
    return list(Notice.objects.filter(user=user).order_by("id").values_list("kind", flat=True))


def test_outbid_won_lost_and_sold_become_notices(run):
    alice, bob = make_user("alice"), make_user("bob")
    auction = make_auction(
        title="Zeiss Ikon",
        ends_at=timezone.now() + timedelta(seconds=5),
        extension_window=timedelta(0),
    )
    run(bid_place, auction=auction, bidder=alice, bid=BidRequest(1000, None, "a"))
    run(bid_place, auction=auction, bidder=bob, bid=BidRequest(2000, None, "b"))
    assert kinds_of(alice) == ["outbid"]
    assert "the price is now $20.00" in Notice.objects.get(user=alice).text
    time.sleep(max(0.0, (auction.ends_at - timezone.now()).total_seconds()) + 0.1)
    assert run(auction_settle, auction=auction)
    assert "won" in kinds_of(bob)
    assert kinds_of(alice) == ["outbid", "lost"]
    assert "sold" in kinds_of(auction.seller)
    won = Notice.objects.get(user=bob, kind="won")
    assert won.text == "You won “Zeiss Ikon” for $20.00. Pay and send your address on your order."
    order = Order.objects.get(auction=auction, buyer=bob)
    assert won.link == order.get_absolute_url()
    assert Notice.objects.filter(user=bob, auction=auction).count() == 1  # one notice, one win


def test_a_cancellation_is_a_notice_for_each_bidder_and_the_seller(run):
    """Each in their own words: the seller reads the moderator's reason, the bidders do not
    (it stays in the audit log)."""
    alice = make_user("alice")
    auction = make_auction(title="Fake Rolex")
    run(bid_place, auction=auction, bidder=alice, bid=BidRequest(1000, None, "a"))
    run(auction_cancel_by_staff, auction=auction, actor=make_moderator(), reason="Counterfeit")
    notice = Notice.objects.get(user=alice, kind="cancelled")
    assert notice.text == (
        "“Fake Rolex”, which you bid on, was cancelled by the site. There is no winner: your "
        "bid no longer binds you, and nobody pays anything."
    )
    seller = Notice.objects.get(user=auction.seller, kind="cancelled")
    assert seller.text.startswith("Your auction “Fake Rolex” was cancelled (Counterfeit).")
    assert AuditLog.objects.get(action="auction.cancel").reason == "Counterfeit"


def test_watchers_hear_once_that_a_watched_lot_is_about_to_end(
    settings, django_capture_on_commit_callbacks
):
    settings.GAVEL_ENDING_SOON = timedelta(minutes=15)
    alice, bob = make_user("alice"), make_user("bob")
    soon = make_auction(title="Ending soon", ends_at=timezone.now() + timedelta(minutes=10))
    later = make_auction(title="Ending later", ends_at=timezone.now() + timedelta(hours=3))
    Watch.objects.create(user=alice, auction=soon)
    Watch.objects.create(user=alice, auction=later)
    Watch.objects.create(user=bob, auction=soon)

    with django_capture_on_commit_callbacks(execute=True):
        assert worker.run_once().ending_soon == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert worker.run_once().ending_soon == 0  # told once
    assert Notice.objects.filter(kind="ending_soon", auction=soon).count() == 2
    assert not Notice.objects.filter(auction=later).exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "bob@example.com"]
    assert mail.outbox[0].subject == '"Ending soon" is about to end'
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers


def test_the_notice_centre_lists_notices_and_marks_them_read(run):
    alice, bob = make_user("alice"), make_user("bob")
    auction = make_auction(title="Canon AE-1")
    run(bid_place, auction=auction, bidder=alice, bid=BidRequest(1000, None, "a"))
    run(bid_place, auction=auction, bidder=bob, bid=BidRequest(2000, None, "b"))
    client = logged_in(alice)
    html = client.get("/me/notices/").content.decode()
    assert 'class="notice-item notice-item--unread" data-kind="outbid"' in html
    assert f'href="{auction.get_absolute_url()}"' in html
    assert 'id="mark-read"' in html
    client.post("/me/notices/read")
    html = client.get("/me/notices/").content.decode()
    assert "notice-item--unread" not in html and 'id="mark-read"' not in html
    assert "Canon AE-1" not in logged_in(bob).get("/me/notices/").content.decode()
    anonymous = client.__class__().get("/me/notices/")
    assert anonymous.status_code == 302
