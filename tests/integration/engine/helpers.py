"""Helpers for the engine tests: bid shorthands, reading Redis byte for byte, moving time."""

import itertools
from datetime import timedelta

from auctions.engine import clock, hot_state
from auctions.engine.connection import get_redis
from auctions.forms import parse_bid_request
from auctions.models import Auction, AuctionEvent, Bid
from auctions.services.bidding import bid_place
from core.money import format_amount

_request = itertools.count(1)


def _as_sent(value):
    """Cents as a client sends them ("12.50"); anything else (bad input) as it is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return format_amount(value) if value > 0 else str(value)
    return value


def bid(auction, user, amount=None, max_amount=None, request_id=None):
    """Place a bid as a surface does, parsed at the edge (`parse_bid_request`: bad amounts are
    refused there), with a fresh request id unless one is given."""
    request = parse_bid_request(
        {
            "amount": _as_sent(amount),
            "max_amount": _as_sent(max_amount),
            "request_id": request_id or f"req-{next(_request)}",
        }
    )
    return bid_place(auction=auction, bidder=user, bid=request)


def redis_snapshot(client=None) -> dict:
    """Every key of the engine's Redis with its DUMP, for byte-for-byte comparisons."""
    client = client or get_redis()
    return {key: client.dump(key) for key in sorted(client.scan_iter(count=1000))}


def ledger_snapshot(auction) -> list:
    """The auction's ledger and events as plain tuples, for byte-for-byte comparisons."""
    bids = list(Bid.objects.filter(auction=auction).order_by("seq").values_list())
    events = list(AuctionEvent.objects.filter(auction=auction).order_by("seq").values_list())
    return [bids, events]


def shift_time(auction, delta: timedelta) -> None:
    """Move an auction `delta` into the past, in the database and in its hot state.

    Redis TIME cannot be faked, so tests make time pass by moving the auction instead: every
    stored moment (start, listed and effective end, hard close, bid times) shifts back by
    `delta`, which is exactly what a clock advancing by `delta` looks like to the rules.
    """
    ms = delta // timedelta(milliseconds=1)
    fields = {"starts_at": auction.starts_at - delta, "ends_at": auction.ends_at - delta}
    if auction.hard_close_at:
        fields["hard_close_at"] = auction.hard_close_at - delta
    Auction.objects.filter(pk=auction.pk).update(**fields)
    for bid_row in Bid.objects.filter(auction=auction):
        Bid.objects.filter(pk=bid_row.pk).update(placed_at=bid_row.placed_at - delta)
    for name, value in fields.items():
        setattr(auction, name, value)
    hot_state.shift_times(auction, ms)


def ms(moment) -> int:
    return clock.to_ms(moment)
