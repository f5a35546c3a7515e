"""Announcing what the engine recorded: the one step after a write that tells people.

Services call `announce` with the records an engine call returned, once their transaction is
done: each event goes to the auction's viewers, then its notices (outbid, result, cancellation)
are queued; a void's email is written with its ledger row. Both wait for the commit of any
transaction still open around the caller.
"""

from collections.abc import Iterable, Sequence

from auctions import notifications
from auctions.engine import BidPlaced, BidVoided, Cancelled, Ended, Event
from auctions.events import public_event
from auctions.events.broadcast import publish_auction_event
from auctions.models import Auction


def _queue_notices(auction: Auction, record: Event) -> None:
    if isinstance(record, BidPlaced):
        previous = record.previous_leader_id
        if previous is not None and previous != record.leader_id:
            notifications.queue_outbid(
                auction=auction, user_id=previous, price=record.price, min_bid=record.min_bid
            )
    elif isinstance(record, Ended):
        notifications.queue_ended(
            auction=auction, winner_id=record.winner_id, final_price=record.final_price
        )
    elif isinstance(record, Cancelled):
        notifications.queue_cancelled(auction=auction, reason=record.reason)


def _audience(record: Event) -> tuple[int | None, int | None]:
    """Who the event is about, so each viewer learns only whether it is them: bidder, leader."""
    if isinstance(record, BidPlaced):
        return record.bidder_id, record.leader_id
    if isinstance(record, Ended):
        return None, record.winner_id
    if isinstance(record, BidVoided):
        return None, record.leader_id
    return None, None


def announce(*, auction: Auction, recorded: Iterable[Event]) -> None:
    """Broadcast each recorded event to the auction's viewers, then queue its notices."""
    for record in recorded:
        bidder_id, leader_id = _audience(record)
        publish_auction_event(
            auction.pk, public_event(auction.pk, record), bidder_id=bidder_id, leader_id=leader_id
        )
        _queue_notices(auction, record)


def announce_repaired(*, auction: Auction, events: Sequence[Event]) -> None:
    """The engine's `announce` hook: events a read wrote to the ledger while reloading a lost
    hot state (the stream was ahead), announced like any others."""
    announce(auction=auction, recorded=events)
