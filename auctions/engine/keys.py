"""The one place Redis key names are built (one prefix, one function per key;
docs/architecture.md).

Every key of one auction shares a hash tag so the bid script touches a single slot and runs
unchanged on Redis Cluster: `{<id>}` for an auction on its own, the sale's `{sale:<id>}` for a
lot of a catalog sale (docs/design.md §2), so a check across a sale's lots (registration, credit limit)
is one script in one slot. Key builders take the auction itself (anything with `pk` and
`sale_id`), never a bare id, so no caller can build a lot's keys under the wrong tag. User-scoped
keys carry their own tag (`{user:<id>}`) and are never touched by an auction's script.
"""

from typing import Any, Protocol


class Keyed(Protocol):
    """What a key is built from: an auction (`pk`) and its sale (`sale_id`, None outside one)."""

    @property
    def pk(self) -> Any: ...

    @property
    def sale_id(self) -> int | None: ...


def sale_tag(sale_id: int) -> str:
    """The hash tag every key of a sale's lots shares: `{sale:7}`."""
    return f"{{sale:{int(sale_id)}}}"


def auction_tag(auction: Keyed) -> str:
    """The hash-tagged root of every key of one auction: `auction:{42}`, or for lot 42 of
    sale 7 `auction:{sale:7}:42`."""
    if auction.sale_id is not None:
        return f"auction:{sale_tag(auction.sale_id)}:{int(auction.pk)}"
    return f"auction:{{{int(auction.pk)}}}"


def state_key(auction: Keyed) -> str:
    """Hash: the auction's parameters and live state (price, leader, seq, end…)."""
    return auction_tag(auction)


def ceilings_key(auction: Keyed) -> str:
    """Hash: bidder id → that bidder's proxy ceiling (the highest amount or max they placed)."""
    return f"{auction_tag(auction)}:ceilings"


def events_key(auction: Keyed) -> str:
    """Stream: the auction's durable events, entry id `<seq>-0`, trimmed to a bounded length."""
    return f"{auction_tag(auction)}:events"


def request_key(auction: Keyed, bidder_id: int, request_id: str) -> str:
    """String with a TTL: the first final answer to (bidder, request_id) on this auction."""
    return f"{auction_tag(auction)}:req:{int(bidder_id)}:{request_id}"


def viewers_key(auction_id: int) -> str:
    """Sorted set: the auction's live viewers (`<process>|<channel>`), scored by Redis TIME.

    On the auction's own tag even for a lot: only the presence script touches it."""
    return f"auction:{{{int(auction_id)}}}:viewers"


def registrations_key(sale_id: int) -> str:
    """Hash: bidder id → registration (`sales.services.registration`), plus the field
    `REGISTRATIONS_LOADED` once loaded from the database; on the sale's tag."""
    return f"{sale_tag(sale_id)}:registrations"


# The field that says a registrations hash was loaded from the database (a missing hash and
# a hash without a bidder mean different things: load it, or "not registered").
REGISTRATIONS_LOADED = "_loaded"


def auction_keys(auction: Keyed) -> list[str]:
    """The keys of the auction's hot state, in the bid script's KEYS order (1-3)."""
    return [state_key(auction), ceilings_key(auction), events_key(auction)]


def bid_script_keys(auction: Keyed, bidder_id: int, request_id: str) -> list[str]:
    """Every key the bid script declares, in KEYS order: the hot state, the request's answer,
    and for a lot of a sale the sale's registrations."""
    script_keys = auction_keys(auction) + [request_key(auction, bidder_id, request_id)]
    if auction.sale_id is not None:
        script_keys.append(registrations_key(auction.sale_id))
    return script_keys


def rate_limit_key(user_id: int) -> str:
    """String counter with a TTL: a user's bid attempts in the current rate-limit window."""
    return f"ratelimit:{{user:{int(user_id)}}}"


def standing_key(user_id: int) -> str:
    """Hash with a TTL: the bidder's standing as the hot path reads it (see `engine.standing`)."""
    return f"standing:{{user:{int(user_id)}}}"


def standing_generation_key(user_id: int) -> str:
    """Counter: bumped by every change to the user, so a copy read before it is never stored."""
    return f"standing:{{user:{int(user_id)}}}:gen"


def worker_heartbeat_key() -> str:
    """String (JSON): the lifecycle worker's last finished pass, read by /healthz and /metrics."""
    return "gavel:worker:heartbeat"
