"""The pages pass axe-core's WCAG 2.1 A/AA checks (focus, names, contrast…) in Chromium, the
live region announces the price politely, and the countdown is never read aloud every second."""

import pytest
from playwright.sync_api import expect

from auctions.models import Watch
from auctions.services.bidding import BidRequest, bid_place
from tests.e2e.accessibility import axe_violations
from tests.e2e.pages import open_auction
from tests.factories import make_auction, make_category, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_auction_pages_pass_axe(e2e_redis, open_visitor):
    alice, bob = make_user("alice"), make_user("bob")
    auction = make_auction(
        title="Leica M2",
        category=make_category("Cameras"),
        starting_price=10_000,
        buy_now_price=50_000,
    )
    other = make_auction(title="Leica M4", reserve_price=20_000)
    bid_place(auction=other, bidder=bob, bid=BidRequest(10_000, 15_000, "b"))
    bid_place(auction=other, bidder=alice, bid=BidRequest(12_000, None, "a"))
    Watch.objects.create(user=alice, auction=auction)
    visitor = open_visitor(alice)
    page = visitor.page

    open_auction(visitor, other)
    assert axe_violations(page) == []
    page.locator("#amount").fill("200")
    page.locator("#bid-submit").click()
    expect(page.locator("#bid-review")).to_be_visible()
    assert axe_violations(page) == []
    open_auction(visitor, auction)
    page.locator("#buy-submit").click()
    assert axe_violations(page) == []
    for path in ("/", "/auctions/ended/", f"/auctions/{other.pk}/history/", "/me/notices/", "/me/"):
        page.goto(path)
        assert axe_violations(page) == [], path


def test_live_regions_announce_the_price_but_not_the_countdown(e2e_redis, open_visitor):
    auction = make_auction(title="Rollei 35")
    visitor = open_visitor(make_user("alice"))
    open_auction(visitor, auction)
    page = visitor.page
    live = page.locator("#price").locator("xpath=ancestor::*[@aria-live][1]")
    expect(live).to_have_attribute("aria-live", "polite")
    # The countdown ticks every second: it sits in no live region, and as a timer it is off.
    assert page.evaluate("document.querySelector('#countdown').closest('[aria-live]')") is None
    expect(page.locator("#countdown")).to_have_attribute("role", "timer")


def test_the_keyboard_reaches_the_bid_with_a_visible_focus(e2e_redis, open_visitor):
    auction = make_auction(title="Olympus OM-1")
    visitor = open_visitor(make_user("alice"))
    open_auction(visitor, auction)
    page = visitor.page
    page.locator("#amount").focus()
    page.keyboard.press("Tab")
    expect(page.locator("#bid-submit")).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), "the focused button shows no focus ring"
