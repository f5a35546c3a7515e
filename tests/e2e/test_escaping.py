"""User text is text: a bidder named like an HTML tag, and a listing full of markup, run no script."""

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import UPDATE_WAIT_MS, money, open_auction, place_bid
from tests.factories import make_auction, make_category, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

EVIL_NAME = "<img src=x onerror=alert(1)>"
EVIL_TITLE = "Camera <script>alert(2)</script><img src=x onerror=alert(3)>"
EVIL_TEXT = "<b>bold</b><img src=x onerror=alert(4)>"


def _no_injection(visitor) -> None:
    page = visitor.page
    assert visitor.dialogs == [], f"a script ran: {visitor.dialogs}"
    expect(page.locator("img[src='x']")).to_have_count(0)
    expect(page.locator("b", has_text="bold")).to_have_count(0)
    expect(page.locator("script", has_text="alert")).to_have_count(0)


def test_a_bidder_named_like_a_tag_runs_no_script(e2e_redis, open_visitor):
    evil = make_user(EVIL_NAME)
    dave = make_user("dave")
    auction = make_auction(
        title=EVIL_TITLE,
        description=EVIL_TEXT,
        category=make_category("Cameras"),
        starting_price=500,
    )
    mallory = open_visitor(evil)
    watcher = open_visitor(dave)
    open_auction(mallory, auction)
    open_auction(watcher, auction)

    place_bid(mallory, "5.00")

    # The live layer shows the (masked) name as text, and nothing runs.
    expect(watcher.page.locator("#price")).to_have_text(money("5.00"), timeout=UPDATE_WAIT_MS)
    expect(watcher.page.locator("#leader")).to_have_text("<***>")
    expect(watcher.page.locator("#history .history-bidder").first).to_have_text("<***>")
    expect(watcher.page.locator("#auction-title")).to_have_text(EVIL_TITLE)
    for visitor in (mallory, watcher):
        _no_injection(visitor)

    # Server-rendered: the detail page after reload, the list, the bidder's own pages.
    expect(mallory.page.get_by_text(EVIL_NAME, exact=True).first).to_be_visible()
    for path in (f"/auctions/{auction.pk}/", "/", "/me/"):
        for visitor in (mallory, watcher):
            visitor.page.goto(path)
            _no_injection(visitor)
    watcher.page.goto(f"/auctions/{auction.pk}/")
    expect(watcher.page.locator("#auction-title")).to_have_text(EVIL_TITLE)
    assert mallory.errors == [] and watcher.errors == []
