"""`GET /healthz`: can this process reach the database, Redis, and is the worker alive.

Only an outage (`core.outage.OUTAGE_ERRORS`) counts as a failing part; anything else raised here
is a bug and answers 500 like any other view.
"""

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from auctions import engine
from core.outage import OUTAGE_ERRORS

logger = logging.getLogger(__name__)


@require_GET
def healthz(request):
    """200 `{"database","redis","worker"}` all "ok" (the worker: a heartbeat under
    `GAVEL_WORKER_STALE_SECONDS` old), else 503 naming the failing part."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except OUTAGE_ERRORS:
        logger.exception("health check: database")
        checks["database"] = "error"
    try:
        engine.redis_ping()
        checks["redis"] = "ok"
        heartbeat = engine.heartbeat_read()
        if heartbeat is None:
            checks["worker"] = "missing"
        elif heartbeat["age"] >= settings.GAVEL_WORKER_STALE_SECONDS:
            checks["worker"] = "stale"
        else:
            checks["worker"] = "ok"
    except OUTAGE_ERRORS:
        logger.exception("health check: redis")
        checks["redis"] = "error"
        checks["worker"] = "unknown"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(checks, status=200 if healthy else 503)
