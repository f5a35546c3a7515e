"""Money in the admin reads and writes the site currency as people type it (issue 20, item 6):
a listing, an order's postage, an ended lot's read-only amounts and the second-chance list."""

import re

import pytest
from django.urls import reverse

from auctions.models import Auction
from orders.models import Order, SecondChanceOffer
from tests.admin_forms import add_form
from tests.factories import make_user
from tests.integration.moderation.test_admin_seller import ended_sold
from tests.integration.orders.conftest import client_for, sold

pytestmark = pytest.mark.django_db


def test_a_new_listing_reads_amounts_as_people_type_them(client, seller_a):
    client.force_login(seller_a)
    response = client.post(
        reverse("admin:auctions_auction_add"),
        add_form(starting_price="$1,250.50", reserve_price="2000", buy_now_price="5,000 USD"),
    )
    assert response.status_code == 302
    auction = Auction.objects.get(title="New lot")
    assert (auction.starting_price, auction.reserve_price, auction.buy_now_price) == (
        125_050,
        200_000,
        500_000,
    )
    page = client.get(reverse("admin:auctions_auction_change", args=[auction.pk])).text
    assert 'value="$1,250.50"' in page and 'inputmode="decimal"' in page


def test_an_ended_lot_shows_its_amounts_as_money(client, seller_a):
    auction = ended_sold(seller_a, make_user("winner9"))
    Auction.objects.filter(pk=auction.pk).update(starting_price=500, buy_now_price=250_000)
    client.force_login(seller_a)
    page = client.get(reverse("admin:auctions_auction_change", args=[auction.pk])).text
    text = re.sub(r"<[^>]+>|\s+", " ", page)
    assert re.search(r"Starting price\s*:?\s*\$5\.00", text)
    assert re.search(r"Buy now price\s*:?\s*\$2,500\.00", text)
    assert re.search(r"Final price\s*:?\s*\$42\.00", text)
    assert not re.search(r">\s*500\s*<", page) and not re.search(r">\s*4200\s*<", page)


def test_postage_is_typed_in_the_currency_and_shown_as_money():
    order = sold(price=5000)
    client = client_for(order.seller)
    change = client.get(f"/admin/orders/order/{order.pk}/change/").text
    assert re.search(r"Price\s*:?\s*</label>\s*<div class=\"readonly\">\$50\.00", change)
    client.post(f"/admin/orders/order/{order.pk}/change/", {"shipping_cost": "$4.50"})
    assert Order.objects.get(pk=order.pk).shipping_cost == 450
    client.post(f"/admin/orders/order/{order.pk}/change/", {"shipping_cost": "0"})
    assert Order.objects.get(pk=order.pk).shipping_cost == 0
    Order.objects.filter(pk=order.pk).update(shipping_cost=450, status=Order.Status.PAID)
    paid = client.get(f"/admin/orders/order/{order.pk}/change/").text
    assert re.search(r"Shipping cost\s*:?\s*</label>\s*<div class=\"readonly\">\$4\.50", paid)


def test_the_second_chance_list_shows_money():
    order = sold(price=5000)
    SecondChanceOffer.objects.create(
        auction=order.auction,
        source_order=order,
        bidder=make_user("runner"),
        price=15_000,
        expires_at=order.pay_by,
    )
    listing = client_for(order.seller).get("/admin/orders/secondchanceoffer/").text
    assert "$150.00" in listing and ">15000<" not in listing
