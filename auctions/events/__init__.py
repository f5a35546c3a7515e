"""Events: their broadcast (`broadcast`) and their shapes (a TypedDict per type).

The shapes live in `auctions/engine/shapes.py`, because the engine's ledger stores public events
and the engine loads nothing above it; they are re-exported here, through the engine's front
door, for the surfaces.
"""

from auctions.engine import (
    answered_by_leader,
    outbid_event,
    public_event,
    viewers_event,
    won_event,
)
from auctions.events.broadcast import (
    after_commit,
    auction_group,
    broadcasts_sent,
    publish_auction_event,
    publish_user_event,
    user_group,
)

__all__ = [
    "after_commit",
    "answered_by_leader",
    "auction_group",
    "broadcasts_sent",
    "outbid_event",
    "public_event",
    "publish_auction_event",
    "publish_user_event",
    "user_group",
    "viewers_event",
    "won_event",
]
