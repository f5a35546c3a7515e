"""An auction's life after bidding: settling at the end, cancelling, voiding a bid.

Each decides atomically in Redis (a Lua script against Redis TIME, assigning the event's seq)
and then writes the system of record through the same ledger path the reconciler uses, so a
crash in between is repaired by `run_worker`. Settling twice, or after a crash, changes nothing.
"""

import logging

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone
from redis.exceptions import RedisError

from accounts.models import mask_username
from auctions.engine import hot_state, keys, ledger, rules, scripts
from auctions.engine.api import auction_state_get, hot_seq, redis_now_ms, stream_entries
from auctions.errors import AuctionEnded, AuctionNotOpen, NotAllowed, Unavailable
from auctions.models import Auction, AuctionEvent, Bid
from auctions.services.audit import audit_record

log = logging.getLogger(__name__)

REASON_MAX = 500


def _lifecycle(auction: Auction, action: str, reason: str = "", *, no_bids: bool = False) -> list:
    args = [
        action,
        settings.GAVEL_EVENT_STREAM_MAXLEN,
        reason,
        settings.GAVEL_HOT_STATE_TTL_AFTER_END,
        "1" if no_bids else "",
    ]
    script_keys = [
        keys.state_key(auction.pk),
        keys.events_key(auction.pk),
        keys.ceilings_key(auction.pk),
    ]
    reply = scripts.run("lifecycle", script_keys, args)
    if reply[0] == b"MISSING":
        hot_state.load(auction)
        reply = scripts.run("lifecycle", script_keys, args)
    return reply


def reconcile_auction(auction: Auction) -> int:
    """Write every event the auction's stream holds that its `AuctionEvent` rows lack.

    Returns how many were written. Idempotent; safe beside a concurrent `bid_place`.
    """
    last = hot_seq(auction.pk)
    if last is None:
        return 0
    stored = AuctionEvent.objects.filter(auction_id=auction.pk).order_by("-seq").first()
    after = stored.seq if stored else 0
    if after >= last:
        return 0
    # Gaps below the last stored seq (a failed write before a later success) are rare; read
    # the whole retained stream then, not just its tail.
    have = AuctionEvent.objects.filter(auction_id=auction.pk).count()
    start = 0 if have != after else after
    entries = stream_entries(auction.pk, start)
    return ledger.record_missing(auction, entries) if entries else 0


def auction_settle(*, auction: Auction) -> bool:
    """Close an auction whose end has passed: result, `ended` event, notices. True if settled now.

    The close is decided in Redis against its TIME, so a racing bid is either in the result or
    refused AUCTION_ENDED. Calling it again (or for an auction not yet due) returns False.
    """
    try:
        reply = _lifecycle(auction, "close")
        outcome = reply[0]
        if outcome == b"OK":
            entries = [ledger.decode(reply[1])]
            # Bids the ledger may lack (a crash mid-write) must precede the result.
            reconcile_auction(auction)
        elif outcome == b"DONE":
            # Closed before; make sure the result reached the database (crash after close).
            reconcile_auction(auction)
            return False
        else:
            return False
    except RedisError as error:
        log.warning("settling auction %s: Redis failed: %s", auction.pk, error)
        raise Unavailable() from error
    try:
        ledger.record_missing(auction, entries)
    except DatabaseError as error:
        log.warning("settling auction %s: database failed: %s", auction.pk, error)
        raise Unavailable() from error
    return True


def _clean_reason(reason) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise NotAllowed("Give a reason.")
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise NotAllowed(f"The reason is longer than {REASON_MAX} characters.")
    return reason


class AuctionHasBids(NotAllowed):
    """A cancel allowed only before the first bid found a bid (code NOT_ALLOWED)."""

    message = "Someone has bid on this auction; only a moderator can cancel it now."


def auction_cancel(
    *, auction: Auction, actor, reason: str, only_without_bids: bool = False
) -> None:
    """Cancel an auction with no winner: `cancelled` event, audit row, bidders emailed.

    Refuses AUCTION_ENDED once the end has passed (or it is settled) and AUCTION_NOT_OPEN when
    it is already cancelled. With `only_without_bids` (the seller's cancel) it raises
    `AuctionHasBids` when the live state holds a bid, decided in the same script as the cancel,
    so a racing bid is either refused (cancelled first) or makes the cancel refuse. Other
    permission checks are the caller's.
    """
    reason = _clean_reason(reason)
    try:
        reply = _lifecycle(auction, "cancel", reason, no_bids=only_without_bids)
    except RedisError as error:
        raise Unavailable() from error
    if reply[0] == b"REFUSED":
        code = reply[1].decode()
        if code == "AUCTION_ENDED":
            raise AuctionEnded("This auction has already ended.")
        if code == "HAS_BIDS":
            raise AuctionHasBids()
        raise AuctionNotOpen("This auction is already cancelled.")
    raw = ledger.decode(reply[1])
    try:
        with transaction.atomic():
            ledger.record_missing(auction, [raw])
            audit_record(
                actor=actor,
                action="auction.cancel",
                target=auction,
                reason=reason,
                data={"seq": int(raw["seq"])},
            )
    except DatabaseError as error:
        raise Unavailable() from error
    auction.status = Auction.Status.CANCELLED
    auction.cancel_reason = reason


def bid_void(*, bid: Bid, actor, reason: str) -> None:
    """Void a bid: replay the ledger without it into the hot state, `bid_voided` event, audit.

    Refused (AUCTION_ENDED / AUCTION_NOT_OPEN) once the auction is settled or cancelled, and
    NOT_ALLOWED for a bid already voided. Other bids racing the void make it retry.
    """
    reason = _clean_reason(reason)
    auction = bid.auction
    for _ in range(20):
        try:
            state = auction_state_get(auction=auction)
            seq = state.seq
            reconcile_auction(auction)
        except RedisError as error:
            raise Unavailable() from error
        if hot_status(auction.pk) in ("ended", "cancelled") or auction_is_settled(auction):
            raise AuctionEnded("This auction is closed; its bids can no longer be voided.")
        try:
            with transaction.atomic():
                row = Bid.objects.select_for_update().get(pk=bid.pk)
                if row.voided:
                    raise NotAllowed("This bid is already voided.")
                row.voided = True
                row.voided_at = timezone.now()
                row.void_reason = reason
                row.save(update_fields=["voided", "voided_at", "void_reason"])
                fresh = Auction.objects.get(pk=auction.pk)
                replayed = rules.replay(hot_state.params_of(fresh), hot_state.ledger_of(fresh.pk))
                event = _voided_fields(fresh, row, replayed, reason)
                new_seq = hot_state.rebuild(
                    fresh,
                    expected_seq=seq,
                    status=hot_status(fresh.pk) or fresh.status,
                    event=event,
                )
                if new_seq is None:
                    raise _Retry()
                event["seq"] = str(new_seq)
                ledger.record_missing(fresh, [event])
                audit_record(
                    actor=actor,
                    action="bid.void",
                    target=row,
                    reason=reason,
                    data={"auction": fresh.pk, "seq": row.seq, "event_seq": new_seq},
                )
        except _Retry:
            continue
        except RedisError as error:
            raise Unavailable() from error
        except DatabaseError as error:
            raise Unavailable() from error
        bid.voided = True
        return
    raise Unavailable()


class _Retry(Exception):
    """The hot state moved while a void was being computed: compute again."""


def hot_status(auction_id: int) -> str | None:
    """The stored status held in the hot state ("ended" once closed), or None."""
    from auctions.engine.connection import get_redis

    value = get_redis().hget(keys.state_key(auction_id), "st")
    return value.decode() if value is not None else None


def auction_is_settled(auction: Auction) -> bool:
    return Auction.objects.filter(pk=auction.pk, settled_at__isnull=False).exists()


def _voided_fields(auction: Auction, row: Bid, state: rules.State, reason: str) -> dict:
    """The raw `bid_voided` stream entry (the script adds the seq)."""
    from accounts.models import User

    handle = ""
    if state.leader is not None:
        name = User.objects.filter(pk=state.leader).values_list("username", flat=True).first()
        handle = mask_username(name or "")
    params = hot_state.params_of(auction)
    return {
        "t": "bid_voided",
        "vs": str(row.seq),
        "b": str(row.bidder_id),
        "reason": reason,
        "p": str(state.price),
        "l": "" if state.leader is None else str(state.leader),
        "lh": handle,
        "n": str(state.bid_count),
        "mb": str(state.min_bid),
        "rm": "1" if state.reserve_met else "0",
        "e": str(state.ends_at),
        "bn": str(params.buy_now_price) if state.buy_now_available else "",
        "at": str(redis_now_ms()),
    }


def auction_refresh(*, auction: Auction) -> None:
    """Tell the engine a listing's parameters changed (approval, rescheduling, edits).

    Bids also notice by themselves (the row's `updated_at` is newer than the hot state), so
    this only makes reads right at once.
    """
    try:
        hot_state.refresh(auction)
    except RedisError as error:
        raise Unavailable() from error
