"""The JSON answers of the auction URLs, shared by the API and by the pages a client asks for
JSON (docs/design.md, public interface: `Accept: application/json` or under `/api/`).

Each answer takes the request and the auction and returns a `JsonResponse`: 2xx, or the coded
refusal of what it raised (`json_refusals`). The URL's one view looks the auction up and calls
it. `POST /api/auctions/<id>/bids` itself is served before Django (config/bid_route.py) with the
same parser and service.
"""

from collections.abc import Callable

from django.http import HttpRequest, JsonResponse

from auctions import selectors, wire
from auctions.forms import parse_bid_request
from auctions.models import Auction
from auctions.services.bidding import bid_place, buy_now
from auctions.views.errors import json_error, json_refusals
from core import inputs, json_input
from core.errors import BadRequest, NotAllowed, NotFound


def answer_for(
    answer: Callable[[HttpRequest, Auction], JsonResponse], request: HttpRequest, pk: int
) -> JsonResponse:
    """`answer` for the public auction `pk`, or a coded 404."""
    auction = selectors.auction_public_get(auction_id=pk)
    if auction is None:
        return json_error(NotFound())
    return answer(request, auction)


def viewer_id(request: HttpRequest) -> int | None:
    return request.user.pk if request.user.is_authenticated else None


def _anonymous(action: str) -> JsonResponse:
    """401: the API answers an anonymous write with NOT_ALLOWED and asks for a login."""
    return json_error(NotAllowed(f"Log in to {action}."), status=401)


def _body(request: HttpRequest) -> object:
    """A JSON body (the API takes no other), or a form post's non-blank fields."""
    if request.path.startswith("/api/") or request.content_type == "application/json":
        declared = request.META.get("CONTENT_LENGTH") or "0"
        too_large = not declared.isdigit() or int(declared) > json_input.MAX_BODY_BYTES
        return json_input.document(
            b"" if too_large else request.body,
            content_type=request.content_type,
            too_large=too_large,
        )
    return {key: value for key, value in request.POST.items() if value != ""}


@json_refusals
def state_answer(request: HttpRequest, auction: Auction) -> JsonResponse:
    """The public state of one auction."""
    state = selectors.auction_state_get(auction=auction)
    return JsonResponse(
        wire.state_payload(state, title=auction.title, viewer_id=viewer_id(request))
    )


@json_refusals
def bid_answer(request: HttpRequest, auction: Auction) -> JsonResponse:
    """Place a bid from the body: 201 with the outcome."""
    if not request.user.is_authenticated:
        return _anonymous("bid")
    bid = parse_bid_request(_body(request))
    result = bid_place(auction=auction, bidder=request.user, bid=bid)
    return JsonResponse(wire.accepted_payload(result, viewer_id=request.user.pk), status=201)


@json_refusals
def buy_answer(request: HttpRequest, auction: Auction) -> JsonResponse:
    """Buy it now: 201 with the final state."""
    if not request.user.is_authenticated:
        return _anonymous("bid")
    body = _body(request)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    request_id = inputs.request_id(body.get("request_id"))
    result = buy_now(auction=auction, buyer=request.user, request_id=request_id)
    payload = wire.state_payload(result.state, title=auction.title, viewer_id=request.user.pk)
    return JsonResponse({"accepted": True, **payload}, status=201)
