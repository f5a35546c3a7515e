"""The bid engine's one front door: Redis hot state driven by Lua scripts, the ledger behind it.

Everything outside `auctions.engine` goes through these names. A write runs its script, decodes
the reply into the records of `records.py`, commits the ledger and returns what it recorded
(`BidOutcome.recorded`, `Recorded.events`) for the caller to announce after commit; it never
broadcasts or mails. What ledger rows imply above the engine is written by the hooks
registered once at startup (`hooks_register`, see `hooks.py`). Refusals raise the coded errors of `auctions.errors`. Lua replies and
Redis field codes stay inside this package.
"""

from auctions.engine.api import (
    auction_events_since,
    auction_state_get,
    auction_states_get,
    hot_seqs,
    redis_now_ms,
)
from auctions.engine.bids import BidOutcome, count_attempt, request_answered
from auctions.engine.bids import place as bid_place
from auctions.engine.hooks import register as hooks_register
from auctions.engine.hot_state import load as hot_state_load
from auctions.engine.hot_state import reload as hot_state_reload
from auctions.engine.hot_state import sync_params
from auctions.engine.lifecycle import cancel as auction_cancel
from auctions.engine.lifecycle import close as auction_close
from auctions.engine.lifecycle import reconcile
from auctions.engine.lifecycle import refresh as auction_refresh
from auctions.engine.lifecycle import void as bid_void
from auctions.engine.records import (
    BidPlaced,
    BidVoided,
    Cancelled,
    Ended,
    Event,
    Extended,
    Recorded,
)
from auctions.engine.state import AuctionState

__all__ = [
    "AuctionState",
    "BidOutcome",
    "BidPlaced",
    "BidVoided",
    "Cancelled",
    "Ended",
    "Event",
    "Extended",
    "Recorded",
    "auction_cancel",
    "auction_close",
    "auction_events_since",
    "auction_refresh",
    "auction_state_get",
    "auction_states_get",
    "bid_place",
    "bid_void",
    "count_attempt",
    "hooks_register",
    "hot_seqs",
    "hot_state_load",
    "hot_state_reload",
    "reconcile",
    "redis_now_ms",
    "request_answered",
    "sync_params",
]
