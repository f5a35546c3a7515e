"""uvicorn's HTTP protocol with a header-read timeout (uvicorn has none of its own).

A client that opens connections and sends half a request line or a few header bytes, never
finishing, holds each connection forever: `--timeout-keep-alive` only counts idle time between
requests and restarts with every byte. `HeaderDeadlineProtocol` closes a connection whose
request line and headers are not complete within `GAVEL_HEADER_TIMEOUT` seconds (default 10)
of its first byte, or of connecting; the body, the response and a WebSocket after its upgrade
are not limited by it. `make serve` passes it to uvicorn with `--http`.
"""

import asyncio
import os

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


def header_timeout() -> float:
    """Seconds a client has to send a complete request line and headers."""
    return float(os.environ.get("GAVEL_HEADER_TIMEOUT", "10"))


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """HttpToolsProtocol that closes a connection stuck before the end of its headers."""

    _header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        if self._header_deadline is None:
            self._arm()  # the next request on a kept-alive connection
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

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
