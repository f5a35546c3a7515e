"""The engine's Lua scripts, registered once per process.

Each script is a redis-py `Script` (or its asyncio twin): EVALSHA, and SCRIPT LOAD again on
NOSCRIPT (after a `SCRIPT FLUSH` or a restart). Calls always name the current client, so tests
that switch the Redis server keep working with the same registry.
"""

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from redis.commands.core import AsyncScript, Script

from auctions.engine.connection import get_aredis, get_redis

_DIR = Path(__file__).resolve().parent
NAMES = ("place_bid", "load_state", "refresh_params", "lifecycle", "presence", "store_standing")


@functools.cache
def _source(name: str) -> str:
    if name not in NAMES:
        raise KeyError(name)
    return (_DIR / f"{name}.lua").read_text()


@functools.cache
def _script(name: str) -> Script:
    return get_redis().register_script(_source(name))


@functools.cache
def _ascript(name: str) -> AsyncScript:
    # The first loop's client only lends its encoder: every call names its own loop's client.
    return get_aredis().register_script(_source(name))


def run(name: str, keys: list[str], args: Sequence[str | int]) -> Any:
    """Run the script `name` on the engine's Redis with `keys` and `args`; returns its reply
    (each script's header says its shape)."""
    return _script(name)(keys=keys, args=args, client=get_redis())


async def arun(name: str, keys: list[str], args: Sequence[str | int]) -> Any:
    """`run` on the running loop's asyncio client."""
    return await _ascript(name)(keys=keys, args=args, client=get_aredis())
