"""The reference rules (docs/design.md §3) on hand-written ledgers: pure Python, no services."""

import pytest

from auctions.engine import rules
from auctions.engine.rules import BID, BUY_NOW, Entry, Params, replay, validate

TABLE = ((100, 5), (500, 25), (2_500, 50), (10_000, 100), (None, 250))
MINUTE = 60_000


def params(**overrides) -> Params:
    values = {
        "starting_price": 1000,
        "starts_at": 0,
        "ends_at": 60 * MINUTE,
        "extension": 2 * MINUTE,
        "increment_table": TABLE,
    }
    values.update(overrides)
    return Params(**values)


def entry(bidder, amount=None, max_amount=None, at=1000, kind=BID) -> Entry:
    return Entry(bidder=bidder, amount=amount, max_amount=max_amount, kind=kind, placed_at=at)


def check(p, state, bidder, amount=None, max_amount=None, kind=BID, now=1000):
    return validate(
        p, state, bidder=bidder, amount=amount, max_amount=max_amount, kind=kind, now=now
    )


@pytest.mark.parametrize(
    ("price", "step"),
    [(0, 5), (99, 5), (100, 25), (499, 25), (500, 50), (2_499, 50), (2_500, 100), (10**8, 250)],
)
def test_increment_bands(price, step):
    assert rules.increment_at(params(), price) == step


def test_fixed_increment_overrides_the_table():
    assert rules.increment_at(params(increment=7), 50_000) == 7


def test_no_bid_state():
    state = replay(params(), [])
    assert (state.price, state.min_bid, state.leader, state.bid_count) == (1000, 1000, None, 0)
    assert state.reserve_met and not state.buy_now_available


def test_first_bid_sets_the_price_to_its_amount_even_with_a_higher_maximum():
    state = replay(params(), [entry(1, 1200, 5000)])
    assert (state.price, state.leader, state.leader_max, state.min_bid) == (1200, 1, 5000, 1250)


def test_proxy_defends_up_to_the_ceiling():
    state = replay(params(), [entry(1, 1000, 5000), entry(2, 2000), entry(3, 3000)])
    assert (state.leader, state.price, state.bid_count) == (1, 3100, 3)


def test_challenger_above_the_ceiling_wins_at_one_increment_over_it():
    state = replay(params(), [entry(1, 1000, 3000), entry(2, 1500, 9000)])
    assert (state.leader, state.price) == (2, 3100)


def test_price_is_capped_at_the_leaders_ceiling():
    state = replay(params(), [entry(1, 1000, 3020), entry(2, 3000)])
    assert (state.leader, state.price) == (1, 3020)


def test_price_never_below_the_amount_the_leader_bid_when_taking_the_lead():
    state = replay(params(), [entry(1, 1000), entry(2, 8000)])
    assert (state.leader, state.price) == (2, 8000)


def test_tie_goes_to_the_earliest():
    state = replay(params(), [entry(1, 1000, 3000), entry(2, 3000)])
    assert (state.leader, state.price) == (1, 3000)


def test_leader_raise_keeps_the_price_and_must_exceed_the_maximum():
    p = params()
    state = replay(p, [entry(1, 1000, 2000)])
    assert check(p, state, 1, None, 2000) == (rules.BID_TOO_LOW, 2001)
    assert check(p, state, 1, None, 2001) is None
    raised = replay(p, [entry(1, 1000, 2000), entry(1, None, 6000)])
    assert (raised.price, raised.leader_max, raised.bid_count) == (1000, 6000, 2)


def test_leader_raise_moves_the_price_only_to_meet_the_reserve():
    p = params(reserve_price=5000)
    state = replay(p, [entry(1, 1000, 2000), entry(1, None, 7000)])
    assert (state.price, state.reserve_met) == (5000, True)


def test_reserve_jump_when_a_ceiling_reaches_it():
    p = params(reserve_price=5000)
    below = replay(p, [entry(1, 1000, 4999)])
    assert (below.price, below.reserve_met) == (1000, False)
    at = replay(p, [entry(1, 1000, 5000)])
    assert (at.price, at.reserve_met) == (5000, True)


def test_non_leader_must_bid_the_minimum():
    p = params()
    state = replay(p, [entry(1, 1000)])
    assert check(p, state, 2, 1049) == (rules.BID_TOO_LOW, 1050)
    assert check(p, state, 2, 1050) is None
    # A maximum alone bids the minimum with that maximum; one below the minimum is too low.
    assert check(p, state, 2, None, 5000) is None
    assert check(p, state, 2, None, 1049) == (rules.BID_TOO_LOW, 1050)


def test_maximum_below_amount_is_invalid():
    p = params()
    assert check(p, replay(p, []), 1, 2000, 1500) == (rules.INVALID_AMOUNT, None)


def test_time_window():
    p = params(starts_at=10_000)
    state = replay(p, [])
    assert check(p, state, 1, 1000, now=9_999) == (rules.AUCTION_NOT_OPEN, None)
    assert check(p, state, 1, 1000, now=10_000) is None
    assert check(p, state, 1, 1000, now=p.ends_at - 1) is None
    assert check(p, state, 1, 1000, now=p.ends_at) == (rules.AUCTION_ENDED, None)


def test_soft_close_extends_to_now_plus_window():
    p = params()
    state = replay(p, [entry(1, 1000, at=59 * MINUTE)])
    assert state.ends_at == 61 * MINUTE
    assert replay(p, [entry(1, 1000, at=57 * MINUTE)]).ends_at == 60 * MINUTE


def test_soft_close_is_capped_by_the_hard_close():
    p = params(hard_close_at=60 * MINUTE + 30_000)
    assert replay(p, [entry(1, 1000, at=59 * MINUTE)]).ends_at == 60 * MINUTE + 30_000


def test_no_window_no_extension():
    assert replay(params(extension=0), [entry(1, 1000, at=60 * MINUTE - 1)]).ends_at == 60 * MINUTE


def test_buy_now_available_until_the_first_bid():
    p = params(buy_now_price=9000)
    assert replay(p, []).buy_now_available
    assert not replay(p, [entry(1, 1000)]).buy_now_available
    assert check(p, replay(p, [entry(1, 1000)]), 2, kind=BUY_NOW) == (rules.NOT_ALLOWED, None)


def test_buy_now_with_reserve_available_until_the_reserve_is_met():
    p = params(buy_now_price=9000, reserve_price=5000)
    assert replay(p, [entry(1, 1000)]).buy_now_available
    assert not replay(p, [entry(1, 1000, 5000)]).buy_now_available


def test_buy_now_ends_the_auction_at_its_price():
    p = params(buy_now_price=9000)
    state = replay(p, [entry(7, kind=BUY_NOW, at=5_000)])
    assert (state.price, state.leader, state.bought, state.ends_at) == (9000, 7, True, 5_000)
    assert state.reserve_met
    assert check(p, state, 8, 9500, now=5_001) == (rules.AUCTION_ENDED, None)


def test_replay_is_deterministic_and_void_is_replay_without_the_bid():
    p = params()
    ledger = [entry(1, 1000, 3000), entry(2, 2500), entry(3, 3100, 9000)]
    assert replay(p, ledger) == replay(p, list(ledger))
    without_shill = replay(p, [ledger[0], ledger[2]])
    assert (without_shill.leader, without_shill.price) == (3, 3100)


def test_replay_after_a_void_tolerates_bids_that_would_now_be_refused():
    p = params()
    # Bidder 2's raise was a leader raise; with their first bid voided it is a bare maximum.
    state = replay(p, [entry(1, 1000), entry(2, None, 5000)])
    assert state.leader == 2 and state.price == 1050


def test_a_leader_raise_must_also_reach_the_public_minimum():
    """The refusal's min_bid is one that would be accepted: above the max and the min bid."""
    p = params()
    state = replay(p, [entry(1, 1000)])
    assert state.min_bid == 1050
    assert check(p, state, 1, None, 1049) == (rules.BID_TOO_LOW, 1050)
    assert check(p, state, 1, None, 1050) is None
