"""Writes of the notice centre: create a notice, mark a user's notices read."""

from django.utils import timezone

from notices.models import Notice


def notice_create(*, user, kind: str, text: str, auction=None, link: str = "") -> Notice:
    """Record one notice for `user` (a `User` or its id); it shows unread at `/me/notices/`."""
    user_id = getattr(user, "pk", user)
    return Notice.objects.create(
        user_id=user_id, kind=kind, auction=auction, text=text[:500], link=link
    )


def notices_mark_read(*, user) -> int:
    """Mark every unread notice of `user` read; returns how many changed."""
    return Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
