"""An auction's life after bidding: settling at the end, cancelling, voiding a bid, reconciling.

Each asks the engine (which decides in Redis and writes the ledger), records the audit row in
the same transaction where there is one, then announces what the engine recorded. Settling
twice, or after a crash, changes nothing.
"""

from accounts.models import User
from auctions import engine
from auctions.models import Auction, Bid
from auctions.services.announce import announce
from core import inputs
from core.audit import AuditAction, audit_record
from core.errors import HasBids

__all__ = [
    "HasBids",
    "auction_cancel",
    "auction_refresh",
    "auction_settle",
    "bid_void",
    "reconcile_auction",
]


def reconcile_auction(auction: Auction) -> int:
    """Write (and announce) every event the auction's stream holds that the ledger lacks.

    Returns how many were written. Idempotent; safe beside a concurrent `bid_place`.
    """
    written = engine.reconcile(auction)
    announce(auction=auction, recorded=written)
    return len(written)


def auction_settle(*, auction: Auction) -> bool:
    """Close an auction whose end has passed: result, `ended` event, notices. True if settled now.

    The close is decided in Redis against its TIME, so a racing bid is either in the result or
    refused AUCTION_ENDED. Calling it again (or for an auction not yet due) returns False.
    """
    recorded = engine.auction_close(auction)
    announce(auction=auction, recorded=recorded.events)
    return recorded.applied


def auction_cancel(
    *, auction: Auction, actor: User | None, reason: str, only_without_bids: bool = False
) -> None:
    """Cancel an auction with no winner: `cancelled` event, audit row, bidders emailed.

    Refuses AUCTION_ENDED once the end has passed (or it is settled) and AUCTION_NOT_OPEN when
    it is already cancelled. With `only_without_bids` (the seller's cancel) it raises
    `HasBids` when the live state holds a bid, decided in the same script as the cancel,
    so a racing bid is either refused (cancelled first) or makes the cancel refuse. Other
    permission checks are the caller's.
    """
    reason = inputs.reason(reason)

    def audit(seq: int) -> None:
        audit_record(
            actor=actor,
            action=AuditAction.AUCTION_CANCEL,
            target=auction,
            reason=reason,
            data={"seq": seq},
        )

    recorded = engine.auction_cancel(
        auction=auction, reason=reason, only_without_bids=only_without_bids, then=audit
    )
    auction.status = Auction.Status.CANCELLED
    auction.cancel_reason = reason
    announce(auction=auction, recorded=recorded.events)


def bid_void(*, bid: Bid, actor: User | None, reason: str) -> None:
    """Void a bid: replay the ledger without it into the hot state, `bid_voided` event, audit.

    Refused (AUCTION_ENDED / AUCTION_NOT_OPEN) once the auction is settled or cancelled, and
    NOT_ALLOWED for a bid already voided. Other bids racing the void make it retry.
    """
    reason = inputs.reason(reason)

    def audit(row: Bid, event_seq: int) -> None:
        audit_record(
            actor=actor,
            action=AuditAction.BID_VOID,
            target=row,
            reason=reason,
            data={"auction": row.auction_id, "seq": row.seq, "event_seq": event_seq},
        )

    recorded = engine.bid_void(bid=bid, reason=reason, then=audit)
    announce(auction=bid.auction, recorded=recorded.events)


def auction_refresh(*, auction: Auction) -> None:
    """Tell the engine a listing's parameters changed (approval, rescheduling, edits).

    Bids also notice by themselves (the row's `updated_at` is newer than the hot state), so
    this only makes reads right at once.
    """
    engine.auction_refresh(auction)
