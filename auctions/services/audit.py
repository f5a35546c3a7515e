"""The audit trail: one append-only row per staff or system action."""

from typing import Any

from django.db import models

from accounts.models import User
from auctions.models import AuditLog


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditLog:
    """Append who (`actor`, None for the system) did `action` to `target`, why and when."""
    return AuditLog.objects.create(
        actor=actor,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        reason=reason,
        data=data or {},
    )
