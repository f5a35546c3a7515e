"""Writing the engine's events into the system of record (the one path for bids and results).

`record` takes decoded records (in seq order) and writes, in the caller's transaction, each
`AuctionEvent` plus what it means: a `Bid` row, an auction's result, its cancellation, a void.
A fresh bid calls `record` before it is acknowledged; the reconciler calls `record_missing` for
whatever the stream holds that the table lacks.

The ledger is always a gapless prefix of the stream: both writers first write, in the same
transaction, every stream entry between the ledger's last seq and the first one they were given
(a bid applied in Redis whose process died before its own write, the worker down). Otherwise an
acknowledged entry would sit above a hole that a Redis loss makes permanent, and the state
reloaded from the ledger would contradict what its bidder was told.

What the rows imply beyond the engine (an order for a sale, the emails of the outbox) must
commit with them, yet belongs to the apps above, which the engine does not import: both writers
call `hooks.consequences`, in their transaction, with the events they wrote (registered once at
startup; see `hooks`). Announcing (broadcast, live notices) is not a consequence: whoever
records an event announces it after commit.
"""

import logging
import os

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from auctions.engine import hooks
from auctions.engine.clock import from_ms
from auctions.engine.connection import REDIS_OUTAGES
from auctions.engine.records import BidPlaced, BidVoided, Cancelled, Ended, Event
from auctions.engine.shapes import public_event
from auctions.engine.stream import stream_records
from auctions.models import Auction, AuctionEvent, Bid
from core.errors import Unavailable
from core.inputs import REASON_MAX, REQUEST_ID_MAX

log = logging.getLogger(__name__)

# Auction id -> the seq up to which this process committed the ledger gapless itself: the next
# bid that follows on needs no look at the table (the hot path stays free of SELECTs). Rows are
# never deleted, so it cannot go stale; bounded by clearing.
_gapless_to: dict[int, int] = {}
GAPLESS_MEMORY = 10_000


def stored_request_id(request_id: str, seq: int) -> str:
    """The request id stored for a bid whose own id an older bid holds: suffixed by its seq."""
    suffix = f"~{seq}"
    return request_id[: REQUEST_ID_MAX - len(suffix)] + suffix


def _request_id(auction: Auction, record: BidPlaced) -> str:
    """The request id to store: the bidder's own unless an older bid (its Redis record expired,
    GAVEL_REQUEST_ID_TTL) already holds it, then suffixed with the seq to stay unique."""
    taken = Bid.objects.filter(
        auction_id=auction.pk, bidder_id=record.bidder_id, request_id=record.request_id
    )
    if not taken.exists():
        return record.request_id
    return stored_request_id(record.request_id, record.seq)


def _apply(auction: Auction, record: Event, careful: bool = False) -> None:
    """Write the row(s) one event stands for.

    `careful` (the slow path) also copes with a request id reused after its record expired.
    """
    at = from_ms(record.at_ms)
    AuctionEvent.objects.create(
        auction_id=auction.pk,
        seq=record.seq,
        type=record.type,
        payload=public_event(auction.pk, record),
        created_at=at,
    )
    if isinstance(record, BidPlaced):
        Bid.objects.create(
            auction_id=auction.pk,
            bidder_id=record.bidder_id,
            seq=record.seq,
            kind=record.kind,
            amount=record.amount,
            max_amount=record.max_amount,
            price=record.price,
            leader_id=record.leader_id,
            placed_at=at,
            request_id=_request_id(auction, record) if careful else record.request_id,
        )
    elif isinstance(record, Ended):
        Auction.objects.filter(pk=auction.pk).exclude(status=Auction.Status.ENDED).update(
            status=Auction.Status.ENDED,
            winner_id=record.winner_id,
            final_price=record.final_price,
            reserve_met=record.reserve_met,
            settled_at=at,
            updated_at=timezone.now(),
        )
    elif isinstance(record, Cancelled):
        Auction.objects.filter(pk=auction.pk).update(
            status=Auction.Status.CANCELLED,
            cancel_reason=record.reason[:REASON_MAX],
            updated_at=timezone.now(),
        )
    elif isinstance(record, BidVoided):
        Bid.objects.filter(auction_id=auction.pk, seq=record.voided_seq, voided=False).update(
            voided=True, voided_at=at, void_reason=record.reason[:REASON_MAX]
        )


def _missing_before(auction: Auction, first_seq: int) -> list[Event]:
    """The stream entries between the ledger's last seq below `first_seq` and `first_seq`.

    Raises `Unavailable` when Redis cannot be read or no longer holds all of them (trimmed
    away): writing `first_seq` then would leave a hole under it.
    """
    if first_seq == 1 or _gapless_to.get(auction.pk) == first_seq - 1:
        return []
    last = (
        AuctionEvent.objects.filter(auction_id=auction.pk, seq__lt=first_seq)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    ) or 0
    if last == first_seq - 1:
        return []
    try:
        missing = [e for e in stream_records(auction, last) if e.seq < first_seq]
    except REDIS_OUTAGES as error:
        log.warning(
            "auction %s: reading the stream to fill the ledger failed: %s", auction.pk, error
        )
        raise Unavailable() from error
    if [e.seq for e in missing] != list(range(last + 1, first_seq)):
        log.error(
            "auction %s: the ledger ends at seq %s and the stream no longer holds every entry "
            "up to %s; refusing to write above a hole",
            auction.pk,
            last,
            first_seq,
        )
        raise Unavailable()
    return missing


def _exit_if_fault_hook(entries: list[Event]) -> None:
    """Tests' fault hook: with `GAVEL_FAULT_EXIT_BEFORE_LEDGER` set, the process dies at once
    (no cleanup) when it is about to record a bid whose request id starts with that value:
    applied in Redis, never in the ledger, like a process killed between script and ledger."""
    marker = settings.GAVEL_FAULT_EXIT_BEFORE_LEDGER
    if marker and any(
        isinstance(e, BidPlaced) and e.request_id.startswith(marker) for e in entries
    ):
        log.error("fault hook: exiting before the ledger write of request %s", marker)
        os._exit(1)


def record(auction: Auction, entries: list[Event]) -> list[Event]:
    """Write `entries`, after the stream entries the ledger lacks below them, and their
    consequences in one transaction; returns every entry written (the missing ones first).

    The fast path for a fresh bid: no existence check, the unique (auction, seq) constraints
    catch a racing writer (IntegrityError; the caller then uses `record_missing`). Raises
    `Unavailable` when the missing entries cannot be read from the stream.
    """
    _exit_if_fault_hook(entries)
    with transaction.atomic():
        written = _missing_before(auction, entries[0].seq) if entries else []
        for entry in written:
            _apply(auction, entry, careful=True)
        for entry in entries:
            _apply(auction, entry)
        written += entries
        hooks.consequences(auction, written)
        if written:
            last = written[-1].seq
            transaction.on_commit(lambda: _remember_gapless(auction.pk, last))
    return written


def _remember_gapless(auction_id: int, seq: int) -> None:
    if len(_gapless_to) >= GAPLESS_MEMORY:
        _gapless_to.clear()
    _gapless_to[auction_id] = max(seq, _gapless_to.get(auction_id, 0))


def record_missing(auction: Auction, entries: list[Event]) -> list[Event]:
    """Write those of `entries` the table lacks, after the stream entries it lacks below them,
    and their consequences, in one transaction, idempotently; returns the ones written.

    Raises `Unavailable` when the missing entries below cannot be read from the stream.
    """
    written: list[Event] = []
    with transaction.atomic():
        if entries:
            entries = _missing_before(auction, min(e.seq for e in entries)) + entries
        present = set(
            AuctionEvent.objects.filter(
                auction_id=auction.pk, seq__in=[entry.seq for entry in entries]
            ).values_list("seq", flat=True)
        )
        for entry in entries:
            if entry.seq in present:
                continue
            try:
                with transaction.atomic():
                    _apply(auction, entry, careful=True)
                written.append(entry)
            except IntegrityError:
                # Someone else (a bid or another reconciler) wrote it meanwhile.
                continue
        hooks.consequences(auction, written)
    return written
