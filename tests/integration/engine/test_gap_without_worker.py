"""A bid applied in Redis whose ledger write failed (its bidder heard UNAVAILABLE) reaches the
ledger without the worker: the process that answered UNAVAILABLE keeps retrying the write on
its own (a hot-state load writes the stream's extra entries first too, test_partial_loss). So
the double fault — worker down, then Redis lost — loses nothing anyone could have seen."""

import time
from unittest import mock

import pytest
from django.db import DatabaseError

from auctions.engine import ledger
from auctions.engine.api import auction_state_get
from auctions.models import AuctionEvent
from auctions.services import catchup
from core.errors import Unavailable
from tests.factories import make_auction, make_user
from tests.integration.engine.helpers import bid


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.GAVEL_BID_RATE_LIMIT = (1000, 10)


def failing_ledger_once():
    """`ledger.record` fails once (the database blinked), then works again."""
    real = ledger.record
    calls = {"n": 0}

    def record(auction, entries):
        calls["n"] += 1
        if calls["n"] == 1:
            raise DatabaseError("connection lost")
        return real(auction, entries)

    return mock.patch.object(ledger, "record", side_effect=record)


def seqs(auction):
    return list(
        AuctionEvent.objects.filter(auction=auction).order_by("seq").values_list("seq", flat=True)
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_server_writes_the_missing_entry_on_its_own_and_survives_redis_loss(
    engine_redis, settings
):
    settings.GAVEL_LEDGER_CATCHUP = True
    auction = make_auction(starting_price=1000)
    alice, bob = make_user(), make_user()
    bid(auction, alice, 1000)
    with failing_ledger_once(), pytest.raises(Unavailable):
        bid(auction, bob, 1500, request_id="bob-1")
    # Viewers may already read bob's bid from Redis; no other bid comes, the worker is down.
    deadline = time.monotonic() + 15
    while seqs(auction) != [1, 2] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert seqs(auction) == [1, 2]

    engine_redis.flushdb()  # and then Redis is lost

    state = auction_state_get(auction=auction)
    assert (state.seq, state.leader_id, state.price) == (2, bob.pk, 1500)
    again = bid(auction, bob, 1500, request_id="bob-1")  # bob retries: his first answer
    assert again.seq == 2
    catchup.wait_idle(timeout=5)
