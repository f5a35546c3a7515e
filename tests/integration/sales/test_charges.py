"""The buyer's premium everywhere a price is: the lot page, the review step (hammer, premium,
tax, total for the amount typed) and the order of a lot won in a sale."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Order
from sales.services.registration import registration_create
from sales.services.schedule import sale_publish
from tests.factories import make_auction, make_user
from tests.integration.engine.helpers import bid, shift_time
from tests.integration.sales.factories import make_sale
from tests.integration.web.conftest import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def sale(django_capture_on_commit_callbacks):
    sale = make_sale(lots=1, tax_rate=Decimal("8.875"))
    with django_capture_on_commit_callbacks(execute=True):
        sale_publish(sale=sale, actor=sale.house)
    return sale


def test_the_lot_page_names_the_premium_and_a_plain_auction_does_not(sale):
    lot = sale.lots.get()
    page = logged_in(make_user()).get(lot.get_absolute_url()).content.decode()
    assert "+ 25 % / 20 % buyer&#x27;s premium" in page
    assert f'Lot 1 of <a href="/sales/{sale.pk}/">' in page
    plain = logged_in(make_user()).get(make_auction().get_absolute_url()).content.decode()
    assert "buyer&#x27;s premium" not in plain


def test_the_review_step_shows_hammer_premium_tax_and_total(sale):
    lot = sale.lots.get()
    client = logged_in(make_user())
    page = client.post(
        reverse("auctions:bid", args=[lot.pk]), {"amount": "1,500.00", "request_id": "r-1"}
    ).content.decode()
    # 25 % of 1,000 + 20 % of 500 = 350.00; 8.875 % of 1,850.00 = 164.1875 → 164.19
    assert 'id="charge-hammer">$1,500.00<' in page
    assert 'id="charge-premium">$350.00<' in page
    assert 'id="charge-tax">$164.19<' in page
    assert 'id="charge-total"><strong>$2,014.19</strong>' in page


def test_the_order_of_a_lot_carries_hammer_premium_tax_and_total(sale, run_on_commit):
    lot = sale.lots.get()
    buyer = make_user()
    run_on_commit(registration_create, sale=sale, bidder=buyer)
    bid(lot, buyer, 150_000)
    shift_time(lot, timedelta(hours=2))
    from auctions.services.lifecycle import auction_settle

    run_on_commit(auction_settle, auction=lot)
    order = Order.objects.get(auction=lot)
    assert (order.price, order.premium, order.tax, order.shipping_cost) == (
        150_000,
        35_000,
        16_419,
        0,
    )
    assert order.total == 201_419
    page = logged_in(buyer).get(order.get_absolute_url()).content.decode()
    assert 'id="order-premium">$350.00<' in page and 'id="order-tax">$164.19<' in page


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def call(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return call
