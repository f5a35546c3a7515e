"""A maximum alone from a bidder who does not lead (docs/design.md, public interface, Values):
it bids the minimum next bid with that maximum, as eBay does and as the page's form does; a
maximum below the minimum is BID_TOO_LOW with the minimum. Through the ASGI application (the
lean bid route), on the real engine."""

import pytest

from auctions.models import Bid
from tests.asgi_client import AsgiClient

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def post(client, auction, body):
    return AsgiClient(client).post(f"/api/auctions/{auction.pk}/bids", body)


def test_a_non_leaders_maximum_alone_bids_the_minimum(
    real_engine_redis, auction, alice_client, bob_client
):
    response = post(alice_client, auction, {"max_amount": "200.00", "request_id": "a-1"})
    assert response.status_code == 201, response.json()
    assert response.json()["price"] == "10.00"
    bid = Bid.objects.get()
    assert (bid.amount, bid.max_amount) == (auction.starting_price, 20_000)

    # Bob, not leading, leaves a maximum alone below Alice's: he bids the minimum and her
    # maximum answers him.
    answered = post(bob_client, auction, {"max_amount": "150.00", "request_id": "b-1"})
    assert answered.status_code == 201, answered.json()
    assert answered.json()["leader_is_you"] is False
    assert Bid.objects.get(seq=2).amount == 1_050  # the minimum next bid then


def test_a_maximum_alone_below_the_minimum_is_too_low(real_engine_redis, auction, alice_client):
    response = post(alice_client, auction, {"max_amount": "5.00", "request_id": "a-1"})
    assert response.status_code == 409
    assert (response.json()["error"], response.json()["min_bid"]) == ("BID_TOO_LOW", "10.00")
    assert not Bid.objects.exists()
