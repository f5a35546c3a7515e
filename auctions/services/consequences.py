"""What the engine's ledger rows imply beyond the engine, written in the rows' own transaction.

`record_consequences` is the engine's `consequences` hook (registered in
`AuctionsConfig.ready`, see `auctions.engine.hooks`): every path that writes the ledger (a bid,
settle, cancel, void, the reconciler, a read reloading a lost hot state) calls it inside the
transaction of the rows it wrote, so a sale never lacks its order and a crash loses no email
(the durable outbox sends after commit and retries). It announces nothing: the service that
asked the engine does that after commit (`auctions.services.announce`).
"""

from collections.abc import Sequence

from auctions.engine import Ended, Event
from auctions.models import Auction
from auctions.notifications import outbox_for_event
from auctions.signals import auction_sold


def record_consequences(*, auction: Auction, events: Sequence[Event]) -> None:
    """For each event: `auction_sold` for a sale (an `ended` with a winner: the orders app opens
    its order), then the event's outbox emails."""
    for record in events:
        if (
            isinstance(record, Ended)
            and record.winner_id is not None
            and record.final_price is not None
        ):
            auction_sold.send(
                sender=Auction,
                auction=auction,
                buyer_id=record.winner_id,
                price=record.final_price,
            )
        outbox_for_event(auction, record)
