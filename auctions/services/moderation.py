"""Staff moderation and the seller's workflow: approve, reject, cancel, void, suspend, report,
relist.

Each service checks who may act and validates the reason before anything changes, then changes
state in one transaction and appends an audit row. Cancelling and voiding go through the engine
(`auctions.services.lifecycle`), which recomputes the live state, emits the event, audits and
notifies bidders; this layer adds the permission and reason checks in front of it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from redis.exceptions import RedisError

from auctions import engine, inputs
from auctions.errors import (
    AuctionHasBids,
    GavelError,
    HasBids,
    InvalidReason,
    InvalidState,
    NotAllowed,
    Unavailable,
)
from auctions.inputs import REASON_MAX as REASON_MAX_LENGTH
from auctions.models import Auction, AuditLog, Bid, Report
from auctions.roles import is_moderator
from auctions.services.audit import audit_record
from auctions.services.lifecycle import auction_cancel, auction_refresh, bid_void

logger = logging.getLogger(__name__)

ENGINE_UNAVAILABLE = "The auction engine did not answer; check the auction, then retry if needed."

# Statuses after which an auction's result (or its cancellation) is final.
FINAL_STATUSES = (Auction.Status.ENDED, Auction.Status.CANCELLED)


# --- checks -------------------------------------------------------------------------------------


def _acting(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and not getattr(user, "is_suspended", False)
    )


def _require_moderator(actor) -> None:
    if not (_acting(actor) and is_moderator(actor)):
        raise NotAllowed("Only a moderator can do this.")


def _locked(auction: Auction) -> Auction:
    """Re-read the auction under a row lock, so two moderators cannot act on a stale copy."""
    return Auction.objects.select_for_update().get(pk=auction.pk)


def _notify(user, subject: str, body: str) -> None:
    """Email `user` once the current transaction commits (nothing is sent for a rollback)."""
    if not user.email:
        return
    transaction.on_commit(lambda: send_mail(subject, body, None, [user.email], fail_silently=True))


def engine_refresh(auction: Auction) -> list[str]:
    """Make the engine agree with a listing just saved; call it inside the saving transaction.

    Now, under the row lock: the saved prices and times go into the hot state unless someone
    has bid (decided atomically in Redis, where bids are ordered). If someone has (a bid landed
    between the admin form's render and its save), those fields are put back in the row to the
    values the bids were placed under, and their names are returned. After commit: the status
    and stamp go into the hot state (else an approved listing would stay "pending" in Redis).
    """
    kept = _params_guard(auction)

    def run():
        try:
            auction_refresh(auction=auction)
        except GavelError:
            # The next load from the database corrects it; the change itself is committed.
            logger.warning("Could not refresh the hot state of auction %s", auction.pk)

    transaction.on_commit(run)
    return kept


def _params_guard(auction: Auction) -> list[str]:
    """Sync the saved parameters into the engine, or put them back once someone has bid.

    The row lock orders this against other writers of the row (moderators, a second admin
    tab); bids never take it, so against bids Redis decides (`hot_state.sync_params`).
    """
    with transaction.atomic():
        row = _locked(auction)
        try:
            changes = engine.sync_params(row)
            if changes is None:
                if Bid.objects.filter(auction_id=row.pk, voided=False).exists():
                    # No hot state to compare with and the row already holds this edit: the
                    # values bids were placed under are gone (Redis lost its data meanwhile).
                    logger.error("Auction %s edited after bids with no hot state", row.pk)
                    return []
                engine.hot_state_load(row)
                changes = engine.sync_params(row) or {}
        except (RedisError, DatabaseError) as error:
            # Bids need Redis too; the next load from the database reads this row.
            logger.warning("Could not sync the parameters of auction %s: %s", row.pk, error)
            return []
        if not changes:
            return []
        Auction.objects.filter(pk=row.pk).update(**changes)
        for field, value in changes.items():
            setattr(auction, field, value)
        logger.warning(
            "Auction %s: edit of %s after the first bid ignored", row.pk, ", ".join(sorted(changes))
        )
        return sorted(changes)


# --- listings -----------------------------------------------------------------------------------


def listing_approve(*, auction: Auction, actor, reason: str = "") -> Auction:
    """Publish a pending listing (status → scheduled); the seller is told by email."""
    _require_moderator(actor)
    reason = inputs.reason(reason, required=False)
    with transaction.atomic():
        auction = _locked(auction)
        if auction.status != Auction.Status.PENDING:
            raise InvalidState(
                f"Only a pending listing can be approved; this one is "
                f"{auction.get_status_display().lower()}."
            )
        if auction.ends_at <= timezone.now():
            raise InvalidState("Its end has already passed; the seller must reschedule it.")
        auction.status = Auction.Status.SCHEDULED
        auction.moderation_reason = ""
        auction.save(update_fields=["status", "moderation_reason", "updated_at"])
        audit_record(actor=actor, action="listing.approve", target=auction, reason=reason)
        _notify(
            auction.seller,
            f"Your listing “{auction.title}” was approved",
            f"Your listing “{auction.title}” is published and opens at {auction.starts_at:%Y-%m-%d %H:%M} UTC.",
        )
        engine_refresh(auction)
    return auction


def listing_reject(*, auction: Auction, actor, reason: str) -> Auction:
    """Reject a pending listing with a reason the seller sees in the admin and by email."""
    _require_moderator(actor)
    reason = inputs.reason(reason)
    with transaction.atomic():
        auction = _locked(auction)
        if auction.status != Auction.Status.PENDING:
            raise InvalidState(
                f"Only a pending listing can be rejected; this one is "
                f"{auction.get_status_display().lower()}."
            )
        auction.status = Auction.Status.REJECTED
        auction.moderation_reason = reason
        auction.save(update_fields=["status", "moderation_reason", "updated_at"])
        audit_record(actor=actor, action="listing.reject", target=auction, reason=reason)
        engine_refresh(auction)
        _notify(
            auction.seller,
            f"Your listing “{auction.title}” was not approved",
            f"A moderator rejected your listing “{auction.title}”:\n\n{reason}\n\n"
            "You can edit it in the admin and it will be reviewed again.",
        )
    return auction


def listing_resubmit(*, auction: Auction, actor) -> Auction:
    """A seller's edit of a rejected listing sends it back to the queue (status → pending)."""
    with transaction.atomic():
        auction = _locked(auction)
        if auction.status != Auction.Status.REJECTED:
            return auction
        auction.status = (
            Auction.Status.PENDING if settings.GAVEL_LISTING_APPROVAL else Auction.Status.SCHEDULED
        )
        auction.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action="listing.resubmit", target=auction)
        engine_refresh(auction)
    return auction


# --- cancel and void (through the engine) ------------------------------------------------------


def _cancel_checks(auction: Auction) -> None:
    if auction.status == Auction.Status.CANCELLED:
        raise InvalidState("This auction is already cancelled.")
    if auction.status == Auction.Status.ENDED:
        raise InvalidState("This auction has ended and its result is final.")


def _engine_cancel(
    *, auction: Auction, actor, reason: str, only_without_bids: bool = False
) -> Auction:
    try:
        auction_cancel(
            auction=auction, actor=actor, reason=reason, only_without_bids=only_without_bids
        )
    except Unavailable as error:
        raise Unavailable(ENGINE_UNAVAILABLE) from error
    except AuctionHasBids as error:
        raise HasBids() from error
    except GavelError as error:
        raise InvalidState(error.message) from error
    auction.refresh_from_db()
    return auction


def auction_cancel_by_staff(*, auction: Auction, actor, reason: str) -> Auction:
    """A moderator cancels any auction that is not final: live `cancelled` event, no winner."""
    _require_moderator(actor)
    reason = inputs.reason(reason)
    auction.refresh_from_db()
    _cancel_checks(auction)
    auction = _engine_cancel(auction=auction, actor=actor, reason=reason)
    for report in Report.objects.filter(auction=auction, resolved_at__isnull=True):
        # The cancellation answers the reports: they leave the queue, on the record.
        report_resolve(
            report=report, actor=actor, reason=f"Auction cancelled: {reason}"[:REASON_MAX_LENGTH]
        )
    return auction


def auction_cancel_by_seller(*, auction: Auction, actor, reason: str) -> Auction:
    """The seller cancels their own auction, only while nobody has bid on it (else HAS_BIDS).

    The engine's cancel script itself refuses once the live state holds a bid, so a bid racing
    this call is either refused AUCTION_NOT_OPEN (the cancel ran first) or makes it refuse.
    """
    if not (
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.pk == auction.seller_id
    ):
        raise NotAllowed("Only the seller can cancel their own auction.")
    reason = inputs.reason(reason)
    auction.refresh_from_db()
    _cancel_checks(auction)
    if Bid.objects.filter(auction=auction).exists():
        # Voided bids count too (the live state no longer does): someone did bid.
        raise HasBids()
    return _engine_cancel(auction=auction, actor=actor, reason=reason, only_without_bids=True)


def bid_void_by_staff(*, bid: Bid, actor, reason: str) -> Bid:
    """A moderator voids a bid; the engine replays the ledger without it and tells everyone."""
    _require_moderator(actor)
    reason = inputs.reason(reason)
    bid.refresh_from_db()
    if bid.voided:
        raise InvalidState("This bid is already voided.")
    auction = Auction.objects.get(pk=bid.auction_id)
    if auction.status in FINAL_STATUSES:
        raise InvalidState(
            f"This auction is {auction.get_status_display().lower()}; its bids are final."
        )
    try:
        bid_void(bid=bid, actor=actor, reason=reason)
    except Unavailable as error:
        raise Unavailable(ENGINE_UNAVAILABLE) from error
    except GavelError as error:
        raise InvalidState(error.message) from error
    bid.refresh_from_db()
    return bid


# --- users --------------------------------------------------------------------------------------


def user_suspend(*, user, actor, reason: str):
    """Suspend a user: they can no longer bid or list; their standing bids stay unless voided."""
    _require_moderator(actor)
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
        audit_record(actor=actor, action="user.suspend", target=user, reason=reason)
        _notify(
            user,
            "Your Gavel account is suspended",
            f"Your account is suspended: you cannot bid or list until it is reinstated.\n\n"
            f"Reason: {reason}",
        )
    return user


def user_reinstate(*, user, actor, reason: str):
    """Lift a suspension, with a reason for the record."""
    _require_moderator(actor)
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
        audit_record(actor=actor, action="user.reinstate", target=user, reason=reason)
        _notify(
            user,
            "Your Gavel account is reinstated",
            "Your account is active again: you can bid and list.",
        )
    return user


# --- reports ------------------------------------------------------------------------------------


def auction_report(*, auction: Auction, reporter, reason: str, details: str = "") -> Report:
    """A bidder reports a public auction with a reason from `Report.Reason`; one open report each."""
    if not _acting(reporter):
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


def report_resolve(*, report: Report, actor, reason: str = "") -> Report:
    """A moderator closes a report (after acting on the auction, or finding nothing wrong)."""
    _require_moderator(actor)
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
            action="report.resolve",
            target=report,
            reason=reason,
            data={"auction_id": report.auction_id, "report_reason": report.reason},
        )
    return report


# --- relist -------------------------------------------------------------------------------------


def auction_relist(
    *,
    auction: Auction,
    actor,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> Auction:
    """Copy an unsold (or reserve-not-met) ended auction into a new one with new times.

    By default the copy starts now and lasts as long as the original. It goes through approval
    like any new listing. An auction is relisted at most once.
    """
    if not _acting(actor):
        raise NotAllowed("A suspended user cannot list.")
    if not (actor.pk == auction.seller_id or actor.is_superuser):
        raise NotAllowed("Only the seller can relist their auction.")
    auction.refresh_from_db()
    _relist_checks(auction)
    duration = auction.ends_at - auction.starts_at
    starts_at = starts_at or timezone.now()
    ends_at = ends_at or starts_at + duration
    if ends_at <= timezone.now():
        raise InvalidState("The new end must be in the future.")
    hard_close_at = None
    if auction.hard_close_at is not None:
        hard_close_at = ends_at + (auction.hard_close_at - auction.ends_at)
    copy = Auction(
        seller_id=auction.seller_id,
        title=auction.title,
        description=auction.description,
        category_id=auction.category_id,
        image=auction.image.name if auction.image else "",
        starting_price=auction.starting_price,
        reserve_price=auction.reserve_price,
        buy_now_price=auction.buy_now_price,
        increment=auction.increment,
        starts_at=starts_at,
        ends_at=ends_at,
        extension_window=auction.extension_window,
        hard_close_at=hard_close_at,
        status=(
            Auction.Status.PENDING if settings.GAVEL_LISTING_APPROVAL else Auction.Status.SCHEDULED
        ),
    )
    try:
        copy.full_clean(exclude=["image"])
    except ValidationError as error:
        raise InvalidState(" ".join(error.messages)) from error
    with transaction.atomic():
        _relist_checks(_locked(auction))
        copy.save()
        audit_record(
            actor=actor,
            action="auction.relist",
            target=auction,
            data={"new_auction_id": copy.pk},
        )
    return copy


def _relist_checks(auction: Auction) -> None:
    if auction.status != Auction.Status.ENDED or auction.winner_id is not None:
        raise InvalidState("Only an ended auction that did not sell can be relisted.")
    previous = AuditLog.objects.filter(
        action="auction.relist", target_type=auction._meta.label_lower, target_id=str(auction.pk)
    ).first()
    if previous is not None:
        raise InvalidState(
            f"This auction was already relisted as #{previous.data.get('new_auction_id')}."
        )
