"""Cosmetic defects of issue 20 (items 18-20) as a browser sees them: the admin's icon, CSP,
times and ledger marks, the results' currency, the invoice's icon, the question and address
boxes, and the soft-close message's style."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from auctions.models import Auction, Bid
from tests.e2e.pages import open_auction
from tests.factories import make_auction, make_moderator, make_seller, make_user
from tests.integration.orders.conftest import sold

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def watch_console(page) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda message: seen.append(message.text))
    page.on(
        "response",
        lambda response: (
            seen.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    return seen


def ended_with_bids(seller) -> Auction:
    now = timezone.now()
    winner, other = make_user("winner9"), make_user("other8")
    auction = make_auction(
        seller=seller,
        title="Sold clock",
        status=Auction.Status.ENDED,
        starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(days=1),
        winner=winner,
        final_price=21_000,
        reserve_met=True,
        settled_at=now - timedelta(days=1),
    )
    for seq, (bidder, amount, voided) in enumerate(
        [(other, 20_000, True), (winner, 21_000, False)], start=1
    ):
        Bid.objects.create(
            auction=auction,
            bidder=bidder,
            seq=seq,
            amount=amount,
            price=amount,
            placed_at=now.replace(hour=0, minute=12) - timedelta(days=1),
            request_id=f"r{seq}",
            voided=voided,
        )
    return auction


def test_the_admin_has_an_icon_no_blocked_style_24_hour_times_and_money(e2e_redis, open_visitor):
    seller = make_seller("shop")
    auction = ended_with_bids(seller)
    moderator = open_visitor(make_moderator("mod1"))
    page = moderator.page
    seen = watch_console(page)
    page.goto("/admin/")
    expect(page.locator("#moderation-queue-link")).to_be_visible()
    padding = page.evaluate(
        "getComputedStyle(document.querySelector('#gavel-moderation p')).paddingLeft"
    )
    assert padding == "10px"
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon and page.request.get(icon).status == 200

    page.goto(f"/admin/auctions/auction/{auction.pk}/change/")
    ledger = page.locator("#bids-group")
    expect(ledger).to_contain_text("✖ voided")
    assert ledger.locator("img[src*='icon-no']").count() == 0
    text = page.locator("#content").inner_text()
    assert "a.m." not in text and "p.m." not in text
    assert re.search(r"00:12 UTC", text)

    page.goto(f"/admin/auctions/auction/{auction.pk}/results/")
    expect(page.locator("#results-final-price")).to_have_text("$210.00")
    expect(page.locator("#results-ledger")).to_contain_text("$200.00")
    assert not [line for line in seen if "Content Security Policy" in line or "404" in line]


def test_the_invoice_has_an_icon(e2e_redis, open_visitor):
    order = sold(price=5_000)
    buyer = open_visitor(order.buyer)
    seen = watch_console(buyer.page)
    buyer.page.goto(f"/orders/{order.pk}/invoice/")
    icon = buyer.page.locator("link[rel=icon]").get_attribute("href")
    assert icon and buyer.page.request.get(icon).status == 200
    assert not [line for line in seen if "404" in line]


def test_the_question_box_is_a_real_box_and_a_soft_close_is_news_not_an_error(
    e2e_redis, open_visitor
):
    visitor = open_visitor(make_user("alice"))
    open_auction(visitor, make_auction(title="Leica IIIf"))
    page = visitor.page
    box = page.locator("#question-text").bounding_box()
    assert box and box["height"] >= 80 and box["width"] >= 300
    colours = page.evaluate(
        """() => {
            const li = document.createElement('li');
            li.className = 'notice notice--extended';
            document.getElementById('notices').append(li);
            const style = getComputedStyle(li);
            return [style.backgroundColor, style.color];
        }"""
    )
    assert colours[0] != "rgb(253, 236, 238)"  # the error red's background
    assert visitor.errors == []


def test_on_a_phone_the_header_names_the_user_and_the_list_controls_line_up(
    e2e_redis, browser, asgi_server
):
    """Issue 20, item 18: at 390 px the username stays in the header and the search, category
    and sort controls sit in one column of rows, inside the screen."""
    from tests.e2e.conftest import Visitor

    context = browser.new_context(base_url=asgi_server.url, viewport={"width": 390, "height": 844})
    visitor = Visitor(page=context.new_page())
    visitor.log_in(make_user("alice"))
    page = visitor.page
    page.goto("/")
    expect(page.locator(".site-header .who")).to_be_visible()
    lefts = [
        page.locator(selector).bounding_box()["x"]
        for selector in ("#search-q", "#search-category", "#search-sort")
    ]
    assert max(lefts) - min(lefts) < 2, lefts
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
