"""However a socket ends (`core.sockets`), it leaves nothing behind: not a viewer in the count (which the
heartbeat would refresh forever), not a group membership, not a Redis subscription or an
in-process queue in the pub/sub layer. Channels skips `websocket_disconnect` when a handler
raises or the server abandons the app, and channels-redis unsubscribes a consumer's channel only
when a pending receive is cancelled; these are the ways out that used to leak.

Real Redis for the engine and for both channels-redis layers, the consumer through its router.
Every wait has a timeout, so a regression fails instead of hanging the suite."""

import asyncio
import json
import uuid

import pytest
import redis
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from auctions import presence
from auctions.consumers import AuctionConsumer
from auctions.events import auction_group, viewers_event
from auctions.routing import websocket_urlpatterns
from orders.consumers import OrderConsumer
from orders.routing import websocket_urlpatterns as order_urlpatterns
from tests.integration.orders.conftest import sold

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LAYERS = {
    "core": "channels_redis.core.RedisChannelLayer",
    "pubsub": "core.channel_layers.PubSubChannelLayer",
}
WAIT = 10.0


@pytest.fixture
def prefix() -> str:
    # Pub/sub channels span every database of the server: a prefix of its own per test.
    return f"gavel:test:life:{uuid.uuid4().hex[:8]}:"


def use_layer(settings, url: str, prefix: str, kind: str) -> None:
    # The deployed socket timeout: redis-py's default (5 s) equals the core layer's blocking
    # pop, which then times out on an idle socket (django/channels_redis#422).
    host = {"address": url, "socket_timeout": settings.CHANNEL_LAYER_SOCKET_TIMEOUT}
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": LAYERS[kind], "CONFIG": {"hosts": [host], "prefix": prefix}}
    }


@pytest.fixture
def redis_client(real_redis_url, real_engine_redis, monkeypatch):
    monkeypatch.setattr(presence, "THROTTLE", 0.0)
    client = redis.Redis.from_url(real_redis_url, socket_timeout=WAIT)
    yield client
    client.close()


@pytest.fixture(params=sorted(LAYERS))
async def any_layer(request, settings, real_redis_url, redis_client, prefix):
    use_layer(settings, real_redis_url, prefix, request.param)
    layer = get_channel_layer()
    yield layer
    await asyncio.wait_for(layer.flush(), WAIT)


@pytest.fixture
async def pubsub_layer(settings, real_redis_url, redis_client, prefix):
    use_layer(settings, real_redis_url, prefix, "pubsub")
    layer = get_channel_layer()
    yield layer
    await asyncio.wait_for(layer.flush(), WAIT)


async def open_socket(auction) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/auctions/{auction.pk}/"
    )
    communicator.scope["user"] = AnonymousUser()
    connected, _ = await communicator.connect(timeout=WAIT)
    assert connected
    while (await communicator.receive_json_from(timeout=WAIT))["type"] != "snapshot":
        pass
    return communicator


async def abandon(socket: WebsocketCommunicator) -> None:
    """Give up on the app as daphne does once a socket is gone: cancel it, and again every tick
    until it ends (on Python 3.11 one cancel can be swallowed by an `asyncio.wait_for` inside
    redis-py that completes at the same moment, CPython gh-86296)."""
    while not socket.future.done():
        socket.future.cancel()
        await asyncio.wait([socket.future], timeout=0.05)


async def counted(auction_id: int) -> int | None:
    return await asyncio.to_thread(presence.viewers_count, auction_id)


async def eventually(check, expected, timeout: float = WAIT):
    """`await check()` once it returns `expected` (a release shielded from cancellation may
    finish just after the app's task); the last value it returned otherwise."""
    deadline = asyncio.get_running_loop().time() + timeout
    while (value := await check()) != expected and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.02)
    return value


def local_viewers(auction_id: int) -> set[str]:
    """The sockets this process's heartbeat keeps refreshing."""
    return set(presence._state().members.get(auction_id, set()))


async def subscriptions(client: redis.Redis, prefix: str) -> list[bytes]:
    """The layer's channels (its consumers' own and its groups') Redis still delivers to."""
    return await asyncio.to_thread(client.pubsub_channels, f"{prefix}*")


async def crash(socket: WebsocketCommunicator, consumer_class, monkeypatch) -> None:
    """Make the socket's next message raise in its consumer's handler (a bug), and see the
    socket told so (an error frame, then close code 1011, the socket's 500) and the app end."""

    async def explode(self, content, **kwargs):
        raise RuntimeError("handler bug")

    monkeypatch.setattr(consumer_class, "receive_json", explode)
    await socket.send_json_to({"type": "ping"})
    errors = []
    while (frame := await socket.receive_output(timeout=WAIT))["type"] != "websocket.close":
        if json.loads(frame.get("text") or "{}").get("type") == "error":
            errors.append(json.loads(frame["text"])["error"])
    assert errors == ["SERVER_ERROR"]
    assert frame["code"] == 1011
    await socket.wait(timeout=WAIT)


async def test_a_crashed_handler_is_no_longer_counted(auction, any_layer, monkeypatch):
    watcher, doomed = await open_socket(auction), await open_socket(auction)
    assert await counted(auction.pk) == 2
    await crash(doomed, AuctionConsumer, monkeypatch)
    assert await counted(auction.pk) == 1
    assert len(local_viewers(auction.pk)) == 1
    await watcher.disconnect(timeout=WAIT)
    assert await counted(auction.pk) == 0


async def test_an_abandoned_socket_is_no_longer_counted(auction, any_layer):
    watcher, dropped = await open_socket(auction), await open_socket(auction)
    await abandon(dropped)  # no websocket.disconnect comes
    assert await eventually(lambda: counted(auction.pk), 1) == 1
    assert len(local_viewers(auction.pk)) == 1
    await watcher.disconnect(timeout=WAIT)
    assert await counted(auction.pk) == 0


async def test_a_crashed_socket_leaves_no_subscription(
    auction, pubsub_layer, redis_client, prefix, monkeypatch
):
    doomed = await open_socket(auction)
    assert len(await subscriptions(redis_client, prefix)) == 2  # its own channel and the group
    await crash(doomed, AuctionConsumer, monkeypatch)
    assert await subscriptions(redis_client, prefix) == []
    assert pubsub_layer._get_layer().channels == {}


@pytest.fixture
def order(db):
    return sold()


async def test_a_crashed_order_socket_leaves_no_subscription(
    order, pubsub_layer, redis_client, prefix, monkeypatch
):
    buyer = WebsocketCommunicator(URLRouter(order_urlpatterns), f"/ws/orders/{order.pk}/")
    buyer.scope["user"] = order.buyer
    connected, _ = await buyer.connect(timeout=WAIT)
    assert connected
    assert len(await subscriptions(redis_client, prefix)) == 2  # its own channel and the group
    await crash(buyer, OrderConsumer, monkeypatch)
    assert await subscriptions(redis_client, prefix) == []


async def test_a_socket_leaving_with_a_message_in_flight_is_unsubscribed(
    auction, pubsub_layer, redis_client, prefix, monkeypatch
):
    """The viewer's socket is slow (a send waits), a live event queues behind it, and the
    client leaves: Channels stops the consumer with that event received but not handled, so
    no pending receive is cancelled and the upstream layer never unsubscribes."""
    viewer = await open_socket(auction)
    handle_viewers = AuctionConsumer.viewers

    async def slow_viewers(self, message):
        await asyncio.sleep(0.5)
        await handle_viewers(self, message)

    monkeypatch.setattr(AuctionConsumer, "viewers", slow_viewers)
    for count in (7, 8):
        event = viewers_event(auction_id=auction.pk, count=count)
        await pubsub_layer.group_send(
            auction_group(auction.pk), {"type": "viewers", "event": event}
        )
    await asyncio.sleep(0.2)  # the first event is being sent, the second waits in the queue
    await viewer.disconnect(timeout=WAIT)
    assert await subscriptions(redis_client, prefix) == []
    assert pubsub_layer._get_layer().channels == {}
    assert await counted(auction.pk) == 0


async def test_a_connect_storm_leaves_nothing_behind(auction, pubsub_layer, redis_client, prefix):
    """Sixty viewers arrive at once while live events flow, then all leave at once, a third of
    them mid-event, a third abandoned by the server."""
    group = auction_group(auction.pk)
    flowing = asyncio.Event()

    async def publish():
        count = 0
        while not flowing.is_set():
            count += 1
            event = viewers_event(auction_id=auction.pk, count=count)
            await pubsub_layer.group_send(group, {"type": "viewers", "event": event})
            await asyncio.sleep(0.002)

    publisher = asyncio.create_task(publish())
    try:
        sockets = await asyncio.wait_for(
            asyncio.gather(*(open_socket(auction) for _ in range(60))), WAIT * 3
        )
        assert await eventually(lambda: counted(auction.pk), 60) == 60

        async def leave(index: int, socket: WebsocketCommunicator):
            if index % 3 == 2:
                await abandon(socket)
            else:
                await socket.disconnect(timeout=WAIT)

        await asyncio.wait_for(
            asyncio.gather(*(leave(i, s) for i, s in enumerate(sockets))), WAIT * 3
        )
    finally:
        flowing.set()
        await asyncio.wait_for(publisher, WAIT)
    assert await eventually(lambda: subscriptions(redis_client, prefix), []) == []
    assert pubsub_layer._get_layer().channels == {}
    assert pubsub_layer._get_layer().groups == {}
    assert await counted(auction.pk) == 0
    assert local_viewers(auction.pk) == set()
