"""`make run` (config/laptop.py): one embedded hot state for every process of the run, and a
refusal within seconds, before any worker starts, when the port or the run is taken.

Each test runs the real launcher with its own SQLite file and run directory (GAVEL_RUN_DIR),
so a developer's own `make run` is never touched.
"""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from config.embedded_redis import discover, run_file
from config.laptop import site_url
from tests.e2e.server import PROJECT_ROOT, free_port

LAPTOP_VARIABLES = (
    "REDIS_URL",
    "DATABASE_URL",
    "DJANGO_DEBUG",
    "PROMETHEUS_MULTIPROC_DIR",
    "SITE_URL",
)


def laptop_env(run_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LAPTOP_VARIABLES}
    return {
        **env,
        "DATABASE_URL": f"sqlite:///{run_dir / 'db.sqlite3'}",
        "GAVEL_RUN_DIR": str(run_dir),
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }


def launch(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "config.laptop"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
        return json.loads(response.read())


def wait_until_up(process: subprocess.Popen, port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make run exited {process.returncode}:\n{process.stdout.read()}")
        try:
            if get_json(f"http://127.0.0.1:{port}/healthz")["worker"] == "ok":
                return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail("make run did not come up")


def worker_processes(run_dir: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        try:
            if "run_worker" in " ".join(process.info["cmdline"] or ()):
                if process.environ().get("GAVEL_RUN_DIR") == str(run_dir):
                    found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


@pytest.fixture(scope="module")
def laptop(tmp_path_factory):
    """One running `make run` for the module: its env, port and process."""
    run_dir = tmp_path_factory.mktemp("laptop")
    port = free_port()
    env = laptop_env(run_dir, port)
    process = launch(env)
    try:
        wait_until_up(process, port)
        yield {"env": env, "port": port, "process": process, "run_dir": run_dir}
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


PICK_A_LOT = (
    "from auctions.models import Auction;"
    "print('LOT', Auction.objects.filter(bids__isnull=True, status='scheduled')"
    ".order_by('pk').first().pk)"
)
# Run in another `manage.py shell`, as a developer would: one bid on that lot.
BID_FROM_ANOTHER_PROCESS = """
from accounts.models import User
from auctions.models import Auction
from auctions.selectors import auction_state_get
from auctions.services.bidding import BidRequest, bid_place
auction = Auction.objects.get(pk={pk})
bid_place(auction=auction, bidder=User.objects.get(username="chiara"), bid=BidRequest(auction_state_get(auction=auction).min_bid, None, "from-the-shell"))
"""


def test_a_second_process_shares_the_servers_hot_state(laptop):
    """The server holds the lot's hot state; a bid placed by another process (a shell, or
    seed_demo: every manage.py command finds the run) lands in that same state."""
    env = {k: v for k, v in laptop["env"].items() if k != "REDIS_URL"}
    pk = int(manage(env, "shell", "-c", PICK_A_LOT).rsplit("LOT", 1)[1].split()[0])
    api = f"http://127.0.0.1:{laptop['port']}/api/auctions/{pk}"
    before = get_json(api)  # the server loads the lot into its hot state
    assert before["bid_count"] == 0

    async def bid_while_watching() -> dict:
        from websockets.asyncio.client import connect

        url = f"ws://127.0.0.1:{laptop['port']}/ws/auctions/{pk}/"
        async with connect(url, origin=f"http://127.0.0.1:{laptop['port']}") as viewer:
            while json.loads(await asyncio.wait_for(viewer.recv(), 10))["type"] != "snapshot":
                pass
            await asyncio.to_thread(
                manage, env, "shell", "-c", BID_FROM_ANOTHER_PROCESS.format(pk=pk)
            )
            while True:
                event = json.loads(await asyncio.wait_for(viewer.recv(), 10))
                if event["type"] == "bid":
                    return event

    live = asyncio.run(bid_while_watching())
    # ... and its live event reaches a viewer of the server, through the shared channel layer.
    assert live["seq"] == before["seq"] + 1

    after = get_json(api)
    assert after["bid_count"] == 1
    assert after["seq"] == before["seq"] + 1
    assert after["leader"] == "c***a"


def test_manage_py_finds_the_running_embedded_server(laptop):
    env = {k: v for k, v in laptop["env"].items() if k != "REDIS_URL"}
    record = json.loads(run_file(env).read_text())
    shown = manage(
        env, "shell", "-c", "from django.conf import settings; print(settings.REDIS_URL)"
    )
    assert shown.strip().splitlines()[-1] == record["url"]
    off = manage(
        {**env, "GAVEL_EMBEDDED_REDIS": "off"},
        "shell",
        "-c",
        "from django.conf import settings; print(repr(settings.REDIS_URL))",
    )
    assert off.strip().splitlines()[-1] == "''"
    assert len(worker_processes(laptop["run_dir"])) == 1


def test_a_second_run_of_the_same_checkout_is_refused_at_once(laptop):
    env = {**laptop["env"], "PORT": str(free_port())}
    started = time.monotonic()
    second = launch(env)
    output, _ = second.communicate(timeout=30)
    assert second.returncode == 1
    assert time.monotonic() - started < 10
    assert "another `make run` of this checkout is running" in output
    assert len(worker_processes(laptop["run_dir"])) == 1  # only the first run's


def test_a_run_on_a_taken_port_exits_at_once_and_starts_no_worker(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        process = launch(laptop_env(tmp_path, port))
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 1
    assert time.monotonic() - started < 10
    assert f"127.0.0.1:{port} is already in use" in output
    assert worker_processes(tmp_path) == []
    assert not (tmp_path / "db.sqlite3").exists()  # nothing ran: no migrate, no seed


def run_processes(run_dir: Path, command: str) -> list[psutil.Process]:
    return [
        process
        for process in psutil.process_iter(["cmdline"])
        if command in " ".join(process.info["cmdline"] or ())
        and _environ(process).get("GAVEL_RUN_DIR") == str(run_dir)
    ]


def _environ(process: psutil.Process) -> dict[str, str]:
    try:
        return process.environ()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return {}


def test_links_in_emails_name_the_port_the_run_serves_on(laptop):
    """PORT=… make run: the server and the worker (which sends the notice emails) make links
    to this run's own address, not the default port."""
    expected = f"http://127.0.0.1:{laptop['port']}"
    for command in ("runserver", "run_worker"):
        processes = run_processes(laptop["run_dir"], command)
        assert processes, command
        assert {_environ(p).get("SITE_URL") for p in processes} == {expected}


def test_site_url_is_the_runs_own_address_unless_set():
    assert site_url({}, "127.0.0.1", 8100) == "http://127.0.0.1:8100"
    assert site_url({}, "0.0.0.0", 8100) == "http://127.0.0.1:8100"  # noqa: S104
    assert site_url({}, "::", 8100) == "http://[::1]:8100"
    assert site_url({"SITE_URL": " "}, "localhost", 8101) == "http://localhost:8101"
    given = {"SITE_URL": "https://auctions.example.com"}
    assert site_url(given, "127.0.0.1", 8100) == "https://auctions.example.com"


def test_stopping_the_run_stops_every_process_and_forgets_the_hot_state(laptop):
    """Last in this module: it stops the shared run."""
    process, env = laptop["process"], laptop["env"]
    children = psutil.Process(process.pid).children(recursive=True)
    assert children
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)
    assert process.returncode == 0
    _, alive = psutil.wait_procs(children, timeout=10)
    assert alive == []
    assert not run_file(env).exists()
    assert discover({k: v for k, v in env.items() if k != "REDIS_URL"}) is None
