"""A losing bidder's maximum stays private from the seller in every order state.

The one page that names it is the second-chance offer's confirmation, and only while the offer
can be made (the order closed unpaid, no live order, no open offer): its price is that maximum.
Everywhere else, in every state, as the seller, no admin or order page shows it.
"""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from orders.services.offers import offer_make
from orders.services.orders import (
    order_mark_paid,
    order_mark_received,
    order_mark_shipped,
    orders_close_unpaid,
)
from tests.factories import make_user
from tests.integration.orders.conftest import add_bid, client_for, sold

pytestmark = pytest.mark.django_db

SECRET = 77777  # the runner-up's maximum, $777.77
SHOWN = ("777.77", "77777", "77,777")
S = Order.Status


def _in_state(status: str) -> Order:
    """A sold lot (hammer $900.00) whose runner-up holds the secret maximum, its order moved
    to `status` through the services."""
    order = sold(price=90000)
    add_bid(order.auction, make_user(), amount=1000, max_amount=SECRET)
    if status in (S.PAID, S.SHIPPED, S.RECEIVED):
        order_mark_paid(order=order, actor=order.seller)
    if status in (S.SHIPPED, S.RECEIVED):
        order_mark_shipped(order=order, actor=order.seller)
    if status == S.RECEIVED:
        order_mark_received(order=order, actor=order.buyer)
    if status == S.CLOSED:
        Order.objects.filter(pk=order.pk).update(pay_by=timezone.now() - timedelta(seconds=1))
        orders_close_unpaid()
    order.refresh_from_db()
    assert order.status == status
    return order


def _admin_urls(order: Order) -> list[str]:
    """Every admin page the seller reaches: each changelist, and each per-object page (change,
    history, the order's steps) of every object their changelists list, the runner-up's bid
    included."""
    request = RequestFactory().get("/admin/")
    request.user = order.seller
    urls = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        object_pages = [
            pattern.name
            for pattern in model_admin.get_urls()
            if pattern.name and "object_id" in pattern.pattern.converters
        ]
        for pk in model_admin.get_queryset(request).values_list("pk", flat=True):
            urls += [reverse(f"admin:{name}", args=[pk]) for name in object_pages]
    return urls


def _order_urls(order: Order) -> list[str]:
    return [
        reverse("orders:mine"),
        reverse("orders:detail", args=[order.pk]),
        reverse("orders:invoice", args=[order.pk]),
        reverse("orders:seller", args=[order.seller.username]),
        reverse("auctions:detail", args=[order.auction_id]),
    ]


def _shown(text: str) -> list[str]:
    return [form for form in SHOWN if form in text]


@pytest.mark.parametrize("status", list(S))
def test_no_page_shows_the_seller_a_losing_maximum_in_any_order_state(status):
    order = _in_state(status)
    client = client_for(order.seller)
    offer_url = reverse("admin:orders_order_offer", args=[order.pk])
    walked = 0
    for url in [*_admin_urls(order), *_order_urls(order)]:
        response = client.get(url, follow=True)
        assert response.status_code < 500, url
        if url == offer_url and status == S.CLOSED:
            # The offer can be made: its price, the runner-up's maximum, is what it confirms.
            assert "$777.77" in response.text
            continue
        assert not _shown(response.text), (status, url)
        walked += 1
    assert walked > 25


def test_the_offer_page_refuses_where_no_offer_can_be_made():
    order = _in_state(S.AWAITING_PAYMENT)
    client = client_for(order.seller)
    response = client.get(reverse("admin:orders_order_offer", args=[order.pk]), follow=True)
    assert response.status_code == 200
    assert "follows an order that closed unpaid" in response.text
    assert not _shown(response.text)


def test_after_the_offer_is_made_the_page_no_longer_names_a_next_maximum():
    order = _in_state(S.CLOSED)
    # A third bidder, next in line once the first offer is out.
    add_bid(order.auction, make_user(), amount=1000, max_amount=66666)
    offer_make(order=order, actor=order.seller)
    client = client_for(order.seller)
    response = client.get(reverse("admin:orders_order_offer", args=[order.pk]), follow=True)
    assert "already has an open offer" in response.text
    assert "666.66" not in response.text
