"""An outage is `503 UNAVAILABLE`, never a 500 (docs/design.md §4), on every surface.

The database or Redis not answering surfaces as one of `OUTAGE_ERRORS` wherever it happens: in a
view, a middleware (the session, the user) or a WebSocket handshake. `OutageMiddleware` turns a
view's into a 503, `server_error` (the `handler500`) those raised outside views, and
`WebSocketOutageGuard` closes the socket with 1013 "try again later". Everything else still
reaches Django's own 500 handling: a bug is not an outage.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults
from redis import exceptions as redis_errors

from core.errors import Unavailable

logger = logging.getLogger(__name__)

OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.ClusterDownError,
    ConnectionError,
    Unavailable,
)
CLOSE_TRY_AGAIN_LATER = 1013  # RFC 6455 registry: "Try Again Later"
RETRY_AFTER_SECONDS = 5
MESSAGE = "Gavel is briefly unavailable. Nothing was changed by this request; please retry."


def is_outage(error: BaseException | None) -> bool:
    """Whether `error`, or an exception it was raised from, means a service did not answer."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OUTAGE_ERRORS):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def wants_json(request) -> bool:
    """Whether the answer is JSON: under `/api/`, or a client preferring `application/json`."""
    if request.path.startswith("/api/"):
        return True
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def unavailable_response(request) -> HttpResponse:
    """The 503: coded JSON for the API, a page (rendered without touching any service) else."""
    if wants_json(request):
        response: HttpResponse = JsonResponse(
            {"accepted": False, "error": Unavailable.code, "message": MESSAGE}, status=503
        )
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class OutageMiddleware:
    """A view (or its template) that hit an outage answers 503 instead of 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_outage(exception):
            return None
        logger.warning("outage on %s %s: %r", request.method, request.path, exception)
        return unavailable_response(request)


SERVER_ERROR = "SERVER_ERROR"
SERVER_ERROR_MESSAGE = "Something went wrong on our side. It has been logged; please try later."


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """`handler500`: an outage raised outside a view (a middleware, the session) is a 503 too;
    a bug is a 500, coded JSON on the API (the request id is in the `X-Request-ID` header)."""
    if is_outage(sys.exc_info()[1]):
        return unavailable_response(request)
    if wants_json(request):
        return JsonResponse(
            {"accepted": False, "error": SERVER_ERROR, "message": SERVER_ERROR_MESSAGE}, status=500
        )
    return defaults.server_error(request, template_name)


class WebSocketOutageGuard:
    """ASGI middleware: an outage during a socket's life closes it with 1013, not a crash.

    Before the handshake completed the socket is accepted first, so the browser sees the close
    code (a refused handshake only shows as a failed connection) and retries later.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        sent = {"accept": False, "close": False}

        async def tracked_send(message):
            if message["type"] == "websocket.accept":
                sent["accept"] = True
            elif message["type"] == "websocket.close":
                sent["close"] = True
            await send(message)

        try:
            return await self.app(scope, receive, tracked_send)
        except Exception as error:
            if not is_outage(error) or sent["close"]:
                raise
            logger.warning("outage on socket %s: %r", scope.get("path"), error)
            try:
                if not sent["accept"]:
                    await send({"type": "websocket.accept"})
                await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER})
            except Exception:  # noqa: BLE001 - the client may already be gone; nothing to tell
                logger.debug("socket gone before its outage close", exc_info=True)
