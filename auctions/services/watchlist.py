"""Watchlist writes: a user adds or removes an auction (idempotent both ways)."""

from accounts.models import User
from auctions.models import Auction, Watch


def watch_add(*, user: User, auction: Auction) -> Watch:
    """Put `auction` on `user`'s watchlist (no-op when it is already there)."""
    watch, _ = Watch.objects.get_or_create(user=user, auction=auction)
    return watch


def watch_remove(*, user: User, auction: Auction) -> None:
    """Take `auction` off `user`'s watchlist (no-op when it is not there)."""
    Watch.objects.filter(user=user, auction=auction).delete()
