"""The authentication backend: Django's `ModelBackend`, with the logged-in user read from a cache.

Every authenticated request loads its user by id from the session; this backend keeps that row
in Django's default cache (Redis in production, so every process shares it) for
`GAVEL_USER_CACHE_SECONDS`, and any save or delete of the user drops the entry (at once and again
after commit, so a reader racing the write cannot put the old row back for long). Suspension,
deactivation, a password change and a login all save the user, so they take effect on the next
request. `0` seconds turns the cache off (e.g. where the cache is per process).
"""

import logging

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction

from accounts.models import User

log = logging.getLogger(__name__)


def user_cache_key(user_id) -> str:
    return f"gavel:user:{user_id}"


class CachedModelBackend(ModelBackend):
    """`ModelBackend` whose `get_user` (once per request with a session) is served from cache."""

    def get_user(self, user_id):
        seconds = settings.GAVEL_USER_CACHE_SECONDS
        if not seconds:
            return super().get_user(user_id)
        key = user_cache_key(user_id)
        try:
            user = cache.get(key)
        except Exception as error:  # the cache is an optimisation: the database still answers
            log.warning("user cache read failed: %s", error)
            return super().get_user(user_id)
        if user is None:
            user = super().get_user(user_id)
            if user is not None:
                self._store(key, user, seconds)
        return user if self.user_can_authenticate(user) else None

    @staticmethod
    def _store(key, user, seconds) -> None:
        try:
            cache.set(key, user, seconds)
        except Exception as error:
            log.warning("user cache write failed: %s", error)


def forget_user(user_id) -> None:
    """Drop the cached row now and once the current transaction (if any) commits."""
    key = user_cache_key(user_id)
    _delete(key)
    transaction.on_commit(lambda: _delete(key))


def _delete(key: str) -> None:
    try:
        cache.delete(key)
    except Exception as error:
        # Only reachable while the cache is down, when nothing reads it either; the entry
        # expires after GAVEL_USER_CACHE_SECONDS at worst.
        log.error("could not drop %s from the user cache: %s", key, error)


def _user_changed(sender, instance, **kwargs) -> None:
    if instance.pk is not None:
        forget_user(instance.pk)


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    post_save.connect(_user_changed, sender=User, dispatch_uid="gavel-user-cache-save")
    post_delete.connect(_user_changed, sender=User, dispatch_uid="gavel-user-cache-delete")
