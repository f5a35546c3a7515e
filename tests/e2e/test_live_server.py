"""The harness and the list page: the live server serves the site, styled, to a real Chromium."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from auctions.services.bidding import BidRequest, bid_place
from tests.e2e.pages import screenshot
from tests.factories import make_auction, make_category, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_live_server_serves_pages_with_their_static_files(open_visitor, e2e_redis):
    visitor = open_visitor()
    response = visitor.page.goto("/")
    assert response.status == 200
    stylesheet = visitor.page.locator("link[rel=stylesheet]").first.get_attribute("href")
    assert visitor.page.request.get(stylesheet).ok

    response = visitor.page.goto("/admin/login/")
    assert response.status == 200
    assert visitor.page.locator("#id_username").is_visible()
    assert visitor.errors == []


def test_the_list_page(e2e_redis, open_visitor):
    """The open auctions, ending soonest first (also the README's screenshot)."""
    watches, cameras = make_category("Watches"), make_category("Cameras")
    now = timezone.now()
    lots = [
        ("Omega Speedmaster, 1969", watches, 12_000, 50),
        ("Leica M3 body", cameras, 45_000, 5),
        ("Rolex Datejust 1601", watches, 210_000, 180),
        ("Hasselblad 500C/M kit", cameras, 90_000, 24 * 60),
    ]
    auctions = {}
    for title, category, price, minutes in lots:
        auctions[title] = make_auction(
            title=title,
            category=category,
            starting_price=price,
            ends_at=now + timedelta(minutes=minutes),
        )
    # A couple of bids through the engine (the test process shares Redis and the DB with the
    # server), so the list shows live prices and counts.
    erin, frank = make_user("erin"), make_user("frank")
    omega = auctions["Omega Speedmaster, 1969"]
    for bidder, amount in ((erin, 12_000), (frank, 13_000), (erin, 15_000)):
        bid_place(auction=omega, bidder=bidder, bid=BidRequest(amount, None, uuid.uuid4().hex))
    visitor = open_visitor()
    visitor.page.goto("/")
    omega_card = visitor.page.locator(f'li.auction-card[data-auction-id="{omega.pk}"]')
    expect(omega_card).to_contain_text("150.00")
    expect(omega_card).to_contain_text("3 bids")
    titles = visitor.page.get_by_role("link", name="Leica M3 body")
    expect(titles).to_have_count(1)
    text = visitor.page.locator("main").inner_text()
    order = [
        text.index(title)
        for title in ("Leica M3 body", "Omega Speedmaster, 1969", "Rolex Datejust 1601")
    ]
    assert order == sorted(order), "ending soonest first"
    screenshot(visitor, "auction-list.png")
    assert visitor.errors == []
