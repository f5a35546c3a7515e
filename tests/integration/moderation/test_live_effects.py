"""Moderation takes effect on live connections: a viewer's open socket sees a cancellation at
once, and a user suspended while connected can no longer bid over that socket."""

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Group

from accounts.models import User
from auctions.routing import websocket_urlpatterns
from auctions.services import moderation
from core.roles import SELLERS_GROUP
from tests.factories import make_auction, make_seller, make_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def world(settings, fake_engine_redis):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Transactional tests flush the tables, the data migration's groups included: a superuser
    # stands in for the moderator here (the permission matrix covers the Moderators group).
    Group.objects.get_or_create(name=SELLERS_GROUP)
    return {
        "auction": make_auction(seller=make_seller("seller_live"), title="Live lot"),
        "bidder": make_user("bidder_live"),
        "moderator": make_user("root_live", is_staff=True, is_superuser=True),
    }


async def open_socket(auction, user):
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/auctions/{auction.pk}/"
    )
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    snapshot = await communicator.receive_json_from()
    assert snapshot["type"] == "snapshot"
    return communicator


async def next_of_type(communicator, kind):
    while True:
        message = await communicator.receive_json_from(timeout=2)
        if message["type"] == kind:
            return message


async def test_a_viewer_sees_a_staff_cancellation_live(world):
    viewer = await open_socket(world["auction"], world["bidder"])
    await database_sync_to_async(moderation.auction_cancel_by_staff)(
        auction=world["auction"], actor=world["moderator"], reason="Counterfeit"
    )
    event = await next_of_type(viewer, "cancelled")
    assert event["auction_id"] == world["auction"].pk
    assert "reason" not in event  # the reason stays in the audit log
    await viewer.disconnect()


async def test_a_user_suspended_while_connected_cannot_bid_over_the_socket(world):
    bidder = world["bidder"]
    socket = await open_socket(world["auction"], bidder)
    stale_copy = await database_sync_to_async(User.objects.get)(pk=bidder.pk)
    await database_sync_to_async(moderation.user_suspend)(
        user=stale_copy, actor=world["moderator"], reason="Fraud"
    )
    await socket.send_json_to({"type": "bid", "amount": "10.00", "request_id": "after-suspend"})
    reply = await next_of_type(socket, "bid_result")
    await socket.disconnect()
    assert reply.get("error") == "NOT_ALLOWED"
