"""Redis loses an auction's state hash but keeps its event stream (eviction, a partial restore)
right after a crash between a bid and its ledger write: the reload must write the stream's
extra events to the ledger first and continue the seq after them, never reuse a seq the stream
already holds (on fakeredis and on real Redis)."""

from unittest import mock

import pytest
from django.db import DatabaseError

from auctions.engine import keys, ledger
from auctions.engine.api import auction_state_get
from auctions.models import AuctionEvent, Bid
from core.errors import Unavailable
from tests.factories import make_auction, make_user
from tests.integration.engine.helpers import bid

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.GAVEL_BID_RATE_LIMIT = (1000, 10)


def test_a_lost_state_hash_reloads_past_the_events_the_stream_still_holds(engine_redis):
    auction = make_auction(starting_price=1000)
    alice, bob, carol = make_user(), make_user(), make_user()
    bid(auction, alice, 1000, request_id="a1")
    # Bob's bid is applied in Redis, then the process dies before its ledger row is written.
    with mock.patch.object(ledger, "record", side_effect=DatabaseError("crash")):
        with pytest.raises(Unavailable):
            bid(auction, bob, 1500, request_id="b1")
    assert list(Bid.objects.filter(auction=auction).values_list("seq", flat=True)) == [1]
    engine_redis.delete(keys.state_key(auction))
    assert engine_redis.xlen(keys.events_key(auction)) == 2

    accepted = bid(auction, carol, 2000, request_id="c1")

    assert accepted.seq == 3
    rows = list(Bid.objects.filter(auction=auction).order_by("seq").values_list("seq", "bidder"))
    assert rows == [(1, alice.pk), (2, bob.pk), (3, carol.pk)]
    assert list(AuctionEvent.objects.filter(auction=auction).values_list("seq", flat=True)) == [
        1,
        2,
        3,
    ]
    state = auction_state_get(auction=auction)
    assert (state.seq, state.bid_count, state.leader_id) == (3, 3, carol.pk)
