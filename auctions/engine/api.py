"""The engine's reads (docs/design.md §4): live state from Redis, loaded from the database
when missing.

Re-exported by `auctions.selectors`. Redis failures surface as `Unavailable`.
"""

import logging
from collections.abc import Iterable
from typing import cast

from django.db import DatabaseError
from redis import Redis
from redis.cluster import RedisCluster
from redis.exceptions import RedisError

from auctions.engine import hot_state, keys
from auctions.engine.connection import REDIS_OUTAGES, get_redis
from auctions.engine.shapes import PublicEvent, public_event
from auctions.engine.state import FIELDS, AuctionState, from_fields
from auctions.engine.stream import stream_records
from auctions.models import Auction, AuctionEvent
from core.errors import Unavailable

log = logging.getLogger(__name__)


def redis_now_ms(client: Redis | RedisCluster | None = None) -> int:
    """Redis TIME in milliseconds: the one clock every decision uses."""
    seconds, micros = (client or get_redis()).time()
    return int(seconds) * 1000 + int(micros) // 1000


def _read(auctions: list[Auction]) -> tuple[list[list[bytes | None]], int]:
    client = get_redis()
    pipe = client.pipeline(transaction=False)
    for auction in auctions:
        pipe.hmget(keys.state_key(auction), FIELDS)
    if isinstance(client, RedisCluster):
        # A cluster pipeline routes by key; TIME has none, so it is its own call.
        return (pipe.execute() if auctions else []), redis_now_ms(client)
    pipe.time()
    *values, (seconds, micros) = pipe.execute()
    return values, int(seconds) * 1000 + int(micros) // 1000


def auction_states_get(*, auctions: Iterable[Auction]) -> dict[int, AuctionState]:
    """The states of many auctions in one pipelined read (list pages), loading missing ones."""
    auctions = list(auctions)
    try:
        values, now = _read(auctions)
        missing = [a for a, v in zip(auctions, values, strict=True) if v[0] is None]
        if missing:
            for auction in missing:
                hot_state.load(auction)
            values, now = _read(auctions)
    except REDIS_OUTAGES + (DatabaseError,) as error:
        log.warning("reading auction states failed: %s", error)
        raise Unavailable() from error
    return {
        auction.pk: from_fields(auction.pk, value, now)
        for auction, value in zip(auctions, values, strict=True)
        if value[0] is not None
    }


def auction_state_get(*, auction: Auction) -> AuctionState:
    """The live state of one auction (loads its hot state from the database when missing)."""
    states = auction_states_get(auctions=[auction])
    if auction.pk not in states:
        raise Unavailable()
    return states[auction.pk]


def _stream_events(auction: Auction, since: int) -> list[PublicEvent]:
    return [public_event(auction.pk, record) for record in stream_records(auction, since)]


def auction_events_since(*, auction: Auction, since: int | str) -> list[PublicEvent] | None:
    """Public events with seq > `since`, in order, from the stream or else the database.

    None when the history cannot be told without a gap (`since` ahead of the auction, or events
    neither in the stream nor yet in the table): the client then needs a fresh snapshot.
    """
    try:
        since = max(0, int(since))
    except (TypeError, ValueError):
        return None
    try:
        current = auction_state_get(auction=auction).seq
        if since > current:
            return None
        if since == current:
            return []
        streamed = _stream_events(auction, since)
    except (RedisError, Unavailable) as error:
        log.warning("reading events of auction %s from Redis failed: %s", auction.pk, error)
        current, streamed = None, []
    if streamed and streamed[0]["seq"] == since + 1 and streamed[-1]["seq"] == current:
        return streamed
    stored: list[PublicEvent] = list(
        AuctionEvent.objects.filter(auction_id=auction.pk, seq__gt=since)
        .order_by("seq")
        .values_list("payload", flat=True)
    )
    by_seq = {event["seq"]: event for event in stored}
    for event in streamed:
        by_seq.setdefault(event["seq"], event)
    last = current if current is not None else max(by_seq, default=since)
    events = [by_seq[seq] for seq in range(since + 1, last + 1) if seq in by_seq]
    if len(events) != last - since:
        return None
    return events


def hot_seqs(auctions: list[Auction]) -> list[int | None]:
    """The hot states' last seqs (None where an auction has none), in one pipelined read."""
    pipe = get_redis().pipeline(transaction=False)
    for auction in auctions:
        pipe.hget(keys.state_key(auction), "seq")
    values = cast("list[bytes | None]", pipe.execute()) if auctions else []
    return [int(value) if value is not None else None for value in values]


def hot_seq(auction: Auction) -> int | None:
    """The hot state's last seq, or None when the auction has no hot state."""
    value = cast("bytes | None", get_redis().hget(keys.state_key(auction), "seq"))
    return int(value) if value is not None else None
