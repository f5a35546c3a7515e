"""The JSON API (DESIGN §4): session auth and CSRF like any Django form, coded errors.

Every refusal is `{"accepted": false, "error": CODE, "message": ...}` with the status of its
code; anything the parser cannot read is a 400, never a 500.
"""

import logging
import re

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.csrf import csrf_failure as html_csrf_failure
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auctions import inputs, json_input, selectors, wire
from auctions.engine.connection import get_redis
from auctions.errors import BadRequest, BodyTooLarge, CsrfFailed, NotAllowed, NotFound
from auctions.forms import parse_bid_request
from auctions.metrics import heartbeat_read
from auctions.services.bidding import bid_place, buy_now
from auctions.views.errors import json_error, json_refusals

logger = logging.getLogger(__name__)

_SEQ = re.compile(r"[0-9]{1,18}")


def _anonymous(action: str) -> JsonResponse:
    """401: the API answers an anonymous write with NOT_ALLOWED and asks for a login."""
    return json_error(NotAllowed(f"Log in to {action}."), status=401)


def _viewer_id(request) -> int | None:
    return request.user.pk if request.user.is_authenticated else None


# DESIGN §4: API bodies are `application/json` of at most 64 KiB.
MAX_BODY_BYTES = 64 * 1024


def _json_body(request) -> object:
    """The request's JSON document: BAD_REQUEST unless `application/json`, 413 over 64 KiB."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
        raise BodyTooLarge(f"The body is larger than {MAX_BODY_BYTES // 1024} KiB.")
    if request.content_type != "application/json":
        raise BadRequest("API bodies are application/json.")
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        raise BodyTooLarge(f"The body is larger than {MAX_BODY_BYTES // 1024} KiB.")
    try:
        return json_input.loads(body or b"null")
    except ValueError:
        raise BadRequest("The body is not valid JSON.") from None


@require_GET
@json_refusals
def auction_state(request, pk):
    """`GET /api/auctions/<id>`: the public state of one auction."""
    auction = selectors.auction_public_get(auction_id=pk)
    if auction is None:
        raise NotFound()
    state = selectors.auction_state_get(auction=auction)
    return JsonResponse(
        wire.state_payload(state, title=auction.title, viewer_id=_viewer_id(request))
    )


@require_http_methods(["GET", "POST"])
def auction_bids(request, pk):
    """`GET`: public history after `?since=`; `POST`: place a bid."""
    if request.method == "POST":
        auction = selectors.auction_for_bid(auction_id=pk)
    else:
        auction = selectors.auction_public_get(auction_id=pk)
    if auction is None:
        return json_error(NotFound())
    if request.method == "GET":
        return _history(request, auction)
    return place_bid(request, auction)


def wants_json(request) -> bool:
    """DESIGN §4: pages answer in JSON when the client prefers `application/json`."""
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def _bid_body(request) -> object:
    if request.path.startswith("/api/") or request.content_type == "application/json":
        # The API takes JSON only (a form or multipart body is BAD_REQUEST, not UNAVAILABLE).
        return _json_body(request)
    # A form post (`Accept: application/json` on the page URL): blank fields are absent.
    return {key: value for key, value in request.POST.items() if value != ""}


@json_refusals
def place_bid(request, auction) -> JsonResponse:
    """Place a bid from a JSON (or form) body: 201 with the outcome, or a coded error."""
    if not request.user.is_authenticated:
        return _anonymous("bid")
    bid = parse_bid_request(_bid_body(request))
    result = bid_place(
        auction=auction,
        bidder=request.user,
        amount=bid.amount,
        max_amount=bid.max_amount,
        request_id=bid.request_id,
    )
    return JsonResponse(wire.accepted_payload(result, viewer_id=request.user.pk), status=201)


def _history(request, auction) -> JsonResponse:
    since = request.GET.get("since")
    if since is not None and not _SEQ.fullmatch(since):
        return json_error(BadRequest("since must be a sequence number (0 or more)."))
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
        return json_error(NotFound())
    return place_buy_now(request, auction)


@json_refusals
def place_buy_now(request, auction) -> JsonResponse:
    """Buy it now from a JSON (or form) body: 201 with the final state, or a coded error."""
    if not request.user.is_authenticated:
        return _anonymous("bid")
    body = _bid_body(request)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    result = buy_now(
        auction=auction, buyer=request.user, request_id=inputs.request_id(body.get("request_id"))
    )
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
        return json_error(CsrfFailed())
    return html_csrf_failure(request, reason=reason)
