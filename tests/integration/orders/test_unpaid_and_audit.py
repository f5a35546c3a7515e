"""The seller's unpaid-item case, a named audit log and a named runner-up (issue 20, item 14)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from auctions.models import Auction
from core.errors import InvalidState, NotAllowed
from core.models import AuditLog
from orders.models import Order
from orders.services.orders import order_report_unpaid
from tests.admin_forms import add_form
from tests.factories import make_moderator, make_seller, make_user
from tests.integration.orders.conftest import add_bid, client_for, sold

pytestmark = pytest.mark.django_db


def aged(order: Order, days: float) -> Order:
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=days))
    return Order.objects.select_related("auction", "buyer", "seller").get(pk=order.pk)


def test_the_seller_reports_an_unpaid_order_after_two_days_and_may_then_offer_it():
    order = sold()
    with pytest.raises(InvalidState, match="before you can report"):
        order_report_unpaid(order=order, actor=order.seller)
    with pytest.raises(NotAllowed):
        order_report_unpaid(order=aged(order, 3), actor=order.buyer)
    order = aged(order, 3)
    client = client_for(order.seller)
    change = client.get(f"/admin/orders/order/{order.pk}/change/").text
    assert f"/admin/orders/order/{order.pk}/unpaid/" in change and "Buyer did not pay" in change
    assert "Second-chance offer" not in change
    client.post(f"/admin/orders/order/{order.pk}/unpaid/", {})
    order.refresh_from_db()
    assert order.status == Order.Status.CLOSED and order.closed_at is not None
    assert AuditLog.objects.filter(action="order.reported_unpaid", target_id=str(order.pk))
    after = client.get(f"/admin/orders/order/{order.pk}/change/").text
    assert f"/admin/orders/order/{order.pk}/offer/" in after


def test_the_second_chance_page_names_the_runner_up_by_handle():
    order = sold()
    add_bid(order.auction, make_user("runnerup"), amount=2500, max_amount=4000)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.CLOSED)
    page = client_for(order.seller).get(f"/admin/orders/order/{order.pk}/offer/").text
    assert "r***p" in page and "runnerup" not in page


def test_the_audit_log_names_its_targets_and_records_a_new_listing(client):
    seller = make_seller("lister")
    client.force_login(seller)
    client.post(reverse("admin:auctions_auction_add"), add_form(title="Brand new lot"))
    auction = Auction.objects.get(title="Brand new lot")
    entry = AuditLog.objects.get(action="listing.create")
    assert (entry.actor, entry.target_id) == (seller, str(auction.pk))
    page = client_for(make_moderator()).get("/admin/core/auditlog/").text
    assert f"Brand new lot (auction {auction.pk})" in page
    assert f'href="/admin/auctions/auction/{auction.pk}/change/"' in page
