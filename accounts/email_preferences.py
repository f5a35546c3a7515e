"""Which emails a user may turn off, and the signed one-click links that turn them off.

Only notices about other people's actions are optional (being outbid, a watched lot ending);
a user always gets mail about their own sale, win or cancelled bid. An unsubscribe link carries
a signed token (user and kind) instead of a login, so it works from any mail client, and never
expires: an old email's link still works.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from accounts.models import EmailOptOut, User

# kind → what the preferences page calls it.
OPTIONAL = {
    "outbid": "When someone outbids you",
    "ending_soon": "When a lot you watch is about to end",
}
_SALT = "gavel.accounts.unsubscribe"


def absolute_url(path: str) -> str:
    """A site path as a link an email can carry: `SITE_URL` + path."""
    return settings.SITE_URL.rstrip("/") + path


def unsubscribe_token(*, user: User, kind: str) -> str:
    """A signed token naming the user and the kind of email to turn off."""
    if kind not in OPTIONAL:
        raise ValueError(f"{kind!r} emails cannot be turned off")
    return signing.dumps({"u": user.pk, "k": kind}, salt=_SALT, compress=True)


def unsubscribe_url(*, user: User, kind: str) -> str:
    """The absolute one-click link that turns `kind` emails off for `user`."""
    token = unsubscribe_token(user=user, kind=kind)
    return absolute_url(reverse("email_unsubscribe", args=[token]))


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, kind) from a token this site signed, or None for anything else."""
    try:
        data = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in OPTIONAL:
        return None
    if not isinstance(data.get("u"), int):
        return None
    return data["u"], data["k"]


def wants_email(*, user: User, kind: str) -> bool:
    """Whether `user` gets `kind` emails (always, unless the kind is optional and turned off)."""
    if kind not in OPTIONAL:
        return True
    return not EmailOptOut.objects.filter(user=user, kind=kind).exists()


def email_preference_set(*, user: User, kind: str, enabled: bool) -> None:
    """Turn one optional kind of email on or off for `user` (idempotent)."""
    if kind not in OPTIONAL:
        raise ValueError(f"{kind!r} emails cannot be turned off")
    if enabled:
        EmailOptOut.objects.filter(user=user, kind=kind).delete()
    else:
        EmailOptOut.objects.get_or_create(user=user, kind=kind)


def email_preferences_get(*, user: User) -> dict[str, bool]:
    """Every optional kind → whether `user` currently gets it."""
    off = set(EmailOptOut.objects.filter(user=user).values_list("kind", flat=True))
    return {kind: kind not in off for kind in OPTIONAL}
