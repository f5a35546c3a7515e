"""Registering for a sale and the house's decisions on it (docs/design.md §3 "Sales").

A bidder registers by accepting the sale's terms and gets a paddle number unique in the sale.
The sale's approval mode decides the rest: automatic (approved), automatic with the sale's
default credit limit, or manual (pending until the house approves or declines, with a reason,
audited). Each change is written to the engine's copy after it commits, so the bid script
decides "registered?" with no SQL query; a failed write there leaves the database right and
the engine's copy is rebuilt from it when it is missing.
"""

import logging
from collections.abc import Mapping

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from redis.exceptions import RedisError

from accounts.models import User
from auctions.engine import SaleStanding, standing_write
from core import inputs
from core.audit import AuditAction, audit_record
from core.errors import InvalidState, NotAllowed, NotFound, SellerCannotBid, Unavailable
from sales.models import Registration, Sale

log = logging.getLogger(__name__)

FIRST_PADDLE = 101


def standing(registration: Registration) -> SaleStanding:
    """What the bid script needs to know of a registration."""
    approved = registration.status == Registration.Status.APPROVED
    return SaleStanding(approved=approved, limit=registration.limit if approved else None)


def standings_of(sale_id: int) -> Mapping[int, SaleStanding]:
    """Every registration of the sale as the engine holds it (bidder id → standing)."""
    return {
        registration.bidder_id: standing(registration)
        for registration in Registration.objects.filter(sale_id=sale_id)
    }


def _publish(registration: Registration) -> None:
    def write() -> None:
        try:
            standing_write(
                sale_id=registration.sale_id,
                bidder_id=registration.bidder_id,
                standing=standing(registration),
            )
        except RedisError as error:
            log.error("registration %s not written to Redis: %s", registration.pk, error)
            raise Unavailable() from error

    transaction.on_commit(write)


def registration_create(*, sale: Sale, bidder: User) -> tuple[Registration, bool]:
    """Register `bidder` for a published `sale` (accepting its terms); (registration, created).

    Registering again returns the existing registration unchanged. Refused: the house itself
    (SELLER_CANNOT_BID), a suspended or inactive user (NOT_ALLOWED), a draft sale (NOT_FOUND).
    """
    if sale.house_id == bidder.pk:
        raise SellerCannotBid("The house cannot register for its own sale.")
    if not bidder.is_active or getattr(bidder, "is_suspended", False):
        raise NotAllowed()
    with transaction.atomic():
        # The sale row's lock serialises paddle numbers.
        locked = Sale.objects.select_for_update().filter(pk=sale.pk).first()
        if locked is None or locked.status != Sale.Status.PUBLISHED:
            raise NotFound("No such sale.")
        existing = Registration.objects.filter(sale=locked, bidder=bidder).first()
        if existing is not None:
            _publish(existing)  # a retry after a failed write to Redis
            return existing, False
        last = Registration.objects.filter(sale=locked).aggregate(m=Max("paddle"))["m"]
        status, limit = Registration.Status.APPROVED, None
        if locked.approval == Sale.Approval.MANUAL:
            status = Registration.Status.PENDING
        elif locked.approval == Sale.Approval.LIMIT:
            limit = locked.default_limit
        registration = Registration.objects.create(
            sale=locked,
            bidder=bidder,
            paddle=(last or FIRST_PADDLE - 1) + 1,
            status=status,
            limit=limit,
            terms_accepted_at=timezone.now(),
            decided_at=None if status == Registration.Status.PENDING else timezone.now(),
        )
        _publish(registration)
    return registration, True


def registration_decide(
    *,
    registration: Registration,
    actor: User,
    approve: bool,
    reason: str = "",
    limit: int | None = None,
) -> Registration:
    """Approve (optionally with a credit limit) or decline (with a reason) a registration;
    audited. Deciding again changes the decision (a house may revoke an approval)."""
    if not approve:
        reason = inputs.reason(reason)
    with transaction.atomic():
        row = Registration.objects.select_for_update().filter(pk=registration.pk).first()
        if row is None:
            raise InvalidState("No such registration.")
        row.status = Registration.Status.APPROVED if approve else Registration.Status.DECLINED
        row.limit = limit if approve else None
        row.reason = reason
        row.decided_at = timezone.now()
        row.save(update_fields=["status", "limit", "reason", "decided_at"])
        audit_record(
            actor=actor,
            action=AuditAction.REGISTRATION_APPROVE
            if approve
            else AuditAction.REGISTRATION_DECLINE,
            target=row,
            reason=reason,
            data={"sale": row.sale_id, "bidder": row.bidder_id, "limit": row.limit},
        )
        _publish(row)
    return row
