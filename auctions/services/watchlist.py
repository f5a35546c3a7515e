"""Watchlist writes: a user adds or removes an auction (idempotent both ways)."""

from auctions.models import Auction, Watch


def watch_add(*, user, auction: Auction) -> Watch:
    """Put `auction` on `user`'s watchlist (no-op when it is already there)."""
    watch, _ = Watch.objects.get_or_create(user=user, auction=auction)
    return watch


def watch_remove(*, user, auction: Auction) -> None:
    """Take `auction` off `user`'s watchlist (no-op when it is not there)."""
    Watch.objects.filter(user=user, auction=auction).delete()
