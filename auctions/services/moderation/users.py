"""Suspending and reinstating users, with a reason for the record and a notice to them."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from auctions import notifications
from auctions.services.moderation.checks import Actor, require_moderator
from core import inputs
from core.audit import AuditAction, audit_record
from core.errors import InvalidState, NotAllowed
from core.roles import is_moderator


def user_suspend(*, user: User, actor: Actor, reason: str) -> User:
    """Suspend a user: they can no longer bid or list; their standing bids stay unless voided."""
    actor = require_moderator(actor)
    reason = inputs.reason(reason)
    if user.pk == actor.pk:
        raise NotAllowed("You cannot suspend yourself.")
    if user.is_superuser:
        raise NotAllowed("A superuser cannot be suspended.")
    if is_moderator(user) and not actor.is_superuser:
        raise NotAllowed("Only a superuser can suspend a moderator.")
    model = type(user)
    with transaction.atomic():
        user = model.objects.select_for_update().get(pk=user.pk)
        if user.is_suspended:
            raise InvalidState("This user is already suspended.")
        user.is_suspended = True
        user.suspended_reason = reason
        user.suspended_at = timezone.now()
        user.save(update_fields=["is_suspended", "suspended_reason", "suspended_at"])
        audit_record(actor=actor, action=AuditAction.USER_SUSPEND, target=user, reason=reason)
        notifications.queue_user_suspended(user_id=user.pk, reason=reason)
    return user


def user_reinstate(*, user: User, actor: Actor, reason: str) -> User:
    """Lift a suspension, with a reason for the record."""
    actor = require_moderator(actor)
    reason = inputs.reason(reason)
    if user.pk == actor.pk:
        raise NotAllowed("You cannot reinstate yourself.")
    model = type(user)
    with transaction.atomic():
        user = model.objects.select_for_update().get(pk=user.pk)
        if not user.is_suspended:
            raise InvalidState("This user is not suspended.")
        user.is_suspended = False
        user.suspended_reason = ""
        user.suspended_at = None
        user.save(update_fields=["is_suspended", "suspended_reason", "suspended_at"])
        audit_record(actor=actor, action=AuditAction.USER_REINSTATE, target=user, reason=reason)
        notifications.queue_user_reinstated(user_id=user.pk)
    return user
