"""Account pages in Chromium: deleting an account names what stands in the way before any
password is asked (issue 20, item 12)."""

import pytest
from playwright.sync_api import expect

from tests.factories import make_auction, make_user
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
