"""`GET /metrics`: Prometheus text format, for loopback callers or a bearer token
(docs/design.md §4): every process's samples, plus what is read at scrape time (the worker's
heartbeat in Redis, the outbox's depth, `make serve`'s restarts)."""

import hmac
import ipaddress
import json
import logging
import os
from collections.abc import Iterator

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from auctions.engine import heartbeat_read
from core.metrics import forget_dead_processes
from core.outage import OUTAGE_ERRORS

log = logging.getLogger(__name__)


class WorkerCollector(Collector):
    """Scrape-time gauges from the worker's heartbeat in Redis."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        record = heartbeat_read()
        age = GaugeMetricFamily(
            "gavel_worker_heartbeat_age_seconds",
            "Seconds since the worker last finished a pass (+Inf: no worker has run).",
        )
        lag = GaugeMetricFamily(
            "gavel_reconciler_lag_events",
            "Accepted events the worker's last pass found in Redis but not yet in the ledger.",
        )
        duration = GaugeMetricFamily(
            "gavel_worker_pass_seconds", "How long the worker's last pass took."
        )
        if record is None:
            age.add_metric([], float("inf"))
        else:
            age.add_metric([], record["age"])
            lag.add_metric([], record["reconciled"])
            duration.add_metric([], record["pass_seconds"])
        yield from (age, lag, duration)


class RestartsCollector(Collector):
    """Scrape-time counter: the processes `make serve` restarted (config.supervisor writes the
    counts to a file in the metrics directory); nothing outside `make serve`."""

    def __init__(self, directory: str):
        self.directory = directory

    def collect(self) -> Iterator[CounterMetricFamily]:
        from config.supervisor import restarts_path

        try:
            counts = json.loads(restarts_path(self.directory).read_text())
        except FileNotFoundError:
            return
        restarts = CounterMetricFamily(
            "gavel_process_restarts",
            "Processes make serve started again after they died, by process.",
            labels=["process"],
        )
        for process, count in sorted(counts.items()):
            restarts.add_metric([process], count)
        yield restarts


class OutboxCollector(Collector):
    """Scrape-time gauge: notice emails in the durable outbox not yet sent."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from outbox.models import OutboxEmail

        depth = GaugeMetricFamily(
            "gavel_notice_outbox_depth", "Notice emails in the outbox not yet sent."
        )
        depth.add_metric([], OutboxEmail.objects.filter(sent_at__isnull=True).count())
        yield depth


def _allowed(request) -> bool:
    """With GAVEL_METRICS_TOKEN set, only `Authorization: Bearer <token>`; else loopback only."""
    token = settings.GAVEL_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def _process_samples() -> bytes:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return generate_latest(REGISTRY)
    from prometheus_client import multiprocess

    forget_dead_processes(directory)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(RestartsCollector(directory))
    return generate_latest(registry)


def _scraped_samples() -> bytes:
    """The gauges read at scrape time (Redis, the database); one failing leaves the rest."""
    body = b""
    for collector in (WorkerCollector(), OutboxCollector()):
        registry = CollectorRegistry()
        registry.register(collector)
        try:
            body += generate_latest(registry)
        except OUTAGE_ERRORS:  # Redis or the database down: the rest of the page still answers
            log.warning("metrics: %s failed", type(collector).__name__, exc_info=True)
    return body


@require_GET
def metrics(request):
    if not _allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    body = _process_samples() + _scraped_samples()
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
