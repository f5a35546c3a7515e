"""The one place Redis key names are built (STYLE: one prefix, one function per key).

Every key of one auction shares the hash tag `{<id>}` so the bid script touches a single slot
and runs unchanged on Redis Cluster. User-scoped keys carry their own tag (`{user:<id>}`) and are
never touched by an auction's script.
"""


def auction_tag(auction_id: int) -> str:
    """The hash-tagged root of every key of one auction: `auction:{42}`."""
    return f"auction:{{{int(auction_id)}}}"


def state_key(auction_id: int) -> str:
    """Hash: the auction's parameters and live state (price, leader, seq, end…)."""
    return auction_tag(auction_id)


def ceilings_key(auction_id: int) -> str:
    """Hash: bidder id → that bidder's proxy ceiling (the highest amount or max they placed)."""
    return f"{auction_tag(auction_id)}:ceilings"


def events_key(auction_id: int) -> str:
    """Stream: the auction's durable events, entry id `<seq>-0`, trimmed to a bounded length."""
    return f"{auction_tag(auction_id)}:events"


def request_key(auction_id: int, bidder_id: int, request_id: str) -> str:
    """String with a TTL: the first final answer to (bidder, request_id) on this auction."""
    return f"{auction_tag(auction_id)}:req:{int(bidder_id)}:{request_id}"


def viewers_key(auction_id: int) -> str:
    """Sorted set: the auction's live viewers (`<process>|<channel>`), scored by Redis TIME."""
    return f"{auction_tag(auction_id)}:viewers"


def auction_keys(auction_id: int) -> list[str]:
    """The keys the bid script declares, in KEYS order (the request key is appended per call)."""
    return [state_key(auction_id), ceilings_key(auction_id), events_key(auction_id)]


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
