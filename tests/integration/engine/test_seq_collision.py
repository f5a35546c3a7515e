"""A bid whose ledger write lands after Redis was reset and reloaded from the database: the
reloaded hot state hands the same seq to the next bid, so two accepted bids claim one seq.
Whichever reaches the ledger second must not be acknowledged, and the engine must end up
agreeing with the ledger (on fakeredis and on real Redis)."""

from unittest import mock

import pytest

from auctions.engine import ledger
from auctions.engine.api import auction_state_get
from auctions.models import Bid
from core.errors import BidTooLow, Unavailable
from tests.factories import make_auction, make_user
from tests.integration.engine.helpers import bid

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.GAVEL_BID_RATE_LIMIT = (1000, 10)


def ledger_rows(auction):
    return list(Bid.objects.filter(auction=auction).order_by("seq").values_list("seq", "bidder_id"))


def test_a_late_ledger_write_finding_its_seq_taken_is_not_acknowledged(engine_redis):
    auction = make_auction(starting_price=1000)
    alice, bob = make_user(), make_user()
    real = ledger.record
    calls = []

    def redis_reset_before_the_write(auction_, entries):
        calls.append(entries)
        if len(calls) == 1:
            # Alice's bid has seq 1 in Redis; before her row lands, Redis loses everything,
            # reloads from the ledger (seq 0) and gives seq 1 to Bob, whose row lands first.
            engine_redis.flushdb()
            assert bid(auction, bob, 1500, request_id="bob").seq == 1
        return real(auction_, entries)

    with mock.patch.object(ledger, "record", side_effect=redis_reset_before_the_write):
        with pytest.raises(Unavailable):
            bid(auction, alice, 2000, request_id="alice")
    assert ledger_rows(auction) == [(1, bob.pk)]
    state = auction_state_get(auction=auction)
    assert (state.seq, state.bid_count, state.leader_id, state.price) == (1, 1, bob.pk, 1500)
    # Her retry (same request id) is a new bid now, not the stale "accepted" of the lost one.
    retried = bid(auction, alice, 2000, request_id="alice")
    assert (retried.seq, retried.leader_id) == (2, alice.pk)
    assert ledger_rows(auction) == [(1, bob.pk), (2, alice.pk)]


def test_a_bid_losing_its_seq_to_an_earlier_durable_bid_resyncs_the_engine(engine_redis):
    auction = make_auction(starting_price=1000)
    alice, bob = make_user(), make_user()
    real = ledger.record
    calls, outcome = [], {}

    def interleaved(auction_, entries):
        calls.append(entries)
        if len(calls) == 1:
            # Alice has seq 1 in Redis, her row is slow; Redis is reset and Bob gets seq 1 too.
            engine_redis.flushdb()
            try:
                outcome["bob"] = bid(auction, bob, 1500, request_id="bob")
            except Unavailable as error:
                outcome["bob"] = error
            return entries  # her row is written meanwhile, below
        if len(calls) == 2:
            real(auction_, calls[0])  # Alice's row lands first...
        return real(auction_, entries)  # ...so Bob's finds seq 1 taken

    with mock.patch.object(ledger, "record", side_effect=interleaved):
        accepted = bid(auction, alice, 2000, request_id="alice")
    assert (accepted.seq, accepted.leader_id) == (1, alice.pk)
    assert isinstance(outcome["bob"], Unavailable)
    assert ledger_rows(auction) == [(1, alice.pk)]
    # Redis held Bob's bid at seq 1; it was dropped and reloads from the ledger.
    state = auction_state_get(auction=auction)
    assert (state.seq, state.bid_count, state.leader_id, state.price) == (1, 1, alice.pk, 2000)
    with pytest.raises(BidTooLow):
        bid(auction, bob, 1500, request_id="bob")
    assert bid(auction, make_user(), 2100).seq == 2
