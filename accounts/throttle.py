"""Login throttling's audit trail: one audit entry per lockout of an account at an address,
or of an address.

django-axes counts failed logins per (account, address) pair and per address (settings:
`AXES_*`; never per account alone, so nobody can lock another out of their own address) and
refuses a locked-out attempt before any password is hashed. Each refused attempt re-signals
the lockout; this module writes the audit entry only for the first one in a cool-off period,
so a flood adds no database write per request.
"""

from axes.helpers import (
    get_cache,
    get_cache_timeout,
    get_client_parameters,
    get_failure_limit,
    make_cache_key_list,
)
from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.dispatch import receiver

from core.models import AuditAction, AuditLog


def locked_parameters(request, username: str | None, ip_address: str) -> list[tuple[dict, str]]:
    """Which of the lockout parameters ((account, address), address) are over the limit, with
    their keys."""
    credentials = getattr(request, "axes_credentials", None) or {"username": username}
    user_agent = getattr(request, "axes_user_agent", "")
    parameters = get_client_parameters(username, ip_address, user_agent, request, credentials)
    keys = make_cache_key_list(parameters)
    cache = get_cache()
    limit = get_failure_limit(request, credentials)
    return [
        (parameter, key)
        for parameter, key in zip(parameters, keys, strict=True)
        if (cache.get(key) or 0) >= limit
    ]


@receiver(user_locked_out, dispatch_uid="gavel-audit-lockout")
def audit_lockout(sender, request, username=None, ip_address=None, **kwargs):
    """Audit a lockout the first time it happens in its cool-off period."""
    cache = get_cache()
    timeout = get_cache_timeout(request)
    new = [
        parameter
        for parameter, key in locked_parameters(request, username, ip_address)
        if cache.add(f"audited:{key}", True, timeout=timeout)
    ]
    if not new:
        return
    user = get_user_model().objects.filter(username=username).first() if username else None
    AuditLog.objects.create(
        actor=None,
        action=AuditAction.LOGIN_LOCKOUT,
        target_type="accounts.user",
        target_id=str(user.pk) if user else "",
        target_repr=(username or "")[:200],
        reason="Too many failed logins",
        data={"username": username or "", "ip_address": ip_address, "locked": new},
    )
