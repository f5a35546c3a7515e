"""Bidders report auctions; moderators resolve the reports."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from auctions.models import Auction, Report
from auctions.services.moderation.checks import Actor, acting, require_moderator
from core import inputs
from core.audit import AuditAction, audit_record
from core.errors import InvalidReason, InvalidState, NotAllowed


def auction_report(*, auction: Auction, reporter: Actor, reason: str, details: str = "") -> Report:
    """A bidder reports a public auction with a reason from `Report.Reason`; one open report each."""
    if not acting(reporter):
        raise NotAllowed("Log in with an active account to report an auction.")
    if reporter.pk == auction.seller_id:
        raise NotAllowed("You cannot report your own auction.")
    if reason not in Report.Reason.values:
        raise InvalidReason("Choose one of the listed reasons.")
    details = inputs.reason(details, required=reason == Report.Reason.OTHER)
    if auction.status not in (
        Auction.Status.SCHEDULED,
        Auction.Status.ENDED,
        Auction.Status.CANCELLED,
    ):
        raise InvalidState("This auction is not public.")
    if Report.objects.filter(auction=auction, reporter=reporter, resolved_at__isnull=True).exists():
        raise InvalidState("You have already reported this auction; a moderator will look at it.")
    try:
        with transaction.atomic():
            return Report.objects.create(
                auction=auction, reporter=reporter, reason=reason, details=details
            )
    except IntegrityError:
        raise InvalidState(
            "You have already reported this auction; a moderator will look at it."
        ) from None


def report_resolve(*, report: Report, actor: Actor, reason: str = "") -> Report:
    """A moderator closes a report (after acting on the auction, or finding nothing wrong)."""
    actor = require_moderator(actor)
    reason = inputs.reason(reason, required=False)
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.resolved_at is not None:
            raise InvalidState("This report is already resolved.")
        report.resolved_at = timezone.now()
        report.resolved_by = actor
        report.save(update_fields=["resolved_at", "resolved_by"])
        audit_record(
            actor=actor,
            action=AuditAction.REPORT_RESOLVE,
            target=report,
            reason=reason,
            data={"auction_id": report.auction_id, "report_reason": report.reason},
        )
    return report
