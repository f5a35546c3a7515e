"""channels-redis's pub/sub layer with the one call it lacks, `delete_channel`, and releases
that survive a Redis outage.

`delete_channel` is the antithesis of `new_channel`, so a consumer's channel is forgotten however
the consumer stops. The upstream layer unsubscribes a consumer's own channel only when a pending
`receive()` is cancelled (its comment anticipates this method). A consumer that stops while no
receive is pending — a channel message arrived together with the disconnect, or a handler
raised — keeps its Redis subscription and its in-process queue for the life of the process, and
the queue keeps every message still addressed to it.

A release while Redis is down fails its UNSUBSCRIBE (or writes it into a dead socket), and
redis-py subscribes again, on reconnect, to every name whose unsubscribe it never saw
confirmed: the layer would keep dead channels subscribed for the life of the process. So after
any unsubscribe the layer sweeps: in the background, with a growing delay, it unsubscribes
whatever redis-py holds that no open socket needs (neither a live channel nor a group), until
nothing is left. It reads channels-redis's shard internals (`_shards`, `_pubsub`,
`_subscribed_to`), pinned with it in pyproject.toml.
"""

import asyncio
import logging
import weakref
from typing import Any

from channels_redis.pubsub import RedisPubSubChannelLayer
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

FIRST_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 10.0


class PubSubChannelLayer(RedisPubSubChannelLayer):
    """`RedisPubSubChannelLayer` plus `delete_channel`, its unsubscribes made good after an
    outage."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Per event loop's layer: the task sweeping its stale subscriptions, if one runs.
        self._sweeps: weakref.WeakKeyDictionary[Any, asyncio.Task] = weakref.WeakKeyDictionary()

    async def group_discard(self, group: str, channel: str) -> None:
        """Remove `channel` from `group` (nothing if it is not in it); a group left empty is
        unsubscribed, now or, if Redis fails, as soon as it answers again."""
        layer = self._get_layer()
        group_channel = layer._get_group_channel_name(group)
        members = layer.groups.get(group_channel)
        if not members or channel not in members:
            return
        members.discard(channel)
        if not members:
            del layer.groups[group_channel]
            await self._unsubscribe(layer, group_channel)

    async def delete_channel(self, channel: str) -> None:
        """Forget `channel` in this process: its queue, its place in every group (a group left
        empty is unsubscribed) and its own subscription. Safe to call more than once, and for a
        channel a cancelled `receive()` already cleaned up (or failed to)."""
        layer = self._get_layer()
        for group_channel, members in list(layer.groups.items()):
            if channel in members:
                members.discard(channel)
                if not members:
                    del layer.groups[group_channel]
                    await self._unsubscribe(layer, group_channel)
        layer.channels.pop(channel, None)
        await self._unsubscribe(layer, channel)

    async def _unsubscribe(self, layer: Any, name: str) -> None:
        try:
            await layer._get_shard(name).unsubscribe(name)
        except RedisError as error:
            log.warning("channel layer: unsubscribing %s failed (%s); will retry", name, error)
        task = self._sweeps.get(layer)
        if task is None or task.done():
            self._sweeps[layer] = asyncio.ensure_future(self._sweep(layer))

    async def _sweep(self, layer: Any) -> None:
        """Unsubscribe what redis-py holds and no open socket needs, until nothing is left."""
        delay = FIRST_RETRY_DELAY
        while True:
            await asyncio.sleep(delay)
            stale = _stale(layer)
            if not stale:
                return
            delay = min(MAX_RETRY_DELAY, delay * 2)
            for shard, name in stale:
                shard._subscribed_to.add(name)  # so the shard sends the UNSUBSCRIBE
                try:
                    await shard.unsubscribe(name)
                except RedisError:
                    break  # still down: wait longer


def _stale(layer: Any) -> list[tuple[Any, str]]:
    """(shard, name) for each name a shard's redis-py client is subscribed to (or will be again
    on reconnect) that is neither a live channel nor a group of this layer."""
    needed = set(layer.channels) | set(layer.groups)
    stale = []
    for shard in layer._shards:
        if shard._pubsub is None:
            continue
        for raw in list(shard._pubsub.channels):
            name = raw.decode() if isinstance(raw, bytes) else raw
            if name not in needed:
                stale.append((shard, name))
    return stale
