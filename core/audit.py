"""The audit trail: one append-only row per staff or system action."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models

from core.models import AuditAction, AuditLog

__all__ = ["AuditAction", "audit_record"]


def audit_record(
    *,
    actor: AbstractBaseUser | None,
    action: AuditAction,
    target: models.Model,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditLog:
    """Append who (`actor`, None for the system) did `action` to `target`, why and when."""
    return AuditLog.objects.create(
        # By id: the kernel knows the user model only as Django's base class.
        actor_id=actor.pk if actor is not None else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        reason=reason,
        data=data or {},
    )
