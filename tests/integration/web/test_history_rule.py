"""The bid history adds up (issue 20, item 8): one line per price someone was credited with,
numbered from the first on the lot page and the full history alike, "Bids" counting those
lines; no line tells anyone that the leader raised their maximum; a beaten maximum is credited;
a bidder's own maximum is shown to them alone."""

import re

import pytest

from auctions.services.bidding import BidRequest, bid_place
from tests.factories import make_auction, make_user
from tests.integration.web.conftest import logged_in, reveals

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _engine(fake_engine_redis):
    return fake_engine_redis


def api_lines(client, auction):
    body = client.get(f"/api/auctions/{auction.pk}/bids").json()
    return [(b["seq"], b["price"], b["bidder"], b["automatic"]) for b in body["bids"]]


def page_items(html: str) -> list[tuple[str, str]]:
    """(price, bidder) of each history line of a page, as listed."""
    items = re.findall(r'<li class="history-item[^"]*"[^>]*>(.*?)</li>', html, re.S)
    rows = []
    for body in items:
        price = re.search(r'history-price">([^<]*)<', body).group(1)
        bidder = re.search(r'history-bidder">([^<]*)<', body).group(1)
        rows.append((price, bidder))
    return rows


def test_a_leader_raising_their_maximum_adds_no_line():
    auction = make_auction(starting_price=10_000, increment=200)
    alice, bruno = make_user("alice"), make_user("bruno")
    bid_place(auction=auction, bidder=alice, bid=BidRequest(10_000, 12_000, "a1"))
    bid_place(auction=auction, bidder=bruno, bid=BidRequest(11_000, None, "b1"))
    bid_place(auction=auction, bidder=alice, bid=BidRequest(None, 20_000, "a2"))
    client = logged_in(bruno)
    assert api_lines(client, auction) == [
        (1, "100.00", "a***e", False),
        (2, "110.00", "b***o", False),
        (2, "112.00", "a***e", True),
    ]
    html = client.get(auction.get_absolute_url()).content.decode()
    assert re.search(r'id="bid-count">3<', html)
    assert not reveals(html, "200.00")


def test_a_maximum_beaten_by_a_maximum_is_credited_and_the_winner_s_stays_hidden():
    """The issue's case: Bruno's maximum beat Alice's 150.00 maximum; her line must show."""
    auction = make_auction(starting_price=10_000, increment=500)
    alice, bruno = make_user("alice"), make_user("bruno")
    bid_place(auction=auction, bidder=alice, bid=BidRequest(10_000, 15_000, "a1"))
    bid_place(auction=auction, bidder=bruno, bid=BidRequest(11_000, 30_000, "b1"))
    client = logged_in(alice)
    assert api_lines(client, auction) == [
        (1, "100.00", "a***e", False),
        (2, "110.00", "b***o", False),
        (2, "150.00", "a***e", True),
        (2, "155.00", "b***o", True),
    ]
    assert not reveals(client.get(f"/api/auctions/{auction.pk}/bids").json(), "300.00")


def test_a_reserve_jump_made_by_a_maximum_is_automatic():
    auction = make_auction(starting_price=10_000, reserve_price=50_000)
    alice, bruno = make_user("alice"), make_user("bruno")
    bid_place(auction=auction, bidder=alice, bid=BidRequest(10_000, None, "a1"))
    bid_place(auction=auction, bidder=bruno, bid=BidRequest(12_000, 60_000, "b1"))
    assert api_lines(logged_in(alice), auction) == [
        (1, "100.00", "a***e", False),
        (2, "120.00", "b***o", False),
        (2, "500.00", "b***o", True),
    ]
    other = make_auction(starting_price=10_000, reserve_price=50_000)
    bid_place(auction=other, bidder=alice, bid=BidRequest(10_000, 20_000, "o1"))
    bid_place(auction=other, bidder=alice, bid=BidRequest(None, 60_000, "o2"))
    assert api_lines(logged_in(bruno), other) == [
        (1, "100.00", "a***e", False),
        (2, "500.00", "a***e", True),
    ]


def test_the_lot_page_and_the_full_history_number_and_count_alike():
    auction = make_auction(starting_price=1_000, increment=100)
    alice, bruno = make_user("alice"), make_user("bruno")
    bid_place(auction=auction, bidder=bruno, bid=BidRequest(1_000, 5_000, "b0"))
    for n in range(3):
        bid_place(auction=auction, bidder=alice, bid=BidRequest(1_500 + n * 500, None, f"a{n}"))
    client = logged_in(alice)
    detail = client.get(auction.get_absolute_url()).content.decode()
    full = client.get(f"/auctions/{auction.pk}/history/").content.decode()
    # 1 + 3 × (her bid, his automatic answer) = 7 lines, "Bids 7", newest numbered 7 on both.
    assert re.search(r'id="bid-count">7<', detail)
    assert re.search(r'<ol id="history" class="history" reversed start="7">', detail)
    assert re.search(r'<ol id="history" class="history history--full" reversed start="7">', full)
    assert page_items(detail) == page_items(full)
    assert "7 bids" in full


def test_the_full_history_pages_keep_counting_down(settings):
    settings.GAVEL_BID_RATE_LIMIT = (1000, 10)
    auction = make_auction(starting_price=100, increment=1)
    alice, bruno = make_user("alice"), make_user("bruno")
    for n in range(105):
        bidder, name = (alice, "a") if n % 2 == 0 else (bruno, "b")
        bid_place(auction=auction, bidder=bidder, bid=BidRequest(100 + n, None, f"{name}{n}"))
    client = logged_in(alice)
    second = client.get(f"/auctions/{auction.pk}/history/?page=2").content.decode()
    assert 'reversed start="5"' in second


def test_your_maximum_is_shown_to_you_alone():
    auction = make_auction(starting_price=10_000)
    alice, bruno = make_user("alice"), make_user("bruno")
    bid_place(auction=auction, bidder=alice, bid=BidRequest(10_000, 17_500, "a1"))
    mine = logged_in(alice).get(auction.get_absolute_url()).content.decode()
    assert re.search(r'Your maximum</dt><dd id="your-maximum">\$175\.00<', mine)
    theirs = logged_in(bruno).get(auction.get_absolute_url()).content.decode()
    assert re.search(
        r'<div id="your-maximum-row" hidden><dt>Your maximum</dt><dd id="your-maximum"></dd>',
        theirs,
    )
    assert not reveals(theirs, "175.00")
