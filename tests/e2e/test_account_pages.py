"""Account pages in Chromium: deleting an account names what stands in the way before any
password is asked (issue 20, item 12)."""

import pytest
from playwright.sync_api import expect

from tests.factories import make_auction, make_seller, make_user
from tests.integration.orders.conftest import add_bid, sold

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_deletion_lists_the_blocking_lots_and_orders_before_the_password(e2e_redis, open_visitor):
    alice = make_user("alice")
    add_bid(make_auction(title="Nikon FM2"), alice, amount=1_000)
    order = sold(buyer=alice)
    visitor = open_visitor(alice)
    page = visitor.page
    page.goto("/me/delete/")
    blockers = page.locator("#delete-blockers")
    expect(blockers).to_contain_text("Nikon FM2")
    expect(
        blockers.get_by_role("link", name=f"Order {order.pk}: {order.auction.title}")
    ).to_be_visible()
    expect(page.locator("#delete-form")).to_have_count(0)
    blockers.get_by_role("link", name="Nikon FM2").click()
    expect(page.locator("#auction-title")).to_have_text("Nikon FM2")

    free = open_visitor(make_user("bob"))
    free.page.goto("/me/delete/")
    expect(free.page.locator("#delete-form")).to_be_visible()
    expect(free.page.locator("#delete-blockers")).to_have_count(0)
    assert visitor.errors == [] and free.errors == []


def test_two_factor_set_up_shows_a_qr_code_and_nothing_scrolls_sideways(e2e_redis, open_visitor):
    """Issue 20, item 18: a QR code to scan (inline SVG, allowed by the CSP) and the
    otpauth:// link wrapped inside the card at 1280 px."""
    visitor = open_visitor(make_seller("shop"))
    page = visitor.page
    csp_errors = []
    page.on(
        "console",
        lambda message: (
            csp_errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto("/accounts/two-factor/")
    qr = page.locator("#two-factor-qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box and box["width"] >= 100 and box["width"] == box["height"]
    assert page.locator("#two-factor-link").get_attribute("href").startswith("otpauth://totp/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert csp_errors == [] and visitor.errors == []
