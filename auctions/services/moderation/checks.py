"""Who may act in moderation and the seller's workflow, and the row lock every action takes."""

from __future__ import annotations

from typing import Any

from auctions.models import Auction
from core.errors import NotAllowed
from core.roles import is_moderator

# Who acts: `request.user` (a User, or AnonymousUser that `acting` refuses), or None for the
# system where an action allows it.
Actor = Any

# Statuses after which an auction's result (or its cancellation) is final.
FINAL_STATUSES = (Auction.Status.ENDED, Auction.Status.CANCELLED)


def acting(user: Any) -> bool:
    """An authenticated, active, unsuspended user: one who may act at all."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and not getattr(user, "is_suspended", False)
    )


def require_moderator(actor: Any) -> None:
    """Refuse NOT_ALLOWED unless `actor` is an acting moderator."""
    if not (acting(actor) and is_moderator(actor)):
        raise NotAllowed("Only a moderator can do this.")


def locked(auction: Auction) -> Auction:
    """Re-read the auction under a row lock, so two moderators cannot act on a stale copy."""
    row: Auction = Auction.objects.select_for_update().get(pk=auction.pk)
    return row
