"""After the hammer, in real browsers: bid and win, then the order's whole path (address, paid
and shipped from the seller's admin, shown live on the buyer's open order page, received,
feedback both ways, the seller's public score), and a second-chance offer taken up."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from auctions.services.lifecycle import auction_settle
from orders.models import Order
from orders.services.orders import orders_close_unpaid
from tests.e2e.pages import UPDATE_WAIT_MS, mark_page, open_auction, place_bid, still_same_page
from tests.factories import make_auction, make_seller, make_user
from tests.integration.engine.helpers import shift_time

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LIVE_WAIT_MS = 10_000


def _won(bidders_and_bids, seller):
    """An auction the bidders bid on in their browsers, then ended and settled."""
    auction = make_auction(seller=seller, title="Rolex Datejust", starting_price=1_000)
    for visitor, amount in bidders_and_bids:
        open_auction(visitor, auction)
        place_bid(visitor, amount)
        expect(visitor.page.locator("#leader-status")).to_have_text(
            "You are the highest bidder", timeout=UPDATE_WAIT_MS
        )
    shift_time(auction, timedelta(hours=2))
    assert auction_settle(auction=auction) is True
    return auction


def _admin_step(visitor, order, tool: str, fill: dict | None = None) -> None:
    page = visitor.page
    page.goto(f"/admin/orders/order/{order.pk}/change/")
    page.get_by_role("link", name=tool).click()
    for selector, value in (fill or {}).items():
        page.locator(selector).fill(value)
    page.locator("input[type=submit]").click()
    expect(page.locator(".messagelist")).to_contain_text(tool.split()[0].replace("Mark", "Marked"))


def test_bid_win_pay_ship_receive_and_feedback(e2e_redis, open_visitor):
    seller = make_seller("watchshop")
    seller.public_name = "The Watch Shop"
    seller.save()
    alice = make_user("alice")
    buyer = open_visitor(alice)
    auction = _won([(buyer, "20.00")], seller)
    order = Order.objects.get(auction=auction)

    page = buyer.page
    page.goto("/me/orders/")
    page.locator(f'li.order-row[data-order-id="{order.pk}"] a').click()
    expect(page.locator("#order-status")).to_have_text("Awaiting payment")
    expect(page.locator("#order-totals")).to_contain_text("$20.00")
    page.locator("#id_name").fill("Alice Buyer")
    page.locator("#id_address").fill("1 Market Street\nSpringfield")
    page.locator("#address-form button").click()
    expect(page.locator("#shipping-address")).to_contain_text("1 Market Street")
    # Saved: the address reads once; the form waits behind "Change the address", filled in.
    expect(page.locator("#address-form")).to_be_hidden()
    page.locator("#address-change summary").click()
    expect(page.locator("#id_name")).to_have_value("Alice Buyer")
    expect(page.locator("#order-crumbs")).to_have_text("My orders")

    # The buyer keeps the order page open; the seller works the order from the admin.
    expect(page.locator("#order")).to_have_attribute("data-status", "awaiting_payment")
    expect(page.locator("#order")).to_have_attribute("data-live", "1", timeout=LIVE_WAIT_MS)
    mark_page(buyer)
    shop = open_visitor(seller)
    _admin_step(shop, order, "Mark paid")
    expect(page.locator("#order-status")).to_have_text("Paid", timeout=LIVE_WAIT_MS)
    _admin_step(shop, order, "Mark shipped", {"#id_tracking_note": "DHL 0042"})
    expect(page.locator("#order-status")).to_have_text("Shipped", timeout=LIVE_WAIT_MS)
    expect(page.locator("#tracking")).to_have_text("DHL 0042")
    assert still_same_page(buyer)

    page.locator("#received-form button").click()
    expect(page.locator("#order-status")).to_have_text("Received")
    page.locator("#feedback-form input[value=positive]").check()
    page.locator("#feedback-form input[name=comment]").fill("Exactly as described")
    page.locator("#feedback-form button").click()
    expect(page.locator("#order-feedback")).to_contain_text("Exactly as described")

    shop.page.goto(f"/orders/{order.pk}/")
    expect(shop.page.locator("#order-crumbs")).to_have_text("My sales")
    shop.page.locator("#feedback-form input[value=positive]").check()
    shop.page.locator("#feedback-form button").click()
    expect(shop.page.locator("#order-feedback .feedback-item")).to_have_count(2)

    page.goto(f"/auctions/{auction.pk}/")
    page.locator("#seller-link").click()
    expect(page.locator("#seller-name")).to_have_text("The Watch Shop")
    expect(page.locator("#seller-score")).to_have_text("1")
    expect(page.locator("#seller-feedback")).to_contain_text("Exactly as described")
    assert buyer.errors == [] and shop.errors == []


def test_a_second_chance_offer_goes_to_the_next_bidder(e2e_redis, open_visitor):
    seller = make_seller("camerashop")
    alice, bob = make_user("alice"), make_user("bob")
    alice_visitor, bob_visitor = open_visitor(alice), open_visitor(bob)
    auction = _won([(bob_visitor, "15.00"), (alice_visitor, "30.00")], seller)
    unpaid = Order.objects.get(auction=auction)
    assert unpaid.buyer_id == alice.pk
    Order.objects.filter(pk=unpaid.pk).update(pay_by=timezone.now() - timedelta(seconds=1))
    assert orders_close_unpaid() == 1

    shop = open_visitor(seller)
    shop.page.goto(f"/admin/orders/order/{unpaid.pk}/change/")
    shop.page.get_by_role("link", name="Second-chance offer").click()
    expect(shop.page.locator("#content-main")).to_contain_text("$15.00")
    shop.page.locator("input[type=submit]").click()
    expect(shop.page.locator(".messagelist")).to_contain_text("Offer sent")

    page = bob_visitor.page
    page.goto("/me/orders/")
    page.locator("li.offer-row a").click()
    expect(page.locator("#offer-price")).to_have_text("$15.00")
    page.locator("#offer-accept").click()
    expect(page.locator("#order-status")).to_have_text("Awaiting payment")
    expect(page.locator("#order-totals")).to_contain_text("$15.00")
    second = Order.objects.get(auction=auction, buyer=bob)
    assert second.origin == Order.Origin.SECOND_CHANCE
    assert bob_visitor.errors == [] and shop.errors == []
