"""The after-sale pages: private to buyer, seller and moderators; forms post and redirect."""

import pytest
from django.test import Client

from orders.models import Feedback, Order, SecondChanceOffer
from orders.services.feedback import feedback_leave
from orders.services.offers import offer_make
from orders.services.orders import order_mark_paid, order_mark_received, order_mark_shipped
from tests.factories import make_moderator, make_seller, make_user
from tests.integration.orders.conftest import add_bid, client_for, sold

pytestmark = pytest.mark.django_db


def test_my_orders_lists_only_mine():
    mine, other = sold(), sold()
    page = client_for(mine.buyer).get("/me/orders/")
    assert page.status_code == 200
    assert f'data-order-id="{mine.pk}"' in page.text
    assert f'data-order-id="{other.pk}"' not in page.text


def test_an_order_is_a_404_to_anyone_but_buyer_seller_and_moderators():
    order = sold()
    other_seller = make_seller()
    for user in (make_user(), other_seller):
        client = client_for(user)
        for path in (f"/orders/{order.pk}/", f"/orders/{order.pk}/invoice/"):
            assert client.get(path).status_code == 404
        assert client.post(f"/orders/{order.pk}/received").status_code == 404
    assert Client().get(f"/orders/{order.pk}/").status_code == 302  # to the login page
    for user in (order.buyer, order.seller, make_moderator()):
        assert client_for(user).get(f"/orders/{order.pk}/").status_code == 200
    assert client_for(make_user()).get("/orders/999999/").status_code == 404


def test_the_buyer_sees_totals_the_sellers_contact_and_gives_an_address():
    order = sold(price=12345)
    client = client_for(order.buyer)
    page = client.get(f"/orders/{order.pk}/")
    assert "$123.45" in page.text
    assert order.seller.email in page.text
    assert 'id="address-form"' in page.text
    response = client.post(
        f"/orders/{order.pk}/address", {"name": "Ann <b>", "address": "1 Road\nTown"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.shipping_name, order.shipping_address) == ("Ann <b>", "1 Road\nTown")
    page = client.get(f"/orders/{order.pk}/")
    assert "Ann &lt;b&gt;" in page.text


def test_an_empty_address_is_refused_with_a_message():
    order = sold()
    response = client_for(order.buyer).post(
        f"/orders/{order.pk}/address", {"name": "", "address": ""}, follow=True
    )
    assert "Give a name and an address" in response.text
    assert Order.objects.get(pk=order.pk).shipping_address == ""


def test_the_invoice_shows_the_total_with_postage():
    order = sold(price=5000)
    Order.objects.filter(pk=order.pk).update(shipping_cost=500)
    page = client_for(order.seller).get(f"/orders/{order.pk}/invoice/")
    assert page.status_code == 200
    assert 'id="invoice-total">$55.00<' in page.text


def test_received_then_feedback_from_the_page():
    order = sold()
    client = client_for(order.buyer)
    response = client.post(f"/orders/{order.pk}/received", follow=True)
    assert "Only a paid or shipped order" in response.text  # refused: not paid yet
    order_mark_paid(order=order, actor=order.seller)
    order_mark_shipped(order=order, actor=order.seller, tracking_note="UPS 1Z")
    assert "UPS 1Z" in client.get(f"/orders/{order.pk}/").text
    client.post(f"/orders/{order.pk}/received")
    assert Order.objects.get(pk=order.pk).status == Order.Status.RECEIVED
    assert 'id="feedback-form"' in client.get(f"/orders/{order.pk}/").text
    client.post(f"/orders/{order.pk}/feedback", {"rating": "positive", "comment": "Fast"})
    client.post(f"/orders/{order.pk}/feedback", {"rating": "negative", "comment": "Again"})
    assert list(Feedback.objects.values_list("rating", "comment")) == [(1, "Fast")]
    assert 'id="feedback-form"' not in client.get(f"/orders/{order.pk}/").text


def test_the_offer_page_accepts_for_its_bidder_only():
    order = sold()
    bidder = make_user()
    add_bid(order.auction, bidder, amount=3000)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.CLOSED)
    order.refresh_from_db()
    offer = offer_make(order=order, actor=order.seller)
    assert client_for(make_user()).get(f"/offers/{offer.pk}/").status_code == 404
    assert client_for(make_user()).post(f"/offers/{offer.pk}/accept").status_code == 404
    client = client_for(bidder)
    assert f'data-offer-id="{offer.pk}"' in client.get("/me/orders/").text
    assert "$30.00" in client.get(f"/offers/{offer.pk}/").text
    response = client.post(f"/offers/{offer.pk}/accept")
    new = Order.objects.get(buyer=bidder)
    assert response.status_code == 302 and response["Location"] == new.get_absolute_url()
    assert SecondChanceOffer.objects.get(pk=offer.pk).status == "accepted"


def test_the_seller_page_shows_score_and_comments():
    seller = make_seller("sam")
    order = sold(seller=seller)
    order_mark_paid(order=order, actor=seller)
    order_mark_received(order=order, actor=order.buyer)
    feedback_leave(order=order, author=order.buyer, rating="positive", comment="<i>Lovely</i>")
    page = Client().get("/sellers/sam/")
    assert page.status_code == 200
    assert 'id="seller-score">1<' in page.text
    assert "&lt;i&gt;Lovely&lt;/i&gt;" in page.text
    assert Client().get("/sellers/nobody/").status_code == 404
    # A bidder's username is masked everywhere; this page never confirms one.
    assert Client().get(f"/sellers/{order.buyer.username}/").status_code == 404


def test_the_lot_links_to_its_seller_under_the_public_name():
    seller = make_seller("sam")
    seller.public_name = "Sam's Watches"
    seller.save()
    order = sold(seller=seller)
    page = Client().get(order.auction.get_absolute_url())
    assert 'href="/sellers/Sam&#x27;s%20Watches/"' in page.text
    assert Client().get("/sellers/Sam%27s%20Watches/").status_code == 200
    assert Client().get("/sellers/sam%27s%20watches/").status_code == 200
    assert Client().get("/sellers/sam/").status_code == 404  # known by the public name only
