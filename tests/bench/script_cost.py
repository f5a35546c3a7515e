"""Script cost: applied bids/s of the bid script alone vs a one-line HINCRBY script.

Both run as pipelined EVALSHA on the engine's own Redis client, in batches of the same size, in
the same run (interleaved rounds; the median round of each counts). Every bid in the pipeline
outbids the one before (two bidders alternate with rising amounts), and every reply is checked
to be "OK", so the figure counts bids the script really applied — validation, ceilings, the
stream entry with its trim, the idempotency record — not refusals.
"""

import statistics
import time
import uuid
from datetime import timedelta
from pathlib import Path

import auctions.engine

BIDS_PER_ROUND = 10_000
PIPELINE = 100
ROUNDS = 3
START = 10_00
STEP = 250_00
HINCRBY_SCRIPT = "return redis.call('HINCRBY', KEYS[1], 'n', 1)"


def _open_auction(tag: str = "script"):
    """A published auction open for an hour with its hot state loaded, and two bidders."""
    from django.utils import timezone

    from accounts.models import User
    from auctions.engine import hot_state
    from auctions.models import Auction

    seller = User.objects.create_user(username=f"{tag}-seller", password=None)
    bidders = [User.objects.create_user(username=f"{tag}-bidder{n}") for n in range(2)]
    now = timezone.now()
    auction = Auction.objects.create(
        seller=seller,
        title="Bench script cost",
        starting_price=START,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=1),
        status=Auction.Status.SCHEDULED,
    )
    hot_state.load(auction)
    return auction, bidders


def _bid_calls(auction, bidders, first_ticket: int, count: int):
    """(keys, args) of `count` bids, each outbidding the last; the ARGV of place_bid.lua."""
    from django.conf import settings

    from auctions.engine import keys
    from auctions.engine.hot_state import to_ms

    for ticket in range(first_ticket, first_ticket + count):
        bidder = bidders[ticket % 2]
        request_id = uuid.uuid4().hex
        yield (
            keys.auction_keys(auction) + [keys.request_key(auction, bidder.pk, request_id)],
            [
                bidder.pk,
                bidder.public_handle,
                "bid",
                START + ticket * STEP,
                "",
                request_id,
                settings.GAVEL_REQUEST_ID_TTL,
                settings.GAVEL_EVENT_STREAM_MAXLEN,
                to_ms(auction.updated_at),
            ],
        )


def _pipelined(client, sha: str, calls) -> tuple[float, list]:
    """Send `calls` as EVALSHA in pipelines of PIPELINE; seconds taken and every reply."""
    replies = []
    calls = list(calls)
    started = time.perf_counter()
    for offset in range(0, len(calls), PIPELINE):
        pipe = client.pipeline(transaction=False)
        for script_keys, args in calls[offset : offset + PIPELINE]:
            pipe.evalsha(sha, len(script_keys), *script_keys, *args)
        replies.extend(pipe.execute())
    return time.perf_counter() - started, replies


def main() -> dict:
    """Interleave rounds of the bid script and the HINCRBY script; return their rates."""
    from auctions.engine.connection import get_redis

    client = get_redis()
    bid_sha = client.script_load(
        (Path(auctions.engine.__file__).parent / "place_bid.lua").read_text()
    )
    incr_sha = client.script_load(HINCRBY_SCRIPT)
    auction, bidders = _open_auction()
    counter_key = f"bench:{{{auction.pk}}}:counter"
    bid_rates, incr_rates = [], []
    ticket = 1
    for _ in range(ROUNDS):
        calls = [([counter_key], []) for _ in range(BIDS_PER_ROUND)]
        seconds, replies = _pipelined(client, incr_sha, calls)
        if replies[-1] != len(incr_rates) * BIDS_PER_ROUND + BIDS_PER_ROUND:
            raise AssertionError(f"HINCRBY script answered {replies[-1]}")
        incr_rates.append(BIDS_PER_ROUND / seconds)

        calls = list(_bid_calls(auction, bidders, ticket, BIDS_PER_ROUND))
        ticket += BIDS_PER_ROUND
        seconds, replies = _pipelined(client, bid_sha, calls)
        refused = [r for r in replies if r[0] != b"OK"]
        if refused:
            raise AssertionError(f"{len(refused)} bids not applied, e.g. {refused[0]}")
        bid_rates.append(BIDS_PER_ROUND / seconds)
    bid_rate, incr_rate = statistics.median(bid_rates), statistics.median(incr_rates)
    print(
        f"bid script {bid_rate:,.0f} applied bids/s vs HINCRBY script {incr_rate:,.0f}/s "
        f"(pipelines of {PIPELINE}, median of {ROUNDS} rounds of {BIDS_PER_ROUND:,})",
        flush=True,
    )
    return {
        "script_pipeline": PIPELINE,
        "script_bids_per_round": BIDS_PER_ROUND,
        "script_bid_per_s": round(bid_rate),
        "script_hincrby_per_s": round(incr_rate),
        "script_ratio": round(bid_rate / incr_rate, 3),
    }
