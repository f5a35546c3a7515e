"""Second-chance offers: the next bidder at their own highest bid, once, until it expires."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from core.errors import InvalidState, NotAllowed
from orders.models import Order, SecondChanceOffer
from orders.services.offers import (
    next_bidder,
    offer_accept,
    offer_decline,
    offer_make,
    offers_expire,
)
from orders.services.orders import order_mark_paid, orders_close_unpaid
from tests.factories import make_user
from tests.integration.orders.conftest import add_bid, sold

OS = SecondChanceOffer.Status


def _close(order):
    Order.objects.filter(pk=order.pk).update(pay_by=timezone.now() - timedelta(seconds=1))
    orders_close_unpaid()
    order.refresh_from_db()
    return order


def _lot_with_bidders(**tops):
    """A closed unpaid order plus other bidders with the given highest bids (by name)."""
    order = sold(price=9000)
    people = {}
    for name, top in tops.items():
        people[name] = make_user()
        add_bid(order.auction, people[name], amount=1000, max_amount=top)
    return _close(order), people


@pytest.mark.django_db
def test_the_offer_goes_to_the_next_highest_bidder_at_their_own_maximum(settings):
    settings.GAVEL_SECOND_CHANCE_HOURS = 12
    order, people = _lot_with_bidders(low=3000, high=7000, mid=5000)
    voided = make_user()
    add_bid(order.auction, voided, amount=8000, voided=True)
    mail.outbox.clear()
    offer = offer_make(order=order, actor=order.seller)
    assert (offer.bidder_id, offer.price, offer.status) == (people["high"].pk, 7000, OS.OPEN)
    assert timedelta(hours=11) < offer.expires_at - timezone.now() <= timedelta(hours=12)


@pytest.mark.django_db
def test_a_tie_goes_to_whoever_bid_first():
    order, people = _lot_with_bidders(first=5000, second=5000)
    assert next_bidder(auction_id=order.auction_id) == (people["first"].pk, 5000)


@pytest.mark.django_db
def test_offers_need_a_closed_order_the_seller_and_a_bidder_left():
    order = sold()
    add_bid(order.auction, make_user(), amount=4000)
    with pytest.raises(InvalidState):
        offer_make(order=order, actor=order.seller)  # still awaiting payment
    _close(order)
    with pytest.raises(NotAllowed):
        offer_make(order=order, actor=order.buyer)
    offer = offer_make(order=order, actor=order.seller)
    with pytest.raises(InvalidState):
        offer_make(order=order, actor=order.seller)  # one open offer at a time
    offer_decline(offer=offer, actor=offer.bidder)
    with pytest.raises(InvalidState):
        offer_make(order=order, actor=order.seller)  # nobody else bid
    assert SecondChanceOffer.objects.count() == 1


@pytest.mark.django_db
def test_accepting_opens_a_second_chance_order_and_declining_lets_the_seller_go_on():
    order, people = _lot_with_bidders(a=7000, b=5000)
    first = offer_make(order=order, actor=order.seller)
    with pytest.raises(NotAllowed):
        offer_accept(offer=first, actor=people["b"])  # not theirs
    offer_decline(offer=first, actor=people["a"])
    with pytest.raises(InvalidState):
        offer_accept(offer=first, actor=people["a"])  # declined is final
    second = offer_make(order=order, actor=order.seller)
    assert second.bidder_id == people["b"].pk
    new = offer_accept(offer=second, actor=people["b"])
    assert (new.buyer_id, new.price, new.origin, new.status) == (
        people["b"].pk,
        5000,
        Order.Origin.SECOND_CHANCE,
        Order.Status.AWAITING_PAYMENT,
    )
    assert SecondChanceOffer.objects.get(pk=second.pk).order_id == new.pk
    order_mark_paid(order=new, actor=new.seller)


@pytest.mark.django_db
def test_an_expired_offer_cannot_be_accepted_and_the_worker_marks_it():
    order, people = _lot_with_bidders(a=7000)
    offer = offer_make(order=order, actor=order.seller)
    SecondChanceOffer.objects.filter(pk=offer.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(InvalidState):
        offer_accept(offer=offer, actor=people["a"])
    assert offers_expire() == 1
    assert SecondChanceOffer.objects.get(pk=offer.pk).status == OS.EXPIRED
    assert not Order.objects.filter(buyer=people["a"]).exists()


def _race(calls):
    """Start every call at once on its own thread and database connection; collect outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes = []

    def run(call):
        try:
            barrier.wait()
            outcomes.append(call())
        except InvalidState as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_racing_accepts_open_exactly_one_order(postgres_db):
    order, people = _lot_with_bidders(a=7000)
    offer = offer_make(order=order, actor=order.seller)
    bidder = people["a"]
    outcomes = _race(
        [
            lambda: offer_accept(offer=SecondChanceOffer.objects.get(pk=offer.pk), actor=bidder)
            for _ in range(4)
        ]
    )
    orders = [o for o in outcomes if isinstance(o, Order)]
    assert len(orders) == 1
    assert sum(isinstance(o, InvalidState) for o in outcomes) == 3
    assert Order.objects.filter(auction=order.auction).exclude(status="closed").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_accept_racing_a_decline_applies_exactly_one(postgres_db):
    order, people = _lot_with_bidders(a=7000)
    offer = offer_make(order=order, actor=order.seller)
    bidder = people["a"]
    outcomes = _race(
        [
            lambda: offer_accept(offer=SecondChanceOffer.objects.get(pk=offer.pk), actor=bidder),
            lambda: offer_decline(offer=SecondChanceOffer.objects.get(pk=offer.pk), actor=bidder),
        ]
    )
    assert sum(isinstance(o, InvalidState) for o in outcomes) == 1
    final = SecondChanceOffer.objects.get(pk=offer.pk)
    has_order = Order.objects.filter(buyer=bidder).exists()
    assert (final.status == OS.ACCEPTED) == has_order
