"""Placing bids and buying now: the one write path every bid takes (form, API, WebSocket).

A surface parses its input into one `BidRequest` (integer minor units, a request id) and calls
`bid_place` (blocking: the form post) or `abid_place` (on the event loop: the socket and the
lean API route). The service checks the bidder, asks the engine to apply the bid (one EVALSHA,
then the ledger row committed before the caller hears "accepted": acknowledged means durable)
and announces what the engine recorded. Refusals are coded `GavelError`s; `Unavailable` means
the outcome is unknown and a retry with the same request_id is safe (it returns the first answer
and applies nothing twice).
"""

from dataclasses import dataclass
from typing import TypedDict

from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from auctions import engine
from auctions.engine import BidOutcome
from auctions.models import Auction
from auctions.services import catchup
from auctions.services.announce import announce
from auctions.services.standing import Standing, astanding_get
from core.errors import (
    EmailNotConfirmed,
    GavelError,
    NotAllowed,
    RateLimited,
    SellerCannotBid,
    Unavailable,
)
from core.metrics import aobserve_bid, observe_bid

__all__ = ["BidOutcome", "BidRequest", "abid_place", "bid_place", "buy_now"]


@dataclass(frozen=True)
class BidRequest:
    """A parsed bid: amounts in minor units (either may be None, not both; a maximum is never
    below the amount) and the bidder's idempotency key. Built by each surface's parser."""

    amount: int | None
    max_amount: int | None
    request_id: str


def _may_bid(auction: Auction, standing: Standing | None) -> Standing:
    """The bidder's standing when they may bid on `auction`; else raises the refusal."""
    if standing is None:
        raise NotAllowed("Log in to bid.")
    if not standing.active or standing.suspended:
        raise NotAllowed("Your account may not bid.")
    if not standing.email_confirmed:
        raise EmailNotConfirmed()
    if standing.user_id == auction.seller_id:
        raise SellerCannotBid()
    return standing


def _placed(auction: Auction, outcome: BidOutcome) -> BidOutcome:
    announce(auction=auction, recorded=outcome.recorded)
    return outcome


class _EngineCall(TypedDict):
    auction: Auction
    bidder_id: int
    bidder_handle: str
    kind: str
    amount: int | None
    max_amount: int | None
    request_id: str


def _engine_call(auction: Auction, bidder: Standing, kind: str, bid: BidRequest) -> _EngineCall:
    """The engine's arguments for one bid (`engine.bid_place` and `abid_place` take the same)."""
    return {
        "auction": auction,
        "bidder_id": bidder.user_id,
        "bidder_handle": bidder.handle,
        "kind": kind,
        "amount": bid.amount,
        "max_amount": bid.max_amount,
        "request_id": bid.request_id,
    }


def _submit(*, auction: Auction, bidder: Standing, kind: str, bid: BidRequest) -> BidOutcome:
    try:
        engine.count_attempt(bidder.user_id)
    except RateLimited:
        # A retry of a request already answered gets that first answer, not RATE_LIMITED.
        if not engine.request_answered(
            auction=auction, bidder_id=bidder.user_id, request_id=bid.request_id
        ):
            raise
    try:
        outcome = engine.bid_place(**_engine_call(auction, bidder, kind, bid))
    except Unavailable:
        # The bid may be applied in Redis without its ledger row: write it without waiting
        # for the worker (a retry with the same request id would find it there).
        catchup.schedule(auction.pk)
        raise
    return _placed(auction, outcome)


def _standing_of(user: User | AnonymousUser) -> Standing | None:
    return Standing.of(user) if isinstance(user, User) else None


@observe_bid
def bid_place(*, auction: Auction, bidder: User | AnonymousUser, bid: BidRequest) -> BidOutcome:
    """Place a bid (or, for the leader, raise their maximum) and return it once durable.

    `bidder` is the request's user (anonymous allowed: refused). Raises a `GavelError`:
    NOT_ALLOWED (anonymous, inactive, suspended), EMAIL_NOT_CONFIRMED, SELLER_CANNOT_BID,
    RATE_LIMITED, AUCTION_NOT_OPEN, AUCTION_ENDED, BID_TOO_LOW (with min_bid), UNAVAILABLE.
    """
    standing = _may_bid(auction, _standing_of(bidder))
    return _submit(auction=auction, bidder=standing, kind="bid", bid=bid)


@aobserve_bid
async def abid_place(*, auction: Auction, bidder_id: int, bid: BidRequest) -> BidOutcome:
    """`bid_place` on the event loop, for a logged-in user known by id.

    One Redis round trip counts the attempt and reads the bidder's standing (filled from the
    database only when Redis holds none), one runs the script; a refusal makes no SQL query
    and leaves the loop for nothing. Only an accepted bid's ledger transaction runs off the
    loop. Raises what `bid_place` raises.
    """
    try:
        stored: dict[str, str] | None = await engine.acount_attempt(bidder_id)
    except RateLimited:
        if not await engine.arequest_answered(
            auction=auction, bidder_id=bidder_id, request_id=bid.request_id
        ):
            raise
        stored = None
    standing = _may_bid(auction, await astanding_get(bidder_id, stored))
    try:
        outcome = await engine.abid_place(**_engine_call(auction, standing, "bid", bid))
    except Unavailable:
        catchup.schedule(auction.pk)
        raise
    return _placed(auction, outcome)


@observe_bid
def buy_now(*, auction: Auction, buyer: User | AnonymousUser, request_id: str) -> BidOutcome:
    """Buy at the buy-it-now price: a durable bid that ends the auction at once (then settled)."""
    from auctions.services.lifecycle import auction_settle

    standing = _may_bid(auction, _standing_of(buyer))
    bid = BidRequest(amount=None, max_amount=None, request_id=request_id)
    accepted = _submit(auction=auction, bidder=standing, kind="buy_now", bid=bid)
    try:
        auction_settle(auction=auction)
        state = engine.auction_state_get(auction=auction)
    except GavelError:
        # The worker settles it; the purchase itself is durable already.
        return accepted
    return BidOutcome(
        seq=accepted.seq,
        price=accepted.price,
        leader_id=accepted.leader_id,
        leader_handle=accepted.leader_handle,
        ends_at=state.ends_at,
        state=state,
    )
