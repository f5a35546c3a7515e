"""Placing bids and buying now: the one write path every bid takes (form, API, WebSocket).

One EVALSHA applies the bid atomically in Redis (`place_bid.lua`); the ledger row is then
committed before the caller hears "accepted" (acknowledged means durable). Refusals are coded
`BidError`s; `Unavailable` means the outcome is unknown and a retry with the same request_id is
safe (it returns the first answer and applies nothing twice).
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, IntegrityError
from redis.exceptions import RedisError

from auctions.engine import hot_state, keys, ledger, scripts
from auctions.engine.api import auction_state_get, stream_entries
from auctions.engine.clock import from_ms, to_ms
from auctions.engine.connection import get_redis
from auctions.engine.state import AuctionState
from auctions.errors import (
    ERRORS_BY_CODE,
    BidError,
    BidTooLow,
    InvalidAmount,
    NotAllowed,
    RateLimited,
    SellerCannotBid,
    Unavailable,
)
from auctions.events import public_event
from auctions.models import Auction, AuctionEvent, Bid
from auctions.money import format_amount, parse_amount

log = logging.getLogger(__name__)

REQUEST_ID_MAX = 64


@dataclass(frozen=True)
class BidAccepted:
    """An acknowledged (durable) bid: its seq, the price and leader after it, the end."""

    seq: int
    price: int
    leader_id: int | None
    leader_handle: str | None
    ends_at: datetime
    state: AuctionState


def _clean_amount(value) -> int | None:
    """None, or positive integer minor units within the site maximum (else INVALID_AMOUNT)."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 < value <= settings.GAVEL_MAX_AMOUNT:
            return value
        raise InvalidAmount()
    return parse_amount(value)


def _clean_request_id(request_id) -> str:
    if request_id is None or request_id == "":
        return uuid.uuid4().hex
    if not isinstance(request_id, str) or len(request_id) > REQUEST_ID_MAX:
        raise InvalidAmount(f"The request id must be text of at most {REQUEST_ID_MAX} characters.")
    return request_id


def _check_bidder(auction: Auction, user) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotAllowed("Log in to bid.")
    if not user.is_active or getattr(user, "is_suspended", False):
        raise NotAllowed("Your account may not bid.")
    if user.pk == auction.seller_id:
        raise SellerCannotBid()


def _rate_limit(user_id: int) -> None:
    """Count one attempt in the user's window; refuse beyond GAVEL_BID_RATE_LIMIT."""
    limit, window = settings.GAVEL_BID_RATE_LIMIT
    key = keys.rate_limit_key(user_id)
    pipe = get_redis().pipeline(transaction=False)
    pipe.incr(key)
    pipe.expire(key, window, nx=True)
    count, _ = pipe.execute()
    if int(count) > limit:
        raise RateLimited()


def _refusal(code: bytes | str, min_bid: bytes | str) -> BidError:
    code = code.decode() if isinstance(code, bytes) else code
    min_bid = min_bid.decode() if isinstance(min_bid, bytes) else min_bid
    if code == "BID_TOO_LOW":
        return BidTooLow(min_bid=format_amount(int(min_bid)))
    if code == "NOT_ALLOWED":
        return NotAllowed("Buy it now is no longer available.")
    return ERRORS_BY_CODE.get(code, Unavailable)()


def _run_script(auction: Auction, user, kind: str, amount, max_amount, request_id: str) -> list:
    """EVALSHA the bid script, loading or refreshing the hot state when it asks to."""
    script_keys = keys.auction_keys(auction.pk) + [
        keys.request_key(auction.pk, user.pk, request_id)
    ]
    args = [
        user.pk,
        user.public_handle.replace("|", "*"),  # "|" separates packed stream fields
        kind,
        "" if amount is None else amount,
        "" if max_amount is None else max_amount,
        request_id,
        settings.GAVEL_REQUEST_ID_TTL,
        settings.GAVEL_EVENT_STREAM_MAXLEN,
        to_ms(auction.updated_at) if auction.updated_at else "",
    ]
    for _ in range(3):
        reply = scripts.run("place_bid", script_keys, args)
        if reply[0] == b"MISSING":
            hot_state.load(auction)
        elif reply[0] == b"STALE":
            hot_state.refresh(Auction.objects.get(pk=auction.pk))
        else:
            return reply
    raise Unavailable()


def _accepted_state(auction: Auction, bid: dict, ext: dict, meta: list) -> AuctionState:
    """The state right after this bid, from the script's own reply (no second read)."""
    leader_max, has_reserve, bought = (m.decode() for m in meta)
    ends = int((ext or bid)["e"])
    return AuctionState(
        auction_id=auction.pk,
        status="ended" if bought == "1" else "active",
        price=int(bid["p"]),
        min_bid=int(bid["mb"]),
        bid_count=int(bid["n"]),
        leader_id=int(bid["l"]),
        leader_handle=bid["lh"] or None,
        leader_max=int(leader_max),
        ends_at=from_ms(ends),
        has_reserve=has_reserve == "1",
        reserve_met=bid["rm"] == "1",
        buy_now_price=int(bid["bn"]) if bid["bn"] else None,
        seq=int((ext or bid)["seq"]),
        now=from_ms(bid["at"]),
    )


def _write_ledger(auction: Auction, entries: list[dict]) -> None:
    """Commit the accepted entries; a racing reconciler may have written them already.

    If their seqs hold someone else's events, Redis was reset after this bid and handed the
    same seqs out again: the hot state is dropped (it reloads from the ledger) and the outcome
    is UNAVAILABLE, never "accepted" for a bid the ledger does not hold.
    """
    try:
        try:
            ledger.record(auction, entries)
        except IntegrityError:
            ledger.record_missing(auction, entries)
            if not _stored_as_ours(auction, entries):
                _drop_hot_state(auction, entries[0])
                raise Unavailable() from None
    except DatabaseError as error:
        log.warning("ledger write for auction %s failed: %s", auction.pk, error)
        raise Unavailable() from error


def _stored_as_ours(auction: Auction, entries: list[dict]) -> bool:
    """True when the ledger holds these very entries (not other events at the same seqs)."""
    seqs = [int(entry["seq"]) for entry in entries]
    types = dict(
        AuctionEvent.objects.filter(auction_id=auction.pk, seq__in=seqs).values_list("seq", "type")
    )
    if any(types.get(int(entry["seq"])) != entry["t"] for entry in entries):
        return False
    seq, request_id = int(entries[0]["seq"]), entries[0]["r"]
    suffix = f"~{seq}"  # ledger._request_id's form when the request id was taken before
    return Bid.objects.filter(
        auction_id=auction.pk,
        seq=seq,
        bidder_id=int(entries[0]["b"]),
        request_id__in=[request_id, request_id[: REQUEST_ID_MAX - len(suffix)] + suffix],
    ).exists()


def _drop_hot_state(auction: Auction, bid: dict) -> None:
    """Forget the auction's hot state and this request's answer: the ledger is the truth."""
    log.error(
        "auction %s: seq %s of an accepted bid is another event in the ledger (Redis was "
        "reset meanwhile); dropping the hot state",
        auction.pk,
        bid["seq"],
    )
    request = keys.request_key(auction.pk, int(bid["b"]), bid["r"])
    try:
        get_redis().delete(*keys.auction_keys(auction.pk), request)
    except RedisError as error:
        log.warning("dropping the hot state of auction %s failed: %s", auction.pk, error)


def _replayed(auction: Auction, bid_seq: int, detail: str) -> BidAccepted:
    """The first answer to a repeated, accepted request: make sure it is durable, then say so."""
    ext_seq, _, leader = detail.partition(":")
    last_seq = max(bid_seq, int(ext_seq or 0))
    events = dict(
        AuctionEvent.objects.filter(auction_id=auction.pk, seq__in=[bid_seq, last_seq]).values_list(
            "seq", "payload"
        )
    )
    if bid_seq not in events or last_seq not in events:
        entries = [e for e in stream_entries(auction.pk, bid_seq - 1) if int(e["seq"]) <= last_seq]
        if not entries or int(entries[0]["seq"]) != bid_seq:
            raise Unavailable()
        ledger.record_missing(auction, entries)
        events = {int(e["seq"]): public_event(auction.pk, e) for e in entries}
    state = auction_state_get(auction=auction)
    payload = events[bid_seq]
    return BidAccepted(
        seq=bid_seq,
        price=parse_amount(payload["price"]),
        leader_id=int(leader) if leader else None,
        leader_handle=payload["leader"],
        ends_at=datetime.fromisoformat(events[last_seq]["ends_at"]),
        state=state,
    )


def _submit(*, auction: Auction, user, kind: str, amount, max_amount, request_id) -> BidAccepted:
    try:
        reply = _run_script(auction, user, kind, amount, max_amount, request_id)
        outcome = reply[0]
        if outcome == b"ERR":
            raise _refusal(reply[1], reply[2])
        if outcome == b"DUP":
            if reply[1] == b"ERR":
                raise _refusal(reply[2], reply[3])
            return _replayed(auction, int(reply[2]), reply[3].decode())
        bid = ledger.unpack(reply[1])
        ext = ledger.unpack(reply[2]) if reply[2] else {}
    except RedisError as error:
        log.warning("bid on auction %s: Redis failed: %s", auction.pk, error)
        raise Unavailable() from error
    except DatabaseError as error:
        # Loading the hot state, or confirming a repeated request, needs the database.
        log.warning("bid on auction %s: database failed: %s", auction.pk, error)
        raise Unavailable() from error
    _write_ledger(auction, [bid, ext] if ext else [bid])
    state = _accepted_state(auction, bid, ext, reply[3:6])
    return BidAccepted(
        seq=int(bid["seq"]),
        price=state.price,
        leader_id=state.leader_id,
        leader_handle=state.leader_handle,
        ends_at=state.ends_at,
        state=state,
    )


def bid_place(
    *, auction: Auction, bidder, amount: int | None, max_amount: int | None = None, request_id: str
) -> BidAccepted:
    """Place a bid (or, for the leader, raise their maximum) and return it once durable.

    `amount` / `max_amount` are minor units (strings are parsed like form input). Raises a
    `BidError`: INVALID_AMOUNT, NOT_ALLOWED (anonymous, inactive, suspended), SELLER_CANNOT_BID,
    RATE_LIMITED, AUCTION_NOT_OPEN, AUCTION_ENDED, BID_TOO_LOW (with min_bid), UNAVAILABLE.
    """
    amount, max_amount = _clean_amount(amount), _clean_amount(max_amount)
    if amount is None and max_amount is None:
        raise InvalidAmount("Enter an amount.")
    if amount is not None and max_amount is not None and max_amount < amount:
        raise InvalidAmount("Your maximum must be at least your bid.")
    request_id = _clean_request_id(request_id)
    _check_bidder(auction, bidder)
    try:
        _rate_limit(bidder.pk)
    except RedisError as error:
        raise Unavailable() from error
    return _submit(
        auction=auction,
        user=bidder,
        kind="bid",
        amount=amount,
        max_amount=max_amount,
        request_id=request_id,
    )


def buy_now(*, auction: Auction, buyer, request_id: str) -> BidAccepted:
    """Buy at the buy-it-now price: a durable bid that ends the auction at once (then settled)."""
    from auctions.services.lifecycle import auction_settle

    request_id = _clean_request_id(request_id)
    _check_bidder(auction, buyer)
    try:
        _rate_limit(buyer.pk)
    except RedisError as error:
        raise Unavailable() from error
    accepted = _submit(
        auction=auction,
        user=buyer,
        kind="buy_now",
        amount=None,
        max_amount=None,
        request_id=request_id,
    )
    try:
        auction_settle(auction=auction)
        state = auction_state_get(auction=auction)
    except BidError:
        # The worker settles it; the purchase itself is durable already.
        return accepted
    return BidAccepted(
        seq=accepted.seq,
        price=accepted.price,
        leader_id=accepted.leader_id,
        leader_handle=accepted.leader_handle,
        ends_at=state.ends_at,
        state=state,
    )
