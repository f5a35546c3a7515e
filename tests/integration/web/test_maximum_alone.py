"""A maximum alone from a bidder who does not lead, through the JSON API (DESIGN §4, Values):
it should bid the minimum next bid with that maximum, as the page's form now does.

The engine refuses it today with INVALID_AMOUNT: `auctions/engine/rules.py` `refusal()` ("if
amount is None: return INVALID_AMOUNT" in the non-leader branch) and its twin in
`auctions/engine/place_bid.lua` ("if amount == nil then return answer('INVALID_AMOUNT') end" in
the `else` of `if is_leader`), although `rules.apply` already bids the minimum for a bare maximum.
Marked xfail (strict) so it turns into a failure the day the engine accepts it: then drop the
marker.
"""

import json

import pytest

from auctions.models import Bid

pytestmark = pytest.mark.django_db


@pytest.mark.xfail(strict=True, reason="the engine refuses a non-leader's bare maximum (see doc)")
def test_a_non_leaders_maximum_alone_bids_the_minimum(real_engine_redis, auction, alice_client):
    response = alice_client.post(
        f"/api/auctions/{auction.pk}/bids",
        data=json.dumps({"max_amount": "200.00"}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    bid = Bid.objects.get()
    assert (bid.amount, bid.max_amount) == (auction.starting_price, 20_000)
