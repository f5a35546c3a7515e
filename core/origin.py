"""The WebSocket Origin check: scheme, host and port must all be the site's own (docs/design.md §4).

Channels' `AllowedHostsOriginValidator` compares the Origin's host with `ALLOWED_HOSTS` only,
so a page on another port or scheme of an allowed host could open a socket with the victim's
cookies. `SameOriginValidator` also requires the Origin to be exactly the origin the socket was
opened on (its scheme and its Host header, default ports normalised) or one of
`CSRF_TRUSTED_ORIGINS`; anything else is refused at the handshake.
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings

DEFAULT_PORTS = {"http": 80, "https": 443}


def normalised(origin: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin, or None when it is not an http(s) origin."""
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port or DEFAULT_PORTS[parts.scheme]


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def same_origin(scope) -> bool:
    """Whether the handshake's Origin is the socket's own origin or a trusted one."""
    origin = _header(scope, b"origin")
    if origin is None:
        return True  # not a browser: the host check behind this one decides
    parsed = normalised(origin)
    if parsed is None:
        return False
    scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
    host = _header(scope, b"host")
    allowed = {normalised(f"{scheme}://{host}")} if host else set()
    allowed |= {normalised(trusted) for trusted in settings.CSRF_TRUSTED_ORIGINS}
    return parsed in allowed


class SameOriginValidator:
    """ASGI middleware for the socket: refuse a handshake from any other origin."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not same_origin(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
