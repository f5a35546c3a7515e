"""`POST /api/auctions/<id>/bids` as a lean ASGI route in front of Django's middleware stack.

Under ASGI Django runs every sync middleware hook and sync view of a process on one shared
thread; a bid answered here never leaves the event loop but for its ledger transaction (see
`services.bidding.abid_place`). Everything else, this URL's `GET` included, is Django's.

The route keeps the stack's security contract by calling the stack's own pieces, in its order:

- the request is Django's `ASGIRequest`, built by Django's ASGI handler (`create_request`);
  `SecurityMiddleware.process_request` (the HTTPS redirect) runs first;
- `Host` is checked against `ALLOWED_HOSTS` by `request.get_host()`, and a bad one answered by
  Django's own `response_for_exception` (400, logged as `django.security.DisallowedHost`);
- CSRF is `CsrfViewMiddleware.process_request` + `process_view`: the masked token from
  `X-CSRFToken` against the cookie, `Origin` against the request's origin and
  `CSRF_TRUSTED_ORIGINS`, the strict `Referer` rule over HTTPS; a refusal is `CSRF_FAILURE_VIEW`'s;
- the session is the configured `SESSION_ENGINE`'s, read with its async API; the user is the
  session's user id, trusted only when the session's auth hash equals the user's (constant time),
  as `django.contrib.auth.get_user` decides, the hash coming from the bidder's standing;
- the answer passes through the response hooks of the stack's middlewares (`SecurityMiddleware`,
  CSP, sessions' `Vary`, CSRF's cookie, `X-Frame-Options`, `CommonMiddleware`'s length) and the
  request id middleware (the `X-Request-ID` header and the access line).

Bodies are `application/json` of at most 64 KiB (413 beyond, 400 otherwise); the answers, codes
and statuses are the API's (docs/design.md, public interface). A refusal is coded; an outage
(Redis or the database not answering) is 503 UNAVAILABLE; anything else is a bug, answered by
Django's own exception handling (logged with the traceback and the request id, a 500).
"""

import functools
import io
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.handlers.exception import response_for_exception
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils.crypto import constant_time_compare
from django.utils.module_loading import import_string
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from auctions import engine, selectors, wire
from auctions.forms import parse_bid_request
from auctions.services.bidding import abid_place
from auctions.services.standing import astanding_get
from config.request_id import request_id_middleware
from core import json_input
from core.errors import BadRequest, BodyTooLarge, GavelError, NotAllowed, NotFound
from core.outage import is_outage, unavailable_response

logger = logging.getLogger(__name__)

ROUTE = re.compile(r"/api/auctions/(?P<pk>[0-9]{1,18})/bids")
# The API's body limit (docs/design.md): a larger body is 413 and is not read to its end.
MAX_BODY_BYTES = 64 * 1024


def _not_called(request: HttpRequest) -> HttpResponse:
    raise AssertionError("the middleware pieces are called hook by hook")  # pragma: no cover


def _place_bid_view(request: HttpRequest) -> HttpResponse:  # pragma: no cover
    """What `CsrfViewMiddleware.process_view` is told the view is: not CSRF-exempt."""
    raise AssertionError("never called")


class LeanBidRoute:
    """ASGI app: the bid route here, everything else to `django_app` (Django's ASGI handler)."""

    def __init__(self, django_app: Any) -> None:
        self.django_app = django_app
        self.security = SecurityMiddleware(_not_called)
        self.csp = import_string("csp.middleware.CSPMiddleware")(_not_called)
        self.sessions = SessionMiddleware(_not_called)
        self.csrf = CsrfViewMiddleware(_not_called)
        self.common = CommonMiddleware(_not_called)
        self.frames = XFrameOptionsMiddleware(_not_called)
        self.session_store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        match = None
        if scope["type"] == "http" and scope["method"] == "POST":
            match = ROUTE.fullmatch(scope["path"])
        if match is None:
            return await self.django_app(scope, receive, send)
        body, too_large = await _read_body(scope, receive)
        request, error_response = self.django_app.create_request(scope, io.BytesIO(body))
        if request is None:
            await self.django_app.send_response(error_response, send)
            return
        respond = functools.partial(self._respond, auction_id=int(match["pk"]), too_large=too_large)
        response = await request_id_middleware(respond)(request)
        await self.django_app.send_response(response, send)

    async def _respond(
        self, request: HttpRequest, *, auction_id: int, too_large: bool
    ) -> HttpResponseBase:
        response: HttpResponseBase | None
        try:
            response = self.security.process_request(request)
            if response is None:
                self.csp.process_request(request)
                request.get_host()
                response = await self._checked(request, auction_id, too_large)
        except GavelError as refusal:
            response = JsonResponse(refusal.as_dict(), status=refusal.http_status)
        except Exception as error:  # noqa: BLE001  # the route's handler of the unexpected
            if is_outage(error):
                logger.warning("outage on %s %s: %r", request.method, request.path, error)
                response = unavailable_response(request)
            else:
                # Django's own: a bad Host is its 400, anything else a logged 500 (handler500),
                # with `got_request_exception` sent for an error tracker.
                response = response_for_exception(request, error)
        return self._finish(request, response)

    async def _checked(
        self, request: HttpRequest, auction_id: int, too_large: bool
    ) -> HttpResponse:
        """CSRF, the auction, the user, the body: the view's answer once the checks pass."""
        request.session = self.session_store(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
        self.csrf.process_request(request)
        rejected = self.csrf.process_view(request, _place_bid_view, (), {})
        if rejected is not None:
            return rejected
        auction = await selectors.aauction_for_bid(auction_id=auction_id)
        if auction is None:
            raise NotFound()
        user_id = await self._user_id(request)
        if user_id is None:
            return JsonResponse(NotAllowed("Log in to bid.").as_dict(), status=401)
        bid = parse_bid_request(_json_body(request, too_large))
        result = await abid_place(auction=auction, bidder_id=user_id, bid=bid)
        return JsonResponse(wire.accepted_payload(result, viewer_id=user_id), status=201)

    async def _user_id(self, request: HttpRequest) -> int | None:
        """The session's user, as `django.contrib.auth.get_user` trusts it: a known backend, an
        active user and the session's auth hash equal to the user's (else anonymous). A staff
        session that owes its second factor is refused (NOT_ALLOWED)."""
        session = request.session
        user_id = await session.aget(SESSION_KEY)
        backend = await session.aget(BACKEND_SESSION_KEY)
        if user_id is None or backend not in settings.AUTHENTICATION_BACKENDS:
            return None
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        standing = await astanding_get(user_id)
        session_hash = await session.aget(HASH_SESSION_KEY)
        if standing is None or not standing.active or not session_hash:
            return None
        if not constant_time_compare(session_hash, standing.session_hash):
            # Django also accepts a hash made with a fallback secret key (and then rotates it);
            # such a session is refused here: its next page view rotates it.
            return None
        if standing.second_factor:
            # A staff session signed in by password only holds no powers anywhere, this route
            # included, until its code was entered (core/second_factor.py).
            device = await session.aget(DEVICE_ID_SESSION_KEY)
            if not device or not await engine.offload(user_id, _device_confirmed, user_id, device):
                raise NotAllowed("Enter your two-factor code first.")
        return user_id

    def _finish(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """The stack's response hooks, innermost first, as Django's chain would run them."""
        hooks: tuple[Callable[[HttpRequest, Any], HttpResponseBase], ...] = (
            self.frames.process_response,
            self.csrf.process_response,
            self.common.process_response,
            self.sessions.process_response,
            self.csp.process_response,
            self.security.process_response,
        )
        for hook in hooks:
            response = hook(request, response)
        return response


def _device_confirmed(user_id: int, persistent_id: str) -> bool:
    """Whether the session's device is one of the user's confirmed ones (django-otp's check)."""
    device = Device.from_persistent_id(persistent_id)
    return device is not None and device.user_id == user_id and device.confirmed


async def _read_body(scope: dict, receive: Callable[[], Awaitable[dict]]) -> tuple[bytes, bool]:
    """The request body and whether it exceeds `MAX_BODY_BYTES` (then not read further)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            declared = value.decode("latin-1")
            if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
                return b"", True
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), False


def _json_body(request: HttpRequest, too_large: bool) -> object:
    """The request's JSON document: 413 over 64 KiB, BAD_REQUEST unless `application/json`."""
    if too_large:
        raise BodyTooLarge(f"The body is larger than {MAX_BODY_BYTES // 1024} KiB.")
    if request.content_type != "application/json":
        raise BadRequest("API bodies are application/json.")
    try:
        return json_input.loads(request.body or b"null")
    except ValueError:
        raise BadRequest("The body is not valid JSON.") from None
