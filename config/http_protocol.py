"""uvicorn's HTTP protocol with header and body read deadlines (uvicorn has none of its own).

A client that opens connections and sends half a request line or a few header bytes, never
finishing, holds each connection forever: `--timeout-keep-alive` only counts idle time between
requests and restarts with every byte. `HeaderDeadlineProtocol` closes a connection whose
request line and headers are not complete within `GAVEL_HEADER_TIMEOUT` seconds (default 10)
of its first byte, or of connecting; and one whose body is not complete within
`GAVEL_BODY_TIMEOUT` seconds (default 10) of its headers, plus one second per
`GAVEL_BODY_MIN_RATE` bytes it declared (default 50,000: a 5 MB photo gets 110 s), so a body
trickled a byte at a time cannot hold a connection either. The response and a WebSocket after
its upgrade are not limited. `make serve` passes it to uvicorn with `--http`.
"""

import asyncio
import os

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


def header_timeout() -> float:
    """Seconds a client has to send a complete request line and headers."""
    return float(os.environ.get("GAVEL_HEADER_TIMEOUT", "10"))


def body_timeout(declared_length: int) -> float:
    """Seconds a client has, from the end of its headers, to send a body of this length."""
    base = float(os.environ.get("GAVEL_BODY_TIMEOUT", "10"))
    return base + declared_length / float(os.environ.get("GAVEL_BODY_MIN_RATE", "50000"))


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """HttpToolsProtocol that closes a connection stuck before the end of its headers or of its
    request body."""

    _header_deadline: asyncio.TimerHandle | None = None
    _body_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        if self._header_deadline is None:
            self._arm()  # the next request on a kept-alive connection
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._disarm()
        if not (self.parser.should_upgrade() and self._should_upgrade()):
            self._arm_body()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm_body()
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._disarm_body()
        super().connection_lost(exc)

    def _arm_body(self) -> None:
        """Arm the body deadline when a body is coming (a length, or chunks)."""
        length, chunked = 0, False
        for name, value in self.headers:
            if name == b"content-length" and value.strip().isdigit():
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = True
        if length or chunked:
            self._body_deadline = self.loop.call_later(body_timeout(length), self._expire_body)

    def _disarm_body(self) -> None:
        if self._body_deadline is not None:
            self._body_deadline.cancel()
            self._body_deadline = None

    def _expire_body(self) -> None:
        self._body_deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def _arm(self) -> None:
        self._header_deadline = self.loop.call_later(header_timeout(), self._expire)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _expire(self) -> None:
        self._header_deadline = None
        if not self.transport.is_closing():
            self.transport.close()
