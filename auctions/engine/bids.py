"""Placing a bid through the engine: one EVALSHA, the ledger write, and what was recorded.

`place` runs `place_bid.lua` (loading or refreshing the hot state when the script asks),
decodes its reply, commits the ledger rows before returning (acknowledged means durable) and
returns a `BidOutcome` with the records it wrote, for the caller to announce; `aplace` is its
twin for callers on the event loop. Refusals raise
the coded errors of `core.errors`; `Unavailable` means the outcome is unknown and a retry
with the same request id is safe.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError
from django.urls import reverse

from auctions.engine import hot_state, keys, ledger, offload, scripts
from auctions.engine.api import auction_state_get
from auctions.engine.clock import from_ms, to_ms
from auctions.engine.connection import REDIS_OUTAGES, get_aredis, get_redis
from auctions.engine.records import BidPlaced, Event, Extended, expect, unpack
from auctions.engine.state import AuctionState
from auctions.engine.stream import stream_records
from auctions.models import Auction, AuctionEvent, Bid
from core.errors import (
    ERRORS_BY_CODE,
    BidTooLow,
    GavelError,
    NotAllowed,
    NotRegistered,
    RateLimited,
    Unavailable,
)
from core.money import format_amount, parse_amount

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BidOutcome:
    """An acknowledged (durable) bid: its seq, the price and leader after it, the end, the
    state right after it, and the records this call wrote to the ledger (to announce)."""

    seq: int
    price: int
    leader_id: int | None
    leader_handle: str | None
    ends_at: datetime
    state: AuctionState
    recorded: tuple[Event, ...] = field(default=(), repr=False)


def count_attempt(user_id: int) -> None:
    """Count one bid attempt in the user's window; RATE_LIMITED beyond GAVEL_BID_RATE_LIMIT."""
    limit, window = settings.GAVEL_BID_RATE_LIMIT
    key = keys.rate_limit_key(user_id)
    try:
        pipe = get_redis().pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, window, nx=True)
        count, _ = pipe.execute()
    except REDIS_OUTAGES as error:
        raise Unavailable() from error
    if int(count) > limit:
        raise RateLimited()


async def acount_attempt(user_id: int) -> dict[str, str]:
    """`count_attempt` on the event loop, reading the bidder's stored standing in the same round
    trip (both keys share the user's hash tag): returns its fields, empty when none is stored."""
    limit, window = settings.GAVEL_BID_RATE_LIMIT
    try:
        pipe = get_aredis().pipeline(transaction=False)
        pipe.incr(keys.rate_limit_key(user_id))
        pipe.expire(keys.rate_limit_key(user_id), window, nx=True)
        pipe.hgetall(keys.standing_key(user_id))
        count, _, standing = await pipe.execute()
    except REDIS_OUTAGES as error:
        raise Unavailable() from error
    if int(count) > limit:
        raise RateLimited()
    return {_text(name): _text(value) for name, value in standing.items()}


def request_answered(*, auction: Auction, bidder_id: int, request_id: str) -> bool:
    """Whether Redis holds a first answer to this request (a retry then gets that answer)."""
    try:
        return bool(get_redis().exists(keys.request_key(auction, bidder_id, request_id)))
    except REDIS_OUTAGES as error:
        raise Unavailable() from error


async def arequest_answered(*, auction: Auction, bidder_id: int, request_id: str) -> bool:
    """`request_answered` on the event loop."""
    try:
        key = keys.request_key(auction, bidder_id, request_id)
        return bool(await get_aredis().exists(key))
    except REDIS_OUTAGES as error:
        raise Unavailable() from error


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _refusal(code: bytes | str, min_bid: bytes | str, auction: Auction) -> GavelError:
    code, min_bid = _text(code), _text(min_bid)
    if code == "NOT_REGISTERED":
        return NotRegistered(register_url=reverse("sales:register", args=[auction.sale_id]))
    if code == "BID_TOO_LOW":
        return BidTooLow(min_bid=format_amount(int(min_bid)))
    if code == "NOT_ALLOWED":
        return NotAllowed("Buy it now is no longer available.")
    return ERRORS_BY_CODE.get(code, Unavailable)()


@dataclass(frozen=True)
class _Call:
    """One bid as the script takes it."""

    auction: Auction
    bidder_id: int
    bidder_handle: str
    kind: str
    amount: int | None
    max_amount: int | None
    request_id: str


def _script_keys(call: _Call) -> list[str]:
    return keys.bid_script_keys(call.auction, call.bidder_id, call.request_id)


def _script_args(call: _Call) -> list[str | int]:
    auction = call.auction
    return [
        call.bidder_id,
        call.bidder_handle.replace("|", "*"),  # "|" separates packed stream fields
        call.kind,
        "" if call.amount is None else call.amount,
        "" if call.max_amount is None else call.max_amount,
        call.request_id,
        settings.GAVEL_REQUEST_ID_TTL,
        settings.GAVEL_EVENT_STREAM_MAXLEN,
        to_ms(auction.updated_at) if auction.updated_at else "",
    ]


def _run_script(call: _Call, repaired: list[Event]) -> list[Any]:
    """EVALSHA the bid script, loading or refreshing the hot state when it asks to."""
    auction = call.auction
    for _ in range(3):
        reply: list[Any] = scripts.run("place_bid", _script_keys(call), _script_args(call))
        if reply[0] == b"MISSING":
            repaired.extend(hot_state.load_repairing(auction)[1])
        elif reply[0] == b"STALE":
            hot_state.refresh(Auction.objects.get(pk=auction.pk))
        else:
            return reply
    raise Unavailable()


def _accepted_state(
    auction: Auction, bid: BidPlaced, ext: Extended | None, meta: list[bytes]
) -> AuctionState:
    """The state right after this bid, from the script's own reply (no second read)."""
    leader_max, has_reserve, bought = (_text(m) for m in meta)
    return AuctionState(
        auction_id=auction.pk,
        status="ended" if bought == "1" else "active",
        price=bid.price,
        min_bid=bid.min_bid,
        bid_count=bid.bid_count,
        leader_id=bid.leader_id,
        leader_handle=bid.leader_handle,
        leader_max=int(leader_max),
        ends_at=from_ms((ext or bid).ends_ms),
        has_reserve=has_reserve == "1",
        reserve_met=bid.reserve_met,
        buy_now_price=bid.buy_now_price,
        seq=(ext or bid).seq,
        now=from_ms(bid.at_ms),
    )


def _write_ledger(auction: Auction, bid: BidPlaced, entries: list[Event]) -> list[Event]:
    """Commit the accepted entries; a racing reconciler may have written them already.

    Returns the entries this call wrote. If their seqs hold someone else's events, Redis was
    reset after this bid and handed the same seqs out again: the hot state is dropped (it
    reloads from the ledger) and the outcome is UNAVAILABLE, never "accepted" for a bid the
    ledger does not hold.
    """
    try:
        try:
            return ledger.record(auction, entries)
        except IntegrityError:
            written = ledger.record_missing(auction, entries)
            if not _stored_as_ours(auction, bid, entries):
                _drop_hot_state(auction, bid)
                raise Unavailable() from None
            return written
    except DatabaseError as error:
        log.warning("ledger write for auction %s failed: %s", auction.pk, error)
        raise Unavailable() from error


def _stored_as_ours(auction: Auction, bid: BidPlaced, entries: list[Event]) -> bool:
    """True when the ledger holds these very entries (not other events at the same seqs)."""
    types = dict(
        AuctionEvent.objects.filter(
            auction_id=auction.pk, seq__in=[entry.seq for entry in entries]
        ).values_list("seq", "type")
    )
    if any(types.get(entry.seq) != entry.type for entry in entries):
        return False
    return Bid.objects.filter(
        auction_id=auction.pk,
        seq=bid.seq,
        bidder_id=bid.bidder_id,
        request_id__in=[bid.request_id, ledger.stored_request_id(bid.request_id, bid.seq)],
    ).exists()


def _drop_hot_state(auction: Auction, bid: BidPlaced) -> None:
    """Forget the auction's hot state and this request's answer: the ledger is the truth."""
    log.error(
        "auction %s: seq %s of an accepted bid is another event in the ledger (Redis was "
        "reset meanwhile); dropping the hot state",
        auction.pk,
        bid.seq,
    )
    request = keys.request_key(auction, bid.bidder_id, bid.request_id)
    try:
        get_redis().delete(*keys.auction_keys(auction), request)
    except REDIS_OUTAGES as error:
        log.warning("dropping the hot state of auction %s failed: %s", auction.pk, error)


def _replayed(auction: Auction, bid_seq: int, detail: str, repaired: list[Event]) -> BidOutcome:
    """The first answer to a repeated, accepted request: make sure it is durable, then say so."""
    ext_seq, _, leader = detail.partition(":")
    last_seq = max(bid_seq, int(ext_seq or 0))
    stored = dict(
        AuctionEvent.objects.filter(auction_id=auction.pk, seq__in=[bid_seq, last_seq]).values_list(
            "seq", "payload"
        )
    )
    if bid_seq in stored and last_seq in stored:
        price = parse_amount(stored[bid_seq]["price"])
        leader_handle = stored[bid_seq]["leader"]
        ends_at = datetime.fromisoformat(stored[last_seq]["ends_at"])
    else:
        entries = [e for e in stream_records(auction, bid_seq - 1) if e.seq <= last_seq]
        first = entries[0] if entries else None
        if not isinstance(first, BidPlaced) or first.seq != bid_seq:
            raise Unavailable()
        repaired.extend(ledger.record_missing(auction, entries))
        price, leader_handle = first.price, first.leader_handle
        last = entries[-1]
        if last.seq != last_seq or not isinstance(last, BidPlaced | Extended):
            raise Unavailable()
        ends_at = from_ms(last.ends_ms)
    return BidOutcome(
        seq=bid_seq,
        price=price,
        leader_id=int(leader) if leader else None,
        leader_handle=leader_handle,
        ends_at=ends_at,
        state=auction_state_get(auction=auction),
        recorded=tuple(repaired),
    )


def place(
    *,
    auction: Auction,
    bidder_id: int,
    bidder_handle: str,
    kind: str,
    amount: int | None,
    max_amount: int | None,
    request_id: str,
) -> BidOutcome:
    """Apply one bid (`kind` "bid" or "buy_now") in Redis and commit it to the ledger.

    Raises the refusal's `GavelError` (nothing changed), or `Unavailable` (outcome unknown).
    """
    call = _Call(auction, bidder_id, bidder_handle, kind, amount, max_amount, request_id)
    repaired: list[Event] = []
    try:
        reply = _run_script(call, repaired)
        if reply[0] == b"DUP":
            return _repeated(auction, reply, repaired)
        bid, ext = _accepted(auction, reply)
    except REDIS_OUTAGES as error:
        log.warning("bid on auction %s: Redis failed: %s", auction.pk, error)
        raise Unavailable() from error
    except DatabaseError as error:
        # Loading the hot state, or confirming a repeated request, needs the database.
        log.warning("bid on auction %s: database failed: %s", auction.pk, error)
        raise Unavailable() from error
    written = _write_ledger(auction, bid, [bid, ext] if ext else [bid])
    return _outcome(auction, bid, ext, reply, repaired + written)


async def aplace(
    *,
    auction: Auction,
    bidder_id: int,
    bidder_handle: str,
    kind: str,
    amount: int | None,
    max_amount: int | None,
    request_id: str,
) -> BidOutcome:
    """`place` for a caller on the event loop: the script through the loop's asyncio client, a
    refusal decoded without leaving the loop, and only an accepted bid's ledger transaction on
    a ledger thread (`offload`).

    The rare replies that need the database first (the hot state missing or stale, a repeated
    request to confirm) applied nothing, so the blocking `place` runs the call again off the loop.
    """
    call = _Call(auction, bidder_id, bidder_handle, kind, amount, max_amount, request_id)
    try:
        reply: list[Any] = await scripts.arun("place_bid", _script_keys(call), _script_args(call))
        if reply[0] in (b"MISSING", b"STALE", b"DUP"):
            return await offload.run(
                auction.pk,
                place,
                auction=auction,
                bidder_id=bidder_id,
                bidder_handle=bidder_handle,
                kind=kind,
                amount=amount,
                max_amount=max_amount,
                request_id=request_id,
            )
        bid, ext = _accepted(auction, reply)
    except REDIS_OUTAGES as error:
        log.warning("bid on auction %s: Redis failed: %s", auction.pk, error)
        raise Unavailable() from error
    entries: list[Event] = [bid, ext] if ext else [bid]
    written = await offload.run(auction.pk, _write_ledger, auction, bid, entries)
    return _outcome(auction, bid, ext, reply, written)


def _accepted(auction: Auction, reply: list[Any]) -> tuple[BidPlaced, Extended | None]:
    """The records of an accepted bid's reply; raises the refusal of an `ERR` reply."""
    if reply[0] == b"ERR":
        raise _refusal(reply[1], reply[2], auction)
    bid = expect(unpack(reply[1]), BidPlaced)
    ext = expect(unpack(reply[2]), Extended) if reply[2] else None
    return bid, ext


def _repeated(auction: Auction, reply: list[Any], repaired: list[Event]) -> BidOutcome:
    """The first answer to a repeated request: its refusal again, or its acceptance."""
    if reply[1] == b"ERR":
        raise _refusal(reply[2], reply[3], auction)
    return _replayed(auction, int(reply[2]), _text(reply[3]), repaired)


def _outcome(
    auction: Auction,
    bid: BidPlaced,
    ext: Extended | None,
    reply: list[Any],
    recorded: list[Event],
) -> BidOutcome:
    state = _accepted_state(auction, bid, ext, reply[3:6])
    return BidOutcome(
        seq=bid.seq,
        price=state.price,
        leader_id=state.leader_id,
        leader_handle=state.leader_handle,
        ends_at=state.ends_at,
        state=state,
        recorded=tuple(recorded),
    )
