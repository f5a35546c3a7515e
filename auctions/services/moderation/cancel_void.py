"""Cancelling an auction and voiding a bid, by staff or by the seller, through the engine.

These add the permission, state and reason checks in front of `auctions.services.lifecycle`,
which recomputes the live state, emits the event, audits and notifies bidders.
"""

from __future__ import annotations

from accounts.models import User
from auctions.models import Auction, Bid, Report
from auctions.services.lifecycle import auction_cancel, bid_void
from auctions.services.moderation.checks import FINAL_STATUSES, Actor, require_moderator
from auctions.services.moderation.reports import report_resolve
from core import inputs
from core.errors import (
    GavelError,
    HasBids,
    InvalidState,
    NotAllowed,
    Unavailable,
)
from core.inputs import REASON_MAX

ENGINE_UNAVAILABLE = "The auction engine did not answer; check the auction, then retry if needed."


def _cancel_checks(auction: Auction) -> None:
    if auction.status == Auction.Status.CANCELLED:
        raise InvalidState("This auction is already cancelled.")
    if auction.status == Auction.Status.ENDED:
        raise InvalidState("This auction has ended and its result is final.")


def _engine_cancel(
    *, auction: Auction, actor: User, reason: str, only_without_bids: bool = False
) -> Auction:
    try:
        auction_cancel(
            auction=auction, actor=actor, reason=reason, only_without_bids=only_without_bids
        )
    except Unavailable as error:
        raise Unavailable(ENGINE_UNAVAILABLE) from error
    except HasBids:
        raise
    except GavelError as error:
        raise InvalidState(error.message) from error
    auction.refresh_from_db()
    return auction


def auction_cancel_by_staff(*, auction: Auction, actor: Actor, reason: str) -> Auction:
    """A moderator cancels any auction that is not final: live `cancelled` event, no winner."""
    actor = require_moderator(actor)
    reason = inputs.reason(reason)
    auction.refresh_from_db()
    _cancel_checks(auction)
    auction = _engine_cancel(auction=auction, actor=actor, reason=reason)
    for report in Report.objects.filter(auction=auction, resolved_at__isnull=True):
        # The cancellation answers the reports: they leave the queue, on the record.
        report_resolve(
            report=report, actor=actor, reason=f"Auction cancelled: {reason}"[:REASON_MAX]
        )
    return auction


def auction_cancel_by_seller(*, auction: Auction, actor: Actor, reason: str) -> Auction:
    """The seller cancels their own auction, only while nobody has bid on it (else HAS_BIDS).

    The engine's cancel script itself refuses once the live state holds a bid, so a bid racing
    this call is either refused AUCTION_NOT_OPEN (the cancel ran first) or makes it refuse.
    """
    if not (isinstance(actor, User) and actor.is_active and actor.pk == auction.seller_id):
        raise NotAllowed("Only the seller can cancel their own auction.")
    reason = inputs.reason(reason)
    auction.refresh_from_db()
    _cancel_checks(auction)
    if Bid.objects.filter(auction=auction).exists():
        # Voided bids count too (the live state no longer does): someone did bid.
        raise HasBids()
    return _engine_cancel(auction=auction, actor=actor, reason=reason, only_without_bids=True)


def bid_void_by_staff(*, bid: Bid, actor: Actor, reason: str) -> Bid:
    """A moderator voids a bid; the engine replays the ledger without it and tells everyone."""
    actor = require_moderator(actor)
    reason = inputs.reason(reason)
    bid.refresh_from_db()
    if bid.voided:
        raise InvalidState("This bid is already voided.")
    auction = Auction.objects.get(pk=bid.auction_id)
    if auction.status in FINAL_STATUSES:
        raise InvalidState(
            f"This auction is {auction.get_status_display().lower()}; its bids are final."
        )
    try:
        bid_void(bid=bid, actor=actor, reason=reason)
    except Unavailable as error:
        raise Unavailable(ENGINE_UNAVAILABLE) from error
    except GavelError as error:
        raise InvalidState(error.message) from error
    bid.refresh_from_db()
    return bid
