"""A bidder's standing as the hot path reads it: a Redis hash per user, beside their rate limit.

The engine stores and returns it as opaque text fields; the bidding service says what they mean
and fills the hash from the database when it is missing. Every change to the user bumps a
generation counter and drops the hash (`forget`), and a copy read from the database before a
change is never stored over it (`astore` compares the generation in one script), so the next
bid after a suspension reads the suspension.
"""

from collections.abc import Mapping

from auctions.engine import keys, scripts
from auctions.engine.connection import REDIS_OUTAGES, get_aredis, get_redis
from core.errors import Unavailable


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


async def aread(user_id: int) -> dict[str, str]:
    """The stored standing's fields (empty when none is stored)."""
    try:
        stored = await get_aredis().hgetall(keys.standing_key(user_id))
    except REDIS_OUTAGES as error:
        raise Unavailable() from error
    return {_text(name): _text(value) for name, value in stored.items()}


async def ageneration(user_id: int) -> str:
    """The user's change counter ("" before the first change), read before a database read."""
    try:
        value = await get_aredis().get(keys.standing_generation_key(user_id))
    except REDIS_OUTAGES as error:
        raise Unavailable() from error
    return "" if value is None else _text(value)


async def astore(
    user_id: int, generation: str, fields: Mapping[str, str], ttl_seconds: int
) -> bool:
    """Store `fields` as the user's standing unless they changed since `generation` was read."""
    args: list[str | int] = [generation, ttl_seconds]
    for name, value in fields.items():
        args += [name, value]
    key_names = [keys.standing_key(user_id), keys.standing_generation_key(user_id)]
    try:
        return bool(await scripts.arun("store_standing", key_names, args))
    except REDIS_OUTAGES as error:
        raise Unavailable() from error


def forget(user_id: int, ttl_seconds: int) -> None:
    """Drop the stored standing and bump the generation, which outlives any standing stored
    (raises RedisError while Redis is down)."""
    pipe = get_redis().pipeline(transaction=False)
    pipe.incr(keys.standing_generation_key(user_id))
    pipe.expire(keys.standing_generation_key(user_id), ttl_seconds)
    pipe.delete(keys.standing_key(user_id))
    pipe.execute()
