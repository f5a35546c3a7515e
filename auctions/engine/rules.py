"""The auction rules as a pure, deterministic reference (docs/design.md §3).

`replay(params, ledger)` turns an auction's parameters and its ordered ledger of accepted,
non-voided bids into its state; `validate` says which error code a new bid gets in a state.
`place_bid.lua` implements the same rules incrementally and must agree with this module on every
sequence (the Hypothesis test checks it); voids rebuild the hot state from `replay`. Money is
integer minor units, times are integer milliseconds since the epoch. No Django, no Redis here.

The leader is tracked as the bidder with the highest ceiling, ties going to whoever reached it
first — computed from the full ceiling table here, unlike the script's running "second" value,
so the two implementations check each other.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

BID = "bid"
BUY_NOW = "buy_now"

AUCTION_NOT_OPEN = "AUCTION_NOT_OPEN"
AUCTION_ENDED = "AUCTION_ENDED"
BID_TOO_LOW = "BID_TOO_LOW"
INVALID_AMOUNT = "INVALID_AMOUNT"
NOT_ALLOWED = "NOT_ALLOWED"
NOT_REGISTERED = "NOT_REGISTERED"


@dataclass(frozen=True)
class Params:
    """What the seller set: prices, increment, times. `increment` None uses `increment_table`."""

    starting_price: int
    starts_at: int
    ends_at: int
    extension: int = 0
    hard_close_at: int | None = None
    reserve_price: int | None = None
    buy_now_price: int | None = None
    increment: int | None = None
    increment_table: tuple[tuple[int | None, int], ...] = ((None, 1),)


@dataclass(frozen=True)
class Entry:
    """One accepted bid of the ledger: `amount` None when a leader only raised their maximum."""

    bidder: int
    amount: int | None
    max_amount: int | None
    kind: str
    placed_at: int


@dataclass(frozen=True)
class State:
    """An auction's state after a prefix of its ledger.

    `leader_amount` is what the leader bid when taking the lead (the price never drops below
    it); `ceilings` maps bidder → (ceiling, order in which it was reached).
    """

    price: int
    bid_count: int
    leader: int | None
    leader_max: int | None
    leader_amount: int | None
    ends_at: int
    bought: bool
    min_bid: int
    reserve_met: bool
    buy_now_available: bool
    ceilings: dict[int, tuple[int, int]] = field(default_factory=dict, compare=False)


def increment_at(params: Params, price: int) -> int:
    """The bid increment at `price`: the fixed one, else the band of the table `price` is in."""
    if params.increment is not None:
        return params.increment
    for below, step in params.increment_table:
        if below is None or price < below:
            return step
    return params.increment_table[-1][1]


def _finish(params: Params, state: State) -> State:
    """Fill the derived fields (min bid, reserve met, buy-now availability) of a state."""
    min_bid = (
        params.starting_price
        if state.leader is None
        else state.price + increment_at(params, state.price)
    )
    reserve_met = (
        state.bought or params.reserve_price is None or state.price >= params.reserve_price
    )
    buy_now = (
        params.buy_now_price is not None
        and not state.bought
        and (
            state.bid_count == 0
            or (
                params.reserve_price is not None
                and not reserve_met
                and state.price < params.buy_now_price
            )
        )
    )
    return replace(state, min_bid=min_bid, reserve_met=reserve_met, buy_now_available=buy_now)


def initial(params: Params) -> State:
    """The state of an auction with no bid."""
    state = State(
        price=params.starting_price,
        bid_count=0,
        leader=None,
        leader_max=None,
        leader_amount=None,
        ends_at=params.ends_at,
        bought=False,
        min_bid=params.starting_price,
        reserve_met=True,
        buy_now_available=False,
    )
    return _finish(params, state)


def leader_min_bid(state: State) -> int:
    """What the leader must offer to raise their maximum: more than it, and at least the public
    min bid (so the `min_bid` a refusal reports is one that would be accepted)."""
    return max(state.min_bid, (state.leader_max or 0) + 1)


def validate(
    params: Params,
    state: State,
    *,
    bidder: int,
    amount: int | None,
    max_amount: int | None,
    kind: str,
    now: int,
    registered: bool = True,
) -> tuple[str, int | None] | None:
    """The refusal `(code, min_bid or None)` a bid gets at time `now`, or None if accepted.

    Who may bid at all (seller, suspended, anonymous) and whether the listing is published are
    decided before the rules; amounts are already positive integers within the site maximum.
    `registered` is False for a bidder not approved for the sale of a lot (always True for an
    auction outside a sale).
    """
    if now < params.starts_at:
        return AUCTION_NOT_OPEN, None
    if state.bought or now >= state.ends_at:
        return AUCTION_ENDED, None
    if not registered:
        return NOT_REGISTERED, None
    if kind == BUY_NOW:
        return None if state.buy_now_available else (NOT_ALLOWED, None)
    if amount is None and max_amount is None:
        return INVALID_AMOUNT, None
    if amount is not None and max_amount is not None and max_amount < amount:
        return INVALID_AMOUNT, None
    if state.leader is not None and bidder == state.leader:
        ceiling = max(amount or 0, max_amount or 0)
        needed = leader_min_bid(state)
        return None if ceiling >= needed else (BID_TOO_LOW, needed)
    if amount is None:  # a maximum alone bids the minimum with that maximum
        return None if (max_amount or 0) >= state.min_bid else (BID_TOO_LOW, state.min_bid)
    if amount < state.min_bid:
        return BID_TOO_LOW, state.min_bid
    return None


def _extend(params: Params, ends_at: int, placed_at: int) -> int:
    """Soft close: a bid within the window moves the end to placed_at + window, up to the cap."""
    if params.extension <= 0 or placed_at + params.extension <= ends_at:
        return ends_at
    new_end = placed_at + params.extension
    if params.hard_close_at is not None:
        new_end = min(new_end, params.hard_close_at)
    return max(ends_at, new_end)


def apply(params: Params, state: State, entry: Entry, order: int) -> State:
    """The state after the accepted bid `entry`, the `order`-th of the ledger (0-based).

    Total: during a replay after a void, a bid may land in a state where it would now be
    refused; it is still applied as faithfully as the rules allow (a raise that does not raise
    changes nothing but the count; a bare maximum bids the minimum for its bidder).
    """
    ceilings = dict(state.ceilings)
    count = state.bid_count + 1
    if entry.kind == BUY_NOW:
        price = params.buy_now_price or state.price
        previous = ceilings.get(entry.bidder, (0, order))[0]
        ceilings[entry.bidder] = (max(previous, price), order)
        bought = replace(
            state,
            price=price,
            bid_count=count,
            leader=entry.bidder,
            leader_max=max(previous, price),
            leader_amount=price,
            ends_at=entry.placed_at,
            bought=True,
            ceilings=ceilings,
        )
        return _finish(params, bought)

    offered = max(entry.amount or 0, entry.max_amount or 0)
    ends_at = _extend(params, state.ends_at, entry.placed_at)
    if state.leader is not None and entry.bidder == state.leader:
        ceiling = max(offered, state.leader_max or 0)
        if ceiling > (state.leader_max or 0):
            ceilings[entry.bidder] = (ceiling, order)
        price = state.price
        if params.reserve_price is not None and ceiling >= params.reserve_price:
            price = max(price, params.reserve_price)
        raised = replace(
            state,
            price=price,
            bid_count=count,
            leader_max=ceiling,
            ends_at=ends_at,
            ceilings=ceilings,
        )
        return _finish(params, raised)

    amount = entry.amount
    if amount is None:
        amount = state.min_bid if offered >= state.min_bid else offered
    held = ceilings.get(entry.bidder)
    if held is None or offered > held[0]:
        ceilings[entry.bidder] = (offered, order)
    leader = min(ceilings, key=lambda bidder: (-ceilings[bidder][0], ceilings[bidder][1]))
    leader_max = ceilings[leader][0]
    others = [ceiling for bidder, (ceiling, _) in ceilings.items() if bidder != leader]
    second = max(others) if others else None
    # A leader who stays the leader keeps the amount they took the lead with (never None then).
    kept = state.leader_amount
    leader_amount = amount if leader != state.leader or kept is None else kept
    if second is None:
        price = leader_amount
    else:
        price = max(leader_amount, min(leader_max, second + increment_at(params, second)))
    if params.reserve_price is not None and leader_max >= params.reserve_price:
        price = max(price, params.reserve_price)
    placed = replace(
        state,
        price=price,
        bid_count=count,
        leader=leader,
        leader_max=leader_max,
        leader_amount=leader_amount,
        ends_at=ends_at,
        ceilings=ceilings,
    )
    return _finish(params, placed)


def replay(params: Params, ledger: Iterable[Entry]) -> State:
    """The state after applying every entry of `ledger` (accepted, non-voided, in seq order)."""
    state = initial(params)
    for order, entry in enumerate(ledger):
        state = apply(params, state, entry, order)
    return state


def table_from_setting(
    table: Sequence[tuple[int | None, int]],
) -> tuple[tuple[int | None, int], ...]:
    """Normalise `GAVEL_INCREMENT_TABLE` into the tuple `Params.increment_table` holds."""
    return tuple((None if below is None else int(below), int(step)) for below, step in table)
