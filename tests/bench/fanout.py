"""Fan-out benchmark (issue 4): how fast an accepted bid reaches every viewer of the auction.

Two daphne processes serve the site behind the same Redis; N WebSocket viewers of one auction are
split across them (one viewer-pool process per server, asyncio + `websockets`). A bidder process
places 10 bids/s for 30 s through the engine (`bid_place`), stamping each acknowledgement with
`time.monotonic()`, which on Linux is CLOCK_MONOTONIC and so comparable across processes. Every
viewer stamps each `bid` event when it reads it. Reported per channel layer (channels-redis
`RedisChannelLayer` = "core", `RedisPubSubChannelLayer` = "pubsub", chosen in the servers and the
bidder by `GAVEL_CHANNEL_LAYER`) and per viewer count: p50/p99 of receipt − ack, the fraction of
(bid, viewer) pairs delivered, and how many viewers ended on the final seq.

Run: `DATABASE_URL=postgres://… REDIS_URL=redis://… python -m tests.bench.fanout`
(or `make bench`). Needs PostgreSQL and a real Redis: the processes share them.
`GAVEL_BENCH_DURATION=<s>` shortens the bidding for a quick look (the issue's figure is 30 s).
"""

import asyncio
import json
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

LAYERS = ("core", "pubsub")
VIEWER_COUNTS = (100, 1000)
BIDS_PER_SECOND = 10
DURATION_S = float(os.environ.get("GAVEL_BENCH_DURATION", 30))
BIDDERS = 20  # rotated, so nobody outbids themselves or meets the per-user rate limit
CONNECT_CONCURRENCY = 10
CONNECT_ATTEMPTS = 6
DELIVERY_GRACE_S = 15.0
SERVERS = 2


# --- shared set-up: Django, the bench database, the servers ---------------------------------


def raise_open_files_limit() -> None:
    """Every viewer is a socket: lift the soft open-files limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


STANDALONE_DB = "gavel_bench_fanout"
STANDALONE_REDIS_DB = int(os.environ.get("GAVEL_FANOUT_REDIS_DB", 14))


def setup_django() -> None:
    """Configure Django once. Under `python -m tests.bench` the runner did (its own database
    and Redis index). Run alone, use a dedicated, migrated `gavel_bench_fanout` database on the
    same server and Redis DB index 14 (`GAVEL_FANOUT_REDIS_DB`), flushed: auction ids of the
    bench database would otherwise collide with the hot state of a developer's auctions."""
    import django
    from django.apps import apps

    if apps.ready:
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "").split(",")[0].strip()
    if not url.startswith(("postgres://", "postgresql://")) or not redis_url:
        raise SystemExit(
            "the fan-out and idle benchmarks need DATABASE_URL=postgres://… and REDIS_URL=redis://…"
        )
    base = url.rpartition("/")[0]
    _create_database(base, STANDALONE_DB)
    os.environ["DATABASE_URL"] = f"{base}/{STANDALONE_DB}"
    os.environ["REDIS_URL"] = f"{redis_url.rpartition('/')[0]}/{STANDALONE_REDIS_DB}"
    django.setup()
    from django.core.management import call_command

    from auctions.engine.connection import get_redis

    call_command("migrate", verbosity=0, interactive=False)
    get_redis().flushdb()


def teardown_standalone() -> None:
    """After a standalone run: drop its database and empty its Redis index."""
    from django.db import connections

    from auctions.engine.connection import get_redis

    get_redis().flushdb()
    connections.close_all()
    base = os.environ["DATABASE_URL"].rpartition("/")[0]
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{STANDALONE_DB}" WITH (FORCE)')


def _create_database(base_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def server_env(layer: str | None) -> dict[str, str]:
    """Production-like settings for a child process (DEBUG off: no query log growing memory)."""
    from django.conf import settings
    from django.db import connection

    from tests.e2e.server import database_url

    env = {
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": ",".join(settings.REDIS_URLS),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-" + uuid.uuid4().hex * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "GAVEL_WORKER_IN_PROCESS": "0",
        # Every bid outbids someone: keep those emails in memory, not on the console.
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    if layer is not None:
        env["GAVEL_CHANNEL_LAYER"] = layer
    return env


@contextmanager
def running_servers(env: dict[str, str], count: int = SERVERS):
    """`count` daphne processes on their own ports, stopped on exit."""
    from tests.e2e.server import LiveServer

    log_dir = Path(tempfile.mkdtemp(prefix="gavel-bench-"))
    with ExitStack() as stack:
        servers = [
            stack.enter_context(LiveServer(env=env, log_path=log_dir / f"daphne-{i}.log"))
            for i in range(count)
        ]
        yield servers


def make_auction(*, bidders: int = BIDDERS):
    """A fresh open auction with its seller and bidders; stale hot state of its id is dropped."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import User
    from auctions.engine.connection import get_redis
    from auctions.engine.keys import auction_tag
    from auctions.models import Auction

    run = uuid.uuid4().hex[:8]
    seller = User.objects.create_user(username=f"bench-seller-{run}", is_staff=True)
    people = [User.objects.create_user(username=f"bench-{run}-{i}") for i in range(bidders)]
    now = timezone.now()
    auction = Auction.objects.create(
        seller=seller,
        title=f"Fan-out bench {run}",
        starting_price=1000,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=2),
        status=Auction.Status.SCHEDULED,
    )
    # A recreated bench database reuses ids: forget any Redis state left by an earlier run.
    redis = get_redis()
    stale = list(redis.scan_iter(match=f"{auction_tag(auction)}*", count=1000))
    if stale:
        redis.delete(*stale)
    return auction, people


def rss_bytes(pid: int) -> int:
    """Resident set size of a process (VmRSS)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of `values` (0 < q ≤ 1), None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.5) - 1))]


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


# --- viewer pool (its own process; no Django) -----------------------------------------------


@dataclass
class Viewer:
    state: str = "new"  # new → open | failed → closed
    last_seq: int = 0
    bids: dict[int, float] = field(default_factory=dict)  # seq → first receipt time
    messages: int = 0
    retries: int = 0
    error: str = ""
    socket: object = None


def viewer_pool_main(conn, url: str, origin: str, count: int) -> None:
    """Process entry: hold `count` sockets to `url`, report, obey the parent's commands."""
    raise_open_files_limit()
    asyncio.run(_viewer_pool(conn, url, origin, count))


async def _viewer_pool(conn, url: str, origin: str, count: int) -> None:
    viewers = [Viewer() for _ in range(count)]
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    tasks = [asyncio.create_task(_watch(url, origin, viewer, gate)) for viewer in viewers]
    while any(viewer.state == "new" for viewer in viewers):
        await asyncio.sleep(0.05)
    failed = [viewer.error for viewer in viewers if viewer.state != "open"]
    retried = sum(viewer.retries for viewer in viewers)
    conn.send(("ready", retried, len(failed), failed[:3]))
    loop = asyncio.get_running_loop()
    while True:
        command, *args = await loop.run_in_executor(None, conn.recv)
        if command == "finish":
            final_seq, acks, grace = args
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline and any(
                v.state == "open" and v.last_seq < final_seq for v in viewers
            ):
                await asyncio.sleep(0.05)
            conn.send(("result", _delivery(viewers, final_seq, acks)))
        elif command == "messages":
            conn.send(("messages", sum(viewer.messages for viewer in viewers)))
        elif command == "close":
            break
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    conn.send(("closed",))


async def _watch(url: str, origin: str, viewer: Viewer, gate: asyncio.Semaphore) -> None:
    """Open one viewer (retrying with back-off, as the page's JS does), then read until closed."""
    from websockets.asyncio.client import connect

    for attempt in range(CONNECT_ATTEMPTS):
        try:
            async with gate:
                socket = await connect(
                    url,
                    origin=origin,
                    compression=None,
                    ping_interval=None,  # the server pings; the client answers
                    proxy=None,
                    open_timeout=120,
                )
                viewer.socket = socket
                # The snapshot comes first: the consumer joined the group before sending it.
                _read(viewer, await socket.recv(), time.monotonic())
                viewer.state = "open"
                break
        except Exception as error:  # e.g. the server's 5 s handshake timeout under load
            viewer.error = repr(error)
            viewer.retries = attempt + 1
            await asyncio.sleep(0.5 * 2**attempt * (1 + random.random()))
    else:
        viewer.state = "failed"
        return
    try:
        async for raw in socket:
            _read(viewer, raw, time.monotonic())
    except Exception as error:
        viewer.error = repr(error)
    finally:
        viewer.state = "closed"
        await socket.close()


def _read(viewer: Viewer, raw: str, received_at: float) -> None:
    viewer.messages += 1
    message = json.loads(raw)
    seq = message.get("seq")
    if seq is None:
        return
    if message.get("type") == "bid":
        viewer.bids.setdefault(seq, received_at)
    viewer.last_seq = max(viewer.last_seq, seq)


def _delivery(viewers: list[Viewer], final_seq: int, acks: dict[int, tuple[float, float]]):
    """Latencies from ack and from submission, delivered pairs, viewers on the final seq."""
    from_ack, from_submit, delivered = [], [], 0
    for viewer in viewers:
        for seq, (submitted, acked) in acks.items():
            received = viewer.bids.get(seq)
            if received is not None:
                delivered += 1
                from_ack.append(received - acked)
                from_submit.append(received - submitted)
    return {
        "from_ack": from_ack,
        "from_submit": from_submit,
        "delivered": delivered,
        "expected": len(viewers) * len(acks),
        "on_final_seq": sum(viewer.last_seq == final_seq for viewer in viewers),
        "viewers": len(viewers),
        "dropped_sockets": sum(viewer.state != "open" for viewer in viewers),
    }


@dataclass
class Pools:
    """The command pipes of the viewer-pool processes, and how many connects were retried."""

    pipes: list
    connect_retries: int


@contextmanager
def viewer_pools(servers, auction_id: int, count: int, *, timeout: float = 300.0):
    """`count` viewers of `auction_id` split evenly over `servers`, one process per server."""
    ctx = multiprocessing.get_context("spawn")
    pools, retries = [], 0
    shares = [count // len(servers) + (i < count % len(servers)) for i in range(len(servers))]
    try:
        for server, share in zip(servers, shares, strict=True):
            parent_end, child_end = ctx.Pipe()
            url = f"{server.ws_url}/ws/auctions/{auction_id}/"
            process = ctx.Process(
                target=viewer_pool_main, args=(child_end, url, server.url, share), daemon=True
            )
            process.start()
            pools.append((process, parent_end))
        for _process, pipe in pools:
            if not pipe.poll(timeout):
                raise RuntimeError("viewers did not connect in time")
            _, retried, failures, examples = pipe.recv()
            if failures:
                raise RuntimeError(f"{failures} viewers failed to connect, e.g. {examples}")
            retries += retried
        yield Pools(pipes=[pipe for _, pipe in pools], connect_retries=retries)
    finally:
        for process, pipe in pools:
            if process.is_alive():
                try:
                    pipe.send(("close",))
                    pipe.poll(30) and pipe.recv()
                except (BrokenPipeError, EOFError, OSError):
                    pass
            process.join(timeout=30)
            if process.is_alive():
                process.kill()


# --- bidder (its own process: its channel layer follows GAVEL_CHANNEL_LAYER) -----------------


def bidder_main(conn, env: dict[str, str], auction_id: int, bidder_ids: list[int]) -> None:
    """Process entry: place BIDS_PER_SECOND bids/s for DURATION_S through `bid_place`.

    Bids run the way daphne runs a sync view: `sync_to_async` from an event loop, so the
    after-commit broadcast (`async_to_sync` inside `bid_place`) reuses that loop and its
    channel-layer connections instead of opening a loop and a connection per message.
    """
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    asyncio.run(_bid(conn, auction_id, bidder_ids))


async def _bid(conn, auction_id: int, bidder_ids: list[int]) -> None:
    from asgiref.sync import sync_to_async

    from accounts.models import User
    from auctions.models import Auction
    from auctions.services import bidding
    from core.errors import GavelError

    auction = await Auction.objects.aget(pk=auction_id)
    people = [user async for user in User.objects.filter(pk__in=bidder_ids).order_by("pk")]
    place = sync_to_async(bidding.bid_place)
    amount = auction.starting_price
    acks: dict[int, tuple[float, float]] = {}
    refused: list[str] = []
    total = int(BIDS_PER_SECOND * DURATION_S)
    conn.send(("started",))
    start = time.monotonic()
    for i in range(total):
        delay = start + i / BIDS_PER_SECOND - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        submitted = time.monotonic()
        try:
            result = await place(
                auction=auction,
                bidder=people[i % len(people)],
                amount=amount,
                request_id=uuid.uuid4().hex,
            )
        except GavelError as error:
            refused.append(error.code)
            continue
        acks[result.seq] = (submitted, time.monotonic())
        amount = result.state.min_bid
    elapsed = time.monotonic() - start
    final_seq = max(acks, default=0)
    conn.send(("done", acks, refused, elapsed, final_seq))


def place_bids(env: dict[str, str], auction, people) -> tuple[dict, list[str], float, int]:
    ctx = multiprocessing.get_context("spawn")
    parent_end, child_end = ctx.Pipe()
    process = ctx.Process(
        target=bidder_main, args=(child_end, env, auction.pk, [p.pk for p in people]), daemon=True
    )
    process.start()
    try:
        if not parent_end.poll(60):
            raise RuntimeError("the bidder process did not start")
        parent_end.recv()
        if not parent_end.poll(DURATION_S * 4 + 60):
            raise RuntimeError("the bidder process did not finish")
        _, acks, refused, elapsed, final_seq = parent_end.recv()
        return acks, refused, elapsed, final_seq
    finally:
        # Its answer is in: the bidder has nothing left to do (its interpreter's shutdown can
        # wait on asgiref's executor threads for long), so do not wait for a clean exit.
        process.join(timeout=3)
        if process.is_alive():
            process.kill()
            process.join(timeout=10)


# --- the measurement ------------------------------------------------------------------------


def run_trial(servers, env: dict[str, str], viewers: int) -> dict:
    auction, people = make_auction()
    load_before = os.getloadavg()[0]
    rss_before = sum(rss_bytes(server.pid) for server in servers)
    connect_started = time.monotonic()
    with viewer_pools(servers, auction.pk, viewers) as pools:
        connect_s = time.monotonic() - connect_started
        time.sleep(2.0)  # let the join-time viewer-count broadcasts settle
        acks, refused, elapsed, final_seq = place_bids(env, auction, people)
        for pipe in pools.pipes:
            pipe.send(("finish", final_seq, acks, DELIVERY_GRACE_S))
        parts = [pipe.recv()[1] for pipe in pools.pipes]
        rss_after = sum(rss_bytes(server.pid) for server in servers)
    from_ack = [x for part in parts for x in part["from_ack"]]
    from_submit = [x for part in parts for x in part["from_submit"]]
    delivered = sum(part["delivered"] for part in parts)
    expected = sum(part["expected"] for part in parts)
    return {
        "viewers": viewers,
        "bids_accepted": len(acks),
        "bids_refused": len(refused),
        "bid_rate_per_s": round(len(acks) / elapsed, 2) if elapsed else None,
        "p50_ms": ms(percentile(from_ack, 0.50)),
        "p99_ms": ms(percentile(from_ack, 0.99)),
        "max_ms": ms(max(from_ack, default=None)),
        "p50_from_submit_ms": ms(percentile(from_submit, 0.50)),
        "p99_from_submit_ms": ms(percentile(from_submit, 0.99)),
        "delivered_fraction": round(delivered / expected, 6) if expected else None,
        "viewers_on_final_seq": sum(part["on_final_seq"] for part in parts),
        "dropped_sockets": sum(part["dropped_sockets"] for part in parts),
        "connect_s": round(connect_s, 1),
        # Servers' RSS growth over the trial (viewers connected + any queued backlog).
        "server_rss_growth_mib": round((rss_after - rss_before) / 2**20, 1),
        "connect_retries": pools.connect_retries,
        # The machine's 1-min load average before and after: other work competes for 2 cores.
        "loadavg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def main() -> dict:
    """Run every (layer, viewer count) trial; return figures keyed `fanout_<layer>_<n>_<what>`."""
    raise_open_files_limit()
    setup_django()
    figures: dict = {}
    for layer in LAYERS:
        env = server_env(layer)
        with running_servers(env) as servers:
            for viewers in VIEWER_COUNTS:
                started = time.monotonic()
                trial = run_trial(servers, env, viewers)
                trial["trial_s"] = round(time.monotonic() - started, 1)
                print(f"fan-out {layer:>6} {viewers:>5} viewers: {json.dumps(trial)}", flush=True)
                for key, value in trial.items():
                    figures[f"fanout_{layer}_{viewers}_{key}"] = value
    return figures


if __name__ == "__main__":
    try:
        result = main()
    finally:
        teardown_standalone()
    json.dump(result, sys.stdout, indent=2)
    print()
