"""Event shapes and their broadcast (DESIGN §4): public events per auction, private per user.

Builders turn the engine's raw stream entries into the public dicts the API, the WebSocket and
the `AuctionEvent` table share: money as "12.50" strings, times as ISO-8601 UTC, bidders masked,
never anyone's maximum. `publish_*` send through the channel layer after the current transaction
commits (Zulip's send_event_on_commit), so nobody hears of a write that was rolled back.
"""

import asyncio
import logging
import os
import weakref

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from auctions.engine.clock import from_ms
from auctions.money import format_amount

log = logging.getLogger(__name__)

PUBLIC_TYPES = ("bid", "extended", "ended", "cancelled", "bid_voided")


def auction_group(auction_id: int) -> str:
    """The channel-layer group of an auction's viewers."""
    return f"auction-{int(auction_id)}"


def user_group(user_id: int) -> str:
    """The channel-layer group of one user's connections (private events)."""
    return f"user-{int(user_id)}"


def iso_ms(value: str | int) -> str:
    """Milliseconds since the epoch as an ISO-8601 UTC string."""
    return from_ms(value).isoformat().replace("+00:00", "Z")


def _money(value: str | None) -> str | None:
    return format_amount(int(value)) if value not in (None, "") else None


def _opt(value: str | None) -> str | None:
    return value if value not in (None, "") else None


def public_event(auction_id: int, raw: dict[str, str]) -> dict:
    """The public dict of one raw stream entry (see place_bid.lua / lifecycle.lua fields)."""
    kind, seq = raw["t"], int(raw["seq"])
    base = {"type": kind, "seq": seq, "auction_id": int(auction_id)}
    if kind == "bid":
        return base | {
            "price": _money(raw["p"]),
            "bidder": raw["h"],
            "placed_at": iso_ms(raw["at"]),
            "bid_count": int(raw["n"]),
            "min_bid": _money(raw["mb"]),
            "leader": _opt(raw["lh"]),
            "reserve_met": raw["rm"] == "1",
            "ends_at": iso_ms(raw["e"]),
            "buy_now_price": _money(raw.get("bn")),
        }
    if kind == "extended":
        return base | {"ends_at": iso_ms(raw["e"])}
    if kind == "ended":
        return base | {
            "winner": _opt(raw["wh"]) if _opt(raw["w"]) else None,
            "final_price": _money(raw["fp"]),
            "reserve_met": raw["rm"] == "1",
        }
    if kind == "cancelled":
        return base | {"reason": raw.get("reason", "")}
    if kind == "bid_voided":
        return base | {
            "voided_seq": int(raw["vs"]),
            "price": _money(raw["p"]),
            "leader": _opt(raw["lh"]),
            "bid_count": int(raw["n"]),
            "min_bid": _money(raw["mb"]),
            "reserve_met": raw["rm"] == "1",
            "ends_at": iso_ms(raw["e"]),
            "buy_now_price": _money(raw.get("bn")),
        }
    raise ValueError(f"unknown event type {kind!r}")


def outbid_event(*, auction_id: int, title: str, price: int, min_bid: int) -> dict:
    """Private: you are no longer the leader."""
    return {
        "type": "outbid",
        "auction_id": int(auction_id),
        "title": title,
        "price": format_amount(price),
        "min_bid": format_amount(min_bid),
    }


def won_event(*, auction_id: int, title: str, final_price: int) -> dict:
    """Private: you won the auction."""
    return {
        "type": "won",
        "auction_id": int(auction_id),
        "title": title,
        "final_price": format_amount(final_price),
    }


def viewers_event(*, auction_id: int, count: int) -> dict:
    """Ephemeral: how many are watching the auction now (no seq)."""
    return {"type": "viewers", "auction_id": int(auction_id), "count": int(count)}


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop of the ASGI server running this sync code (via sync_to_async), if any."""
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
    auction_id: int, event: dict, *, bidder_id: int | None = None, leader_id: int | None = None
) -> None:
    """Send a public event to the auction's viewers after the current transaction commits."""
    message = {
        "type": event["type"],
        "event": event,
        "bidder_id": bidder_id,
        "leader_id": leader_id,
    }
    transaction.on_commit(lambda: _send(auction_group(auction_id), message), robust=True)


def publish_user_event(user_id: int, event: dict) -> None:
    """Send a private event to one user's connections after the current transaction commits."""
    message = {"type": event["type"], "event": event, "bidder_id": None, "leader_id": None}
    transaction.on_commit(lambda: _send(user_group(user_id), message), robust=True)
