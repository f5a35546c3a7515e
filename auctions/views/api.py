"""The JSON API (docs/design.md §4): session auth and CSRF like any Django form, coded errors.

Every refusal is `{"accepted": false, "error": CODE, "message": ...}` with the status of its
code; anything the parser cannot read is a 400, never a 500.
"""

import logging
import re

from django.http import JsonResponse
from django.views.csrf import csrf_failure as html_csrf_failure
from django.views.decorators.http import require_GET, require_POST

from auctions import selectors, wire
from auctions.views.answers import answer_for, buy_answer, state_answer, viewer_id
from auctions.views.errors import json_error
from core.errors import BadRequest, CsrfFailed, NotFound

logger = logging.getLogger(__name__)

_SEQ = re.compile(r"[0-9]{1,18}")


@require_GET
def auction_state(request, pk):
    """`GET /api/auctions/<id>`: the public state of one auction."""
    return answer_for(state_answer, request, pk)


@require_GET
def auction_bids(request, pk):
    """`GET /api/auctions/<id>/bids?since=<seq>`: the public history, newest last.

    `POST` to this URL (a bid) is served before Django, by config/bid_route.py.
    """
    auction = selectors.auction_public_get(auction_id=pk)
    if auction is None:
        return json_error(NotFound())
    since = request.GET.get("since")
    if since is not None and not _SEQ.fullmatch(since):
        return json_error(BadRequest("since must be a sequence number (0 or more)."))
    lines = selectors.auction_history_public(
        auction=auction,
        since=None if since is None else int(since),
        limit=selectors.MAX_BIDS_PAGE,
    )
    viewer = viewer_id(request)
    return JsonResponse({"bids": [wire.bid_payload(line, viewer_id=viewer) for line in lines]})


@require_POST
def auction_buy(request, pk):
    """`POST /api/auctions/<id>/buy`: buy it now; 201 with the final state."""
    return answer_for(buy_answer, request, pk)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a coded JSON 403 under /api/, Django's page everywhere else."""
    if request.path.startswith("/api/"):
        return json_error(CsrfFailed())
    return html_csrf_failure(request, reason=reason)
