"""`make serve` keeps serving when one of its processes dies (issue 19, item 4).

The real command runs on a free port against the test database and real Redis; `kill -9` of
the worker (and then of a web process) must leave the site answering, bring the process back,
count the restart in `/metrics`, and keep `make serve` running.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest
from django.db import connection

from config.serve import REQUIRED
from tests.conftest import skip_or_fail
from tests.e2e.server import PROJECT_ROOT, database_url, free_port
from tests.factories import make_auction, make_user


def _children(process: subprocess.Popen, marker: str) -> list[psutil.Process]:
    found = []
    for child in psutil.Process(process.pid).children(recursive=True):
        try:
            if marker in " ".join(child.cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
        return response.status, response.read().decode()


def _wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"{what} within {timeout:.0f} s")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_killed_worker_or_web_process_is_restarted_while_the_site_goes_on(tmp_path):
    redis_url = os.environ.get("REDIS_URL", "").split(",")[0].strip()
    if not redis_url:
        skip_or_fail("REDIS_URL is not set: make serve needs a real Redis")
    if connection.vendor != "postgresql":
        skip_or_fail("DATABASE_URL does not name PostgreSQL: make serve needs a shared database")
    auction = make_auction(seller=make_user(), title="Served lot")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in REQUIRED}
    env.update(
        {
            "DATABASE_URL": database_url(connection.settings_dict),
            "REDIS_URL": redis_url,
            "DJANGO_SECRET_KEY": "serve-test-" + "x" * 50,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WEB_CONCURRENCY": "1",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        }
    )
    log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "config.serve"], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log
    )
    state_url = f"{base}/api/auctions/{auction.pk}"

    def answers() -> bool:
        assert serve.poll() is None, (tmp_path / "serve.log").read_text()
        try:
            return _get(state_url)[0] == 200
        except OSError:
            return False

    try:
        _wait(answers, 60, "make serve did not answer")
        (worker,) = _children(serve, "run_worker")
        worker.kill()
        # The site goes on while the worker is down and comes back.
        for _ in range(10):
            assert _get(state_url)[0] == 200
            time.sleep(0.1)

        def new_worker():
            found = [p for p in _children(serve, "run_worker") if p.pid != worker.pid]
            return found[0] if found else None

        _wait(new_worker, 30, "the worker did not come back")
        _, metrics = _get(f"{base}/metrics")
        assert 'gavel_process_restarts_total{process="worker"} 1.0' in metrics

        # A dead web server is started again too (with WEB_CONCURRENCY > 1, uvicorn's own
        # supervisor restarts its web processes; this one serves alone).
        (web,) = _children(serve, "uvicorn")
        web.kill()

        def new_web():
            return [p for p in _children(serve, "uvicorn") if p.pid != web.pid]

        _wait(new_web, 30, "the web server did not come back")
        _wait(answers, 30, "the site did not answer again")
        _, metrics = _get(f"{base}/metrics")
        assert 'gavel_process_restarts_total{process="web server"} 1.0' in metrics
        assert serve.poll() is None
        logged = (tmp_path / "serve.log").read_text()
        assert "the worker exited (-9); restarting it" in logged
        assert "the web server exited (-9); restarting it" in logged
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            serve.kill()
            serve.wait()
        log.close()
    assert serve.returncode == 0
