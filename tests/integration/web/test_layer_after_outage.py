"""Sockets that end while Redis is down leave nothing subscribed once it is back (issue 19,
item 11): the release's UNSUBSCRIBE fails, redis-py subscribes again on reconnect to everything
it was not told to leave, and the layer retries the release until Redis has forgotten it.

Runs a private redis-server (killed and restarted on the same port), never the shared one."""

import asyncio
import time

import redis

from core.channel_layers import PubSubChannelLayer
from tests.faults.servers import RedisServer

DEAD_SOCKETS = 10


def server_channels(port: int) -> set[str]:
    return {name.decode() for name in redis.Redis(port=port).pubsub_channels()}


def needed(layer: PubSubChannelLayer) -> set[str]:
    """What the open sockets need subscribed: their own channels and their groups."""
    loop_layer = layer._get_layer()
    return set(loop_layer.channels) | set(loop_layer.groups)


async def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.2)
    return condition()


async def release(layer: PubSubChannelLayer, group: str, channel: str) -> None:
    """What a socket's release does (core.sockets): leave its group, delete its channel."""
    try:
        await layer.group_discard(group, channel)
        await layer.delete_channel(channel)
    except redis.RedisError:
        pass  # the socket logs it and goes on


async def test_releases_that_fail_during_an_outage_are_retried_after_it():
    server = RedisServer()
    server.start()
    hosts = [{"address": server.url, "socket_timeout": 5, "socket_connect_timeout": 1}]
    layer = PubSubChannelLayer(hosts=hosts, prefix="outage-test")
    try:
        kept = await layer.new_channel()
        await layer.group_add("auction-1", kept)
        dead = []
        for index in range(DEAD_SOCKETS):
            channel = await layer.new_channel()
            await layer.group_add(f"auction-dead-{index}", channel)
            dead.append((f"auction-dead-{index}", channel))
        assert await wait_for(lambda: server_channels(server.port) >= needed(layer), 5)
        assert len(server_channels(server.port)) == 2 + 2 * DEAD_SOCKETS

        server.kill()
        for group, channel in dead:
            await release(layer, group, channel)
        server.start()  # empty, same port: the layer reconnects and subscribes again

        assert await wait_for(lambda: server_channels(server.port) == needed(layer), 30), (
            server_channels(server.port) - needed(layer)
        )
        assert len(needed(layer)) == 2
        # The socket still open gets its group's events.
        await layer.group_send("auction-1", {"type": "auction.event", "n": 1})
        assert (await asyncio.wait_for(layer.receive(kept), 5))["n"] == 1
    finally:
        await layer.flush()
        server.kill()
