"""The public and private event shapes (docs/design.md §4): one `TypedDict` per event type.

A public event is what the API history, the WebSocket and the `AuctionEvent` table share:
money as "12.50" strings, times as ISO-8601 UTC, bidders masked, never anyone's maximum.
`public_event` builds one from the engine's decoded record; the private builders make the
per-user `outbid` / `won` events and the ephemeral `viewers` count. The engine's ledger stores
public events, so the shapes live in the engine (which loads nothing above it); the surfaces
reach them through `auctions.events`.
"""

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal, TypedDict, cast

from core.money import format_amount

if TYPE_CHECKING:
    from auctions.engine.records import BidPlaced, BidVoided, Cancelled, Ended, Event, Extended


class BidEvent(TypedDict):
    """`bid`: an accepted bid and the auction's public state after it.

    `automatic` says the leader's maximum answered the bid at once: the history then shows two
    lines with this seq, the bidder's own `amount`, then the `leader`'s automatic bid at `price`.
    `amount` is null when a leader only raised their (never shown) maximum.
    """

    type: Literal["bid"]
    seq: int
    auction_id: int
    price: str
    amount: str | None
    automatic: bool
    bidder: str
    placed_at: str
    bid_count: int
    min_bid: str
    leader: str | None
    reserve_met: bool
    ends_at: str
    buy_now_price: str | None


class ExtendedEvent(TypedDict):
    """`extended`: soft close moved the end."""

    type: Literal["extended"]
    seq: int
    auction_id: int
    ends_at: str


class EndedEvent(TypedDict):
    """`ended`: the result (winner null below reserve or without bids)."""

    type: Literal["ended"]
    seq: int
    auction_id: int
    winner: str | None
    final_price: str | None
    reserve_met: bool


class CancelledEvent(TypedDict):
    """`cancelled`: the auction was cancelled. The reason is not public: it stays in the audit
    log (and the lot's `cancel_reason`); the seller reads it in their notice."""

    type: Literal["cancelled"]
    seq: int
    auction_id: int


class BidVoidedEvent(TypedDict):
    """`bid_voided`: staff voided the bid `voided_seq`; the state after it."""

    type: Literal["bid_voided"]
    seq: int
    auction_id: int
    voided_seq: int
    price: str
    leader: str | None
    bid_count: int
    min_bid: str
    reserve_met: bool
    ends_at: str
    buy_now_price: str | None


class OutbidEvent(TypedDict):
    """Private `outbid`: you are no longer the leader."""

    type: Literal["outbid"]
    auction_id: int
    title: str
    price: str
    min_bid: str


class WonEvent(TypedDict):
    """Private `won`: you won the auction."""

    type: Literal["won"]
    auction_id: int
    title: str
    final_price: str


class ViewersEvent(TypedDict):
    """Ephemeral `viewers`: how many watch the auction now (no seq)."""

    type: Literal["viewers"]
    auction_id: int
    count: int


PublicEvent = BidEvent | ExtendedEvent | EndedEvent | CancelledEvent | BidVoidedEvent

# The TypedDict of each durable event type (the shape tests walk it).
PUBLIC_SHAPES: dict[str, type] = {
    "bid": BidEvent,
    "extended": ExtendedEvent,
    "ended": EndedEvent,
    "cancelled": CancelledEvent,
    "bid_voided": BidVoidedEvent,
}


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso_ms(value: str | int) -> str:
    """Milliseconds since the epoch as an ISO-8601 UTC string."""
    moment = _EPOCH + timedelta(milliseconds=int(value))
    return moment.isoformat().replace("+00:00", "Z")


def _money(value: int | None) -> str | None:
    return None if value is None else format_amount(value)


def answered_by_leader(
    *, kind: str, bidder_id: int, leader_id: int | None, amount: int | None
) -> bool:
    """Whether a bid was answered at once by the leader's maximum: a plain bid (not buy it now,
    not a leader's raise) after which someone else leads. Its price is then the leader's."""
    return kind == "bid" and amount is not None and leader_id not in (None, bidder_id)


def _bid(auction_id: int, record: "BidPlaced") -> BidEvent:
    return {
        "type": "bid",
        "seq": record.seq,
        "auction_id": auction_id,
        "price": format_amount(record.price),
        "amount": _money(record.amount),
        "automatic": answered_by_leader(
            kind=record.kind,
            bidder_id=record.bidder_id,
            leader_id=record.leader_id,
            amount=record.amount,
        ),
        "bidder": record.bidder_handle,
        "placed_at": iso_ms(record.at_ms),
        "bid_count": record.bid_count,
        "min_bid": format_amount(record.min_bid),
        "leader": record.leader_handle,
        "reserve_met": record.reserve_met,
        "ends_at": iso_ms(record.ends_ms),
        "buy_now_price": _money(record.buy_now_price),
    }


def _voided(auction_id: int, record: "BidVoided") -> BidVoidedEvent:
    return {
        "type": "bid_voided",
        "seq": record.seq,
        "auction_id": auction_id,
        "voided_seq": record.voided_seq,
        "price": format_amount(record.price),
        "leader": record.leader_handle,
        "bid_count": record.bid_count,
        "min_bid": format_amount(record.min_bid),
        "reserve_met": record.reserve_met,
        "ends_at": iso_ms(record.ends_ms),
        "buy_now_price": _money(record.buy_now_price),
    }


def _extended(auction_id: int, record: "Extended") -> ExtendedEvent:
    return {
        "type": "extended",
        "seq": record.seq,
        "auction_id": auction_id,
        "ends_at": iso_ms(record.ends_ms),
    }


def _ended(auction_id: int, record: "Ended") -> EndedEvent:
    return {
        "type": "ended",
        "seq": record.seq,
        "auction_id": auction_id,
        "winner": record.winner_handle if record.winner_id is not None else None,
        "final_price": _money(record.final_price),
        "reserve_met": record.reserve_met,
    }


def _cancelled(auction_id: int, record: "Cancelled") -> CancelledEvent:
    return {
        "type": "cancelled",
        "seq": record.seq,
        "auction_id": auction_id,
    }


def public_event(auction_id: int, record: "Event") -> PublicEvent:
    """The public dict of one engine record (dispatched on its `type`)."""
    auction_id = int(auction_id)
    if record.type == "bid":
        return _bid(auction_id, cast("BidPlaced", record))
    if record.type == "extended":
        return _extended(auction_id, cast("Extended", record))
    if record.type == "ended":
        return _ended(auction_id, cast("Ended", record))
    if record.type == "cancelled":
        return _cancelled(auction_id, cast("Cancelled", record))
    return _voided(auction_id, cast("BidVoided", record))


def outbid_event(*, auction_id: int, title: str, price: int, min_bid: int) -> OutbidEvent:
    """Private: you are no longer the leader."""
    return {
        "type": "outbid",
        "auction_id": int(auction_id),
        "title": title,
        "price": format_amount(price),
        "min_bid": format_amount(min_bid),
    }


def won_event(*, auction_id: int, title: str, final_price: int) -> WonEvent:
    """Private: you won the auction."""
    return {
        "type": "won",
        "auction_id": int(auction_id),
        "title": title,
        "final_price": format_amount(final_price),
    }


def viewers_event(*, auction_id: int, count: int) -> ViewersEvent:
    """Ephemeral: how many are watching the auction now (no seq)."""
    return {"type": "viewers", "auction_id": int(auction_id), "count": int(count)}
