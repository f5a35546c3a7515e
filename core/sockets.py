"""The base of Gavel's WebSocket consumers: whatever a socket registered is released however the
socket ends.

Channels dispatches `websocket.disconnect` only to a consumer still listening: a handler that
raises, or a server that abandons (cancels) the app, skips it, and with it the base class's
`group_discard` and the `disconnect` hook. The channel layer keeps a consumer's own channel
(channels-redis's pub/sub layer: a Redis subscription and an in-process queue) until a pending
receive is cancelled, which does not happen when the consumer stops with a message received
but not yet handled. Here the release runs in a `finally` around the whole consumer instead.

Every socket also reads its client's frames here, one way (`receive`): strict JSON through
`core.json_input`; a binary, malformed or too deeply nested frame gets an error reply and
the socket lives on. And none opens for a staff session that owes its second factor
(`core.second_factor`).
"""

import asyncio
import logging

from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from redis.exceptions import RedisError

from core import json_input
from core.errors import BadRequest
from core.outage import is_outage
from core.second_factor import scope_owes_second_factor

logger = logging.getLogger(__name__)

# The socket's "500": the code of the error frame and the close code (RFC 6455 "internal error").
SERVER_ERROR = "SERVER_ERROR"
CLOSE_SERVER_ERROR = 1011

# The handshake refused: a staff session that has not entered its two-factor code.
CLOSE_SECOND_FACTOR = 4403


class ReleasingJsonWebsocketConsumer(AsyncJsonWebsocketConsumer):
    """A JSON WebSocket consumer whose groups (join them with `join`) are left, whose `release`
    hook runs and whose layer channel is deleted (where the layer can) exactly once, however it
    stops. Subclasses put what `disconnect` would do in `release`."""

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Shielded: a second cancellation cannot cut the release short.
            await asyncio.shield(self._release_all())

    async def websocket_receive(self, message):
        """A frame whose handling raises a bug (not a coded refusal, not an outage) gets the
        socket's 500: see `_bug`."""
        try:
            await super().websocket_receive(message)
        except StopConsumer:
            raise
        except Exception as error:  # noqa: BLE001  # the socket's 500: logged, answered, closed
            await self._bug(error, "handling a frame")

    async def _bug(self, error: Exception, during: str) -> None:
        """The socket's 500: logged with the traceback and the connection's request id, told to
        the client in an error frame, the socket closed with 1011, instead of dying without a
        close frame. An outage goes on to `WebSocketOutageGuard` (1013, try again later)."""
        if is_outage(error):
            raise error
        logger.error(
            "socket %s: %s failed", getattr(self, "channel_name", "-"), during, exc_info=error
        )
        if not self._accepted:
            await self.accept()
        await self.send_json({"type": "error", "error": SERVER_ERROR})
        await self.close(code=CLOSE_SERVER_ERROR)
        raise StopConsumer() from None

    _accepted = False

    async def accept(self, subprotocol=None, headers=None):
        self._accepted = True
        await super().accept(subprotocol=subprotocol, headers=headers)

    async def websocket_connect(self, message):
        if await scope_owes_second_factor(self.scope):
            await self.close(code=CLOSE_SECOND_FACTOR)
            return
        try:
            await super().websocket_connect(message)
        except StopConsumer:
            raise
        except Exception as error:  # noqa: BLE001  # the socket's 500, as for a frame
            await self._bug(error, "connecting")

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """A client frame, parsed strictly, to `receive_json`; anything else (binary, not JSON,
        nested too deeply to parse) an error frame, and the socket lives on."""
        try:
            content = json_input.loads(text_data or "")
        except ValueError:
            await self.send_json({"type": "error", "error": BadRequest.code})
            return
        await self.receive_json(content)

    async def websocket_disconnect(self, message):
        raise StopConsumer()  # `__call__` releases what the socket held

    async def join(self, group: str) -> None:
        """Add this socket to `group` until it ends."""
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups.append(group)

    async def release(self) -> None:
        """Hook: forget what this socket registered besides its groups. Runs once, before the
        groups are left; must not assume `connect` ran to its end."""

    async def _release_all(self) -> None:
        layer = getattr(self, "channel_layer", None)
        channel = getattr(self, "channel_name", None)
        if layer is None or channel is None:
            return  # the layer never gave this socket a channel
        await self.release()
        try:
            while self.groups:
                await layer.group_discard(self.groups.pop(), channel)
            if hasattr(layer, "delete_channel"):
                await layer.delete_channel(channel)
        except RedisError:
            logger.warning("socket %s: channel layer release failed", channel, exc_info=True)
