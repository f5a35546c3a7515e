"""The order page's socket: each step reaches the open pages; strangers are refused."""

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from orders.routing import websocket_urlpatterns
from orders.services.orders import order_mark_paid
from tests.factories import make_user
from tests.integration.orders.conftest import sold

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


async def test_the_order_socket_hears_each_step_and_refuses_strangers(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    order = await database_sync_to_async(sold)()
    seller, buyer = order.seller, order.buyer  # loaded by sold()
    stranger = await database_sync_to_async(make_user)()
    app = URLRouter(websocket_urlpatterns)

    async def socket(user):
        communicator = WebsocketCommunicator(app, f"/ws/orders/{order.pk}/")
        communicator.scope["user"] = user
        connected, code = await communicator.connect()
        return communicator, connected, code

    for user in (stranger, AnonymousUser()):
        _, connected, code = await socket(user)
        assert not connected and code == 4404
    buyer_socket, connected, _ = await socket(buyer)
    assert connected
    await database_sync_to_async(order_mark_paid)(order=order, actor=seller)
    event = await buyer_socket.receive_json_from(timeout=3)
    assert event == {"type": "order", "order_id": order.pk, "status": "paid", "step": "paid"}
    await buyer_socket.disconnect()


@pytest.mark.parametrize(
    "frame",
    [
        {"bytes_data": b"\x00\xff binary"},
        {"text_data": "[" * 100_000 + "]" * 100_000},
        {"text_data": "{not json"},
    ],
    ids=["binary", "deeply-nested", "malformed"],
)
async def test_the_order_socket_answers_a_frame_it_cannot_read_and_lives_on(settings, frame):
    # The same input handling as the auction socket (core.sockets): an error frame, no crash.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    order = await database_sync_to_async(sold)()
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/orders/{order.pk}/"
    )
    communicator.scope["user"] = order.buyer
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_to(**frame)
    assert await communicator.receive_json_from(timeout=5) == {
        "type": "error",
        "error": "BAD_REQUEST",
    }
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong"}
    await communicator.disconnect()
