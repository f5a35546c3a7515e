"""Reads of the notice centre."""

from notices.models import Notice


def notices_for(*, user):
    """A user's notices, newest first, with their auctions."""
    return Notice.objects.filter(user=user).select_related("auction")


def notices_unread_count(*, user) -> int:
    """How many of a user's notices are unread (the badge in the header)."""
    if not user.is_authenticated:
        return 0
    return Notice.objects.filter(user=user, read_at__isnull=True).count()
