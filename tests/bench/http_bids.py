"""Bids over HTTP: `make serve` against the naive baseline under gunicorn, as deployed.

Both sides run in the same benchmark, on the bench database:

- **Gavel**: `python -m config.serve` (what `make serve` runs: DEBUG off, `WEB_CONCURRENCY`
  uvicorn web processes and the worker) with a Redis server of its own started here, so its CPU
  is the bench's alone; `POST /api/auctions/<id>/bids`.
- **Baseline**: `tests/bench/naive_app.py` as a WSGI app under gunicorn with 2 × cores + 1 sync
  workers; `POST /naive/auctions/<id>/bids` runs `naive_engine.naive_bid_place` (row lock,
  ledger reads, `rules.py`, insert) behind the same session auth and CSRF middleware.

One load generator in its own process (`tests/bench/http_load.py`, aiohttp) drives 32 bidders,
each with its own session and keep-alive connection, on one hot lot per round (a fresh auction
each round), after a warm-up; rounds alternate baseline, Gavel, baseline, Gavel, so a burst of
other work on the machine hits both. The per-user rate limit is raised for the run by setting.

Reported per side: requests/s and accepted/s over the measured windows, p50/p99 latency, and CPU
per request of the server's whole process tree (web processes and, for Gavel, the worker),
Redis (Gavel's own server) and the PostgreSQL backends connected to the bench database, read
with psutil at the start and the end of each measured window. After each round the ledger must
hold exactly the acknowledged bids (every acknowledged seq is a row and nothing else is), and the
last row's price must equal `rules.replay` of the ledger; a wrong side fails the benchmark.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path

import psutil

from tests.bench import env
from tests.e2e.server import PROJECT_ROOT, free_port

BIDDERS = 32
ROUNDS = 2
SECONDS = float(os.environ.get("GAVEL_BENCH_HTTP_SECONDS", 10))  # per round: 2 rounds = 20 s
WARMUP = 3.0
START = 10_00
INCREMENT = 1_00
# The naive app's JSON bid; Gavel's lean API route; Gavel's lot socket, as the page bids.
SIDES = ("baseline", "gavel", "gavel_ws")


def percentile(values: list[float], q: float) -> float | None:
    """The nearest-rank percentile of `values` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, min(len(ordered), round(q * len(ordered) + 0.5))) - 1]


# --- data -----------------------------------------------------------------------------------


def make_bidders(tag: str = "http") -> tuple[object, list[dict]]:
    """A seller and BIDDERS bidders, each logged in: (seller, [cookies of one session])."""
    from django.test import Client
    from django.utils.crypto import get_random_string

    from accounts.models import User

    seller = User.objects.create_user(username=f"{tag}-seller", password=None)
    cookies = []
    for n in range(BIDDERS):
        client = Client()
        client.force_login(User.objects.create_user(username=f"{tag}-bidder{n}", password=None))
        cookies.append(
            {"sessionid": client.cookies["sessionid"].value, "csrftoken": get_random_string(32)}
        )
    return seller, cookies


def make_auction(seller, tag: str):
    from django.utils import timezone

    from auctions.models import Auction

    now = timezone.now()
    return Auction.objects.create(
        seller=seller,
        title=f"HTTP bench {tag}",
        starting_price=START,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=1),
        status=Auction.Status.SCHEDULED,
        increment=INCREMENT,
    )


def check_ledger(auction, acknowledged: list[int]) -> None:
    """Every acknowledged bid is a row, nothing else is, and the price is the rules' price."""
    from auctions.models import Bid
    from tests.bench.naive_engine import ledger_state

    rows = list(Bid.objects.filter(auction=auction).order_by("seq").values_list("seq", "price"))
    if sorted(acknowledged) != [seq for seq, _ in rows]:
        raise AssertionError(
            f"auction {auction.pk}: {len(acknowledged)} acknowledged bids, {len(rows)} rows"
        )
    if rows and ledger_state(auction).price != rows[-1][1]:
        raise AssertionError(f"auction {auction.pk}: the last price disagrees with the rules")


# --- processes ------------------------------------------------------------------------------


def _wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s:\n{log.read_text()[-3000:]}")


@contextmanager
def running_process(command: list[str], env: dict, log: Path, probe: str | None):
    with open(log, "ab") as out:
        process = subprocess.Popen(  # noqa: S603
            command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        if probe:
            _wait_for(probe, process, log)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _redis_ready(port: int, timeout: float = 10) -> None:
    import redis

    deadline = time.monotonic() + timeout
    while True:
        try:
            redis.Redis(port=port).ping()
            return
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def served_env(redis_url: str) -> dict[str, str]:
    """Production settings for both servers (plain HTTP on loopback).

    The secret key is the bench process's: the sessions it logged in are signed with it.
    """
    from django.conf import settings

    return {
        **os.environ,
        "REDIS_URL": redis_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "GAVEL_BID_RATE_LIMIT": str(10**9),
    }


# --- measuring ------------------------------------------------------------------------------


def _tree_cpu(pid: int) -> dict[int, float]:
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return {}
    seconds = {}
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        seconds[process.pid] = times.user + times.system
    return seconds


def _postgres_cpu(database: str) -> dict[int, float]:
    """CPU seconds of the PostgreSQL backends connected to `database` (by process title)."""
    seconds = {}
    for process in psutil.process_iter(["cmdline", "cpu_times"]):
        cmdline = process.info["cmdline"] or []
        words = " ".join(cmdline).split()
        # "postgres: [cluster:] user database host state"
        if words[:1] == ["postgres:"] and database in words[1:5]:
            times = process.info["cpu_times"]
            seconds[process.pid] = times.user + times.system
    return seconds


def cpu_sample(roots: dict[str, int]) -> dict[str, dict[int, float]]:
    sample = {name: _tree_cpu(pid) for name, pid in roots.items()}
    sample["postgres"] = _postgres_cpu(env.BENCH_DB)
    return sample


def cpu_spent(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds per component between two samples (a process born meanwhile counts whole)."""
    return {
        name: sum(cpu - before.get(name, {}).get(pid, 0.0) for pid, cpu in pids.items())
        for name, pids in after.items()
    }


def drive(url: str, origin: str, cookies: list[dict], roots: dict[str, int]) -> dict:
    """One round of the load generator against `url`; its results plus CPU of the window."""
    spec = {
        "url": url,
        "origin": origin,
        "cookies": cookies,
        "warmup": WARMUP,
        "seconds": SECONDS,
        "increment": INCREMENT,
        "start": START,
    }
    load = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "tests.bench.http_load"],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    load.stdin.write(json.dumps(spec))
    load.stdin.close()
    samples = {}
    for line in load.stdout:
        word = line.strip()
        if word in ("GO", "END"):
            samples[word] = (cpu_sample(roots), time.monotonic())
        elif word.startswith("{"):
            results = json.loads(word)
    if load.wait() != 0:
        raise RuntimeError(f"the load generator exited {load.returncode}")
    (before, started), (after, ended) = samples["GO"], samples["END"]
    results["cpu"] = cpu_spent(before, after)
    results["window"] = ended - started
    return results


def summarise(rounds: list[dict]) -> dict:
    latencies = [ms for r in rounds for ms, _ in r["requests"]]
    accepted = sum(outcome == "accepted" for r in rounds for _, outcome in r["requests"])
    errors = sorted(
        {o for r in rounds for _, o in r["requests"] if o not in ("accepted", "BID_TOO_LOW")}
    )
    window = sum(r["window"] for r in rounds)
    cpu: dict[str, float] = {}
    for r in rounds:
        for name, seconds in r["cpu"].items():
            cpu[name] = cpu.get(name, 0.0) + seconds
    requests = len(latencies)
    per_request = {name: 1000 * s / max(1, requests) for name, s in cpu.items()}
    return {
        "requests_per_s": requests / window,
        "accepted_per_s": accepted / window,
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "cpu_ms_per_request": sum(per_request.values()),
        "cpu_ms_per_request_by_part": {k: round(v, 3) for k, v in per_request.items()},
        "unexpected_answers": errors,
    }


def main() -> dict:
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        raise RuntimeError("redis-server is not on PATH: the bench starts Gavel's own Redis")
    seller, cookies = make_bidders()
    cores = len(os.sched_getaffinity(0))
    logs = Path(tempfile.mkdtemp(prefix="gavel-http-bench-"))
    redis_port, gavel_port, naive_port = free_port(), free_port(), free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    gavel_env = {**served_env(redis_url), "HOST": "127.0.0.1", "PORT": str(gavel_port)}
    naive_env = {**served_env(redis_url), "DJANGO_SETTINGS_MODULE": "tests.bench.naive_settings"}
    redis_command = [redis_server, "--port", str(redis_port), "--bind", "127.0.0.1"]
    redis_command += ["--save", "", "--appendonly", "no"]
    naive_command = [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
    naive_command += ["--workers", str(2 * cores + 1), "--bind", f"127.0.0.1:{naive_port}"]
    gavel_base, naive_base = f"http://127.0.0.1:{gavel_port}", f"http://127.0.0.1:{naive_port}"
    rounds: dict[str, list[dict]] = {side: [] for side in SIDES}
    with ExitStack() as stack:
        redis = stack.enter_context(
            running_process(redis_command, dict(os.environ), logs / "r", None)
        )
        _redis_ready(redis_port)
        serve = stack.enter_context(
            running_process(
                [sys.executable, "-m", "config.serve"],
                gavel_env,
                logs / "serve.log",
                f"{gavel_base}/healthz",
            )
        )
        naive = stack.enter_context(
            running_process(naive_command, naive_env, logs / "gunicorn.log", f"{naive_base}/naive/")
        )
        for n in range(ROUNDS):
            for side in SIDES:
                auction = make_auction(seller, f"{side} {n}")
                if side == "gavel":
                    url = f"{gavel_base}/api/auctions/{auction.pk}/bids"
                    roots = {"server": serve.pid, "redis": redis.pid}
                    base = gavel_base
                elif side == "gavel_ws":
                    url = f"ws://127.0.0.1:{gavel_port}/ws/auctions/{auction.pk}/"
                    roots = {"server": serve.pid, "redis": redis.pid}
                    base = gavel_base
                else:
                    url = f"{naive_base}/naive/auctions/{auction.pk}/bids"
                    roots = {"server": naive.pid}
                    base = naive_base
                result = drive(url, base, cookies, roots)
                check_ledger(auction, result["acknowledged"])
                rounds[side].append(result)
                print(f"   round {n + 1} {side}: {len(result['requests'])} requests", flush=True)
    figures = {side: summarise(rounds[side]) for side in SIDES}
    base, gavel, socket = figures["baseline"], figures["gavel"], figures["gavel_ws"]
    return {
        **{f"{side}_{key}": value for side in SIDES for key, value in figures[side].items()},
        "requests_ratio_gavel_over_baseline": gavel["requests_per_s"] / base["requests_per_s"],
        "p99_ratio_gavel_over_baseline": gavel["p99_ms"] / base["p99_ms"],
        "cpu_ratio_gavel_over_baseline": gavel["cpu_ms_per_request"] / base["cpu_ms_per_request"],
        "requests_ratio_socket_over_baseline": socket["requests_per_s"] / base["requests_per_s"],
        "p99_ratio_socket_over_baseline": socket["p99_ms"] / base["p99_ms"],
        "cpu_ratio_socket_over_baseline": (
            socket["cpu_ms_per_request"] / base["cpu_ms_per_request"]
        ),
        "web_concurrency": cores,
        "baseline_gunicorn_workers": 2 * cores + 1,
        "load_average_1min": os.getloadavg()[0],
    }


if __name__ == "__main__":
    env.configure()
    try:
        print(json.dumps(main(), indent=1))
    finally:
        env.teardown()
