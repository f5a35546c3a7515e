"""Reads of the notice centre."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from notices.models import Notice


def notices_for(*, user: AbstractBaseUser) -> QuerySet[Notice]:
    """A user's notices, newest first, with their auctions."""
    return Notice.objects.filter(user_id=user.pk).select_related("auction")


def notices_unread_count(*, user: AbstractBaseUser) -> int:
    """How many of a user's notices are unread (the badge in the header)."""
    if not user.is_authenticated:
        return 0
    return Notice.objects.filter(user_id=user.pk, read_at__isnull=True).count()
