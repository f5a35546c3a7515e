"""Concurrency on real Redis + PostgreSQL: many bidders at once on one auction, and the close.

Threads are real concurrent clients (own database connections, one Redis client shared like
in a server process). `serialized_rollback` restores the migrations' data (groups, content
types) after each transactional test, as the other transactional suites expect. Assertions are about outcomes — gapless seqs, the ledger against the
stream and against `rules.py` — never about how long anything took.
"""

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from auctions.engine import hot_state, keys, rules
from auctions.engine.api import auction_state_get
from auctions.engine.records import decode
from auctions.models import Auction, AuctionEvent, Bid
from auctions.services.bidding import BidRequest, bid_place
from auctions.services.lifecycle import auction_settle
from core.errors import AuctionEnded, BidTooLow, GavelError
from core.inputs import new_request_id
from tests.factories import make_auction, make_user

BIDDERS = 50
BIDS_EACH = 20


def _in_thread(work):
    """Run `work` and close this thread's database connection afterwards."""

    def run(*args):
        try:
            return work(*args)
        finally:
            connection.close()

    return run


def _replayed(auction):
    fresh = Auction.objects.get(pk=auction.pk)
    return hot_state.params_of(fresh), hot_state.ledger_of(fresh.pk)


def _stream(client, auction):
    return [decode(fields) for _, fields in client.xrange(keys.events_key(auction))]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_bidders_twenty_bids_each(postgres_db, real_engine_redis, settings):
    settings.GAVEL_BID_RATE_LIMIT = (10_000, 10)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    auction = make_auction(starting_price=1000)
    bidders = [make_user(f"conc{i}") for i in range(BIDDERS)]
    barrier = threading.Barrier(BIDDERS)

    @_in_thread
    def bidder_loop(index):
        user, rng = bidders[index], random.Random(index)
        acknowledged, refused = [], 0
        barrier.wait()
        for n in range(BIDS_EACH):
            state = auction_state_get(auction=auction)
            amount = state.min_bid + rng.choice([0, 0, 50, 100, 250])
            max_amount = amount + rng.choice([0, 500, 1500]) if rng.random() < 0.3 else None
            try:
                accepted = bid_place(
                    auction=auction,
                    bidder=user,
                    bid=BidRequest(amount, max_amount, f"c-{index}-{n}"),
                )
                acknowledged.append((accepted.seq, user.pk, f"c-{index}-{n}"))
            except BidTooLow:
                refused += 1
            finally:
                # Hand the connection back after every bid, as a request does: fifty threads
                # that each kept one would wait on the per-process pool.
                connection.close()
        return acknowledged, refused

    with ThreadPoolExecutor(max_workers=BIDDERS) as pool:
        results = list(pool.map(bidder_loop, range(BIDDERS)))

    acknowledged = [ack for acks, _ in results for ack in acks]
    refused = sum(count for _, count in results)
    assert len(acknowledged) + refused == BIDDERS * BIDS_EACH
    assert len(acknowledged) > BIDDERS  # a real bidding war, not a trickle

    state = auction_state_get(auction=auction)
    events = list(AuctionEvent.objects.filter(auction=auction).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, state.seq + 1))
    assert all(e.type == "bid" for e in events)
    bids = list(Bid.objects.filter(auction=auction).order_by("seq"))
    assert [b.seq for b in bids] == list(range(1, state.seq + 1))
    prices = [b.price for b in bids]
    assert prices == sorted(prices), "the price never decreases"

    ledger = {(b.seq, b.bidder_id, b.request_id) for b in bids}
    assert set(acknowledged) <= ledger, "every acknowledged bid is in the ledger"
    assert len(acknowledged) == len(bids)

    stream = _stream(real_engine_redis, auction)
    assert [
        (e.seq, e.bidder_id, e.request_id, e.price, e.amount, e.max_amount) for e in stream
    ] == [(b.seq, b.bidder_id, b.request_id, b.price, b.amount, b.max_amount) for b in bids], (
        "the ledger equals the stream"
    )

    params, entries = _replayed(auction)
    expected = rules.replay(params, entries)
    assert (state.price, state.leader_id, state.leader_max, state.bid_count) == (
        expected.price,
        expected.leader,
        expected.leader_max,
        expected.bid_count,
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_bid_is_accepted_after_the_end_while_bidders_race_the_close(
    postgres_db, real_engine_redis, settings
):
    settings.GAVEL_BID_RATE_LIMIT = (100_000, 10)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    now = timezone.now()
    auction = make_auction(
        starting_price=1000,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(seconds=1),
        extension_window=timedelta(milliseconds=300),
        hard_close_at=now + timedelta(seconds=3),
    )
    bidders = [make_user(f"race{i}") for i in range(12)]
    closed = threading.Event()

    @_in_thread
    def hammer(index):
        accepted = ended = 0
        while not closed.is_set():
            try:
                state = auction_state_get(auction=auction)
                bid_place(
                    auction=auction,
                    bidder=bidders[index],
                    bid=BidRequest(state.min_bid, None, new_request_id()),
                )
                accepted += 1
            except AuctionEnded:
                ended += 1
            except GavelError:
                pass
        return accepted, ended

    @_in_thread
    def settler():
        # The worker's job, in a tight loop: settle as soon as Redis says the end has passed.
        deadline = timezone.now() + timedelta(seconds=20)
        try:
            while timezone.now() < deadline:
                if auction_settle(auction=auction):
                    break
        finally:
            closed.set()  # a settler that raised must fail the test, not leave bidders looping

    with ThreadPoolExecutor(max_workers=len(bidders) + 1) as pool:
        futures = [pool.submit(hammer, i) for i in range(len(bidders))]
        pool.submit(settler).result()
        outcomes = [f.result() for f in futures]

    assert sum(a for a, _ in outcomes) > 0 and sum(e for _, e in outcomes) > 0
    auction.refresh_from_db()
    assert auction.status == Auction.Status.ENDED
    ended = AuctionEvent.objects.get(auction=auction, type="ended")
    events = list(AuctionEvent.objects.filter(auction=auction).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[-1].pk == ended.pk, "nothing after the close"

    # Every accepted bid came before the end in force when it was placed (extensions included),
    # and the close itself came at or after the final effective end.
    params, entries = _replayed(auction)
    state = rules.initial(params)
    for order, entry in enumerate(entries):
        assert entry.placed_at < state.ends_at
        state = rules.apply(params, state, entry, order)
    assert hot_state.to_ms(auction.settled_at) >= state.ends_at
    assert auction.final_price == state.price
    assert auction.winner_id == state.leader
