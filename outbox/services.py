"""Writing emails to the outbox and sending them (docs/design.md §2: notices survive a crash).

`outbox_enqueue` inserts a row in the caller's transaction (no read: a conflicting key is
skipped by the database) and, once that commits, asks for it to be sent at once
(`GAVEL_NOTICE_THREADS` threads, or inline with 0). Whatever that misses — a crash, a mail
server down — the worker sends with `outbox_send_due`, retrying with a growing delay up to
`MAX_ATTEMPTS`. A row is claimed before it is sent, so two senders never send it together; one
that dies mid-send leaves the claim to expire and the email is sent again: at least once.
"""

import asyncio
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from outbox.models import OutboxEmail

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
CLAIM_SECONDS = 60
BATCH = 100

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: 2, 4, 8 … seconds, at most an hour."""
    return timedelta(seconds=min(2**attempts, 3600))


def outbox_enqueue(
    *, key: str, user_id: int | None, template: str, context: dict[str, Any]
) -> None:
    """Store one email in the caller's transaction; send it right after commit if possible."""
    OutboxEmail.objects.bulk_create(
        [OutboxEmail(key=key[:200], user_id=user_id, template=template, context=context)],
        ignore_conflicts=True,
    )
    transaction.on_commit(lambda: run_soon(lambda: outbox_send(keys=[key[:200]])), robust=True)


def _executor(threads: int) -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="gavel-outbox")
        return _pool


def _run(job: Callable[[], object]) -> None:
    try:
        job()
    except Exception:
        # The row stays in the outbox: the worker sends it later.
        log.exception("sending from the outbox failed")
    finally:
        if threading.current_thread().name.startswith("gavel-outbox"):
            close_old_connections()


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def run_soon(job: Callable[[], object]) -> None:
    """Run `job` on a sending thread (`GAVEL_NOTICE_THREADS`), or now with 0 threads; from the
    event loop (where the ORM cannot run) always on a sending thread."""
    threads = settings.GAVEL_NOTICE_THREADS
    if threads > 0 or _on_event_loop():
        _executor(max(threads, 1)).submit(_run, job)
    else:
        _run(job)


def outbox_drain() -> None:
    """Wait for the sends handed to threads (before a process exits); the rest stay stored."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True)


def _claim(rows: Iterable[OutboxEmail]) -> list[OutboxEmail]:
    now = timezone.now()
    claimed = []
    for row in rows:
        taken = (
            OutboxEmail.objects.filter(pk=row.pk, sent_at__isnull=True)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .update(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
        )
        if taken:
            claimed.append(row)
    return claimed


def _send_one(row: OutboxEmail) -> None:
    render = import_string(settings.GAVEL_OUTBOX_RENDERER)
    try:
        message = render(row)
        if message is not None:
            message.extra_headers.setdefault("X-Gavel-Notice", row.key)
            message.send()
    except Exception as error:  # noqa: BLE001 - any failure is retried later, then given up
        attempts = row.attempts + 1
        give_up = attempts >= MAX_ATTEMPTS
        log.warning("outbox email %s failed (attempt %s): %r", row.key, attempts, error)
        OutboxEmail.objects.filter(pk=row.pk).update(
            attempts=attempts,
            next_attempt_at=None if give_up else timezone.now() + retry_delay(attempts),
            claimed_until=None,
            last_error=repr(error)[:500],
        )
        return
    OutboxEmail.objects.filter(pk=row.pk).update(
        sent_at=timezone.now(), claimed_until=None, attempts=row.attempts + 1
    )


def outbox_send(*, keys: list[str]) -> int:
    """Send the unsent emails with these keys now; returns how many this call sent."""
    rows = OutboxEmail.objects.filter(key__in=keys, sent_at__isnull=True, attempts=0)
    claimed = _claim(rows)
    for row in claimed:
        _send_one(row)
    return len(claimed)


def outbox_send_due(*, limit: int = BATCH) -> int:
    """Send (or retry) up to `limit` emails that are due; returns how many were tried."""
    now = timezone.now()
    due = OutboxEmail.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    claimed = _claim(due.order_by("id")[:limit])
    for row in claimed:
        _send_one(row)
    return len(claimed)
