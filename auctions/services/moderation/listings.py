"""Listings under moderation: approve, reject, resubmit, relist, and keeping the engine in step
with an edited listing (`engine_refresh`)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from redis.exceptions import RedisError

from accounts.models import User
from auctions import engine, notifications
from auctions.models import Auction, Bid
from auctions.services.lifecycle import auction_refresh
from auctions.services.moderation.checks import Actor, acting, locked, require_moderator
from core import inputs
from core.audit import AuditAction, audit_record
from core.errors import GavelError, InvalidState, NotAllowed
from core.models import AuditLog

logger = logging.getLogger(__name__)


def engine_refresh(auction: Auction) -> list[str]:
    """Make the engine agree with a listing just saved; call it inside the saving transaction.

    Now, under the row lock: the saved prices and times go into the hot state unless someone
    has bid (decided atomically in Redis, where bids are ordered). If someone has (a bid landed
    between the admin form's render and its save), those fields are put back in the row to the
    values the bids were placed under, and their names are returned. After commit: the status
    and stamp go into the hot state (else an approved listing would stay "pending" in Redis).
    """
    kept = _params_guard(auction)

    def run() -> None:
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
        row = locked(auction)
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


def listing_approve(*, auction: Auction, actor: Actor, reason: str = "") -> Auction:
    """Publish a pending listing (status → scheduled); the seller is told by email."""
    actor = require_moderator(actor)
    reason = inputs.reason(reason, required=False)
    with transaction.atomic():
        auction = locked(auction)
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
        audit_record(actor=actor, action=AuditAction.LISTING_APPROVE, target=auction, reason=reason)
        notifications.queue_listing_approved(auction=auction)
        engine_refresh(auction)
    return auction


def listing_reject(*, auction: Auction, actor: Actor, reason: str) -> Auction:
    """Reject a pending listing with a reason the seller sees in the admin and by email."""
    actor = require_moderator(actor)
    reason = inputs.reason(reason)
    with transaction.atomic():
        auction = locked(auction)
        if auction.status != Auction.Status.PENDING:
            raise InvalidState(
                f"Only a pending listing can be rejected; this one is "
                f"{auction.get_status_display().lower()}."
            )
        auction.status = Auction.Status.REJECTED
        auction.moderation_reason = reason
        auction.save(update_fields=["status", "moderation_reason", "updated_at"])
        audit_record(actor=actor, action=AuditAction.LISTING_REJECT, target=auction, reason=reason)
        engine_refresh(auction)
        notifications.queue_listing_rejected(auction=auction, reason=reason)
    return auction


def listing_resubmit(*, auction: Auction, actor: User) -> Auction:
    """A seller's edit of a rejected listing sends it back to the queue (status → pending)."""
    with transaction.atomic():
        auction = locked(auction)
        if auction.status != Auction.Status.REJECTED:
            return auction
        auction.status = (
            Auction.Status.PENDING if settings.GAVEL_LISTING_APPROVAL else Auction.Status.SCHEDULED
        )
        auction.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action=AuditAction.LISTING_RESUBMIT, target=auction)
        engine_refresh(auction)
    return auction


def auction_relist(
    *,
    auction: Auction,
    actor: Actor,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> Auction:
    """Copy an unsold (or reserve-not-met) ended auction into a new one with new times.

    By default the copy starts now and lasts as long as the original. It goes through approval
    like any new listing. An auction is relisted at most once.
    """
    if not acting(actor):
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
        _relist_checks(locked(auction))
        copy.save()
        audit_record(
            actor=actor,
            action=AuditAction.AUCTION_RELIST,
            target=auction,
            data={"new_auction_id": copy.pk},
        )
    return copy


def _relist_checks(auction: Auction) -> None:
    if auction.status != Auction.Status.ENDED or auction.winner_id is not None:
        raise InvalidState("Only an ended auction that did not sell can be relisted.")
    previous = AuditLog.objects.filter(
        action=AuditAction.AUCTION_RELIST,
        target_type=auction._meta.label_lower,
        target_id=str(auction.pk),
    ).first()
    if previous is not None:
        raise InvalidState(
            f"This auction was already relisted as #{previous.data.get('new_auction_id')}."
        )
