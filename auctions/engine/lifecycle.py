"""An auction's life after bidding, through the engine: close, cancel, void, reconcile.

Each decides atomically in Redis (a Lua script against Redis TIME, assigning the event's seq)
and then writes the system of record through the same ledger path the reconciler uses, so a
crash in between is repaired by the worker. Each returns the records it wrote to the ledger,
for the caller to announce after commit; none broadcasts or mails anything itself.
"""

import logging
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.utils import timezone
from redis.exceptions import RedisError

from auctions.engine import hot_state, keys, ledger, rules, scripts
from auctions.engine.api import auction_state_get, hot_seq, redis_now_ms
from auctions.engine.connection import get_redis
from auctions.engine.records import BidVoided, Cancelled, Event, Recorded, decode, expect
from auctions.engine.stream import stream_records
from auctions.models import Auction, AuctionEvent, Bid
from core.errors import AuctionEnded, AuctionNotOpen, HasBids, NotAllowed, Unavailable
from core.handles import mask_username

log = logging.getLogger(__name__)

VOID_ATTEMPTS = 20


def _lifecycle(
    auction: Auction, action: str, reason: str = "", *, no_bids: bool = False
) -> list[Any]:
    args: list[str | int] = [
        action,
        settings.GAVEL_EVENT_STREAM_MAXLEN,
        reason,
        settings.GAVEL_HOT_STATE_TTL_AFTER_END,
        "1" if no_bids else "",
    ]
    script_keys = [
        keys.state_key(auction),
        keys.events_key(auction),
        keys.ceilings_key(auction),
    ]
    reply: list[Any] = scripts.run("lifecycle", script_keys, args)
    if reply[0] == b"MISSING":
        hot_state.load(auction)
        reply = scripts.run("lifecycle", script_keys, args)
    return reply


def reconcile(auction: Auction) -> list[Event]:
    """Write every event the auction's stream holds that its `AuctionEvent` rows lack.

    Returns the records written. Idempotent; safe beside a concurrent bid.
    """
    last = hot_seq(auction)
    if last is None:
        return []
    stored = AuctionEvent.objects.filter(auction_id=auction.pk).order_by("-seq").first()
    after = stored.seq if stored else 0
    if after >= last:
        return []
    # Gaps below the last stored seq (a failed write before a later success) are rare; read
    # the whole retained stream then, not just its tail.
    have = AuctionEvent.objects.filter(auction_id=auction.pk).count()
    start = 0 if have != after else after
    entries = stream_records(auction, start)
    return ledger.record_missing(auction, entries) if entries else []


def close(auction: Auction) -> Recorded:
    """Close an auction whose end has passed (`applied` when this call closed it).

    The close is decided in Redis against its TIME, so a racing bid is either in the result or
    refused AUCTION_ENDED. Calling it again (or for an auction not yet due) does not apply,
    after making sure a result decided before reached the database.
    """
    try:
        reply = _lifecycle(auction, "close")
        outcome = reply[0]
        if outcome == b"OK":
            ended = decode(reply[1])
            # Bids the ledger may lack (a crash mid-write) must precede the result.
            written = reconcile(auction)
        elif outcome == b"DONE":
            # Closed before; make sure the result reached the database (crash after close).
            return Recorded(tuple(reconcile(auction)), applied=False)
        else:
            return Recorded(applied=False)
    except RedisError as error:
        log.warning("settling auction %s: Redis failed: %s", auction.pk, error)
        raise Unavailable() from error
    except DatabaseError as error:
        log.warning("settling auction %s: database failed: %s", auction.pk, error)
        raise Unavailable() from error
    try:
        return Recorded(tuple(written + ledger.record_missing(auction, [ended])))
    except DatabaseError as error:
        log.warning("settling auction %s: database failed: %s", auction.pk, error)
        raise Unavailable() from error


def cancel(
    *, auction: Auction, reason: str, only_without_bids: bool = False, then: Callable[[int], None]
) -> Recorded:
    """Cancel an auction with no winner: the `cancelled` record, written with `then(seq)` in
    one transaction (the caller's audit row).

    Refuses AUCTION_ENDED once the end has passed (or it is settled) and AUCTION_NOT_OPEN when
    it is already cancelled. With `only_without_bids` it raises `HasBids` when the live
    state holds a bid, decided in the same script as the cancel, so a racing bid is either
    refused (cancelled first) or makes the cancel refuse.
    """
    try:
        reply = _lifecycle(auction, "cancel", reason, no_bids=only_without_bids)
    except RedisError as error:
        raise Unavailable() from error
    if reply[0] == b"REFUSED":
        code = reply[1].decode()
        if code == "AUCTION_ENDED":
            raise AuctionEnded("This auction has already ended.")
        if code == "HAS_BIDS":
            raise HasBids()
        raise AuctionNotOpen("This auction is already cancelled.")
    cancelled = expect(decode(reply[1]), Cancelled)
    try:
        with transaction.atomic():
            written = ledger.record_missing(auction, [cancelled])
            then(cancelled.seq)
    except DatabaseError as error:
        raise Unavailable() from error
    return Recorded(tuple(written))


class _Retry(Exception):
    """The hot state moved while a void was being computed: compute again."""


def hot_status(auction: Auction) -> str | None:
    """The stored status held in the hot state ("ended" once closed), or None."""
    value = cast("bytes | None", get_redis().hget(keys.state_key(auction), "st"))
    return value.decode() if value is not None else None


def _is_settled(auction: Auction) -> bool:
    return Auction.objects.filter(pk=auction.pk, settled_at__isnull=False).exists()


def _voided_record(auction: Auction, row: Bid, state: rules.State, reason: str) -> BidVoided:
    """The `bid_voided` record (its seq is assigned by the load script)."""
    handle = ""
    if state.leader is not None:
        name = (
            get_user_model()
            .objects.filter(pk=state.leader)
            .values_list("username", flat=True)
            .first()
        )
        handle = mask_username(name or "")
    params = hot_state.params_of(auction)
    return BidVoided(
        seq=0,
        voided_seq=row.seq,
        bidder_id=row.bidder_id,
        reason=reason,
        price=state.price,
        leader_id=state.leader,
        leader_handle=handle or None,
        bid_count=state.bid_count,
        min_bid=state.min_bid,
        reserve_met=state.reserve_met,
        ends_ms=state.ends_at,
        buy_now_price=params.buy_now_price if state.buy_now_available else None,
        at_ms=redis_now_ms(),
    )


def void(*, bid: Bid, reason: str, then: Callable[[Bid, int], None]) -> Recorded:
    """Void a bid: replay the ledger without it into the hot state, the `bid_voided` record,
    and `then(row, event_seq)` (the caller's audit row) in one transaction.

    Records the bids the ledger lacked, then the void. Refused
    (AUCTION_ENDED) once the auction is settled or cancelled, and NOT_ALLOWED for a bid already
    voided. Other bids racing the void make it retry.
    """
    auction = bid.auction
    repaired: list[Event] = []
    for _ in range(VOID_ATTEMPTS):
        try:
            seq = auction_state_get(auction=auction).seq
            repaired += reconcile(auction)
        except RedisError as error:
            raise Unavailable() from error
        if hot_status(auction) in ("ended", "cancelled") or _is_settled(auction):
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
                record = _voided_record(fresh, row, replayed, reason)
                new_seq = hot_state.rebuild(
                    fresh,
                    expected_seq=seq,
                    status=hot_status(fresh) or fresh.status,
                    event=record,
                )
                if new_seq is None:
                    raise _Retry()
                record = BidVoided(**{**record.__dict__, "seq": new_seq})
                written = ledger.record_missing(fresh, [record])
                then(row, new_seq)
        except _Retry:
            continue
        except (RedisError, DatabaseError) as error:
            raise Unavailable() from error
        bid.voided = True
        return Recorded(tuple(repaired + written))
    raise Unavailable()


def refresh(auction: Auction) -> None:
    """Tell the engine a listing's parameters changed (approval, rescheduling, edits)."""
    try:
        hot_state.refresh(auction)
    except RedisError as error:
        raise Unavailable() from error
