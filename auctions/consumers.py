"""The live auction socket, `/ws/auctions/<id>/?since=<seq>` (docs/design.md §4).

On connect: the missed durable events (with `since`) and a `snapshot`; then the auction's live
events, each at most once and in `seq` order — a gap (messages the channel layer dropped for a
slow client) is healed from the engine's event stream, so a viewer that falls behind gets the
latest state instead of a growing queue. Logged-in clients may bid (`bid_result`) and receive
their private `outbid` / `won` events. `{"type": "ping"}` is answered with `pong`.

Memory per slow viewer stays bounded: the channel layer keeps at most `capacity` messages per
channel (channels-redis skips a full channel on group_send, the in-process queue drops its
oldest) and expires the rest, and daphne closes a socket that stops answering its pings.
"""

import asyncio
import json
import logging
import re
import time
from collections import OrderedDict
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.db.models import Q

from auctions import presence, selectors, wire
from auctions.events import auction_group, user_group
from auctions.forms import parse_bid_request
from auctions.services.bidding import abid_place
from core.errors import BadRequest, GavelError, NotAllowed, Unavailable
from core.inputs import REQUEST_ID_MAX
from core.sockets import ReleasingJsonWebsocketConsumer

logger = logging.getLogger(__name__)

CLOSE_NOT_FOUND = 4404
_SEQ = re.compile(r"[0-9]{1,18}")


def _since(scope) -> int | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("since")
    if not values or not _SEQ.fullmatch(values[0]):
        return None
    return int(values[0])


@database_sync_to_async
def _load_auction(auction_id):
    return selectors.auction_for_bid(auction_id=auction_id)


# The recent history a snapshot shows, per process, by (auction, seq): it changes only with a new
# event, so a connect storm of one lot reads the database once per process and seq, not once per
# viewer. Bounded: the oldest entries go first.
HISTORY_CACHE_SIZE = 256
_history_by_seq: "OrderedDict[tuple[int, int], tuple[list, int]]" = OrderedDict()


def _recent_history(auction, seq: int) -> tuple[list, int]:
    """The recent history lines and the number of lines of the whole history."""
    key = (auction.pk, seq)
    lines = _history_by_seq.get(key)
    if lines is None:
        every = selectors.history_lines(selectors.auction_history_all(auction=auction))
        lines = (selectors.recent_lines(every), len(every))
        _history_by_seq[key] = lines
        while len(_history_by_seq) > HISTORY_CACHE_SIZE:
            _history_by_seq.popitem(last=False)
    return lines


@database_sync_to_async
def _snapshot(auction_id, viewer_id):
    """The snapshot: state from Redis, the auction's row and its history from process caches."""
    auction = selectors.auction_for_bid(auction_id=auction_id)
    if auction is None:
        raise Unavailable()
    state = selectors.auction_state_get(auction=auction)
    lines, history_count = _recent_history(auction, state.seq)
    payload = wire.state_payload(state, title=auction.title, viewer_id=viewer_id)
    payload.update(
        type="snapshot",
        now=wire.iso(state.now),
        bids=[wire.bid_payload(line, viewer_id=viewer_id) for line in lines],
        history_count=history_count,
    )
    return payload


@database_sync_to_async
def _missed(auction, since, viewer_id):
    """Public events after `since`, each `bid` marked `is_you` / `leader_is_you` from the ledger;
    None if unknown."""
    events = selectors.auction_events_since(auction=auction, since=since)
    if events is None:
        return None
    mine, leading = set(), set()
    if viewer_id is not None:
        seqs = [event["seq"] for event in events if event.get("type") == "bid"]
        rows = auction.bids.filter(seq__in=seqs).filter(
            Q(bidder_id=viewer_id) | Q(leader_id=viewer_id)
        )
        for seq, bidder_id, leader_id in rows.values_list("seq", "bidder_id", "leader_id"):
            if bidder_id == viewer_id:
                mine.add(seq)
            if leader_id == viewer_id:
                leading.add(seq)
    return [
        {**event, "is_you": event["seq"] in mine, "leader_is_you": event["seq"] in leading}
        if event.get("type") == "bid"
        else event
        for event in events
    ]


# Encoded live events, per process: every local viewer of a lot gets the same text, in one of at
# most four variants (is_you / leader_is_you), so an event is encoded a few times per process,
# not once per socket.
ENCODED_CACHE_SIZE = 512
_encoded: "OrderedDict[tuple, str]" = OrderedDict()


def encoded_event(auction_id: int, message: dict, viewer_id: int | None) -> str:
    """The JSON text of a group message as `viewer_id` sees it (`wire.personalise`), cached."""
    event = message["event"]
    flags = tuple(
        None if key not in message else (viewer_id is not None and message[key] == viewer_id)
        for key in ("bidder_id", "leader_id")
    )
    key = (auction_id, message["type"], event.get("seq"), flags)
    text = _encoded.get(key) if key[2] is not None else None
    if text is None:
        text = json.dumps(wire.personalise(message, viewer_id=viewer_id))
        if key[2] is not None:
            _encoded[key] = text
            while len(_encoded) > ENCODED_CACHE_SIZE:
                _encoded.popitem(last=False)
    return text


# How long a consumer holds events that arrived ahead of a missing seq (two processes or two
# request threads may publish neighbouring events in either order) before it resyncs from the
# stream instead.
REORDER_WAIT_SECONDS = 0.25


class AuctionConsumer(ReleasingJsonWebsocketConsumer):
    """One viewer of one auction. Group handlers are named after the event types."""

    auction = None
    _gap_task: asyncio.Task | None = None

    async def connect(self):
        self.auction_id = self.scope["url_route"]["kwargs"]["auction_id"]
        user = self.scope.get("user")
        self.user = user if user is not None and user.is_authenticated else None
        self.viewer_id = self.user.pk if self.user else None
        self.last_seq = 0
        self._held: dict[int, dict] = {}
        self.auction = await _load_auction(self.auction_id)
        if self.auction is None:
            # Accept, then close with a code the page can read: retrying cannot help.
            await self.accept()
            await self.close(code=CLOSE_NOT_FOUND)
            return
        # Join first, read second: an event published in between is then both in the snapshot
        # and queued, and the queued copy is dropped by its seq.
        await self.join(auction_group(self.auction_id))
        if self.viewer_id is not None:
            await self.join(user_group(self.viewer_id))
        await self.accept()
        await self._catch_up(_since(self.scope))
        await presence.viewer_join(self.auction_id, self.channel_name, self.channel_layer)

    async def release(self):
        if self._gap_task is not None:
            self._gap_task.cancel()
        if self.auction is not None:
            await presence.viewer_leave(self.auction_id, self.channel_name, self.channel_layer)

    async def _catch_up(self, since: int | None):
        """Send what the client missed after `since` (if it can be told), then a snapshot."""
        try:
            if since is not None:
                events = await _missed(self.auction, since, self.viewer_id)
                for event in events or []:
                    if event.get("seq", 0) > self.last_seq:
                        self.last_seq = event["seq"]
                        await self.send_json(event)
            snapshot = await _snapshot(self.auction_id, self.viewer_id)
        except Unavailable:
            await self.send_json({"type": "error", "error": Unavailable.code})
            return
        self.last_seq = max(self.last_seq, snapshot["seq"])
        await self.send_json(snapshot)

    # --- from the client ---

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "bid":
            await self.send_json(await self._bid(content))
        else:
            await self.send_json({"type": "error", "error": BadRequest.code})

    async def _bid(self, content) -> dict:
        """Place a bid on the event loop (`abid_place`): the reply to send, accepted or refused.

        A refusal is a coded reply and the socket lives on; anything else is a bug, logged with
        the connection's request id and raised, so the socket closes with 1011.
        """
        request_id = content.get("request_id")
        echo = (
            request_id
            if isinstance(request_id, str) and len(request_id) <= REQUEST_ID_MAX
            else None
        )
        reply = {"type": "bid_result", "request_id": echo}
        if self.user is None:
            return {**reply, **NotAllowed("Log in to bid.").as_dict()}
        try:
            bid = parse_bid_request(content)
            reply["request_id"] = bid.request_id
            result = await abid_place(auction=self.auction, bidder_id=self.viewer_id, bid=bid)
        except GavelError as refusal:
            return {**reply, **refusal.as_dict()}
        return {**reply, **wire.accepted_payload(result, viewer_id=self.viewer_id)}

    # --- from the channel layer (handler name = event type) ---

    # Channels' dispatch hops to a thread to close stale database connections before every
    # message. The live-event handlers reach the database only through
    # database_sync_to_async (which does that itself), and at a thousand viewers that hop per
    # event per viewer is most of the server's CPU, so they are called directly.
    LIVE_EVENT_TYPES = frozenset(
        {"bid", "extended", "ended", "cancelled", "bid_voided", "outbid", "won", "viewers"}
    )

    async def dispatch(self, message):
        if message["type"] in self.LIVE_EVENT_TYPES:
            await getattr(self, message["type"])(message)
        else:
            await super().dispatch(message)

    async def _forward(self, message):
        seq = message["event"].get("seq")
        if seq is not None:
            if seq <= self.last_seq or seq in self._held:
                return
            if seq > self.last_seq + 1:
                # An event overtook its predecessor (or the layer dropped it for a slow client):
                # hold it briefly; the missing one usually follows within milliseconds.
                self._held[seq] = message
                if self._gap_task is None:
                    self._gap_task = asyncio.create_task(self._heal_gap())
                return
            self.last_seq = seq
        await self.send(text_data=encoded_event(self.auction_id, message, self.viewer_id))
        await self._release_held()

    async def _release_held(self):
        """Send held events that now follow on, in seq order; drop those already covered."""
        while self.last_seq + 1 in self._held:
            message = self._held.pop(self.last_seq + 1)
            self.last_seq += 1
            await self.send(text_data=encoded_event(self.auction_id, message, self.viewer_id))
        for seq in [seq for seq in self._held if seq <= self.last_seq]:
            del self._held[seq]
        if not self._held and self._gap_task is not None:
            if self._gap_task is not asyncio.current_task():
                self._gap_task.cancel()
            self._gap_task = None
        elif self._held and self._gap_task is None:
            self._gap_task = asyncio.create_task(self._heal_gap())

    async def _heal_gap(self):
        """After REORDER_WAIT_SECONDS, a gap still open is healed from the event stream."""
        started = time.monotonic()
        await asyncio.sleep(REORDER_WAIT_SECONDS)
        if self._held and min(self._held) > self.last_seq + 1:
            logger.debug(
                "auction %s: seq gap open for %.2fs, resyncing",
                self.auction_id,
                time.monotonic() - started,
            )
            await self._catch_up(self.last_seq)
        if self._gap_task is asyncio.current_task():
            self._gap_task = None
        await self._release_held()

    bid = extended = ended = cancelled = bid_voided = _forward

    async def _private(self, message):
        await self.send_json(dict(message["event"]))

    outbid = won = _private

    async def viewers(self, message):
        await self.send_json(dict(message["event"]))
