"""Sellers work their own orders in the admin; each step goes through the audited services."""

import pytest

from core.models import AuditLog
from orders.models import Order, SecondChanceOffer
from tests.factories import make_moderator, make_user
from tests.integration.orders.conftest import add_bid, client_for, sold

pytestmark = pytest.mark.django_db


def test_a_seller_sees_only_their_own_orders():
    mine, theirs = sold(), sold()
    client = client_for(mine.seller)
    listing = client.get("/admin/orders/order/")
    assert listing.status_code == 200
    assert f"/admin/orders/order/{mine.pk}/change/" in listing.text
    assert f"/admin/orders/order/{theirs.pk}/change/" not in listing.text
    assert client.get(f"/admin/orders/order/{theirs.pk}/change/").status_code == 302
    assert client.post(f"/admin/orders/order/{theirs.pk}/paid/").status_code == 302
    assert Order.objects.get(pk=theirs.pk).status == Order.Status.AWAITING_PAYMENT
    moderator = client_for(make_moderator()).get("/admin/orders/order/")
    assert f"/admin/orders/order/{theirs.pk}/change/" in moderator.text


def test_mark_paid_then_shipped_with_a_tracking_note():
    order = sold()
    client = client_for(order.seller)
    change = client.get(f"/admin/orders/order/{order.pk}/change/")
    assert f"/admin/orders/order/{order.pk}/paid/" in change.text
    assert client.get(f"/admin/orders/order/{order.pk}/paid/").status_code == 200
    client.post(f"/admin/orders/order/{order.pk}/paid/", {})
    client.post(f"/admin/orders/order/{order.pk}/shipped/", {"tracking_note": "PostNL 42"})
    order.refresh_from_db()
    assert (order.status, order.tracking_note) == (Order.Status.SHIPPED, "PostNL 42")
    actions = AuditLog.objects.filter(target_type="orders.order", target_id=str(order.pk))
    assert {"order.paid", "order.shipped"} <= set(actions.values_list("action", flat=True))
    # A step that does not apply is a message, not an error page.
    response = client.post(f"/admin/orders/order/{order.pk}/paid/", {}, follow=True)
    assert response.status_code == 200
    assert "Only an order awaiting payment" in response.text


def test_postage_is_set_through_the_change_form():
    order = sold(price=5000)
    client = client_for(order.seller)
    client.post(f"/admin/orders/order/{order.pk}/change/", {"shipping_cost": "6.50"})
    assert Order.objects.get(pk=order.pk).shipping_cost == 650
    assert AuditLog.objects.filter(action="order.postage", target_id=str(order.pk)).exists()


def test_the_seller_makes_a_second_chance_offer_from_the_admin():
    order = sold()
    bidder = make_user()
    add_bid(order.auction, bidder, amount=2500, max_amount=4000)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.CLOSED)
    client = client_for(order.seller)
    page = client.get(f"/admin/orders/order/{order.pk}/offer/")
    assert "$40.00" in page.text
    client.post(f"/admin/orders/order/{order.pk}/offer/", {})
    offer = SecondChanceOffer.objects.get(auction=order.auction)
    assert (offer.bidder_id, offer.price) == (bidder.pk, 4000)
