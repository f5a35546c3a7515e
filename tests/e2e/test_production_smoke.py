"""The production smoke test: `make serve` as an operator runs it, driven by real Chromium.

`make serve` (DJANGO_DEBUG=0, two web processes and the worker) on PostgreSQL and Redis, then
once on a real 3-master Redis Cluster. Chromium loads the list, an auction and the admin and
checks that their stylesheets applied (a computed style, so the hashed, compressed static files
were served); two bidders on two different web processes see each other's bids live; and
`/metrics` counts the bid.
"""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from types import SimpleNamespace

import pytest
from django.db import connection
from playwright.sync_api import expect

from tests.conftest import skip_or_fail
from tests.e2e.pages import LIVE_WAIT_MS, UPDATE_WAIT_MS, money, place_bid
from tests.e2e.server import PROJECT_ROOT, database_url, free_port
from tests.factories import make_auction, make_user
from tests.integration.engine.cluster import redis_cluster_fixture  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SERVE_START_SECONDS = 90
_WS_GAUGE = re.compile(r'^gavel_websocket_connections\{pid="(\d+)"\} (\S+)$', re.M)


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
        return response.read().decode()


class Served:
    """One `make serve` (config/serve.py) in a subprocess, on a free port."""

    def __init__(self, *, redis_url: str, cluster: bool, tmp_path):
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        self.log_path = tmp_path / "serve.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_"))}
        env.update(
            DATABASE_URL=database_url(connection.settings_dict),
            REDIS_URL=redis_url,
            REDIS_CLUSTER="1" if cluster else "0",
            DJANGO_SECRET_KEY="smoke-" + "s" * 60,
            DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1",
            DJANGO_SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback; TLS is the proxy's job
            DJANGO_STATIC_ROOT=str(tmp_path / "static"),
            PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
            HOST="127.0.0.1",
            PORT=str(self.port),
            WEB_CONCURRENCY="2",
        )
        self._log = open(self.log_path, "wb")  # noqa: SIM115  (closed in stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "config.serve"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + SERVE_START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"make serve exited {self.process.returncode}:\n{self.log()}")
            try:
                if '"worker": "ok"' in _get(f"{self.url}/healthz"):
                    return
            except OSError:
                pass
            time.sleep(0.3)
        pytest.fail(f"make serve was not healthy within {SERVE_START_SECONDS}s:\n{self.log()}")

    def metrics(self) -> str:
        return _get(f"http://127.0.0.1:{self.port}/metrics")

    def sockets_by_process(self) -> dict[str, int]:
        return {pid: int(float(n)) for pid, n in _WS_GAUGE.findall(self.metrics())}

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


@pytest.fixture(params=["redis", "cluster"])
def served(request, tmp_path):
    if connection.vendor != "postgresql":
        skip_or_fail("DATABASE_URL does not name PostgreSQL: make serve needs a shared database")
    if request.param == "cluster":
        redis_url, cluster = request.getfixturevalue("redis_cluster").url, True
    else:
        request.getfixturevalue("real_engine_redis")  # flushed before and after
        redis_url, cluster = request.getfixturevalue("real_redis_url"), False
    server = Served(redis_url=redis_url, cluster=cluster, tmp_path=tmp_path)
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()


def _visitor(browser, served, user=None):
    context = browser.new_context(base_url=served.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    if user is not None:
        page.goto("/accounts/login/")
        page.locator("#id_username").fill(user.username)
        page.locator("#id_password").fill(f"pw-{user.username}")
        page.locator("#id_password").press("Enter")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return context, page


def _styled(page) -> None:
    """The site stylesheet applied: its hashed URL answered and its rules are in force."""
    href = page.locator("link[rel=stylesheet]").first.get_attribute("href")
    assert re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", href), href
    body_background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert body_background == "rgb(250, 250, 252)"
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).display") == (
        "flex"
    )


def _open_live(page, auction) -> None:
    page.goto(f"/auctions/{auction.pk}/")
    expect(page.locator("#connection")).to_have_attribute(
        "data-state", "live", timeout=LIVE_WAIT_MS
    )


def _wait_sockets(served, total: int) -> dict[str, int]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        counts = served.sockets_by_process()
        if sum(counts.values()) == total:
            return counts
        time.sleep(0.1)
    pytest.fail(f"expected {total} open WebSockets, /metrics says {served.sockets_by_process()}")


def test_make_serve_in_production(served, browser):
    auction = make_auction(seller=make_user(), title="Served in production", starting_price=5000)
    alice, bob = make_user("alice"), make_user("bob")
    anonymous, visitor = _visitor(browser, served)
    try:
        visitor.goto("/")
        _styled(visitor)
        expect(visitor.locator("#auction-list")).to_contain_text("Served in production")
        visitor.goto(f"/auctions/{auction.pk}/")
        _styled(visitor)
        visitor.goto("/admin/")
        expect(visitor.locator("#id_username")).to_be_visible()
        assert visitor.evaluate("getComputedStyle(document.querySelector('#header')).display") == (
            "flex"
        )
    finally:
        anonymous.close()

    alice_context, alice_page = _visitor(browser, served, alice)
    bob_context, bob_page = _visitor(browser, served, bob)
    try:
        _open_live(alice_page, auction)
        [alice_pid] = [pid for pid, n in _wait_sockets(served, 1).items() if n == 1]
        for _ in range(12):  # the kernel picks the process; reconnect Bob until it is the other
            _open_live(bob_page, auction)
            counts = _wait_sockets(served, 2)
            if counts.get(alice_pid) == 1:
                break
        else:
            pytest.fail(f"Bob's socket never reached the second web process: {counts}")
        accepted_before = _accepted(served.metrics())

        place_bid(SimpleNamespace(page=alice_page), "50.00")

        expect(bob_page.locator("#bid-count")).to_have_text("1", timeout=UPDATE_WAIT_MS)
        expect(bob_page.locator("#leader")).to_have_text("a***e", timeout=UPDATE_WAIT_MS)
        expect(bob_page.locator("#price")).to_have_text(money("50.00"))
        assert _accepted(served.metrics()) == accepted_before + 1
    finally:
        alice_context.close()
        bob_context.close()


def _accepted(metrics: str) -> float:
    found = re.search(r'^gavel_bids_total\{outcome="accepted"\} (\S+)$', metrics, re.M)
    return float(found.group(1)) if found else 0.0
