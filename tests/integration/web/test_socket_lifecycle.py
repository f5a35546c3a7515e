"""A socket's life ends cleanly however it ends: garbage frames get an error reply and the socket
lives on; a handler that raises or a socket dropped without a close is no longer counted as a
viewer; and after a connect storm the pub/sub layer holds no subscription for sockets that left.
Real Redis for the engine and both channels-redis layers, the consumer through its URL router."""

import asyncio
import uuid

import pytest
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from auctions import presence
from auctions.consumers import AuctionConsumer
from auctions.routing import websocket_urlpatterns
from tests.factories import make_auction

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LAYERS = {
    "core": "channels_redis.core.RedisChannelLayer",
    "pubsub": "auctions.channel_layers.PubSubChannelLayer",
}


@pytest.fixture(params=sorted(LAYERS))
def layer_prefix(request, settings, monkeypatch, real_redis_url, real_engine_redis):
    """A real channels-redis layer with a prefix of its own (pub/sub channels span every DB)."""
    monkeypatch.setattr(presence, "THROTTLE", 0.0)
    prefix = f"gavel:test:life:{uuid.uuid4().hex[:8]}:"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": LAYERS[request.param],
            "CONFIG": {"hosts": [real_redis_url], "prefix": prefix},
        }
    }
    return prefix


@pytest.fixture
async def layer(layer_prefix):
    yield get_channel_layer()
    channel_layer = get_channel_layer()
    await channel_layer.flush()


async def open_socket(auction):
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/auctions/{auction.pk}/"
    )
    communicator.scope["user"] = AnonymousUser()
    connected, _ = await communicator.connect()
    assert connected
    while (await communicator.receive_json_from(timeout=3))["type"] != "snapshot":
        pass
    return communicator


async def next_reply(communicator) -> dict:
    while True:
        message = await communicator.receive_json_from(timeout=3)
        if message["type"] != "viewers":
            return message


def local_viewers(auction_id: int) -> set[str]:
    return set(presence._state().members.get(auction_id, set()))


GARBAGE = [
    "[" * 100_000,  # deeper than the parser's recursion limit
    '{"type": ' * 50_000 + "1" + "}" * 50_000,
    "{not json",
    "null",
    "[]",
    '"ping"',
    '{"type": ["ping"]}',
    '{"type": "ping", "x": NaN}',
]


async def test_garbage_frames_get_an_error_and_the_count_stays_true(layer):
    auction = await asyncio.to_thread(make_auction, title="Rolex")
    watcher, sender = await open_socket(auction), await open_socket(auction)
    for frame in GARBAGE:
        await sender.send_to(text_data=frame)
        assert await next_reply(sender) == {"type": "error", "error": "BAD_REQUEST"}, frame[:20]
    await sender.send_to(bytes_data=b"\xff\xfe[[[")
    assert await next_reply(sender) == {"type": "error", "error": "BAD_REQUEST"}
    await sender.send_json_to({"type": "ping"})
    assert await next_reply(sender) == {"type": "pong"}
    assert await asyncio.to_thread(presence.viewers_count, auction.pk) == 2
    await watcher.disconnect()
    await sender.disconnect()
    assert await asyncio.to_thread(presence.viewers_count, auction.pk) == 0


async def test_a_crashed_handler_is_no_longer_counted(layer, monkeypatch):
    auction = await asyncio.to_thread(make_auction, title="Rolex")
    watcher, doomed = await open_socket(auction), await open_socket(auction)
    assert await asyncio.to_thread(presence.viewers_count, auction.pk) == 2

    async def explode(self, content, **kwargs):
        raise RuntimeError("handler bug")

    monkeypatch.setattr(AuctionConsumer, "receive_json", explode)
    await doomed.send_json_to({"type": "ping"})
    with pytest.raises(RuntimeError, match="handler bug"):
        await doomed.wait(timeout=3)
    assert await asyncio.to_thread(presence.viewers_count, auction.pk) == 1
    assert len(local_viewers(auction.pk)) == 1  # the heartbeat no longer refreshes the dead one
    await watcher.disconnect()


async def test_a_socket_dropped_without_a_close_is_no_longer_counted(layer):
    auction = await asyncio.to_thread(make_auction, title="Rolex")
    watcher, dropped = await open_socket(auction), await open_socket(auction)
    dropped.future.cancel()  # the server abandons the app: no websocket.disconnect is dispatched
    with pytest.raises(asyncio.CancelledError):
        await dropped.future
    assert await asyncio.to_thread(presence.viewers_count, auction.pk) == 1
    assert len(local_viewers(auction.pk)) == 1
    await watcher.disconnect()
