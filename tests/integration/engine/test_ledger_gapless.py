"""The ledger is always a gapless prefix of the stream (issue 19, item 3).

Worker down; a bid applied in Redis whose web process died before its ledger write; a later bid
acknowledged; then Redis lost. The acknowledged write must have recorded the dead process's
entry first, so the ledger holds seqs 1..3 and the state reloaded from it is the one the
acknowledged bidder was told.
"""

from unittest import mock

import pytest

from auctions.engine import ledger
from auctions.engine.api import auction_state_get
from auctions.models import AuctionEvent, Bid
from tests.factories import make_auction, make_user
from tests.integration.engine.helpers import bid


class ProcessKilled(BaseException):
    """Stands for the process dying: nothing after the script runs, not even error handling."""


def seqs(auction):
    return list(
        AuctionEvent.objects.filter(auction=auction).order_by("seq").values_list("seq", flat=True)
    )


@pytest.fixture(autouse=True)
def _no_catchup(settings):
    # The dead process's background catch-up died with it; the worker is down.
    settings.GAVEL_LEDGER_CATCHUP = False
    settings.GAVEL_BID_RATE_LIMIT = (1000, 10)


def killed_before_the_ledger():
    return mock.patch.object(ledger, "record", side_effect=ProcessKilled)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_acknowledged_bid_records_the_entries_the_ledger_lacks_first(engine_redis):
    auction = make_auction(starting_price=1000)
    alice, bob, carol = make_user(), make_user(), make_user()
    bid(auction, alice, 1000)
    with killed_before_the_ledger(), pytest.raises(ProcessKilled):
        bid(auction, bob, 1500, request_id="bob-1")
    assert seqs(auction) == [1]

    outcome = bid(auction, carol, 3000)

    assert outcome.seq == 3
    assert seqs(auction) == [1, 2, 3]
    assert Bid.objects.get(auction=auction, seq=2).bidder_id == bob.pk
    assert [entry.seq for entry in outcome.recorded] == [2, 3]  # both are announced

    engine_redis.flushdb()  # then Redis is lost

    state = auction_state_get(auction=auction)
    assert (state.seq, state.leader_id, state.price) == (3, carol.pk, outcome.price)
    again = bid(auction, bob, 1500, request_id="bob-1")  # bob retries: his first answer
    assert again.seq == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_hole_the_stream_no_longer_holds_is_refused_not_written_over(engine_redis):
    from auctions.engine import keys
    from core.errors import Unavailable

    auction = make_auction(starting_price=1000)
    alice, bob, carol = make_user(), make_user(), make_user()
    bid(auction, alice, 1000)
    with killed_before_the_ledger(), pytest.raises(ProcessKilled):
        bid(auction, bob, 1500)
    engine_redis.xtrim(keys.events_key(auction), minid="3-0")  # seq 2 trimmed away

    with pytest.raises(Unavailable):
        bid(auction, carol, 3000)
    assert seqs(auction) == [1]
