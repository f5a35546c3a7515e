"""Staff moderation and the seller's workflow, one module per job: listings (approve, reject,
resubmit, relist, engine refresh), cancel and void, users (suspend, reinstate), reports.

Each service checks who may act and validates the reason before anything changes, then changes
state in one transaction and appends an audit row.
"""

from auctions.services.moderation.cancel_void import (
    auction_cancel_by_seller,
    auction_cancel_by_staff,
    bid_void_by_staff,
)
from auctions.services.moderation.checks import FINAL_STATUSES
from auctions.services.moderation.listings import (
    auction_relist,
    engine_refresh,
    listing_approve,
    listing_reject,
    listing_resubmit,
)
from auctions.services.moderation.reports import auction_report, report_resolve
from auctions.services.moderation.users import user_reinstate, user_suspend

__all__ = [
    "FINAL_STATUSES",
    "auction_cancel_by_seller",
    "auction_cancel_by_staff",
    "auction_relist",
    "auction_report",
    "bid_void_by_staff",
    "engine_refresh",
    "listing_approve",
    "listing_reject",
    "listing_resubmit",
    "report_resolve",
    "user_reinstate",
    "user_suspend",
]
