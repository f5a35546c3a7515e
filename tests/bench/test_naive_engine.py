"""The benchmark's baseline must be right, or beating it proves nothing: after every bid of a
random sequence (proxies, ties, leaders raising their maximum, refusals) its state read from the
ledger equals `rules.replay` of that ledger, and its answers equal `rules.validate`'s.
"""

import random
import uuid

import pytest

from auctions.engine import rules
from core.errors import GavelError
from tests.bench.naive_engine import current_state, ledger_state, naive_bid_place, params_of
from tests.factories import make_auction, make_user

FIELDS = ("price", "bid_count", "leader", "leader_max", "min_bid", "reserve_met", "ends_at")


@pytest.mark.parametrize("seed", [1, 2])
def test_baseline_agrees_with_the_reference_rules(postgres_db, settings, seed):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    rng = random.Random(seed)
    auction = make_auction(starting_price=1000, reserve_price=4000 if seed == 2 else None)
    bidders = [make_user() for _ in range(4)]
    params = params_of(auction)
    for _ in range(60):
        before, _ = current_state(auction, params)
        bidder = rng.choice(bidders)
        amount = max(100, before.min_bid + rng.choice([-100, 0, 0, 50, 300]))
        max_amount = amount + rng.choice([0, 0, 500, 2000]) if rng.random() < 0.5 else None
        if bidder.pk == before.leader and rng.random() < 0.5:
            amount, max_amount = None, (before.leader_max or 0) + rng.choice([-10, 1, 700])
        expected = rules.validate(
            params,
            before,
            bidder=bidder.pk,
            amount=amount,
            max_amount=max_amount,
            kind=rules.BID,
            now=params.starts_at + 1,
        )
        try:
            naive_bid_place(
                auction_id=auction.pk,
                bidder=bidder,
                amount=amount,
                max_amount=max_amount,
                request_id=uuid.uuid4().hex,
            )
            answer = None
        except GavelError as refusal:
            answer = refusal.code
        assert answer == (expected[0] if expected else None)
        read, _ = current_state(auction, params)
        replayed = ledger_state(auction)
        assert {f: getattr(read, f) for f in FIELDS} == {f: getattr(replayed, f) for f in FIELDS}
    assert replayed.bid_count > 20
