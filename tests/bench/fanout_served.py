"""Fan-out through `make serve`: live events to 1,000 viewers, and a connect storm of 2,000.

One `python -m config.serve` (DEBUG off, `WEB_CONCURRENCY` uvicorn processes, the worker) on
the bench database and Redis. Viewers are WebSocket clients in VIEWER_PROCESSES processes of
their own (asyncio + `websockets`), all on the one port. A bidder process runs BIDDERS
concurrent bidders over the JSON API (aiohttp, each its own session): every 1/RATE × BIDDERS s
they all bid at once (minimum + 0..3 increments), so neighbouring bids race through different
web processes and their events can overtake each other; the bidder stamps every acknowledged
bid with `time.monotonic()` (CLOCK_MONOTONIC, comparable across processes on Linux).

- **Steady**: 1,000 viewers connected, bids for STEADY_S seconds. Reported: the fraction of
  (acknowledged bid, viewer) pairs delivered as a `bid` event, viewers that saw the bid events
  out of seq order, resyncs (a second `snapshot`), p50/p99 from the bid's response to receipt.
- **Storm**: with those viewers still connected and bids flowing, STORM_VIEWERS more connect at
  once (no client-side pacing): how long until all are connected (and how many failed), and the
  p99 of events to the viewers already there while the storm lasts.
- **Left behind**: once all have gone, the layer's Redis subscriptions and the viewers counted;
  both must be 0.
"""

import asyncio
import json
import multiprocessing
import os
import random
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

from tests.bench.fanout import percentile, raise_open_files_limit
from tests.bench.http_bids import running_process, served_env
from tests.e2e.server import free_port

VIEWERS = int(os.environ.get("GAVEL_BENCH_VIEWERS", 1000))
STORM_VIEWERS = int(os.environ.get("GAVEL_BENCH_STORM_VIEWERS", 2000))
VIEWER_PROCESSES = 4
BIDDERS = 4
RATE = 10.0  # bids per second, all bidders together
STEADY_S = float(os.environ.get("GAVEL_BENCH_FANOUT_SECONDS", 30))
STORM_BIDDING_S = 20.0
STORM_AFTER_S = 3.0
GRACE_S = 5.0
START, INCREMENT = 10_00, 1_00


# --- viewers (their own processes; no Django) -----------------------------------------------


class Viewer:
    __slots__ = ("snapshots", "bids", "last_bid_seq", "out_of_order", "connected_at", "error")

    def __init__(self):
        self.snapshots = 0
        self.bids: dict[int, float] = {}
        self.last_bid_seq = 0
        self.out_of_order = 0
        self.connected_at: float | None = None
        self.error = ""


async def _watch(url: str, origin: str, viewer: Viewer, stop: asyncio.Event) -> None:
    from websockets.asyncio.client import connect

    try:
        async with connect(
            url, origin=origin, compression=None, ping_interval=None, open_timeout=60
        ) as socket:
            async for raw in socket:
                now = time.monotonic()
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "snapshot":
                    viewer.snapshots += 1
                    if viewer.connected_at is None:
                        viewer.connected_at = now
                elif kind == "bid":
                    seq = message["seq"]
                    if seq <= viewer.last_bid_seq:
                        viewer.out_of_order += 1
                    viewer.last_bid_seq = max(viewer.last_bid_seq, seq)
                    viewer.bids.setdefault(seq, now)
                if stop.is_set():
                    break
    except Exception as error:
        viewer.error = repr(error)[:200]


def _report(viewers: list[Viewer], since: float) -> dict:
    return {
        "connected": sum(v.connected_at is not None for v in viewers),
        "failed": [v.error for v in viewers if v.connected_at is None and v.error][:3],
        "last_connect_s": max(
            (v.connected_at - since for v in viewers if v.connected_at is not None), default=None
        ),
        "bids": [v.bids for v in viewers],
        "resyncs": sum(max(0, v.snapshots - 1) for v in viewers),
        "out_of_order": sum(v.out_of_order for v in viewers),
    }


def viewer_main(conn, url: str, origin: str, count: int) -> None:
    raise_open_files_limit()
    asyncio.run(_viewers(conn, url, origin, count))


async def _viewers(conn, url: str, origin: str, count: int) -> None:
    viewers = [Viewer() for _ in range(count)]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    conn.send(("spawned",))
    await loop.run_in_executor(None, conn.recv)  # "go": every pool connects at the same moment
    started = time.monotonic()
    tasks = [asyncio.create_task(_watch(url, origin, v, stop)) for v in viewers]
    deadline = started + 60
    while time.monotonic() < deadline and any(
        v.connected_at is None and not v.error for v in viewers
    ):
        await asyncio.sleep(0.05)
    conn.send(("ready", started))
    await loop.run_in_executor(None, conn.recv)  # "report"
    conn.send(("report", _report(viewers, started)))
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def start_viewers(ctx, url: str, origin: str, count: int) -> tuple[list, float]:
    """Spawn the viewer processes, then let them all connect at once: (pools, go time)."""
    pools = []
    for n in range(VIEWER_PROCESSES):
        share = count // VIEWER_PROCESSES + (n < count % VIEWER_PROCESSES)
        parent, child = ctx.Pipe()
        process = ctx.Process(target=viewer_main, args=(child, url, origin, share), daemon=True)
        process.start()
        pools.append((process, parent))
    for _process, pipe in pools:
        if not pipe.poll(120):
            raise RuntimeError("a viewer process did not start")
        pipe.recv()
    go = time.monotonic()
    for _process, pipe in pools:
        pipe.send(("go",))
    return pools, go


def wait_ready(pools, timeout: float = 90) -> float:
    """Wait until every pool connected (or gave up); the earliest pool start time."""
    starts = []
    for _process, pipe in pools:
        if not pipe.poll(timeout):
            raise RuntimeError("viewers did not connect in time")
        starts.append(pipe.recv()[1])
    return min(starts)


def reports(pools) -> list[dict]:
    out = []
    for process, pipe in pools:
        pipe.send(("report",))
        out.append(pipe.recv()[1] if pipe.poll(60) else {})
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
    return out


# --- bidders (their own process; aiohttp) ----------------------------------------------------


def bidder_main(conn, url: str, origin: str, cookies: list[dict], seconds: float) -> None:
    import uvloop

    try:
        conn.send(("done", uvloop.run(_bidders(url, origin, cookies, seconds))))
    except Exception as error:
        conn.send(("failed", repr(error)))


async def _bidders(url: str, origin: str, cookies: list[dict], seconds: float) -> dict:
    import aiohttp

    sessions = []
    for jar in cookies:
        headers = {
            "Origin": origin,
            "X-CSRFToken": jar["csrftoken"],
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
            "Content-Type": "application/json",
        }
        sessions.append(
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1), headers=headers)
        )
    acks: dict[int, float] = {}
    sent: dict[int, float] = {}
    refused = 0
    state = {"min_bid": START}

    async def bid(session, extra: int):
        nonlocal refused
        amount = state["min_bid"] + extra * INCREMENT
        body = json.dumps(
            {"amount": f"{amount // 100}.{amount % 100:02d}", "request_id": uuid.uuid4().hex}
        )
        started = time.monotonic()
        async with session.post(url, data=body) as response:
            answer = await response.json(content_type=None)
        if answer.get("accepted"):
            acks[answer["seq"]] = time.monotonic()
            sent[answer["seq"]] = started
            cents = int(answer["price"].replace(".", ""))
            state["min_bid"] = max(state["min_bid"], cents + INCREMENT)
        else:
            refused += 1
            if answer.get("error") == "BID_TOO_LOW":
                cents = int(answer["min_bid"].replace(".", ""))
                state["min_bid"] = max(state["min_bid"], cents)

    period = len(sessions) / RATE
    start = time.monotonic()
    ticks = int(seconds / period)
    try:
        for tick in range(ticks):
            if time.monotonic() > start + seconds:
                break  # answers slower than the schedule: stop on time, count what was sent
            delay = start + tick * period - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            order = list(range(len(sessions)))
            random.shuffle(order)
            await asyncio.gather(
                *(bid(sessions[i], extra) for extra, i in enumerate(order)),
                return_exceptions=True,
            )
    finally:
        for session in sessions:
            await session.close()
    return {
        "acks": acks,
        "sent": sent,
        "refused": refused,
        "attempts": sum(1 for _ in acks) + refused,
        "elapsed": time.monotonic() - start,
    }


def start_bidders(ctx, url, origin, cookies, seconds):
    parent, child = ctx.Pipe()
    process = ctx.Process(
        target=bidder_main, args=(child, url, origin, cookies, seconds), daemon=True
    )
    process.start()
    return process, parent


def finish_bidders(bidders, seconds: float) -> dict:
    process, pipe = bidders
    if not pipe.poll(seconds + 60):
        raise RuntimeError("the bidders did not finish")
    outcome, result = pipe.recv()
    process.join(timeout=10)
    if outcome != "done":
        raise RuntimeError(f"the bidders failed: {result}")
    return result


# --- the measurement ------------------------------------------------------------------------


def delivery(
    parts: list[dict],
    acks: dict[int, float],
    window=(0.0, float("inf")),
    sent: dict[int, float] | None = None,
) -> dict:
    """Delivered fraction and latency from each bid's response (and, given `sent`, from the
    moment it was sent), for acks inside `window`."""
    chosen = {seq: at for seq, at in acks.items() if window[0] <= at <= window[1]}
    latencies, from_send, delivered, expected = [], [], 0, 0
    for part in parts:
        for bids in part.get("bids", []):
            expected += len(chosen)
            for seq, acked in chosen.items():
                received = bids.get(seq)
                if received is not None:
                    delivered += 1
                    latencies.append(1000 * (received - acked))
                    if sent is not None and seq in sent:
                        from_send.append(1000 * (received - sent[seq]))
    figures = {
        "delivered_fraction": round(delivered / expected, 6) if expected else None,
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies, default=None),
    }
    if sent is not None:
        figures["p99_from_send_ms"] = percentile(from_send, 0.99)
    return figures


def main() -> dict:
    from tests.bench.http_bids import make_auction, make_bidders

    raise_open_files_limit()
    ctx = multiprocessing.get_context("spawn")
    seller, cookies = make_bidders("fanout")
    cookies = cookies[:BIDDERS]
    port = free_port()
    base, ws = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
    from django.conf import settings

    env = {**served_env(settings.REDIS_URL), "HOST": "127.0.0.1", "PORT": str(port)}
    logs = Path(tempfile.mkdtemp(prefix="gavel-fanout-"))
    figures: dict = {"viewers": VIEWERS, "storm_viewers": STORM_VIEWERS}
    with ExitStack() as stack:
        stack.enter_context(
            running_process(
                [sys.executable, "-m", "config.serve"], env, logs / "serve.log", f"{base}/healthz"
            )
        )
        auction = make_auction(seller, "fan-out")
        bids_url = f"{base}/api/auctions/{auction.pk}/bids"
        ws_url = f"{ws}/ws/auctions/{auction.pk}/"

        # Steady state.
        viewers, go = start_viewers(ctx, ws_url, base, VIEWERS)
        wait_ready(viewers)
        figures["steady_connect_s"] = round(time.monotonic() - go, 1)
        time.sleep(1.0)
        steady = finish_bidders(start_bidders(ctx, bids_url, base, cookies, STEADY_S), STEADY_S)
        time.sleep(GRACE_S)
        parts = reports(viewers)
        figures.update(
            {
                "steady_bids_acknowledged": len(steady["acks"]),
                "steady_bids_refused": steady["refused"],
                "steady_bid_attempts_per_s": round(
                    (len(steady["acks"]) + steady["refused"]) / steady["elapsed"], 2
                ),
                "steady_connected": sum(p.get("connected", 0) for p in parts),
                "steady_resyncs": sum(p.get("resyncs", 0) for p in parts),
                "steady_out_of_order": sum(p.get("out_of_order", 0) for p in parts),
                **{
                    f"steady_{k}": v
                    for k, v in delivery(parts, steady["acks"], sent=steady["sent"]).items()
                },
            }
        )
        print(f"   steady: {json.dumps(figures)}", flush=True)

        # Connect storm while events flow to the viewers already there.
        viewers, _ = start_viewers(ctx, ws_url, base, VIEWERS)
        wait_ready(viewers)
        time.sleep(1.0)
        bidders = start_bidders(ctx, bids_url, base, cookies, STORM_BIDDING_S)
        time.sleep(STORM_AFTER_S)
        storm, storm_started = start_viewers(ctx, ws_url, base, STORM_VIEWERS)
        wait_ready(storm)
        storm_ready = time.monotonic()
        result = finish_bidders(bidders, STORM_BIDDING_S)
        time.sleep(GRACE_S)
        there, arrived = reports(viewers), reports(storm)
        during = delivery(there, result["acks"], (storm_started, storm_ready + 1.0))
        figures.update(
            {
                "storm_connected": sum(p.get("connected", 0) for p in arrived),
                "storm_failed_examples": [e for p in arrived for e in p.get("failed", [])][:3],
                "storm_all_connected_s": round(storm_ready - storm_started, 1),
                "storm_events_during": len(
                    [a for a in result["acks"].values() if storm_started <= a <= storm_ready + 1]
                ),
                **{f"storm_existing_{k}": v for k, v in during.items()},
                "storm_existing_resyncs": sum(p.get("resyncs", 0) for p in there),
                "storm_existing_out_of_order": sum(p.get("out_of_order", 0) for p in there),
                "load_average_1min": os.getloadavg()[0],
            }
        )
        # Everyone has left: nothing of theirs may stay subscribed or counted.
        time.sleep(GRACE_S)
        figures.update(left_behind(auction.pk))
    return figures


def left_behind(auction_id: int) -> dict:
    """What the servers still hold once every viewer left: the layer's Redis subscriptions
    (consumers' own channels and groups) and the viewers still counted."""
    from django.conf import settings

    from auctions import presence
    from auctions.engine.connection import get_redis

    channels = get_redis().pubsub_channels(f"{settings.CHANNEL_LAYER_PREFIX}*")
    return {
        "left_subscriptions": len(channels),
        "left_viewers_counted": presence.viewers_count(auction_id),
    }


if __name__ == "__main__":
    from tests.bench import env

    env.configure()
    try:
        print(json.dumps(main(), indent=1))
    finally:
        env.teardown()
