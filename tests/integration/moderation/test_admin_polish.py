"""The admin speaks Gavel: money as money, one status vocabulary, "Watches", a site header of
its own and the moderation queue one click from the index."""

from datetime import timedelta

import pytest
from django.utils import timezone

from auctions.admin.changelist import status_label
from auctions.models import Auction
from auctions.services.bidding import BidRequest, bid_place
from tests.factories import make_auction, make_moderator, make_seller, make_user

pytestmark = pytest.mark.django_db


def test_a_sellers_bid_list_shows_money_not_cents(client):
    seller = make_seller("sam")
    auction = make_auction(seller=seller, starting_price=150_000)
    bid_place(auction=auction, bidder=make_user("alice"), bid=BidRequest(150_000, None, "a"))
    client.force_login(seller)
    html = client.get("/admin/auctions/bid/").content.decode()
    assert "$1,500.00" in html
    assert ">150000<" not in html
    change = client.get(f"/admin/auctions/auction/{auction.pk}/change/").content.decode()
    assert "$1,500.00" in change  # the ledger inline of the auction's page


def test_one_status_vocabulary():
    now = timezone.now()
    upcoming = make_auction(starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=2))
    running = make_auction()
    over = make_auction(starts_at=now - timedelta(hours=2), ends_at=now - timedelta(minutes=1))
    settled = make_auction(status=Auction.Status.ENDED)
    draft = make_auction(status=Auction.Status.DRAFT)
    labels = [status_label(a) for a in (upcoming, running, over, settled, draft)]
    assert labels == ["Scheduled", "Active", "Ended", "Ended", "Draft"]


def test_index_has_the_gavel_header_watches_and_the_moderation_queue(client):
    client.force_login(make_moderator("mona"))
    html = client.get("/admin/").content.decode()
    assert "Gavel administration" in html and "Django administration" not in html
    assert "Watches" in html and "Watchs" not in html
    assert 'id="moderation-queue-link"' in html
    queue = client.get("/admin/auctions/auction/moderation/")
    assert queue.status_code == 200
    client.force_login(make_seller("sam"))
    assert 'id="moderation-queue-link"' not in client.get("/admin/").content.decode()
