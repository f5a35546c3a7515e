"""The lists in Chromium: every ended lot is listed at the moment it ended in fact, the moment
its own page shows (bought with buy it now, extended by a late bid), and in that order."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from auctions.models import Auction
from auctions.services.bidding import BidRequest, bid_place, buy_now
from auctions.services.lifecycle import auction_settle
from tests.e2e.test_auction_page import off_the_browser_loop
from tests.factories import make_auction, make_user
from tests.integration.engine.helpers import shift_time

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _ms(iso: str) -> str:
    """An ISO moment to the millisecond (the engine keeps times in ms, the listing in µs)."""
    return iso[:23]


def _lot_page_end(page, auction) -> str:
    page.goto(f"/auctions/{auction.pk}/")
    return _ms(page.locator("#ends-at").get_attribute("datetime"))


def _listed_end(page, auction) -> str:
    card = page.locator(f'li.auction-card[data-auction-id="{auction.pk}"]')
    return _ms(card.locator(".auction-ends time").get_attribute("datetime"))


def test_the_ended_list_shows_when_each_lot_ended_in_fact(e2e_redis, open_visitor):
    now = timezone.now()
    alice, bruno = make_user("alice"), make_user("bruno")
    bought = make_auction(
        title="Bought at once", starting_price=1_000, buy_now_price=5_000,
        ends_at=now + timedelta(hours=3),
    )  # fmt: skip
    extended = make_auction(
        title="Extended late", starting_price=1_000, ends_at=now + timedelta(seconds=20),
        extension_window=timedelta(minutes=2),
    )  # fmt: skip
    plain = make_auction(
        title="Ended as set", starting_price=1_000, ends_at=now + timedelta(hours=1)
    )
    off_the_browser_loop(buy_now, auction=bought, buyer=alice, request_id="buy")
    late = BidRequest(1_000, None, "late")
    off_the_browser_loop(bid_place, auction=extended, bidder=bruno, bid=late)
    off_the_browser_loop(bid_place, auction=plain, bidder=alice, bid=BidRequest(1_000, None, "p"))
    for auction in (bought, extended, plain):
        shift_time(auction, timedelta(hours=4))
        off_the_browser_loop(auction_settle, auction=auction)  # a bought lot is settled already
        auction.refresh_from_db()
        assert auction.status == Auction.Status.ENDED

    page = open_visitor().page
    ends = {auction.pk: _lot_page_end(page, auction) for auction in (bought, extended, plain)}
    page.goto("/auctions/ended/")
    expect(page.locator("li.auction-card")).to_have_count(3)
    for auction in (bought, extended, plain):
        assert _listed_end(page, auction) == ends[auction.pk], auction.title
    order = [int(pk) for pk in page.locator("li.auction-card").evaluate_all(
        "(cards) => cards.map((card) => card.dataset.auctionId)"
    )]  # fmt: skip
    assert order == sorted(ends, key=lambda pk: ends[pk], reverse=True)

    mine = open_visitor(alice).page
    mine.goto("/me/")
    won = mine.locator(f'li.won-item[data-auction-id="{bought.pk}"] time')
    assert _ms(won.get_attribute("datetime")) == ends[bought.pk]
