"""The socket surface of NOT_REGISTERED: a bid on a lot from a bidder not approved for its sale
gets a `bid_result` with the code and the link to register; once registered, the same socket
bids."""

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from auctions.models import Bid
from auctions.routing import websocket_urlpatterns
from sales.services.registration import registration_create
from sales.services.schedule import sale_publish
from tests.factories import make_user
from tests.integration.sales.factories import make_sale

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def world(fake_engine_redis, settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    sale = make_sale(lots=1)
    sale_publish(sale=sale, actor=sale.house)  # transactional test: on-commit writes run
    return {"sale": sale, "lot": sale.lots.get(), "alice": make_user("alice")}


async def reply_to(socket, request_id):
    while True:
        message = await socket.receive_json_from(timeout=3)
        if message.get("type") == "bid_result" and message.get("request_id") == request_id:
            return message


async def test_a_bid_over_the_socket_needs_a_registration(world):
    sale, lot, alice = world["sale"], world["lot"], world["alice"]
    socket = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/auctions/{lot.pk}/")
    socket.scope["user"] = alice
    connected, _ = await socket.connect()
    assert connected

    await socket.send_json_to({"type": "bid", "amount": "10.00", "request_id": "ws-1"})
    refused = await reply_to(socket, "ws-1")
    assert (refused["accepted"], refused["error"]) == (False, "NOT_REGISTERED")
    assert refused["register_url"] == f"/sales/{sale.pk}/register/"
    assert await database_sync_to_async(Bid.objects.count)() == 0

    await database_sync_to_async(registration_create)(sale=sale, bidder=alice)
    await socket.send_json_to({"type": "bid", "amount": "10.00", "request_id": "ws-2"})
    accepted = await reply_to(socket, "ws-2")
    assert accepted["accepted"] is True
    await socket.disconnect()
