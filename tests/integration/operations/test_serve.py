"""`make serve` (config/serve.py): production settings enforced, web + worker started and stopped.

The serving test starts the real command on a free port against the test database and real
Redis, checks HTTP and a WebSocket through it, then stops it with SIGTERM and checks that every
process it started is gone.
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

import psutil
import pytest
from django.db import connection

from config.serve import REQUIRED, missing_settings, web_concurrency
from tests.conftest import skip_or_fail
from tests.e2e.server import PROJECT_ROOT, database_url, free_port
from tests.factories import make_auction, make_user

PRODUCTION_ENV = {
    "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
    "REDIS_URL": "redis://127.0.0.1:1/0",
    "DJANGO_SECRET_KEY": "serve-test-" + "x" * 50,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
}


def _serve(env: dict[str, str], **kwargs) -> subprocess.Popen:
    base = {k: v for k, v in os.environ.items() if k not in REQUIRED}
    return subprocess.Popen(
        [sys.executable, "-m", "config.serve"],
        cwd=PROJECT_ROOT,
        env={**base, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


def test_missing_settings_names_every_unset_or_blank_variable():
    assert missing_settings({}) == list(REQUIRED)
    assert missing_settings({**PRODUCTION_ENV, "REDIS_URL": " "}) == ["REDIS_URL"]
    assert missing_settings(PRODUCTION_ENV) == []


def test_web_concurrency_defaults_to_the_usable_cores():
    assert web_concurrency({}) == len(os.sched_getaffinity(0))
    assert web_concurrency({"WEB_CONCURRENCY": "3"}) == 3
    with pytest.raises(ValueError):
        web_concurrency({"WEB_CONCURRENCY": "0"})


@pytest.mark.parametrize("unset", REQUIRED)
def test_serve_refuses_to_start_without_a_production_setting(unset):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != unset}
    process = _serve({**env, "PORT": str(free_port())})
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert unset in err.decode()


def test_serve_exits_with_an_error_when_its_port_is_taken():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = _serve({**PRODUCTION_ENV, "HOST": "127.0.0.1", "PORT": str(port)})
        _, err = process.communicate(timeout=30)
    assert process.returncode == 1
    assert f"127.0.0.1:{port} is already in use" in err.decode()


def _wait_for_http(url: str, process: subprocess.Popen, timeout: float = 60) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"make serve exited {process.returncode}:\n{out.decode()}\n{err.decode()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                return response.read()
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"make serve did not answer {url} within {timeout:.0f}s")


async def _snapshot(ws_url: str, origin: str) -> dict:
    from websockets.asyncio.client import connect

    async with connect(ws_url, origin=origin, open_timeout=10) as socket_:
        while True:
            message = json.loads(await asyncio.wait_for(socket_.recv(), timeout=10))
            if message["type"] == "snapshot":
                return message


# serialized_rollback: the server needs the migrations' data (groups) and leaves it for others.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_serve_answers_http_and_websocket_and_stops_every_process_on_sigterm():
    redis_url = os.environ.get("REDIS_URL", "").split(",")[0].strip()
    if not redis_url:
        skip_or_fail("REDIS_URL is not set: make serve needs a real Redis")
    if connection.vendor != "postgresql":
        skip_or_fail("DATABASE_URL does not name PostgreSQL: make serve needs a shared database")
    auction = make_auction(seller=make_user(), title="Served lot")
    port = free_port()
    process = _serve(
        {
            **PRODUCTION_ENV,
            "DATABASE_URL": database_url(connection.settings_dict),
            "REDIS_URL": redis_url,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WEB_CONCURRENCY": "2",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
        }
    )
    try:
        body = _wait_for_http(f"http://127.0.0.1:{port}/api/auctions/{auction.pk}", process)
        assert json.loads(body)["title"] == "Served lot"
        children = psutil.Process(process.pid).children(recursive=True)
        commands = [" ".join(child.cmdline()) for child in children]
        assert sum("run_worker" in command for command in commands) == 1
        # uvicorn's supervisor starts WEB_CONCURRENCY web processes (multiprocessing spawns).
        assert sum("uvicorn" in command for command in commands) == 1
        assert sum("multiprocessing.spawn" in command for command in commands) == 2
        snapshot = asyncio.run(
            _snapshot(
                f"ws://127.0.0.1:{port}/ws/auctions/{auction.pk}/",
                origin=f"http://127.0.0.1:{port}",
            )
        )
        assert snapshot["title"] == "Served lot"
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
        assert process.returncode == 0
        gone, alive = psutil.wait_procs(children, timeout=10)
        assert alive == []
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
