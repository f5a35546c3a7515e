"""Placing bids and buying now: the one write path every bid takes (form, API, WebSocket).

A service checks the input and the bidder, asks the engine to apply the bid (one EVALSHA, then
the ledger row committed before the caller hears "accepted": acknowledged means durable) and
announces what the engine recorded. Refusals are coded `GavelError`s; `Unavailable` means the
outcome is unknown and a retry with the same request_id is safe (it returns the first answer
and applies nothing twice).
"""

from typing import Any

from auctions import engine, inputs
from auctions.engine import BidOutcome
from auctions.errors import (
    EmailNotConfirmed,
    GavelError,
    NotAllowed,
    RateLimited,
    SellerCannotBid,
    Unavailable,
)
from auctions.metrics import observe_bid
from auctions.models import Auction
from auctions.services import catchup
from auctions.services.announce import announce

__all__ = ["BidOutcome", "bid_place", "buy_now"]


def _check_bidder(auction: Auction, user: Any) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotAllowed("Log in to bid.")
    if not user.is_active or getattr(user, "is_suspended", False):
        raise NotAllowed("Your account may not bid.")
    if not getattr(user, "email_confirmed", True):
        raise EmailNotConfirmed()
    if user.pk == auction.seller_id:
        raise SellerCannotBid()


def _submit(
    *,
    auction: Auction,
    user: Any,
    kind: str,
    amount: int | None,
    max_amount: int | None,
    request_id: str,
) -> BidOutcome:
    try:
        engine.count_attempt(user.pk)
    except RateLimited:
        # A retry of a request already answered gets that first answer, not RATE_LIMITED.
        if not engine.request_answered(
            auction_id=auction.pk, bidder_id=user.pk, request_id=request_id
        ):
            raise
    try:
        outcome = engine.bid_place(
            auction=auction,
            bidder_id=user.pk,
            bidder_handle=user.public_handle,
            kind=kind,
            amount=amount,
            max_amount=max_amount,
            request_id=request_id,
        )
    except Unavailable:
        # The bid may be applied in Redis without its ledger row: write it without waiting
        # for the worker (a retry with the same request id would find it there).
        catchup.schedule(auction.pk)
        raise
    announce(auction=auction, recorded=outcome.recorded)
    return outcome


@observe_bid
def bid_place(
    *,
    auction: Auction,
    bidder: Any,
    amount: int | str | None,
    max_amount: int | str | None = None,
    request_id: str | None,
) -> BidOutcome:
    """Place a bid (or, for the leader, raise their maximum) and return it once durable.

    `amount` / `max_amount` are minor units (strings are parsed like form input). Raises a
    `GavelError`: INVALID_AMOUNT, BAD_REQUEST (request id), NOT_ALLOWED (anonymous, inactive, suspended),
    SELLER_CANNOT_BID, RATE_LIMITED, AUCTION_NOT_OPEN, AUCTION_ENDED, BID_TOO_LOW (with
    min_bid), UNAVAILABLE.
    """
    cents, max_cents = inputs.amount(amount), inputs.amount(max_amount)
    inputs.amount_pair(cents, max_cents)
    request_id = inputs.request_id(request_id, free_text=True)
    _check_bidder(auction, bidder)
    return _submit(
        auction=auction,
        user=bidder,
        kind="bid",
        amount=cents,
        max_amount=max_cents,
        request_id=request_id,
    )


@observe_bid
def buy_now(*, auction: Auction, buyer: Any, request_id: str | None) -> BidOutcome:
    """Buy at the buy-it-now price: a durable bid that ends the auction at once (then settled)."""
    from auctions.services.lifecycle import auction_settle

    request_id = inputs.request_id(request_id, free_text=True)
    _check_bidder(auction, buyer)
    accepted = _submit(
        auction=auction,
        user=buyer,
        kind="buy_now",
        amount=None,
        max_amount=None,
        request_id=request_id,
    )
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
