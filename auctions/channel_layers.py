"""channels-redis's pub/sub layer with the one call it lacks: `delete_channel`, the antithesis of
`new_channel`, so a consumer's channel is forgotten however the consumer stops.

The upstream layer unsubscribes a consumer's own channel only when a pending `receive()` is
cancelled (its comment anticipates this method). A consumer that stops while no receive is
pending — a channel message arrived together with the disconnect, or a handler raised — keeps
its Redis subscription and its in-process queue for the life of the process, and the queue keeps
every message still addressed to it.
"""

from channels_redis.pubsub import RedisPubSubChannelLayer


class PubSubChannelLayer(RedisPubSubChannelLayer):
    """`RedisPubSubChannelLayer` plus `delete_channel`."""

    async def delete_channel(self, channel: str) -> None:
        """Forget `channel` in this process: its queue, its place in every group (a group left
        empty is unsubscribed) and its own subscription. Safe to call more than once, and for a
        channel a cancelled `receive()` already cleaned up."""
        layer = self._get_layer()
        for group_channel, members in list(layer.groups.items()):
            if channel in members:
                members.discard(channel)
                if not members:
                    del layer.groups[group_channel]
                    await layer._get_shard(group_channel).unsubscribe(group_channel)
        if layer.channels.pop(channel, None) is not None:
            await layer._get_shard(channel).unsubscribe(channel)
