"""Engine vs naive Django: accepted bids/s and latency on one hot auction, 32 concurrent bidders.

Each bidder is a thread with its own database connection; both engines get the same number of
attempts, under two workloads:

- "ordered": every attempt takes the next ticket of one shared counter and bids
  `start + ticket × STEP`, so in ticket order every bid beats the last; a bid overtaken by a
  later ticket is refused (`BID_TOO_LOW`). Mostly accepted bids: the write path.
- "reactive": a bidding war — each bidder bids what the engine last told it (the min bid from
  its last answer, accepted or refused) plus 0-3 increments. Bids overtaken while in flight are
  refused, so how fresh an answer is decides how many bids get in.

Gavel's side is the real `bid_place` (rate limit, Lua
script, ledger commit, broadcast after commit); the baseline is `naive_engine.naive_bid_place`
(row lock, ledger reads, `rules.py`, `Bid` insert). Both ledgers are checked afterwards
against `rules.py`, so neither side can win by being wrong.
"""

import asyncio
import itertools
import logging
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

BIDDERS = 32
BIDS_PER_BIDDER = 40
ROUNDS = 2  # naive, Gavel, naive, Gavel: a burst of load elsewhere hits both
START = 10_00
STEP = 250_00  # "ordered": far above the increment, so only overtaking refuses a bid
INCREMENT = 1_00  # a fixed increment on the bench auctions (both engines apply it)
WORKLOADS = ("ordered", "reactive")
WARMUP_BIDS = 20


def percentile(values: list[float], q: float) -> float | None:
    """The nearest-rank percentile of `values` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q * len(ordered) + 0.5)))
    return ordered[rank - 1]


def make_players(tag: str):
    """A seller, BIDDERS bidders and one open auction (published, open for an hour)."""
    from django.utils import timezone

    from accounts.models import User
    from auctions.models import Auction

    seller = User.objects.create_user(username=f"{tag}-seller", password=None)
    bidders = [
        User.objects.create_user(username=f"{tag}-bidder{n}", password=None) for n in range(BIDDERS)
    ]
    now = timezone.now()
    auction = Auction.objects.create(
        seller=seller,
        title=f"Bench {tag}",
        starting_price=START,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=1),
        status=Auction.Status.SCHEDULED,
        increment=INCREMENT,
    )
    return auction, bidders


def run_load(
    place, auction, bidders, *, workload: str = "ordered", per_bidder: int = BIDS_PER_BIDDER
) -> dict:
    """Every bidder places `per_bidder` bids at once through `place`; figures for the run.

    `place(auction, bidder, amount, request_id)` returns the min bid after an accepted bid.
    """
    return asyncio.run(_run_load(place, auction, bidders, workload, per_bidder))


async def _run_load(place, auction, bidders, workload: str, per_bidder: int) -> dict:
    """Bidders as an ASGI server runs them: coroutines on one event loop, each bid a sync call in
    a pool of one thread per bidder (its own DB connection). The engine's after-commit
    broadcasts (`async_to_sync`) then go through this loop and its channel-layer connections,
    as they do in daphne; from a bare thread each would build an event loop and connect anew.
    """
    from asgiref.sync import sync_to_async
    from django.db import connection, connections

    from core.errors import GavelError
    from core.money import parse_amount

    executor = ThreadPoolExecutor(max_workers=len(bidders), thread_name_prefix="bidder")
    local = threading.local()
    gate = threading.Barrier(len(bidders))

    def on_every_thread(job):
        # The barrier holds each job until all are running, so each lands on its own thread.
        def run():
            gate.wait()
            job()

        return asyncio.gather(
            *(sync_to_async(run, thread_sensitive=False, executor=executor)() for _ in bidders)
        )

    def prepare():
        connection.ensure_connection()
        # Its own instance per thread: nothing the engine caches on the model is shared.
        local.auction = type(auction).objects.get(pk=auction.pk)

    def bid(bidder) -> str:
        if workload == "ordered":
            # Drawn on the bidding thread, right before the call, to keep the window in which
            # a later ticket can overtake it (and refuse it) as small as the engine allows.
            amount = START + next(tickets) * STEP
        else:
            amount = told.get(bidder.pk, START) + next(headroom) * INCREMENT
        try:
            told[bidder.pk] = place(local.auction, bidder, amount, uuid.uuid4().hex)
        except GavelError as refusal:
            if "min_bid" in refusal.extra:
                told[bidder.pk] = parse_amount(refusal.extra["min_bid"])
            return refusal.code
        return "accepted"

    call = sync_to_async(bid, thread_sensitive=False, executor=executor)
    tickets = itertools.count(1)
    headroom = itertools.cycle([0, 2, 1, 3, 0, 1])
    told: dict[int, int] = {}
    latencies: list[float] = []
    outcomes: Counter = Counter()

    async def bidder_task(bidder) -> None:
        for _ in range(per_bidder):
            started = time.perf_counter()
            outcomes[await call(bidder)] += 1
            latencies.append(time.perf_counter() - started)

    await on_every_thread(prepare)
    started = time.perf_counter()
    with _CountedLogs() as logged:
        try:
            await asyncio.gather(*(bidder_task(bidder) for bidder in bidders))
            elapsed = time.perf_counter() - started
            # Broadcasts the engine queued on this loop: wait for them (not timed), so their
            # failures are counted and none is cancelled by the loop's end.
            from auctions.events import broadcasts_sent

            await asyncio.wait_for(broadcasts_sent(), timeout=60)
            drained = time.perf_counter() - started - elapsed
        finally:
            await on_every_thread(connections.close_all)
            executor.shutdown()
    accepted = outcomes.pop("accepted", 0)
    return {
        "attempts": len(latencies),
        "accepted": accepted,
        "refused": dict(outcomes),
        "elapsed_s": elapsed,
        "accepted_per_s": accepted / elapsed,
        "attempts_per_s": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "latencies": latencies,
        "broadcast_backlog_s": drained,
        "log_errors": logged.count,
        "first_log_error": logged.first,
    }


class _CountedLogs(logging.Handler):
    """Counts the app's warnings and errors during a run (and keeps them off the console)."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.count, self.first = 0, None
        self._logger = logging.getLogger("auctions")

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if self.first is None:
            error = record.exc_info[1] if record.exc_info else None
            self.first = record.getMessage() + (f": {error!r}" if error else "")

    def __enter__(self):
        self._propagate = self._logger.propagate
        self._logger.addHandler(self)
        self._logger.propagate = False
        return self

    def __exit__(self, *exc) -> None:
        self._logger.removeHandler(self)
        self._logger.propagate = self._propagate


def _gavel_place(auction, bidder, amount, request_id):
    from auctions.services.bidding import BidRequest, bid_place

    accepted = bid_place(auction=auction, bidder=bidder, bid=BidRequest(amount, None, request_id))
    return accepted.state.min_bid


def _naive_place(auction, bidder, amount, request_id):
    from tests.bench.naive_engine import naive_bid_place

    accepted = naive_bid_place(
        auction_id=auction.pk, bidder=bidder, amount=amount, request_id=request_id
    )
    return accepted.min_bid


def check_ledger(auction, run: dict, *, gavel: bool) -> None:
    """The ledger holds exactly the accepted bids, and its replay matches the reported price."""
    from auctions.models import Bid
    from tests.bench.naive_engine import ledger_state

    bids = Bid.objects.filter(auction=auction)
    if bids.count() != run["accepted"]:
        raise AssertionError(f"ledger has {bids.count()} bids, {run['accepted']} were accepted")
    expected = ledger_state(auction)
    last_price = bids.order_by("-seq").values_list("price", flat=True).first()
    if last_price != expected.price:
        raise AssertionError(f"ledger price {last_price} != rules.py replay {expected.price}")
    if gavel:
        from auctions.selectors import auction_state_get

        state = auction_state_get(auction=auction)
        if (state.price, state.bid_count, state.leader_id) != (
            expected.price,
            expected.bid_count,
            expected.leader,
        ):
            raise AssertionError(f"hot state {state} disagrees with rules.py replay {expected}")


def _warm(place, auction, bidders) -> int:
    """A few sequential bids so both sides start with loaded code, scripts and hot state."""
    from core.errors import GavelError

    accepted = 0
    for n in range(WARMUP_BIDS):
        try:
            place(auction, bidders[n % len(bidders)], START + n * STEP, uuid.uuid4().hex)
            accepted += 1
        except GavelError:
            pass
    return accepted


def _combine(runs: list[dict]) -> dict:
    """Totals over rounds: rates from summed counts and time, percentiles over every attempt."""
    latencies = [x for run in runs for x in run["latencies"]]
    elapsed = sum(run["elapsed_s"] for run in runs)
    accepted = sum(run["accepted"] for run in runs)
    refused = sum((Counter(run["refused"]) for run in runs), Counter())
    return {
        "attempts": len(latencies),
        "accepted": accepted,
        "refused": dict(refused),
        "elapsed_s": elapsed,
        "accepted_per_s": accepted / elapsed,
        "attempts_per_s": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "broadcast_backlog_s": max(run["broadcast_backlog_s"] for run in runs),
        "log_errors": sum(run["log_errors"] for run in runs),
        "first_log_error": next((r["first_log_error"] for r in runs if r["first_log_error"]), None),
    }


def main() -> dict:
    """Alternate rounds of the baseline and Gavel on identical auctions; figures and ratios."""
    from django.conf import settings

    if settings.GAVEL_BID_RATE_LIMIT[0] < BIDDERS * BIDS_PER_BIDDER * ROUNDS:
        settings.GAVEL_BID_RATE_LIMIT = (10**9, settings.GAVEL_BID_RATE_LIMIT[1])
    engines = (("naive", _naive_place), ("gavel", _gavel_place))
    for name, place in engines:
        warm_auction, warm_bidders = make_players(f"{name}-warm")
        _warm(place, warm_auction, warm_bidders)
    figures = {"engine_bidders": BIDDERS, "engine_rounds": ROUNDS}
    for workload in WORKLOADS:
        figures.update(_compare(workload, engines))
    return figures


def _compare(workload: str, engines) -> dict:
    rounds: dict[str, list[dict]] = {name: [] for name, _ in engines}
    for number in range(ROUNDS):
        for name, place in engines:
            auction, bidders = make_players(f"{workload}-{name}{number}")
            run = run_load(place, auction, bidders, workload=workload)
            check_ledger(auction, run, gavel=name == "gavel")
            rounds[name].append(run)
            print(
                f"{workload} round {number + 1} {name:>5}: {run['accepted']}/{run['attempts']} "
                f"accepted in {run['elapsed_s']:.2f}s = {run['accepted_per_s']:.0f} accepted/s "
                f"({run['attempts_per_s']:.0f} attempts/s), p50 {run['p50_ms']:.1f} ms, "
                f"p99 {run['p99_ms']:.1f} ms, refused {run['refused']}; "
                f"{run['log_errors']} errors logged (first: {run['first_log_error']})",
                flush=True,
            )
    runs = {name: _combine(per_round) for name, per_round in rounds.items()}
    naive, gavel = runs["naive"], runs["gavel"]
    prefix = f"engine_{workload}"
    figures = {f"{prefix}_attempts_each": naive["attempts"]}
    for name, run in runs.items():
        figures[f"{prefix}_{name}_accepted"] = run["accepted"]
        figures[f"{prefix}_{name}_accepted_per_s"] = round(run["accepted_per_s"], 1)
        figures[f"{prefix}_{name}_attempts_per_s"] = round(run["attempts_per_s"], 1)
        figures[f"{prefix}_{name}_p50_ms"] = round(run["p50_ms"], 2)
        figures[f"{prefix}_{name}_p99_ms"] = round(run["p99_ms"], 2)
        figures[f"{prefix}_{name}_errors_logged"] = run["log_errors"]
        if run["first_log_error"]:
            figures[f"{prefix}_{name}_first_error"] = run["first_log_error"][:200]
    figures[f"{prefix}_throughput_ratio"] = round(
        gavel["accepted_per_s"] / naive["accepted_per_s"], 2
    )
    figures[f"{prefix}_attempts_ratio"] = round(
        gavel["attempts_per_s"] / naive["attempts_per_s"], 2
    )
    figures[f"{prefix}_p99_ratio"] = round(gavel["p99_ms"] / naive["p99_ms"], 3)
    return figures
