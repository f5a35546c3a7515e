"""Whether a staff session still owes its second factor, for every surface (pages, API,
sockets, admin).

A staff member (or superuser) who has confirmed an authenticator holds no staff powers in a
session until its current code was entered there: that session is signed in by password only.
Staff without an authenticator are not asked (two-factor is optional for them).
"""

from channels.db import database_sync_to_async
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp.models import Device


def owes_second_factor(user, *, verified: bool) -> bool:
    """True when `user` is staff with a confirmed authenticator and the session is not
    `verified` by it."""
    if not getattr(user, "is_authenticated", False):
        return False
    if not (user.is_staff or user.is_superuser) or verified:
        return False
    return user_has_device(user, confirmed=True)


def session_verified(user, session) -> bool:
    """Whether `session` holds a code check by one of `user`'s confirmed devices (what
    django-otp's OTPMiddleware reads into `request.user.is_verified()`, for a socket's scope)."""
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    if not persistent_id:
        return False
    device = Device.from_persistent_id(persistent_id)
    return device is not None and device.user_id == user.pk and device.confirmed


async def scope_owes_second_factor(scope) -> bool:
    """`owes_second_factor` for a socket's user and session (no thread hop for non-staff)."""
    user = scope.get("user")
    if not getattr(user, "is_authenticated", False) or not (user.is_staff or user.is_superuser):
        return False
    return await _session_owes(user, scope.get("session"))


@database_sync_to_async
def _session_owes(user, session) -> bool:
    return owes_second_factor(user, verified=session_verified(user, session))
