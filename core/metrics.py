"""Prometheus metrics (docs/design.md §4 `/metrics`):
what the bid path, the sockets and the worker did.

Counters and histograms are updated where things happen and cost a few microseconds. Under
`make serve` several processes serve the site: with `PROMETHEUS_MULTIPROC_DIR` set (make serve
sets it) each process writes its samples to files there and `/metrics` adds them up. The worker's
heartbeat and reconciler lag live in Redis (the worker may run on another machine) and are read
when `/metrics` is scraped (config/metrics.py).
"""

import atexit
import contextlib
import functools
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from prometheus_client import Counter, Gauge, Histogram

from core.errors import GavelError

BIDS = Counter(
    "gavel_bids", "Bid and buy-now attempts by outcome: accepted or the refusal code.", ["outcome"]
)
BID_SECONDS = Histogram(
    "gavel_bid_duration_seconds",
    "Time to answer a bid or buy-now attempt, refusals included (service call, not HTTP).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
# One series per live web process (a `pid` label under make serve): sum() them for the site.
WEBSOCKETS = Gauge(
    "gavel_websocket_connections",
    "WebSocket connections open now, per web process.",
    multiprocess_mode="liveall",
)
EVENTS = Counter(
    "gavel_events_broadcast", "Live events handed to the channel layer, by type.", ["type"]
)
# Every label value a series can take, created at import: dashboards and alerts see zeroes from
# a process's start, not nothing until its first bid (Prometheus' instrumentation guidance).
# `error` is a bug (not a GavelError); the codes are the ones the bid services raise.
BID_OUTCOMES = (
    "accepted",
    "error",
    "invalid_amount",
    "bad_request",
    "not_allowed",
    "seller_cannot_bid",
    "rate_limited",
    "auction_not_open",
    "auction_ended",
    "bid_too_low",
    "unavailable",
)
EVENT_TYPES = ("bid", "extended", "ended", "cancelled", "bid_voided")
for _outcome in BID_OUTCOMES:
    BIDS.labels(_outcome)
for _type in EVENT_TYPES:
    EVENTS.labels(_type)
NOTICES_WAITING = Gauge(
    "gavel_notice_jobs_waiting",
    "In-site notice jobs queued on the web processes' sending threads.",
    multiprocess_mode="livesum",
)

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    from prometheus_client import multiprocess

    # A live gauge of a process that exited must not count any more.
    atexit.register(multiprocess.mark_process_dead, os.getpid())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def forget_dead_processes(directory: str) -> list[int]:
    """Drop the live gauges (`liveall`, `livesum`, …) of processes that no longer exist.

    A process killed with SIGKILL never runs its atexit `mark_process_dead`, and its files
    would count its last values forever (a dead web process's sockets). Called before each
    scrape; the metrics directory is per machine, so the pids are this machine's. Returns
    the pids dropped.
    """
    from prometheus_client import multiprocess

    pids = set()
    for path in Path(directory).glob("gauge_live*_*.db"):
        suffix = path.stem.rpartition("_")[2]
        if suffix.isdigit():
            pids.add(int(suffix))
    dead = sorted(pid for pid in pids if not _alive(pid))
    for pid in dead:
        multiprocess.mark_process_dead(pid, directory)
    return dead


@contextlib.contextmanager
def _bid_observed() -> Iterator[list[str]]:
    """Count one bid attempt's outcome and time it; the caller writes "accepted" into the list
    it is given, a `GavelError` gives its code, anything else counts as "error"."""
    started = time.perf_counter()
    outcome = ["error"]
    try:
        yield outcome
    except GavelError as refusal:
        outcome[0] = refusal.code.lower()
        raise
    finally:
        BIDS.labels(outcome[0]).inc()
        BID_SECONDS.observe(time.perf_counter() - started)


def observe_bid(service: Callable) -> Callable:
    """Decorate a bid service: count its outcome (accepted, the refusal's code, or error) and
    time it."""

    @functools.wraps(service)
    def observed(*args, **kwargs):
        with _bid_observed() as outcome:
            result = service(*args, **kwargs)
            outcome[0] = "accepted"
            return result

    return observed


def aobserve_bid(service: Callable) -> Callable:
    """`observe_bid` for a coroutine function."""

    @functools.wraps(service)
    async def observed(*args, **kwargs):
        with _bid_observed() as outcome:
            result = await service(*args, **kwargs)
            outcome[0] = "accepted"
            return result

    return observed


class WebSocketGauge:
    """ASGI wrapper: counts a WebSocket connection from its accept until its handler returns."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await self.app(scope, receive, send)
        accepted = False

        async def counting_send(message):
            nonlocal accepted
            if message["type"] == "websocket.accept" and not accepted:
                accepted = True
                WEBSOCKETS.inc()
            await send(message)

        try:
            return await self.app(scope, receive, counting_send)
        finally:
            if accepted:
                WEBSOCKETS.dec()
