"""Fixtures of the moderation tests: one user per role, and a capture of channel-layer events."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from tests.factories import make_moderator, make_seller, make_user


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Users are created by the dozen here; a slow password hash would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seller_a(db):
    return make_seller("seller_a")


@pytest.fixture
def seller_b(db):
    return make_seller("seller_b")


@pytest.fixture
def moderator(db):
    return make_moderator("moderator1")


@pytest.fixture
def superuser(db):
    return make_user("root", is_staff=True, is_superuser=True)


@pytest.fixture
def bidder(db):
    return make_user("bidder_x")


class GroupCapture:
    """Subscribes a fresh channel to channel-layer groups and drains what they received."""

    def __init__(self, layer):
        self.layer = layer
        self.channel = async_to_sync(layer.new_channel)()

    def join(self, group: str) -> None:
        async_to_sync(self.layer.group_add)(group, self.channel)

    def drain(self) -> list[dict]:
        async def collect():
            messages = []
            while True:
                try:
                    messages.append(await asyncio.wait_for(self.layer.receive(self.channel), 0.2))
                except TimeoutError:
                    return messages

        return async_to_sync(collect)()


@pytest.fixture
def channel_events(settings):
    """The in-memory channel layer (whatever REDIS_URL says) and a subscriber to its groups."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    return GroupCapture(get_channel_layer())
