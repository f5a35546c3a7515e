"""`AuctionState`: what the engine says about one auction at one moment (the read contract)."""

from dataclasses import dataclass
from datetime import datetime

from auctions.engine import rules
from auctions.engine.clock import from_ms


@dataclass(frozen=True)
class AuctionState:
    """An auction's live state, read from the hot state at Redis time `now`.

    `status` is public: "pending" | "rejected" | "draft" | "scheduled" (published, not started)
    | "active" | "ended" | "cancelled". `leader_max` is private: never put it in a public payload.
    """

    auction_id: int
    status: str
    price: int
    min_bid: int
    bid_count: int
    leader_id: int | None
    leader_handle: str | None
    leader_max: int | None
    ends_at: datetime
    has_reserve: bool
    reserve_met: bool
    buy_now_price: int | None
    seq: int
    now: datetime


# Every field of an auction's hot-state hash (KEYS[1] of the scripts; see place_bid.lua).
HOT_FIELDS = {
    "st": "stored status",
    "sp": "starts, ms",
    "en": "effective end, ms",
    "le": "listed end, ms",
    "hc": "hard close, ms or empty",
    "ew": "extension window, ms",
    "p0": "starting price",
    "rs": "reserve or empty",
    "bn": "buy-it-now price or empty",
    "inc": "increment spec",
    "uv": "the row's updated_at, ms",
    "seq": "last seq",
    "pr": "price",
    "n": "bid count",
    "ld": "leader id",
    "lh": "leader handle",
    "lm": "leader ceiling",
    "la": "leader's amount on taking the lead",
    "sc": "highest other ceiling",
    "bo": "1 once bought",
    "es": "the ended event's seq",
}

# The hot-state fields a read needs, in the order `from_fields` takes them.
FIELDS = ("st", "sp", "en", "p0", "rs", "bn", "inc", "seq", "pr", "n", "ld", "lh", "lm", "bo")


def _int(value: bytes | None) -> int | None:
    if value is None or value == b"":
        return None
    return int(value)


def public_status(stored: str, *, starts_ms: int, ends_ms: int, bought: bool, now_ms: int) -> str:
    """The public status: a published auction is open when now is in [start, effective end)."""
    if stored != "scheduled":
        return stored
    if bought or now_ms >= ends_ms:
        return "ended"
    if now_ms < starts_ms:
        return "scheduled"
    return "active"


def from_fields(auction_id: int, values: list[bytes | None], now_ms: int) -> AuctionState:
    """Build the state from the hot-state `values` (in `FIELDS` order) read at `now_ms`."""
    # A missing field reads as empty (the script writes "" for "none" too).
    field = {name: value or b"" for name, value in zip(FIELDS, values, strict=True)}
    stored = field["st"].decode()
    starts, ends = int(field["sp"]), int(field["en"])
    bought = field["bo"] == b"1"
    price, count = int(field["pr"]), int(field["n"])
    leader = _int(field["ld"])
    reserve, buy_now = _int(field["rs"]), _int(field["bn"])
    spec = field["inc"].decode()
    table = tuple(
        (None if below == "*" else int(below), int(step))
        for below, step in (band.split(":") for band in spec.split(","))
    )
    params = rules.Params(
        starting_price=int(field["p0"]),
        starts_at=starts,
        ends_at=ends,
        reserve_price=reserve,
        buy_now_price=buy_now,
        increment_table=table,
    )
    reserve_met = bought or reserve is None or price >= reserve
    offered = (
        buy_now is not None
        and not bought
        and (count == 0 or (reserve is not None and not reserve_met and price < buy_now))
    )
    status = public_status(stored, starts_ms=starts, ends_ms=ends, bought=bought, now_ms=now_ms)
    return AuctionState(
        auction_id=auction_id,
        status=status,
        price=price,
        min_bid=params.starting_price
        if leader is None
        else price + rules.increment_at(params, price),
        bid_count=count,
        leader_id=leader,
        leader_handle=field["lh"].decode() if leader is not None and field["lh"] else None,
        leader_max=_int(field["lm"]),
        ends_at=from_ms(ends),
        has_reserve=reserve is not None,
        reserve_met=reserve_met,
        buy_now_price=buy_now if offered and status in ("active", "scheduled") else None,
        seq=int(field["seq"]),
        now=from_ms(now_ms),
    )
