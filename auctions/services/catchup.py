"""Closing the gap between Redis and the ledger in the web process, without the worker.

A bid the script applied but whose ledger write failed was answered UNAVAILABLE; its entry
waits in the auction's stream, and viewers may already read it from Redis. The worker's
reconciler writes it, but the worker may be down, and if Redis is lost before it comes back the
state would rewind. So the process that answered UNAVAILABLE keeps reconciling that auction on
a background thread, backing off, until the ledger has caught up with the stream (or
`GIVE_UP_AFTER` passes: then the worker, a hot-state load or the next bid writes it).
"""

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections

from auctions.models import Auction

log = logging.getLogger(__name__)

FIRST_DELAY = 0.2
MAX_DELAY = 5.0
GIVE_UP_AFTER = 600.0

_lock = threading.Lock()
_wake = threading.Event()
_pending: dict[int, float] = {}  # auction id -> when it was first scheduled (monotonic)
_thread: threading.Thread | None = None


def schedule(auction_id: int) -> None:
    """Reconcile `auction_id` in the background until its ledger holds its stream."""
    if not settings.GAVEL_LEDGER_CATCHUP:
        return
    global _thread
    with _lock:
        _pending.setdefault(auction_id, time.monotonic())
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="gavel-ledger-catchup", daemon=True)
            _thread.start()
    _wake.set()


def pending() -> set[int]:
    """The auctions still waiting for their ledger to catch up in this process."""
    with _lock:
        return set(_pending)


def wait_idle(timeout: float) -> bool:
    """Block until nothing is pending (tests, shutdown); False on timeout."""
    deadline = time.monotonic() + timeout
    while pending() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not pending()


def _catch_up(auction_id: int) -> None:
    from auctions.services.lifecycle import reconcile_auction

    auction = Auction.objects.filter(pk=auction_id).first()
    if auction is not None:
        reconcile_auction(auction)


def _run() -> None:
    delay = FIRST_DELAY
    while True:
        _wake.wait(timeout=delay)
        _wake.clear()
        with _lock:
            work = dict(_pending)
        failed = False
        for auction_id, since in work.items():
            try:
                _catch_up(auction_id)
            except Exception as error:  # noqa: BLE001 - a service still down: try again later
                failed = True
                if time.monotonic() - since < GIVE_UP_AFTER:
                    log.info("ledger catch-up of auction %s waits: %r", auction_id, error)
                    continue
                log.warning("ledger catch-up of auction %s gave up: %r", auction_id, error)
            with _lock:
                _pending.pop(auction_id, None)
        close_old_connections()
        delay = min(delay * 2, MAX_DELAY) if failed else FIRST_DELAY
