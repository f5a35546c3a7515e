"""How many people are looking at an auction right now, counted across every server process.

Each process remembers its own open sockets and, every `HEARTBEAT` seconds, refreshes them in one
Redis sorted set per auction (`auction:{<id>}:viewers`, member `<process>|<channel>`, score =
Redis `TIME`). The count is the members refreshed within `TTL`: the viewers of a process that
died are not refreshed and age out by themselves. Counts are broadcast to `auction-<id>` as an
ephemeral `viewers` event, at most once per `THROTTLE` seconds per process and auction.
"""

import asyncio
import logging
import os
import socket
import time
import uuid
import weakref
from collections import defaultdict

from asgiref.sync import sync_to_async
from redis.exceptions import RedisError

from auctions.engine import viewers_update
from auctions.events import auction_group, viewers_event

logger = logging.getLogger(__name__)

HEARTBEAT = 15.0
TTL = 45
THROTTLE = 1.0
PROCESS = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _run(auction_id: int, op: str, members: list[str]) -> int:
    return viewers_update(auction_id, op, members, ttl=TTL)


def viewers_count(auction_id: int) -> int | None:
    """The number of live viewers of one auction, or None when Redis does not answer."""
    try:
        return _run(auction_id, "count", [])
    except RedisError:
        logger.warning("viewer count unavailable for auction %s", auction_id, exc_info=True)
        return None


def _member(channel_name: str) -> str:
    return f"{PROCESS}|{channel_name}"


class _LoopState:
    """This process's viewers on one event loop, its heartbeat task and pending broadcasts."""

    def __init__(self):
        self.members: dict[int, set[str]] = defaultdict(set)
        self.heartbeat: asyncio.Task | None = None
        self.last_broadcast: dict[int, float] = {}
        self.pending: dict[int, asyncio.Task] = {}


_states: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState]" = (
    weakref.WeakKeyDictionary()
)


def _state() -> _LoopState:
    loop = asyncio.get_running_loop()
    if loop not in _states:
        _states[loop] = _LoopState()
    return _states[loop]


async def _arun(auction_id: int, op: str, members: list[str]) -> int | None:
    try:
        return await sync_to_async(_run, thread_sensitive=False)(auction_id, op, members)
    except RedisError:
        logger.warning("presence update failed for auction %s", auction_id, exc_info=True)
        return None


async def viewer_join(auction_id: int, channel_name: str, channel_layer) -> None:
    """Count this socket as a viewer of `auction_id` and tell the auction's group."""
    state = _state()
    state.members[auction_id].add(channel_name)
    if state.heartbeat is None or state.heartbeat.done():
        state.heartbeat = asyncio.create_task(_heartbeat(state))
    count = await _arun(auction_id, "add", [_member(channel_name)])
    await _broadcast_soon(state, auction_id, count, channel_layer)


async def viewer_leave(auction_id: int, channel_name: str, channel_layer) -> None:
    """Stop counting this socket and tell the auction's group."""
    state = _state()
    state.members[auction_id].discard(channel_name)
    if not state.members[auction_id]:
        del state.members[auction_id]
    if not state.members and state.heartbeat is not None:
        state.heartbeat.cancel()
        state.heartbeat = None
    count = await _arun(auction_id, "rem", [_member(channel_name)])
    await _broadcast_soon(state, auction_id, count, channel_layer)


async def _heartbeat(state: _LoopState) -> None:
    while state.members:
        await asyncio.sleep(HEARTBEAT)
        for auction_id, channels in list(state.members.items()):
            await _arun(auction_id, "add", [_member(name) for name in channels])


async def _broadcast_soon(state: _LoopState, auction_id: int, count, channel_layer) -> None:
    """Send the count now, or once at the end of the throttle window if one was just sent."""
    if count is None:
        return
    wait = state.last_broadcast.get(auction_id, 0.0) + THROTTLE - time.monotonic()
    if wait <= 0:
        state.last_broadcast[auction_id] = time.monotonic()
        await _send(auction_id, count, channel_layer)
    elif auction_id not in state.pending:
        state.pending[auction_id] = asyncio.create_task(
            _send_later(state, auction_id, wait, channel_layer)
        )


async def _send_later(state: _LoopState, auction_id: int, wait: float, channel_layer) -> None:
    try:
        await asyncio.sleep(wait)
        state.last_broadcast[auction_id] = time.monotonic()
        count = await _arun(auction_id, "count", [])
        if count is not None:
            await _send(auction_id, count, channel_layer)
    finally:
        state.pending.pop(auction_id, None)


async def _send(auction_id: int, count: int, channel_layer) -> None:
    event = viewers_event(auction_id=auction_id, count=count)
    await channel_layer.group_send(auction_group(auction_id), {"type": "viewers", "event": event})
