"""The bid engine's one front door: Redis hot state driven by Lua scripts, the ledger behind it.

Everything outside `auctions.engine` goes through these names. A write runs its script, decodes
the reply into the records of `records.py`, commits the ledger and returns what it recorded
(`BidOutcome.recorded`, `Recorded.events`) for the caller to announce after commit; it never
broadcasts or mails. What ledger rows imply above the engine is written by the hooks
registered once at startup (`hooks_register`, see `hooks.py`). The names with an `a` prefix
are the hot path's twins for callers on the event loop. Refusals raise the coded errors of
`core.errors`. Lua replies and Redis field codes stay inside this package.
"""

from auctions.engine.api import (
    auction_events_since,
    auction_state_get,
    auction_states_get,
    hot_seqs,
    redis_now_ms,
)
from auctions.engine.bids import (
    BidOutcome,
    acount_attempt,
    arequest_answered,
    count_attempt,
    request_answered,
)
from auctions.engine.bids import aplace as abid_place
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
from auctions.engine.offload import run as offload
from auctions.engine.records import (
    BidPlaced,
    BidVoided,
    Cancelled,
    Ended,
    Event,
    Extended,
    Recorded,
)
from auctions.engine.standing import ageneration as standing_ageneration
from auctions.engine.standing import aread as standing_aread
from auctions.engine.standing import astore as standing_astore
from auctions.engine.standing import forget as standing_forget
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
    "abid_place",
    "acount_attempt",
    "arequest_answered",
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
    "offload",
    "reconcile",
    "redis_now_ms",
    "request_answered",
    "standing_ageneration",
    "standing_aread",
    "standing_astore",
    "standing_forget",
    "sync_params",
]

# --- Redis for the plumbing around the bids: health, metrics, presence, the chart's clock ---
from auctions.engine.clock import to_ms  # noqa: E402
from auctions.engine.health import heartbeat_read, heartbeat_write, redis_ping  # noqa: E402
from auctions.engine.registrations import SaleStanding, standing_write  # noqa: E402
from auctions.engine.registrations import source_register as registrations_source_register  # noqa: E402
from auctions.engine.shapes import (  # noqa: E402
    PublicEvent,
    answered_by_leader,
    outbid_event,
    public_event,
    viewers_event,
    won_event,
)
from auctions.engine.viewers import viewers_update  # noqa: E402

__all__ += [
    "PublicEvent",
    "SaleStanding",
    "answered_by_leader",
    "heartbeat_read",
    "heartbeat_write",
    "outbid_event",
    "public_event",
    "redis_ping",
    "registrations_source_register",
    "standing_write",
    "to_ms",
    "viewers_event",
    "viewers_update",
    "won_event",
]
