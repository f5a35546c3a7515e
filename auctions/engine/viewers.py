"""Live viewers of an auction in Redis, counted across every server process (`presence.lua`)."""

from auctions.engine import keys, scripts


def viewers_update(auction_id: int, op: str, members: list[str], *, ttl: int) -> int:
    """Refresh (`add`), drop (`rem`) or only count (`count`) viewers; returns the live count.

    A member not refreshed within `ttl` seconds no longer counts. Raises RedisError.
    """
    count: int = scripts.run("presence", [keys.viewers_key(auction_id)], [ttl, op, *members])
    return int(count)
