"""The broadcaster: events to an auction's viewers and to one user's connections.

`publish_*` send through the channel layer after the current transaction commits (Zulip's
send_event_on_commit), so nobody hears of a write that was rolled back; inside a server the send
is handed to its event loop, so an acknowledgement never waits for a broadcast.
"""

import asyncio
import logging
import os
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from core.metrics import EVENTS as EVENTS_BROADCAST

log = logging.getLogger(__name__)


def auction_group(auction_id: int) -> str:
    """The channel-layer group of an auction's viewers."""
    return f"auction-{int(auction_id)}"


def user_group(user_id: int) -> str:
    """The channel-layer group of one user's connections (private events)."""
    return f"user-{int(user_id)}"


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop running in this thread (a caller on the event loop), if any."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def after_commit(func: Callable[[], object]) -> None:
    """Run `func` once the current transaction commits (at once outside one), robustly.

    On the event loop nothing can be inside a transaction (Django's ORM refuses to run there:
    async callers write on other threads and come back after the commit), so `func` runs now.
    """
    if _running_loop() is not None:
        try:
            func()
        except Exception:  # noqa: BLE001  # robust, as transaction.on_commit(robust=True) is
            log.exception("after-commit callback %r failed", func)
        return
    transaction.on_commit(func, robust=True)


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop of the ASGI server running this code (on it, or via sync_to_async)."""
    running = _running_loop()
    if running is not None:
        return running
    local = SyncToAsync.threadlocal
    if getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    loop = getattr(local, "main_event_loop", None)
    return loop if loop is not None and loop.is_running() else None


# Per server loop: SENDERS queues of pending group messages, each drained by its own task, so
# bidders never wait for a broadcast and the channel layer never sees more than SENDERS sends at
# once (an unbounded burst of concurrent sends exhausts its connection pool). A group always
# uses the same queue, so its messages leave in the order they were published (a bid and its
# `extended` event never overtake each other and force every viewer to resync).
SENDERS = 4
BACKLOG_MAX = 10_000
_queues: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, list[asyncio.Queue]]" = (
    weakref.WeakKeyDictionary()
)


async def _drain(queue: asyncio.Queue) -> None:
    while True:
        group, message = await queue.get()
        try:
            layer = get_channel_layer()
            if layer is not None:
                await layer.group_send(group, message)
        except Exception:
            log.exception("broadcast to %s failed", group)
        finally:
            queue.task_done()


def _enqueue(loop: asyncio.AbstractEventLoop, group: str, message: dict) -> None:
    """On `loop`: queue one send on the group's queue, starting the senders on first use."""
    queues = _queues.get(loop)
    if queues is None:
        queues = _queues[loop] = [asyncio.Queue() for _ in range(SENDERS)]
        _queues_tasks[loop] = [loop.create_task(_drain(queue)) for queue in queues]
    queue = queues[hash(group) % SENDERS]
    if queue.qsize() >= BACKLOG_MAX:
        # Best effort: a viewer that misses an event resyncs from the stream (since=<seq>).
        log.warning("broadcast backlog full; dropping an event for %s", group)
        return
    queue.put_nowait((group, message))


async def broadcasts_sent() -> None:
    """Wait until every broadcast queued on the running loop has been handed to the layer."""
    for queue in _queues.get(asyncio.get_running_loop(), []):
        await queue.join()


_queues_tasks: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, list[asyncio.Task]]" = (
    weakref.WeakKeyDictionary()
)


def _send(group: str, message: dict) -> None:
    """Send one group message, best effort: the event is durable, clients resume with since."""
    EVENTS_BROADCAST.labels(message["type"]).inc()
    loop = _server_loop()
    if loop is not None:
        # Inside a server: hand the send to its event loop and return at once, so a bidder's
        # acknowledgement never waits for the broadcast (the bid is committed already).
        try:
            loop.call_soon_threadsafe(_enqueue, loop, group, message)
            return
        except RuntimeError:
            pass  # the loop is closing: send it the blocking way below
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        log.exception("broadcast to %s failed", group)


def publish_auction_event(
    auction_id: int,
    event: Mapping[str, Any],
    *,
    bidder_id: int | None = None,
    leader_id: int | None = None,
) -> None:
    """Send a public event to the auction's viewers after the current transaction commits."""
    message = {
        "type": event["type"],
        "event": event,
        "bidder_id": bidder_id,
        "leader_id": leader_id,
    }
    after_commit(lambda: _send(auction_group(auction_id), message))


def publish_user_event(user_id: int, event: Mapping[str, Any]) -> None:
    """Send a private event to one user's connections after the current transaction commits."""
    message = {"type": event["type"], "event": event, "bidder_id": None, "leader_id": None}
    after_commit(lambda: _send(user_group(user_id), message))
