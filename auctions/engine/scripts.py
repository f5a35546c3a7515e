"""The engine's Lua scripts, registered once per process.

Each script is a redis-py `Script`: EVALSHA, and SCRIPT LOAD again on NOSCRIPT (after a
`SCRIPT FLUSH` or a restart). Calls always name the current client, so tests that switch the
Redis server keep working with the same registry.
"""

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from redis.commands.core import Script

from auctions.engine.connection import get_redis

_DIR = Path(__file__).resolve().parent
NAMES = ("place_bid", "load_state", "refresh_params", "lifecycle", "presence")


@functools.cache
def _script(name: str) -> Script:
    if name not in NAMES:
        raise KeyError(name)
    return get_redis().register_script((_DIR / f"{name}.lua").read_text())


def run(name: str, keys: list[str], args: Sequence[str | int]) -> Any:
    """Run the script `name` on the engine's Redis with `keys` and `args`; returns its reply
    (each script's header says its shape)."""
    return _script(name)(keys=keys, args=args, client=get_redis())
