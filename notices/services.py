"""Writes of the notice centre: create a notice, mark a user's notices read.

A user is Django's base user class here (the notice centre sits below the accounts app) and
is looked up by id.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.utils import timezone

from notices.models import Notice


def notice_create(
    *,
    user: AbstractBaseUser | int,
    kind: str,
    text: str,
    auction: models.Model | None = None,
    link: str = "",
) -> Notice:
    """Record one notice for `user` (a `User` or its id); it shows unread at `/me/notices/`."""
    user_id = user if isinstance(user, int) else user.pk
    return Notice.objects.create(
        user_id=user_id,
        kind=kind,
        auction_id=auction.pk if auction is not None else None,
        text=text[:500],
        link=link,
    )


def notices_mark_read(*, user: AbstractBaseUser) -> int:
    """Mark every unread notice of `user` read; returns how many changed."""
    return Notice.objects.filter(user_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
