"""The live socket with Channels' WebsocketCommunicator, on the embedded stack (fakeredis engine +
in-memory layer) and on the real one (Redis engine + channels-redis): snapshot, ordered events
with per-viewer flags, resume with `since`, gap healing, bids over the socket, refusals."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from auctions import presence
from auctions.events import broadcast as events
from auctions.models import Bid
from auctions.routing import websocket_urlpatterns
from auctions.services.bidding import BidRequest, bid_place
from tests.factories import make_auction, make_user
from tests.integration.web.conftest import STATE_KEYS, reveals

# serialized_rollback: the flush after each test then leaves no re-created content types behind
# for the next serialized test (the e2e suite), and the data migration's groups come back.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(params=["embedded", "redis"])
def stack(request, settings, monkeypatch):
    """Engine and channel layer: fakeredis + in-memory, or real Redis + channels-redis."""
    monkeypatch.setattr(presence, "THROTTLE", 0.0)  # every join/leave is broadcast at once
    if request.param == "embedded":
        request.getfixturevalue("fake_engine_redis")
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    else:
        url = request.getfixturevalue("real_redis_url")
        request.getfixturevalue("real_engine_redis")
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [url], "prefix": "gavel:test:web", "capacity": 100},
            }
        }
    return request.param


@pytest.fixture
async def cleanup_layer(stack):
    yield
    layer = get_channel_layer()
    if hasattr(layer, "flush"):
        await layer.flush()
    if hasattr(layer, "close_pools"):
        await layer.close_pools()


@pytest.fixture
def world(stack, cleanup_layer):
    """An open auction (10.00 start) and two bidders."""
    return {
        "auction": make_auction(title="Leica M6"),
        "alice": make_user("alice"),
        "bob": make_user("bob"),
    }


async def open_socket(auction, user=None, query=""):
    app = URLRouter(websocket_urlpatterns)
    communicator = WebsocketCommunicator(app, f"/ws/auctions/{auction.pk}/{query}")
    communicator.scope["user"] = user or AnonymousUser()
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def receive(communicator, skip=("viewers",), timeout=3):
    """The next message that is not of a `skip` type."""
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        if message.get("type") not in skip:
            return message


@database_sync_to_async
def place(*, auction, bidder, amount=None, max_amount=None, request_id):
    """A bid placed through the blocking service, as the form post places it."""
    return bid_place(auction=auction, bidder=bidder, bid=BidRequest(amount, max_amount, request_id))


async def test_snapshot_on_connect(world):
    socket = await open_socket(world["auction"], world["alice"])
    snapshot = await receive(socket)
    assert snapshot["type"] == "snapshot"
    assert STATE_KEYS <= set(snapshot)
    assert snapshot["price"] == "10.00"
    assert snapshot["seq"] == 0
    assert snapshot["bids"] == []
    assert snapshot["now"].endswith("Z")
    await socket.disconnect()


async def test_live_events_arrive_in_order_with_per_viewer_flags(world):
    auction, alice, bob = world["auction"], world["alice"], world["bob"]
    alice_socket = await open_socket(auction, alice)
    bob_socket = await open_socket(auction, bob)
    await receive(alice_socket)
    await receive(bob_socket)

    await place(auction=auction, bidder=alice, amount=1000, max_amount=2000, request_id="a1")
    await place(auction=auction, bidder=bob, amount=1500, request_id="b1")
    await place(auction=auction, bidder=bob, amount=2500, request_id="b2")

    seen_by_alice = [await receive(alice_socket) for _ in range(4)]
    outbid = [m for m in seen_by_alice if m["type"] == "outbid"]
    bids = [m for m in seen_by_alice if m["type"] == "bid"]
    assert [m["seq"] for m in bids] == [1, 2, 3]
    assert [m["is_you"] for m in bids] == [True, False, False]
    assert [m["leader_is_you"] for m in bids] == [True, True, False]
    assert [m["price"] for m in bids] == ["10.00", "15.50", "25.00"]
    assert outbid == [
        {
            "type": "outbid",
            "auction_id": auction.pk,
            "title": "Leica M6",
            "price": "25.00",
            "min_bid": "26.00",  # 25.00 is in the 1.00-increment band
        }
    ]
    seen_by_bob = [await receive(bob_socket) for _ in range(3)]
    assert [m["is_you"] for m in seen_by_bob] == [False, True, True]
    for message in seen_by_alice + seen_by_bob:
        assert "bidder_id" not in message and "leader_id" not in message
        assert not reveals(message, "20.00")  # Alice's maximum is private
    await alice_socket.disconnect()
    await bob_socket.disconnect()


async def test_resume_with_since_replays_exactly_the_missed_events(world):
    auction, alice, bob = world["auction"], world["alice"], world["bob"]
    await place(auction=auction, bidder=alice, amount=1000, request_id="a1")
    await place(auction=auction, bidder=bob, amount=1100, request_id="b1")
    await place(auction=auction, bidder=alice, amount=1200, request_id="a2")

    socket = await open_socket(auction, alice, "?since=1")
    replay = [await receive(socket) for _ in range(3)]
    assert [(m["type"], m.get("seq")) for m in replay] == [
        ("bid", 2),
        ("bid", 3),
        ("snapshot", 3),
    ]
    assert [m["is_you"] for m in replay[:2]] == [False, True]
    await socket.disconnect()

    for query in ("?since=3", "?since=999", "?since=abc", "?since=%C2%B2", "?since=%00"):
        socket = await open_socket(auction, alice, query)
        first = await receive(socket)
        assert (first["type"], first["seq"]) == ("snapshot", 3)
        await socket.disconnect()


async def test_a_gap_is_healed_from_the_stream(world, monkeypatch):
    """A dropped broadcast (slow client, full channel) must not leave the viewer behind."""
    auction, alice, bob = world["auction"], world["alice"], world["bob"]
    socket = await open_socket(auction, bob)
    await receive(socket)
    real_send = events._send
    monkeypatch.setattr(events, "_send", lambda group, message: None)
    await place(auction=auction, bidder=alice, amount=1000, request_id="lost")
    monkeypatch.setattr(events, "_send", real_send)
    await place(auction=auction, bidder=alice, amount=1100, request_id="seen")

    healed = [await receive(socket) for _ in range(3)]
    assert [(m["type"], m["seq"]) for m in healed] == [("bid", 1), ("bid", 2), ("snapshot", 2)]
    await socket.disconnect()


async def test_events_that_overtake_each_other_are_reordered_without_a_resync(world, monkeypatch):
    """Two processes (or request threads) may publish neighbouring events in either order: the
    consumer holds the early one briefly and sends both in seq order, with no snapshot."""
    auction, alice, bob = world["auction"], world["alice"], world["bob"]
    socket = await open_socket(auction, bob)
    await receive(socket)
    captured = []
    monkeypatch.setattr(events, "_send", lambda group, message: captured.append((group, message)))
    await place(auction=auction, bidder=alice, amount=1000, request_id="first")
    await place(auction=auction, bidder=alice, amount=1100, request_id="second")
    bids = [(group, message) for group, message in captured if message["type"] == "bid"]
    layer = get_channel_layer()
    for group, message in reversed(bids):
        await layer.group_send(group, message)

    delivered = [await receive(socket) for _ in range(2)]
    assert [(m["type"], m["seq"]) for m in delivered] == [("bid", 1), ("bid", 2)]
    assert await socket.receive_nothing(timeout=1)  # no resync snapshot follows
    await socket.disconnect()


async def test_bid_over_the_socket(world):
    auction, alice = world["auction"], world["alice"]
    socket = await open_socket(auction, alice)
    await receive(socket)

    await socket.send_json_to({"type": "bid", "amount": "12.00", "request_id": "ws-1"})
    replies = [await receive(socket) for _ in range(2)]
    result = next(m for m in replies if m["type"] == "bid_result")
    event = next(m for m in replies if m["type"] == "bid")
    assert result == {
        "type": "bid_result",
        "request_id": "ws-1",
        "accepted": True,
        "seq": 1,
        "price": "12.00",
        "leader": "a***e",
        "leader_is_you": True,
        "ends_at": result["ends_at"],
    }
    assert event["seq"] == 1 and event["is_you"] is True

    await socket.send_json_to({"type": "bid", "amount": "12.00", "request_id": "ws-2"})
    low = await receive(socket)
    assert (low["type"], low["error"], low["min_bid"]) == ("bid_result", "BID_TOO_LOW", "12.50")
    await socket.send_json_to({"type": "bid", "amount": "1e9", "request_id": "ws-3"})
    bad = await receive(socket)
    assert (bad["error"], bad["accepted"]) == ("INVALID_AMOUNT", False)
    assert await database_sync_to_async(Bid.objects.count)() == 1
    await socket.disconnect()


async def test_a_suspension_refuses_the_next_bid_on_an_open_socket(world):
    """The socket outlives the login: the bidder's standing is read per bid (from Redis, dropped
    by the save), so a moderator's suspension applies to the very next frame."""
    auction, alice = world["auction"], world["alice"]
    socket = await open_socket(auction, alice)
    await receive(socket)
    await socket.send_json_to({"type": "bid", "amount": "12.00", "request_id": "before"})
    first = await receive(socket, skip=("viewers", "bid"))
    assert (first["type"], first["accepted"]) == ("bid_result", True)
    alice.is_suspended = True
    await database_sync_to_async(alice.save)(update_fields=["is_suspended"])
    await socket.send_json_to({"type": "bid", "amount": "20.00", "request_id": "after"})
    refused = await receive(socket, skip=("viewers", "bid"))
    assert (refused["accepted"], refused["error"]) == (False, "NOT_ALLOWED")
    assert await database_sync_to_async(Bid.objects.count)() == 1
    await socket.disconnect()


async def test_anonymous_cannot_bid_over_the_socket(world):
    socket = await open_socket(world["auction"])
    await receive(socket)
    await socket.send_json_to({"type": "bid", "amount": "50.00", "request_id": "anon"})
    result = await receive(socket)
    assert (result["type"], result["accepted"], result["error"]) == (
        "bid_result",
        False,
        "NOT_ALLOWED",
    )
    assert not await database_sync_to_async(Bid.objects.exists)()
    await socket.disconnect()


async def test_ping_pong_and_garbage(world):
    socket = await open_socket(world["auction"])
    await receive(socket)
    await socket.send_json_to({"type": "ping"})
    assert await receive(socket) == {"type": "pong"}
    await socket.send_to(text_data="{not json")
    assert (await receive(socket))["error"] == "BAD_REQUEST"
    await socket.send_json_to(["a", "list"])
    assert (await receive(socket))["error"] == "BAD_REQUEST"
    await socket.send_json_to({"type": "ping"})
    assert await receive(socket) == {"type": "pong"}  # still open
    await socket.disconnect()


async def test_viewer_count_follows_joins_and_leaves(world):
    auction = world["auction"]
    first = await open_socket(auction)
    assert await receive(first, skip=("snapshot",)) == {
        "type": "viewers",
        "auction_id": auction.pk,
        "count": 1,
    }
    second = await open_socket(auction)
    assert (await receive(first, skip=("snapshot",)))["count"] == 2
    await second.disconnect()
    assert (await receive(first, skip=("snapshot",)))["count"] == 1
    await first.disconnect()


async def test_unknown_auction_is_refused(world):
    app = URLRouter(websocket_urlpatterns)
    communicator = WebsocketCommunicator(app, "/ws/auctions/999999/")
    communicator.scope["user"] = AnonymousUser()
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_output(timeout=3) == {
        "type": "websocket.close",
        "code": 4404,
    }


async def test_full_stack_refuses_a_foreign_origin_and_knows_the_session(world):
    from config.asgi import application

    auction, alice = world["auction"], world["alice"]
    path = f"/ws/auctions/{auction.pk}/"
    foreign = WebsocketCommunicator(application, path, headers=[(b"origin", b"http://evil.test")])
    connected, _ = await foreign.connect()
    assert not connected

    client = Client()
    await database_sync_to_async(client.force_login)(alice)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    ours = WebsocketCommunicator(
        application,
        path,
        headers=[(b"origin", b"http://testserver"), (b"host", b"testserver"), (b"cookie", cookie)],
    )
    connected, _ = await ours.connect()
    assert connected
    await receive(ours)
    await ours.send_json_to({"type": "bid", "amount": "10.00", "request_id": "full"})
    replies = [await receive(ours) for _ in range(2)]
    result = next(m for m in replies if m["type"] == "bid_result")
    assert result["accepted"] is True and result["leader_is_you"] is True
    await ours.disconnect()


def test_dead_process_viewers_age_out(stack):
    """Viewers are counted per heartbeat: a process that stops refreshing stops counting."""
    from auctions.engine import keys
    from auctions.engine.connection import get_redis

    client = get_redis()
    key = keys.viewers_key(4242)
    seconds, _ = client.time()
    client.zadd(key, {"alive-process|chan-1": seconds, "dead-process|chan-2": seconds - 3600})
    assert presence.viewers_count(4242) == 1
    assert client.zscore(key, "dead-process|chan-2") is None  # pruned, not just skipped


async def test_viewer_broadcasts_are_throttled_per_process(stack, monkeypatch):
    """A burst of joins sends one count now and one trailing count, not one per join."""
    monkeypatch.setattr(presence, "THROTTLE", 60.0)
    sent = []

    class Layer:
        async def group_send(self, group, message):
            sent.append((group, message["event"]["count"]))

    for channel in ("c1", "c2", "c3"):
        await presence.viewer_join(77, channel, Layer())
    assert sent == [("auction-77", 1)]
    state = presence._state()
    assert list(state.pending) == [77]  # the trailing update, due at the window's end
    state.pending[77].cancel()
    for channel in ("c1", "c2", "c3"):
        await presence.viewer_leave(77, channel, Layer())
    assert state.heartbeat is None
    assert presence.viewers_count(77) == 0


async def test_an_idle_socket_outlives_the_redis_client_timeout(real_redis_url):
    """redis-py 8's default 5 s read timeout equals channels-redis's blocking wait: with the
    project's layer settings an idle receive must keep waiting, not crash (close 1011)."""
    from channels_redis.core import RedisChannelLayer
    from django.conf import settings

    # Whichever channels-redis layer is selected, its hosts carry the project's timeouts;
    # the core layer's blocking receive is the case where the 5 s default bites.
    hosts = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"]
    layer = RedisChannelLayer(hosts=hosts, prefix="gavel:test:idle")
    channel = await layer.new_channel()
    try:
        with pytest.raises(TimeoutError):  # ours, after more than 5 s of silence
            await asyncio.wait_for(
                layer.receive(channel), timeout=RedisChannelLayer.brpop_timeout + 1.5
            )
    finally:
        await layer.close_pools()
