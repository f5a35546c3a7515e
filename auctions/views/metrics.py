"""`GET /metrics`: Prometheus text format, for loopback callers or a bearer token
(docs/design.md §4)."""

import hmac
import ipaddress
import logging
import os

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from auctions.metrics import (
    OutboxCollector,
    RestartsCollector,
    WorkerCollector,
    forget_dead_processes,
)

log = logging.getLogger(__name__)


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
        except Exception:  # Redis or the database down: the rest of the page still answers
            log.warning("metrics: %s failed", type(collector).__name__, exc_info=True)
    return body


@require_GET
def metrics(request):
    if not _allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    body = _process_samples() + _scraped_samples()
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
