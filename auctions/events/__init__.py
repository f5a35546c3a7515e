"""Events: their shapes (`shapes`, a TypedDict per type) and their broadcast (`broadcast`)."""

from auctions.events.broadcast import (
    after_commit,
    auction_group,
    broadcasts_sent,
    publish_auction_event,
    publish_user_event,
    user_group,
)
from auctions.events.shapes import outbid_event, public_event, viewers_event, won_event

__all__ = [
    "after_commit",
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
