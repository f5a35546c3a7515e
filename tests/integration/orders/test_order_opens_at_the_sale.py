"""Settling an auction with a winner opens its order, in the same write as the result."""

from datetime import timedelta

import pytest
from django.core import mail

from auctions.services.lifecycle import auction_settle
from core.models import AuditLog
from orders.models import Order
from tests.factories import make_auction, make_user
from tests.integration.engine.helpers import bid, shift_time

pytestmark = pytest.mark.django_db


def test_a_sale_opens_one_order_at_the_hammer_price(django_capture_on_commit_callbacks):
    auction = make_auction(starting_price=1000)
    alice, bob = make_user(), make_user()
    bid(auction, alice, 1000, max_amount=4000)
    bid(auction, bob, 2000)
    shift_time(auction, timedelta(hours=2))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert auction_settle(auction=auction) is True
    assert auction_settle(auction=auction) is False
    won = next(m for m in mail.outbox if m.to == [alice.email])
    assert "/me/orders/" in won.body
    sold = next(m for m in mail.outbox if m.to == [auction.seller.email])
    assert "/admin/orders/order/" in sold.body
    order = Order.objects.get(auction=auction)
    assert (order.buyer_id, order.seller_id, order.price, order.status) == (
        alice.pk,
        auction.seller_id,
        2050,
        Order.Status.AWAITING_PAYMENT,
    )
    assert AuditLog.objects.filter(action="order.open", target_id=str(order.pk)).exists()


def test_no_winner_no_order():
    auction = make_auction(starting_price=1000, reserve_price=9000)
    bid(auction, make_user(), 1000)
    shift_time(auction, timedelta(hours=2))
    assert auction_settle(auction=auction) is True
    assert not Order.objects.filter(auction=auction).exists()
