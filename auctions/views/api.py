"""The JSON API (DESIGN §4): session auth and CSRF like any Django form, coded errors.

Every refusal is `{"accepted": false, "error": CODE, "message": ...}` with the status of its
code; anything the parser cannot read is a 400, never a 500.
"""

import json
import logging
import re

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.csrf import csrf_failure as html_csrf_failure
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auctions import selectors, wire
from auctions.engine.connection import get_redis
from auctions.errors import BidError, Unavailable
from auctions.forms import MalformedRequest, parse_bid_request, parse_request_id
from auctions.metrics import heartbeat_read
from auctions.services.bidding import bid_place, buy_now

logger = logging.getLogger(__name__)

_SEQ = re.compile(r"[0-9]{1,18}")
NOT_FOUND = {"error": "NOT_FOUND", "message": "No such auction."}
ANONYMOUS = {"accepted": False, "error": "NOT_ALLOWED", "message": "Log in to bid."}


def _error(error) -> JsonResponse:
    return JsonResponse(error.as_dict(), status=error.http_status)


def _viewer_id(request) -> int | None:
    return request.user.pk if request.user.is_authenticated else None


def _json_body(request) -> object:
    try:
        return json.loads(request.body.decode("utf-8") or "null")
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise MalformedRequest("The body is not valid JSON.") from None


@require_GET
def auction_state(request, pk):
    """`GET /api/auctions/<id>`: the public state of one auction."""
    auction = selectors.auction_public_get(auction_id=pk)
    if auction is None:
        return JsonResponse(NOT_FOUND, status=404)
    try:
        state = selectors.auction_state_get(auction=auction)
    except Unavailable as error:
        return _error(error)
    return JsonResponse(
        wire.state_payload(state, title=auction.title, viewer_id=_viewer_id(request))
    )


@require_http_methods(["GET", "POST"])
def auction_bids(request, pk):
    """`GET`: public history after `?since=`; `POST`: place a bid."""
    auction = selectors.auction_public_get(auction_id=pk)
    if auction is None:
        return JsonResponse(NOT_FOUND, status=404)
    if request.method == "GET":
        return _history(request, auction)
    return place_bid(request, auction)


def wants_json(request) -> bool:
    """DESIGN §4: pages answer in JSON when the client prefers `application/json`."""
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def _bid_body(request) -> object:
    if request.path.startswith("/api/") or request.content_type == "application/json":
        return _json_body(request)
    # A form post (`Accept: application/json` on the page URL): blank fields are absent.
    return {key: value for key, value in request.POST.items() if value != ""}


def place_bid(request, auction) -> JsonResponse:
    """Place a bid from a JSON (or form) body: 201 with the outcome, or a coded error."""
    if not request.user.is_authenticated:
        return JsonResponse(ANONYMOUS, status=401)
    pk = auction.pk
    try:
        bid = parse_bid_request(_bid_body(request))
        result = bid_place(
            auction=auction,
            bidder=request.user,
            amount=bid.amount,
            max_amount=bid.max_amount,
            request_id=bid.request_id,
        )
    except (BidError, MalformedRequest) as error:
        return _error(error)
    except Exception:
        logger.exception("bid on auction %s failed", pk)
        return _error(Unavailable())
    return JsonResponse(wire.accepted_payload(result, viewer_id=request.user.pk), status=201)


def _history(request, auction) -> JsonResponse:
    since = request.GET.get("since")
    if since is not None and not _SEQ.fullmatch(since):
        return _error(MalformedRequest("since must be a sequence number (0 or more)."))
    lines = selectors.auction_history_public(
        auction=auction,
        since=None if since is None else int(since),
        limit=selectors.MAX_BIDS_PAGE,
    )
    viewer_id = _viewer_id(request)
    return JsonResponse({"bids": [wire.bid_payload(line, viewer_id=viewer_id) for line in lines]})


@require_POST
def auction_buy(request, pk):
    """`POST /api/auctions/<id>/buy`: buy it now; 201 with the final state."""
    auction = selectors.auction_public_get(auction_id=pk)
    if auction is None:
        return JsonResponse(NOT_FOUND, status=404)
    return place_buy_now(request, auction)


def place_buy_now(request, auction) -> JsonResponse:
    """Buy it now from a JSON (or form) body: 201 with the final state, or a coded error."""
    pk = auction.pk
    if not request.user.is_authenticated:
        return JsonResponse(ANONYMOUS, status=401)
    try:
        body = _bid_body(request)
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise MalformedRequest("The body must be a JSON object.")
        result = buy_now(
            auction=auction,
            buyer=request.user,
            request_id=parse_request_id(body.get("request_id")),
        )
    except (BidError, MalformedRequest) as error:
        return _error(error)
    except Exception:
        logger.exception("buy it now on auction %s failed", pk)
        return _error(Unavailable())
    payload = wire.state_payload(result.state, title=auction.title, viewer_id=request.user.pk)
    return JsonResponse({"accepted": True, **payload}, status=201)


@require_GET
def healthz(request):
    """`GET /healthz`: 200 when the database, Redis and the worker (a heartbeat under
    `GAVEL_WORKER_STALE_SECONDS` old) all answer, else 503 naming the failing part."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        logger.exception("health check: database")
        checks["database"] = "error"
    try:
        get_redis().ping()
        checks["redis"] = "ok"
        heartbeat = heartbeat_read()
        if heartbeat is None:
            checks["worker"] = "missing"
        elif heartbeat["age"] >= settings.GAVEL_WORKER_STALE_SECONDS:
            checks["worker"] = "stale"
        else:
            checks["worker"] = "ok"
    except Exception:
        logger.exception("health check: redis")
        checks["redis"] = "error"
        checks["worker"] = "unknown"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(checks, status=200 if healthy else 503)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a coded JSON 403 under /api/, Django's page everywhere else."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"accepted": False, "error": "CSRF_FAILED", "message": "CSRF check failed."},
            status=403,
        )
    return html_csrf_failure(request, reason=reason)
