"""A request id's first answer outlives Redis (docs/design.md §4): the ledger holds (auction,
bidder, request_id), so a retry after the hot state was rebuilt returns the first answer (same seq)
and applies nothing; and a retry while the bidder is rate-limited gets its first answer too, not
RATE_LIMITED (on fakeredis and on real Redis)."""

import pytest

from auctions.engine.api import auction_state_get
from auctions.models import Bid
from core.errors import RateLimited
from tests.factories import make_auction, make_user
from tests.integration.engine.helpers import bid

pytestmark = pytest.mark.django_db


def test_a_retry_after_redis_lost_everything_returns_the_first_answer(engine_redis):
    auction = make_auction(starting_price=1000)
    alice, bob = make_user(), make_user()
    first = bid(auction, alice, 1000, request_id="a-1")
    bid(auction, bob, 1500, request_id="b-1")
    engine_redis.flushdb()  # Redis restarted empty

    again = bid(auction, alice, 1000, request_id="a-1")

    assert again.seq == first.seq == 1
    assert again.price == first.price
    assert Bid.objects.filter(auction=auction).count() == 2
    state = auction_state_get(auction=auction)
    assert (state.seq, state.bid_count, state.leader_id) == (2, 2, bob.pk)


def test_a_retry_of_a_bid_that_extended_the_end_returns_its_first_answer(engine_redis):
    from datetime import timedelta

    from django.utils import timezone

    auction = make_auction(starting_price=1000, ends_at=timezone.now() + timedelta(seconds=60))
    alice = make_user()
    first = bid(auction, alice, 1000, request_id="late")
    assert first.state.seq == 2  # the bid, then its `extended`
    engine_redis.flushdb()

    again = bid(auction, alice, 1000, request_id="late")

    assert (again.seq, again.ends_at) == (first.seq, first.ends_at)
    assert auction_state_get(auction=auction).seq == 2


def test_a_retry_while_rate_limited_gets_the_first_answer(engine_redis, settings):
    settings.GAVEL_BID_RATE_LIMIT = (2, 10)
    auction = make_auction(starting_price=1000)
    alice = make_user()
    first = bid(auction, alice, 1000, request_id="r-1")
    bid(auction, alice, max_amount=5000, request_id="r-2")
    with pytest.raises(RateLimited):
        bid(auction, alice, max_amount=6000, request_id="r-3")

    again = bid(auction, alice, 1000, request_id="r-1")

    assert again.seq == first.seq
    with pytest.raises(RateLimited):  # a new request is still limited
        bid(auction, alice, max_amount=7000, request_id="r-4")


def test_a_retry_while_rate_limited_after_redis_loss_gets_the_first_answer(engine_redis, settings):
    settings.GAVEL_BID_RATE_LIMIT = (1, 10)
    auction = make_auction(starting_price=1000)
    alice, bob = make_user(), make_user()
    first = bid(auction, alice, 1000, request_id="x-1")
    engine_redis.flushdb()
    bid(auction, bob, 1500, request_id="y-1")  # reloads the hot state
    with pytest.raises(RateLimited):
        bid(auction, bob, 2000, request_id="y-2")
    bid_again = bid(auction, alice, 1000, request_id="x-1")  # alice's 2nd attempt: over 1
    assert bid_again.seq == first.seq
