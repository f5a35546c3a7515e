"""A request id for every HTTP request, carried into that request's log lines.

The id comes from the `X-Request-ID` header a proxy set (when it is a short, plain token) or is
made here; it is returned in the response's `X-Request-ID` header, held in a context variable
while the request runs (sync views run in a copy of that context), and added to every log record
by `RequestIdFilter`. `RequestIdASGIMiddleware` sets it around Django's whole ASGI handler (so
Django's own "Not Found" lines, written after the middleware chain, carry it too; a WebSocket
connection gets one for its lifetime); the Django middleware answers the header, writes the
access line, and sets the id itself where there is no ASGI layer (WSGI, the test client).
"""

import contextvars
import logging
import re
import time
import uuid

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.utils.decorators import sync_and_async_middleware

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
HEADER = "X-Request-ID"
# Anything else (spaces, newlines, quotes, long values) could forge log lines: it is replaced.
_ACCEPTED = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")

access_log = logging.getLogger("gavel.access")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


def incoming_request_id(request) -> str:
    """The caller's `X-Request-ID` when it is a plain token, else a new random id."""
    given = request.headers.get(HEADER, "")
    return given if _ACCEPTED.fullmatch(given) else uuid.uuid4().hex


def _finish(request, response, started: float) -> None:
    response[HEADER] = REQUEST_ID.get()
    if settings.GAVEL_ACCESS_LOG:
        access_log.info(
            "%s %s %s %.1fms",
            request.method,
            request.get_full_path()[:500],
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )


def _start(request) -> contextvars.Token | None:
    if REQUEST_ID.get() != "-":
        return None  # the ASGI layer set it already
    return REQUEST_ID.set(incoming_request_id(request))


@sync_and_async_middleware
def request_id_middleware(get_response):
    """Make sure the request has an id, answer it in the header, and log the access line."""
    if iscoroutinefunction(get_response):

        async def middleware(request):
            token = _start(request)
            started = time.perf_counter()
            try:
                response = await get_response(request)
                _finish(request, response, started)
                return response
            finally:
                if token is not None:
                    REQUEST_ID.reset(token)

    else:

        def middleware(request):
            token = _start(request)
            started = time.perf_counter()
            try:
                response = get_response(request)
                _finish(request, response, started)
                return response
            finally:
                if token is not None:
                    REQUEST_ID.reset(token)

    return middleware


class RequestIdASGIMiddleware:
    """ASGI wrapper: the request id is set for everything that runs for one HTTP request or
    one WebSocket connection, including what Django logs after its middleware chain."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] not in {"http", "websocket"}:
            return await self.app(scope, receive, send)
        given = ""
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                given = value.decode("latin-1")
                break
        token = REQUEST_ID.set(given if _ACCEPTED.fullmatch(given) else uuid.uuid4().hex)
        try:
            return await self.app(scope, receive, send)
        finally:
            REQUEST_ID.reset(token)
