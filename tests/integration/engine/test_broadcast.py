"""Broadcasts from inside a server: sent on the server's event loop, after commit, not awaited."""

import asyncio
from unittest import mock

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connection

from auctions.events import broadcast as events
from tests.factories import make_auction, make_user
from tests.integration.engine.helpers import bid


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_bid_from_a_server_thread_is_broadcast_on_the_servers_loop(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

    def world():
        return make_auction(), make_user()

    auction, alice = await sync_to_async(world)()
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(events.auction_group(auction.pk), channel)
    with mock.patch.object(events, "async_to_sync", side_effect=AssertionError("blocking send")):
        # sync_to_async is how daphne runs a view and Channels a database call.
        accepted = await sync_to_async(bid)(auction, alice, 1000)
    message = await asyncio.wait_for(layer.receive(channel), timeout=5)
    assert message["type"] == "bid" and message["event"]["seq"] == accepted.seq
    assert message["bidder_id"] == alice.pk and message["leader_id"] == alice.pk
    await sync_to_async(close_connection)()


def close_connection():
    """Close the sync thread's own connection, so the test database can be dropped."""
    connection.close()


async def test_a_burst_of_broadcasts_is_all_sent_with_bounded_concurrency():
    """Hundreds of bids' sends at once must neither block bidders nor flood the layer."""
    sent, active, peak = [], 0, 0

    class CountingLayer:
        async def group_send(self, group, message):
            nonlocal active, peak
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0)  # yield, as a network send does
            sent.append(message["n"])
            active -= 1

    with mock.patch.object(events, "get_channel_layer", return_value=CountingLayer()):
        await sync_to_async(burst)(500)
        await events.broadcasts_sent()
    assert sorted(sent) == list(range(500))
    assert peak <= events.SENDERS


async def test_each_groups_broadcasts_leave_in_the_order_they_were_published():
    """A slow send must not let the next message of the same auction overtake it."""
    sent = []

    class UnevenLayer:
        async def group_send(self, group, message):
            for _ in range(5 if message["n"] % 2 == 0 else 0):
                await asyncio.sleep(0)  # even messages take longer on the wire
            sent.append((group, message["n"]))

    def publish():
        for n in range(40):
            events._send(f"auction-{n % 3}", {"type": "bid", "n": n})

    with mock.patch.object(events, "get_channel_layer", return_value=UnevenLayer()):
        await sync_to_async(publish)()
        await events.broadcasts_sent()
    assert len(sent) == 40
    for group in ("auction-0", "auction-1", "auction-2"):
        order = [n for sent_group, n in sent if sent_group == group]
        assert order == sorted(order), group


def burst(count: int) -> None:
    for n in range(count):
        events._send("auction-1", {"type": "bid", "n": n})
