"""Who may act in moderation and the seller's workflow, and the row lock every action takes."""

from __future__ import annotations

from typing import TypeGuard

from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from auctions.models import Auction
from core.errors import NotAllowed
from core.roles import is_moderator

# Who acts: `request.user` (a User, or AnonymousUser that `acting` refuses).
Actor = User | AnonymousUser

# Statuses after which an auction's result (or its cancellation) is final.
FINAL_STATUSES = (Auction.Status.ENDED, Auction.Status.CANCELLED)


def acting(user: Actor | None) -> TypeGuard[User]:
    """An authenticated, active, unsuspended user: one who may act at all."""
    return isinstance(user, User) and user.is_active and not user.is_suspended


def require_moderator(actor: Actor | None) -> User:
    """`actor` when they are an acting moderator; NOT_ALLOWED otherwise."""
    if not (acting(actor) and is_moderator(actor)):
        raise NotAllowed("Only a moderator can do this.")
    return actor


def locked(auction: Auction) -> Auction:
    """Re-read the auction under a row lock, so two moderators cannot act on a stale copy."""
    row: Auction = Auction.objects.select_for_update().get(pk=auction.pk)
    return row
