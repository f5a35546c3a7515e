"""Order steps in the service layer: who may act, from which status, audited and announced."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from core.errors import BadRequest, InvalidAmount, InvalidState, NotAllowed
from core.models import AuditLog
from orders.models import Order
from orders.services.orders import (
    order_mark_paid,
    order_mark_received,
    order_mark_shipped,
    order_open,
    order_set_shipping_address,
    order_set_shipping_cost,
    orders_close_unpaid,
)
from tests.factories import make_moderator, make_user
from tests.integration.orders.conftest import sold

pytestmark = pytest.mark.django_db(transaction=False)

S = Order.Status


def _actions(order):
    return list(
        AuditLog.objects.filter(target_type="orders.order", target_id=str(order.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_the_whole_path_is_audited_and_each_step_emails_the_other_side(
    django_capture_on_commit_callbacks, settings
):
    settings.GAVEL_ORDER_PAYMENT_DAYS = 3
    with django_capture_on_commit_callbacks(execute=True):
        order = sold(price=5000)
    assert order.status == S.AWAITING_PAYMENT
    assert timedelta(days=2, hours=23) < order.pay_by - timezone.now() <= timedelta(days=3)
    buyer, seller = order.buyer, order.seller
    assert mail.outbox == []  # the won email of the result says it already
    with django_capture_on_commit_callbacks(execute=True):
        order_set_shipping_address(order=order, actor=buyer, name="Ann Buyer", address="1 Road")
        order_mark_paid(order=order, actor=seller)
        order_mark_shipped(order=order, actor=seller, tracking_note="  DHL 123  ")
        order_mark_received(order=order, actor=buyer)
    order.refresh_from_db()
    assert order.status == S.RECEIVED
    assert order.tracking_note == "DHL 123"
    assert order.paid_at and order.shipped_at and order.received_at
    assert _actions(order) == [
        "order.open",
        "order.address",
        "order.paid",
        "order.shipped",
        "order.received",
    ]
    assert [m.to for m in mail.outbox] == [
        [seller.email],
        [buyer.email],
        [buyer.email],
        [seller.email],
    ]
    assert "DHL 123" in mail.outbox[2].body
    assert order.get_absolute_url() in mail.outbox[1].body


def test_opening_twice_returns_the_same_order():
    order = sold()
    again = order_open(
        auction_id=order.auction_id,
        buyer_id=order.buyer_id,
        seller_id=order.seller_id,
        price=order.price,
    )
    assert again.pk == order.pk
    assert Order.objects.filter(auction=order.auction).count() == 1


def test_only_the_seller_or_a_moderator_marks_paid():
    order = sold()
    with pytest.raises(NotAllowed):
        order_mark_paid(order=order, actor=order.buyer)
    with pytest.raises(NotAllowed):
        order_mark_paid(order=order, actor=make_user())
    order_mark_paid(order=order, actor=make_moderator())
    assert Order.objects.get(pk=order.pk).status == S.PAID


def test_steps_out_of_order_are_refused_and_change_nothing():
    order = sold()
    with pytest.raises(InvalidState):
        order_mark_shipped(order=order, actor=order.seller)
    with pytest.raises(InvalidState):
        order_mark_received(order=order, actor=order.buyer)
    order_mark_paid(order=order, actor=order.seller)
    with pytest.raises(InvalidState):
        order_mark_paid(order=order, actor=order.seller)
    with pytest.raises(NotAllowed):
        order_mark_received(order=order, actor=order.seller)
    fresh = Order.objects.get(pk=order.pk)
    assert fresh.status == S.PAID and fresh.received_at is None
    assert _actions(order) == ["order.open", "order.paid"]


def test_a_long_tracking_note_is_refused():
    order = sold()
    order_mark_paid(order=order, actor=order.seller)
    with pytest.raises(BadRequest):
        order_mark_shipped(order=order, actor=order.seller, tracking_note="x" * 201)
    assert Order.objects.get(pk=order.pk).status == S.PAID


def test_the_address_is_the_buyers_and_freezes_once_shipped():
    order = sold()
    with pytest.raises(NotAllowed):
        order_set_shipping_address(order=order, actor=order.seller, name="X", address="Y")
    with pytest.raises(BadRequest):
        order_set_shipping_address(order=order, actor=order.buyer, name=" ", address="Y")
    order_mark_paid(order=order, actor=order.seller)
    order_mark_shipped(order=order, actor=order.seller)
    with pytest.raises(InvalidState):
        order_set_shipping_address(order=order, actor=order.buyer, name="A", address="B")


def test_postage_adds_to_the_total_only_while_awaiting_payment():
    order = sold(price=5000)
    order_set_shipping_cost(order=order, actor=order.seller, shipping_cost=750)
    assert Order.objects.get(pk=order.pk).total == 5750
    with pytest.raises(InvalidAmount):
        order_set_shipping_cost(order=order, actor=order.seller, shipping_cost=-1)
    with pytest.raises(NotAllowed):
        order_set_shipping_cost(order=order, actor=order.buyer, shipping_cost=0)
    order_mark_paid(order=order, actor=order.seller)
    with pytest.raises(InvalidState):
        order_set_shipping_cost(order=order, actor=order.seller, shipping_cost=0)
    assert Order.objects.get(pk=order.pk).shipping_cost == 750


def test_unpaid_orders_close_after_the_deadline_and_paid_ones_do_not(
    django_capture_on_commit_callbacks,
):
    late, paid, fresh = sold(), sold(), sold()
    order_mark_paid(order=paid, actor=paid.seller)
    past = timezone.now() - timedelta(seconds=1)
    Order.objects.filter(pk__in=[late.pk, paid.pk]).update(pay_by=past)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert orders_close_unpaid() == 1
    assert orders_close_unpaid() == 0
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {late.pk: S.CLOSED, paid.pk: S.PAID, fresh.pk: S.AWAITING_PAYMENT}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([late.buyer.email, late.seller.email])
    seller_mail = next(m for m in mail.outbox if m.to == [late.seller.email])
    assert "second-chance offer" in seller_mail.body
    assert _actions(late)[-1] == "order.closed_unpaid"
    with pytest.raises(InvalidState):
        order_mark_paid(order=late, actor=late.seller)


def test_the_worker_pass_closes_unpaid_orders():
    from auctions.worker import run_once

    order = sold()
    Order.objects.filter(pk=order.pk).update(pay_by=timezone.now() - timedelta(seconds=1))
    assert run_once().orders_closed == 1
    assert Order.objects.get(pk=order.pk).status == S.CLOSED
