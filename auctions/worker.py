"""The lifecycle worker: settles auctions whose end has passed and reconciles the ledger.

`run_once()` is one pass (used by `manage.py run_worker --once` and tests); `run_forever()`
loops until told to stop; `start_in_process_worker()` runs the loop in a daemon thread of the
ASGI server, which is how the embedded default (in-process fakeredis) gets auctions to end.
"""

import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from auctions import engine, notifications
from auctions.engine import heartbeat_write
from auctions.models import Auction, Bid, Watch
from auctions.services.lifecycle import auction_settle, reconcile_auction
from auctions.signals import worker_pass
from core.errors import GavelError

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 1.0
# Settled auctions are still reconciled for a while (a crash right after the close).
_RECENT = timedelta(hours=1)


@dataclass
class PassReport:
    settled: int = 0
    reconciled: int = 0
    orders_closed: int = 0
    offers_expired: int = 0
    ending_soon: int = 0
    emails_sent: int = 0


def _due_auctions():
    """Published auctions whose listed end has passed, or that were bought outright."""
    now = timezone.now()
    bought = Bid.objects.filter(kind=Bid.Kind.BUY_NOW, voided=False).values("auction_id")
    return Auction.objects.filter(status=Auction.Status.SCHEDULED).filter(
        Q(ends_at__lte=now) | Q(pk__in=bought)
    )


def _reconcile_all(report: PassReport) -> None:
    """Reconcile every published, started auction whose hot seq is ahead of its stored events."""
    candidates = list(
        Auction.objects.filter(
            status__in=[Auction.Status.SCHEDULED, Auction.Status.ENDED],
            starts_at__lte=timezone.now(),
        )
        .filter(Q(settled_at__isnull=True) | Q(settled_at__gte=timezone.now() - _RECENT))
        .annotate(last_seq=Max("events__seq"))
    )
    if not candidates:
        return
    seqs = engine.hot_seqs(candidates)
    for auction, seq in zip(candidates, seqs, strict=True):
        if seq is not None and seq > (auction.last_seq or 0):
            report.reconciled += reconcile_auction(auction)


def _ending_soon(report: PassReport) -> None:
    """Tell each watcher of an open lot ending within `GAVEL_ENDING_SOON` once: a notice and an
    email (the notice is the record that they were told)."""
    from notices import kinds
    from notices.models import Notice

    now = timezone.now()
    told = Notice.objects.filter(
        kind=kinds.ENDING_SOON, auction_id=OuterRef("auction_id"), user_id=OuterRef("user_id")
    )
    due = (
        Watch.objects.filter(
            auction__status=Auction.Status.SCHEDULED,
            auction__starts_at__lte=now,
            auction__ends_at__gt=now,
            auction__ends_at__lte=now + settings.GAVEL_ENDING_SOON,
        )
        .exclude(Exists(told))
        .select_related("auction")
    )
    for watch in due:
        try:
            with transaction.atomic():
                notifications.queue_ending_soon(
                    auction=watch.auction, user_id=watch.user_id, ends_at=watch.auction.ends_at
                )
            report.ending_soon += 1
        except Exception:
            log.exception("ending-soon notice for watch %s failed", watch.pk)


def _refresh_connections() -> None:
    # A long-lived loop must drop broken or expired connections, as a request would; a pass run
    # inside a transaction (tests, a caller's atomic block) keeps its connection.
    if not connection.in_atomic_block:
        close_old_connections()


def _after_sale(report: PassReport) -> None:
    """The other apps' periodic work (`worker_pass` receivers: orders closes unpaid orders and
    expires second-chance offers), each adding its counts to the report."""
    for receiver, result in worker_pass.send_robust(sender=None):
        if isinstance(result, Exception):
            log.error("worker pass of %s failed", receiver, exc_info=result)
            continue
        for field, count in result.items():
            setattr(report, field, getattr(report, field) + count)


def _send_outbox(report: PassReport) -> None:
    """Send the notice emails still waiting in the outbox, retrying the failed ones."""
    from outbox.services import outbox_send_due

    try:
        report.emails_sent += outbox_send_due()
    except Exception:
        log.exception("outbox pass failed")


def run_once() -> PassReport:
    """One pass: settle what is due, then write any stream event the ledger lacks."""
    report = PassReport()
    _refresh_connections()
    for auction in _due_auctions():
        try:
            if auction_settle(auction=auction):
                report.settled += 1
        except GavelError as error:
            log.warning("settling auction %s failed: %s", auction.pk, error)
    _reconcile_all(report)
    _ending_soon(report)
    _after_sale(report)
    _send_outbox(report)
    _refresh_connections()
    return report


def run_forever(stop: threading.Event, interval: float = INTERVAL_SECONDS) -> None:
    """Run passes every `interval` seconds until `stop` is set; a failing pass is logged."""
    while not stop.is_set():
        try:
            started = time.monotonic()
            report = run_once()
            heartbeat_write(reconciled=report.reconciled, pass_seconds=time.monotonic() - started)
            if report.settled or report.reconciled:
                log.info("worker: settled %s, reconciled %s", report.settled, report.reconciled)
        except Exception:
            log.exception("worker pass failed")
        stop.wait(interval)


_thread: threading.Thread | None = None
_stop = threading.Event()


def start_in_process_worker() -> threading.Thread:
    """Start the worker loop in a daemon thread of this process (once)."""
    global _thread
    if _thread is None or not _thread.is_alive():
        _stop.clear()
        _thread = threading.Thread(
            target=run_forever, args=(_stop,), name="gavel-worker", daemon=True
        )
        _thread.start()
    return _thread
