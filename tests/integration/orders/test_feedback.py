"""Feedback: once per side, after the order is received or closed; the seller's score."""

import pytest

from core.errors import BadRequest, InvalidState, NotAllowed
from orders.models import Feedback, Order
from orders.selectors import seller_recent_feedback, seller_score
from orders.services.feedback import feedback_leave
from orders.services.orders import order_mark_paid, order_mark_received
from tests.factories import make_seller, make_user
from tests.integration.orders.conftest import sold

pytestmark = pytest.mark.django_db


def _received(**kwargs) -> Order:
    order = sold(**kwargs)
    order_mark_paid(order=order, actor=order.seller)
    return order_mark_received(order=order, actor=order.buyer)


def test_feedback_waits_for_the_end_of_the_order():
    order = sold()
    with pytest.raises(InvalidState):
        feedback_leave(order=order, author=order.buyer, rating="positive")
    order_mark_paid(order=order, actor=order.seller)
    with pytest.raises(InvalidState):
        feedback_leave(order=order, author=order.buyer, rating="positive")
    order_mark_received(order=order, actor=order.buyer)
    row = feedback_leave(order=order, author=order.buyer, rating="positive", comment=" Great ")
    assert (row.recipient_id, row.role, row.rating, row.comment) == (
        order.seller_id,
        "buyer",
        1,
        "Great",
    )


def test_each_side_rates_once_and_nobody_else_rates():
    order = _received()
    feedback_leave(order=order, author=order.buyer, rating="neutral")
    feedback_leave(order=order, author=order.seller, rating="positive")
    with pytest.raises(InvalidState):
        feedback_leave(order=order, author=order.buyer, rating="negative")
    with pytest.raises(NotAllowed):
        feedback_leave(order=order, author=make_user(), rating="negative")
    with pytest.raises(BadRequest):
        feedback_leave(order=order, author=order.seller, rating="great")
    with pytest.raises(BadRequest):
        feedback_leave(order=order, author=order.seller, rating="neutral", comment="x" * 201)
    assert Feedback.objects.filter(order=order).count() == 2


def test_the_seller_score_counts_what_buyers_said():
    seller = make_seller()
    for rating in ["positive", "positive", "positive", "negative", "neutral"]:
        order = _received(seller=seller)
        feedback_leave(order=order, author=order.buyer, rating=rating, comment=rating)
        feedback_leave(order=order, author=seller, rating="positive")
    score = seller_score(user=seller)
    assert (score.positive, score.neutral, score.negative) == (3, 1, 1)
    assert score.score == 2
    assert score.percent_positive == 75
    recent = seller_recent_feedback(user=seller, limit=2)
    assert [item.comment for item in recent] == ["neutral", "negative"]
