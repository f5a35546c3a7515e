"""Builders for the after-sale tests: a sold lot with its order, and ledger rows."""

import itertools
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from auctions.models import Auction, Bid
from orders.models import Order
from orders.services.orders import order_open
from tests.factories import make_auction, make_seller, make_user

_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def add_bid(auction, bidder, *, amount=None, max_amount=None, price=None, voided=False) -> Bid:
    """A ledger row as the engine writes it (for tests that only read the ledger)."""
    return Bid.objects.create(
        auction=auction,
        bidder=bidder,
        seq=next(_seq),
        amount=amount,
        max_amount=max_amount,
        price=price or amount or max_amount,
        placed_at=timezone.now(),
        request_id=f"r{next(_seq)}",
        voided=voided,
    )


def sold(*, price: int = 5000, seller=None, buyer=None) -> Order:
    """An ended auction sold to `buyer` with its order awaiting payment."""
    seller = seller or make_seller()
    buyer = buyer or make_user()
    now = timezone.now()
    auction = make_auction(
        seller=seller,
        starts_at=now - timedelta(hours=2),
        ends_at=now - timedelta(hours=1),
        status=Auction.Status.ENDED,
        winner=buyer,
        final_price=price,
        settled_at=now,
    )
    add_bid(auction, buyer, amount=price)
    order = order_open(auction_id=auction.pk, buyer_id=buyer.pk, seller_id=seller.pk, price=price)
    return Order.objects.select_related("auction", "buyer", "seller").get(pk=order.pk)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
