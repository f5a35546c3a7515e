"""Who may bid, as the hot path knows it without a query: a bidder's standing.

`Standing` is what bidding needs of a user (active, suspended, email confirmed, public handle)
and what the lean bid route needs to trust a session (the session auth hash). On the event loop
it comes from Redis (`astanding_get`, read in the same round trip as the rate limit by
`engine.acount_attempt`), filled from the database on a miss; every save or delete of the user
drops it at once and again after commit (`connect_signals`), so a suspension applies to the
very next bid on any socket or route.
"""

from dataclasses import asdict, dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, transaction
from django_otp import user_has_device
from django_otp.models import Device
from redis.exceptions import RedisError

from accounts.models import User
from auctions import engine
from core.errors import Unavailable


@dataclass(frozen=True)
class Standing:
    """A user as the bid path sees them."""

    user_id: int
    handle: str
    active: bool
    suspended: bool
    email_confirmed: bool
    session_hash: str
    # Staff with a confirmed authenticator: a session holds no powers until its code was entered.
    second_factor: bool = False

    @classmethod
    def of(cls, user: User) -> "Standing":
        """The standing of a loaded user row."""
        return cls(
            user_id=user.pk,
            handle=user.public_handle,
            active=user.is_active,
            suspended=user.is_suspended,
            email_confirmed=user.email_confirmed,
            session_hash=user.get_session_auth_hash(),
            second_factor=(user.is_staff or user.is_superuser)
            and user_has_device(user, confirmed=True),
        )

    def fields(self) -> dict[str, str]:
        """As stored in Redis: text fields, booleans as "1" / "0"."""
        return {
            name: ("1" if value else "0") if isinstance(value, bool) else str(value)
            for name, value in asdict(self).items()
        }

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> "Standing | None":
        """The standing stored as `fields`; None when nothing (or an older shape) is stored."""
        try:
            return cls(
                user_id=int(fields["user_id"]),
                handle=fields["handle"],
                active=fields["active"] == "1",
                suspended=fields["suspended"] == "1",
                email_confirmed=fields["email_confirmed"] == "1",
                session_hash=fields["session_hash"],
                second_factor=fields["second_factor"] == "1",
            )
        except (KeyError, ValueError):
            return None


def _load(user_id: int) -> Standing | None:
    try:
        user = User.objects.filter(pk=user_id).first()
    except DatabaseError as error:
        raise Unavailable() from error
    return None if user is None else Standing.of(user)


async def astanding_fill(user_id: int) -> Standing | None:
    """Read the standing from the database (on a ledger thread) and store it for the next bid;
    None when the user does not exist. Raises `Unavailable` when Redis or the database is down."""
    generation = await engine.standing_ageneration(user_id)
    standing = await engine.offload(user_id, _load, user_id)
    if standing is not None:
        await engine.standing_astore(
            user_id, generation, standing.fields(), settings.GAVEL_STANDING_SECONDS
        )
    return standing


async def astanding_get(user_id: int, stored: dict[str, str] | None = None) -> Standing | None:
    """The user's standing: `stored` (fields already read from Redis) or Redis's, else the
    database's (then stored); None when the user is gone."""
    if stored is None:
        stored = await engine.standing_aread(user_id)
    return Standing.from_fields(stored) or await astanding_fill(user_id)


def _forget(user_id: int) -> None:
    try:
        engine.standing_forget(user_id, settings.GAVEL_STANDING_SECONDS)
    except RedisError:
        # Redis is down: nothing reads the standing either, and a restarted Redis holds none.
        pass


def _user_changed(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    # A new user has no standing stored yet: nothing to drop.
    if instance.pk is not None and not created:
        user_id = instance.pk
        _forget(user_id)
        transaction.on_commit(lambda: _forget(user_id), robust=True)


def _device_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.user_id is not None:
        user_id = instance.user_id
        _forget(user_id)
        transaction.on_commit(lambda: _forget(user_id), robust=True)


def connect_signals() -> None:
    """Drop a user's standing whenever the user row is saved or deleted."""
    from django.db.models.signals import post_delete, post_save

    post_save.connect(_user_changed, sender=User, dispatch_uid="gavel-standing-save")
    post_delete.connect(_user_changed, sender=User, dispatch_uid="gavel-standing-delete")
    # A confirmed (or removed) authenticator changes what a staff session may do.
    for device_model in (model for model in apps.get_models() if issubclass(model, Device)):
        post_save.connect(_device_changed, sender=device_model, dispatch_uid="gavel-standing-otp")
        post_delete.connect(
            _device_changed, sender=device_model, dispatch_uid="gavel-standing-otp-del"
        )
