"""What /healthz and /metrics ask Redis: is it there, and the worker's heartbeat.

The heartbeat is written after each worker pass and read by /healthz and /metrics.
It lives in Redis, not the database, because the worker may run on another machine and the
time is Redis `TIME`, the clock every process agrees on.
"""

import json
from typing import Any

from auctions.engine import keys
from auctions.engine.connection import get_redis


def heartbeat_write(*, reconciled: int, pass_seconds: float) -> None:
    """Record a finished worker pass: when (Redis time), and how far the ledger was behind."""
    client = get_redis()
    seconds, micros = client.time()
    record = {
        "at": seconds + micros / 1e6,
        "reconciled": reconciled,
        "pass_seconds": round(pass_seconds, 4),
    }
    client.set(keys.worker_heartbeat_key(), json.dumps(record))


def heartbeat_read() -> dict[str, Any] | None:
    """The last pass's record plus `age` in seconds (Redis time), or None if no worker ran."""
    client = get_redis()
    raw = client.get(keys.worker_heartbeat_key())
    if raw is None:
        return None
    record: dict[str, Any] = json.loads(raw)
    seconds, micros = client.time()
    record["age"] = max(0.0, seconds + micros / 1e6 - float(record["at"]))
    return record


def redis_ping() -> None:
    """Round-trip to Redis; raises redis' own error when it does not answer."""
    get_redis().ping()
