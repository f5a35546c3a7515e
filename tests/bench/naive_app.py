"""The naive baseline as a web app: `POST /naive/auctions/<id>/bids` → `naive_bid_place`.

The URLconf of `tests/bench/naive_settings.py`, served as WSGI by gunicorn's sync workers in
`tests/bench/http_bids.py`. Same request and answer shapes as Gavel's JSON API, session auth
and CSRF by Django's middleware; the bid itself is the row-locking transaction of
`naive_engine.py`.
"""

import json

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.http import require_POST

from auctions.forms import parse_bid_request
from core.errors import BadRequest, GavelError
from core.money import format_amount
from tests.bench.naive_engine import naive_bid_place


@require_POST
def place_bid(request, pk):
    if not request.user.is_authenticated:
        return JsonResponse({"accepted": False, "error": "NOT_ALLOWED"}, status=401)
    try:
        try:
            body = json.loads(request.body.decode("utf-8") or "null")
        except ValueError:
            raise BadRequest("The body is not valid JSON.") from None
        bid = parse_bid_request(body)
        result = naive_bid_place(
            auction_id=pk,
            bidder=request.user,
            amount=bid.amount,
            max_amount=bid.max_amount,
            request_id=bid.request_id,
        )
    except GavelError as error:
        return JsonResponse(error.as_dict(), status=error.http_status)
    return JsonResponse(
        {"accepted": True, "seq": result.seq, "price": format_amount(result.price)}, status=201
    )


urlpatterns = [path("naive/auctions/<int:pk>/bids", place_bid)]
