"""The engine's durable events as named, frozen dataclasses, and the one table of their fields.

The Lua scripts write each event into the auction's stream under short field codes ("mb",
"lh"…): `place_bid.lua` packs a `bid` and an `extended` entry into one "|"-joined field,
`lifecycle.lua` writes `ended` and `cancelled` as field/value lists, and the void builds its
`bid_voided` entry in Python. `FIELDS` maps every code to its dataclass attribute; `decode`
and `encode` are the only readers and writers of those codes outside the scripts.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, ClassVar, TypeVar

# --- the records ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BidPlaced:
    """An accepted bid (or buy-it-now) and the auction's public state right after it."""

    type: ClassVar[str] = "bid"
    seq: int
    at_ms: int
    bidder_id: int
    bidder_handle: str
    kind: str  # "bid" | "buy_now"
    amount: int | None
    max_amount: int | None
    price: int
    bid_count: int
    min_bid: int
    leader_id: int | None
    leader_handle: str | None
    reserve_met: bool
    ends_ms: int
    buy_now_price: int | None
    previous_leader_id: int | None
    request_id: str


@dataclass(frozen=True)
class Extended:
    """A bid inside the soft-close window moved the end."""

    type: ClassVar[str] = "extended"
    seq: int
    ends_ms: int
    at_ms: int


@dataclass(frozen=True)
class Ended:
    """The auction closed: its winner (None below reserve or without bids) and final price."""

    type: ClassVar[str] = "ended"
    seq: int
    winner_id: int | None
    winner_handle: str | None
    final_price: int | None
    reserve_met: bool
    at_ms: int
    ends_ms: int


@dataclass(frozen=True)
class Cancelled:
    """The auction was cancelled with a reason; it has no winner."""

    type: ClassVar[str] = "cancelled"
    seq: int
    reason: str
    at_ms: int


@dataclass(frozen=True)
class BidVoided:
    """Staff voided the bid `voided_seq`; the state after replaying the ledger without it."""

    type: ClassVar[str] = "bid_voided"
    seq: int
    voided_seq: int
    bidder_id: int | None
    reason: str
    price: int
    leader_id: int | None
    leader_handle: str | None
    bid_count: int
    min_bid: int
    reserve_met: bool
    ends_ms: int
    buy_now_price: int | None
    at_ms: int


Event = BidPlaced | Extended | Ended | Cancelled | BidVoided


@dataclass(frozen=True)
class Recorded:
    """What one engine call wrote to the ledger, in seq order (for the caller to announce), and
    whether it applied its action now (`False`: a close not due, or already closed)."""

    events: tuple[Event, ...] = ()
    applied: bool = True


# --- the field table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Kind:
    """How one stream value converts: text → Python value and back."""

    read: Callable[[str], Any]
    write: Callable[[Any], str]


def _opt_int(text: str) -> int | None:
    return int(text) if text != "" else None


def _opt_text(text: str) -> str | None:
    return text if text != "" else None


def _none_blank(value: Any) -> str:
    return "" if value is None else str(value)


INT = _Kind(int, str)
OPT_INT = _Kind(_opt_int, _none_blank)
TEXT = _Kind(str, str)
OPT_TEXT = _Kind(_opt_text, _none_blank)
FLAG = _Kind(lambda text: text == "1", lambda value: "1" if value else "0")

# Per event type: (stream field code, attribute, kind), in the order place_bid.lua packs a `bid`
# and an `extended` entry (after the leading type field "t"); the request id is last because it
# is the only free text and may itself contain "|".
FIELDS: dict[str, tuple[tuple[str, str, _Kind], ...]] = {
    "bid": (
        ("seq", "seq", INT),
        ("b", "bidder_id", INT),
        ("h", "bidder_handle", TEXT),
        ("k", "kind", TEXT),
        ("a", "amount", OPT_INT),
        ("m", "max_amount", OPT_INT),
        ("p", "price", INT),
        ("at", "at_ms", INT),
        ("n", "bid_count", INT),
        ("mb", "min_bid", INT),
        ("l", "leader_id", OPT_INT),
        ("lh", "leader_handle", OPT_TEXT),
        ("rm", "reserve_met", FLAG),
        ("e", "ends_ms", INT),
        ("bn", "buy_now_price", OPT_INT),
        ("pl", "previous_leader_id", OPT_INT),
        ("r", "request_id", TEXT),
    ),
    "extended": (
        ("seq", "seq", INT),
        ("e", "ends_ms", INT),
        ("at", "at_ms", INT),
    ),
    "ended": (
        ("seq", "seq", INT),
        ("w", "winner_id", OPT_INT),
        ("wh", "winner_handle", OPT_TEXT),
        ("fp", "final_price", OPT_INT),
        ("rm", "reserve_met", FLAG),
        ("at", "at_ms", INT),
        ("e", "ends_ms", INT),
    ),
    "cancelled": (
        ("seq", "seq", INT),
        ("reason", "reason", TEXT),
        ("at", "at_ms", INT),
    ),
    "bid_voided": (
        ("seq", "seq", INT),
        ("vs", "voided_seq", INT),
        ("b", "bidder_id", OPT_INT),
        ("reason", "reason", TEXT),
        ("p", "price", INT),
        ("l", "leader_id", OPT_INT),
        ("lh", "leader_handle", OPT_TEXT),
        ("n", "bid_count", INT),
        ("mb", "min_bid", INT),
        ("rm", "reserve_met", FLAG),
        ("e", "ends_ms", INT),
        ("bn", "buy_now_price", OPT_INT),
        ("at", "at_ms", INT),
    ),
}

RECORDS: dict[str, type[Event]] = {
    record.type: record for record in (BidPlaced, Extended, Ended, Cancelled, BidVoided)
}

# The entry types place_bid.lua writes packed into one field "d" ("bid|<seq>|…").
PACKED = ("bid", "extended")


def _text(value: bytes | str | int) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _from_mapping(raw: Mapping[str, str]) -> Event:
    kind = raw["t"]
    record = RECORDS[kind]
    values = {attr: how.read(raw.get(code, "")) for code, attr, how in FIELDS[kind]}
    return record(**values)


def unpack(entry: bytes | str) -> Event:
    """A packed stream entry ("bid|1|…", as place_bid.lua returns and stores it) as a record."""
    text = _text(entry)
    kind = text.split("|", 1)[0]
    codes = ("t",) + tuple(code for code, _, _ in FIELDS[kind])
    return _from_mapping(dict(zip(codes, text.split("|", len(codes) - 1), strict=True)))


def decode(entry: Mapping[Any, Any] | Sequence[Any]) -> Event:
    """A stream entry's fields (a flat field/value list or a mapping, bytes or str) as a record."""
    items: Iterable[tuple[Any, Any]]
    if isinstance(entry, Mapping):
        items = entry.items()
    else:
        items = zip(entry[::2], entry[1::2], strict=True)
    raw = {_text(key): _text(value) for key, value in items}
    return unpack(raw["d"]) if "d" in raw else _from_mapping(raw)


R = TypeVar("R", BidPlaced, Extended, Ended, Cancelled, BidVoided)


def expect(record: Event, kind: type[R]) -> R:
    """`record`, checked to be a `kind` (a script answered with another entry type: a bug)."""
    if not isinstance(record, kind):
        raise TypeError(f"expected a {kind.type!r} entry, got {record.type!r}")
    return record


def encode(record: Event) -> dict[str, str]:
    """The stream fields of a record (as the reconciler would read them back with `decode`)."""
    return {"t": record.type} | {
        code: how.write(getattr(record, attr)) for code, attr, how in FIELDS[record.type]
    }


def attributes(record_type: type[Event]) -> list[str]:
    """The dataclass attributes of one record type, in declaration order (for the table test)."""
    return [field.name for field in fields(record_type)]
