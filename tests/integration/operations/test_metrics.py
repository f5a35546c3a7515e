"""`/metrics` (Prometheus text) and `/healthz`'s worker check: what is counted, who may read it,
and that several processes' counts add up (prometheus-client's multiprocess mode)."""

import json
import os
import subprocess
import sys
import threading
import time

import pytest
from channels.testing import WebsocketCommunicator
from django.core import mail  # noqa: F401  (locmem backend: notices go nowhere)
from prometheus_client import REGISTRY

from auctions import worker
from auctions.engine import heartbeat_write, keys
from auctions.engine.connection import get_redis
from auctions.services.bidding import BidRequest, bid_place
from core.errors import BidTooLow
from core.metrics import WebSocketGauge
from tests.factories import make_auction, make_user
from tests.integration.operations.test_settings import ROOT

pytestmark = pytest.mark.django_db


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(client, **extra) -> str:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.content.decode()


def line_value(text: str, prefix: str) -> float:
    [line] = [line for line in text.splitlines() if line.startswith(prefix + " ")]
    return float(line.rsplit(" ", 1)[1])


def test_bids_are_counted_by_outcome_and_timed(django_capture_on_commit_callbacks):
    auction, alice, bob = make_auction(), make_user(), make_user()
    accepted = sample("gavel_bids_total", outcome="accepted")
    too_low = sample("gavel_bids_total", outcome="bid_too_low")
    timed = sample("gavel_bid_duration_seconds_count")
    broadcast = sample("gavel_events_broadcast_total", type="bid")

    with django_capture_on_commit_callbacks(execute=True):
        bid_place(auction=auction, bidder=alice, bid=BidRequest(1000, None, "a"))
    with pytest.raises(BidTooLow):
        bid_place(auction=auction, bidder=bob, bid=BidRequest(1000, None, "b"))

    assert sample("gavel_bids_total", outcome="accepted") == accepted + 1
    assert sample("gavel_bids_total", outcome="bid_too_low") == too_low + 1
    assert sample("gavel_bid_duration_seconds_count") == timed + 2
    assert sample("gavel_events_broadcast_total", type="bid") == broadcast + 1


def test_metrics_page_lists_every_family(client):
    heartbeat_write(reconciled=3, pass_seconds=0.02)
    text = scrape(client)
    for family in (
        "gavel_bids_total",
        "gavel_bid_duration_seconds",
        "gavel_websocket_connections",
        "gavel_events_broadcast_total",
        "gavel_notice_outbox_depth",
        "gavel_notice_jobs_waiting",
        "gavel_worker_heartbeat_age_seconds",
        "gavel_reconciler_lag_events",
    ):
        assert f"# HELP {family} " in text, family
    assert line_value(text, "gavel_reconciler_lag_events") == 3
    assert 0 <= line_value(text, "gavel_worker_heartbeat_age_seconds") < 5


def test_metrics_from_elsewhere_are_refused(client):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200


def test_with_a_token_only_the_token_opens_metrics(client, settings):
    settings.GAVEL_METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 403  # loopback is not enough any more
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    scrape(client, REMOTE_ADDR="203.0.113.7", HTTP_AUTHORIZATION="Bearer s3cret-token")


async def _accepting_app(scope, receive, send):
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    while (await receive())["type"] != "websocket.disconnect":
        pass


async def _refusing_app(scope, receive, send):
    await receive()
    await send({"type": "websocket.close", "code": 4003})


async def test_open_websockets_are_counted_until_they_close():
    before = sample("gavel_websocket_connections")
    first = WebsocketCommunicator(WebSocketGauge(_accepting_app), "/ws/x/")
    second = WebsocketCommunicator(WebSocketGauge(_accepting_app), "/ws/x/")
    assert (await first.connect())[0] and (await second.connect())[0]
    assert sample("gavel_websocket_connections") == before + 2
    await first.disconnect()
    assert sample("gavel_websocket_connections") == before + 1
    refused = WebsocketCommunicator(WebSocketGauge(_refusing_app), "/ws/x/")
    assert not (await refused.connect())[0]
    assert sample("gavel_websocket_connections") == before + 1
    await second.disconnect()
    assert sample("gavel_websocket_connections") == before


def test_healthz_needs_a_recent_worker_heartbeat(client):
    missing = client.get("/healthz")
    assert missing.status_code == 503
    assert missing.json()["worker"] == "missing"

    get_redis().set(
        keys.worker_heartbeat_key(),
        json.dumps({"at": time.time() - 3600, "reconciled": 0, "pass_seconds": 0.1}),
    )
    stale = client.get("/healthz")
    assert (stale.status_code, stale.json()["worker"]) == (503, "stale")
    assert line_value(scrape(client), "gavel_worker_heartbeat_age_seconds") > 3000


# serialized_rollback: the migrations' data comes back for the transactional tests after this.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_running_worker_writes_its_heartbeat(client):
    assert line_value(scrape(client), "gavel_worker_heartbeat_age_seconds") == float("inf")
    stop = threading.Event()
    loop = threading.Thread(target=worker.run_forever, args=(stop, 0.05))
    loop.start()
    try:
        deadline = time.monotonic() + 10
        while client.get("/healthz").status_code != 200:
            assert time.monotonic() < deadline, client.get("/healthz").json()
            time.sleep(0.05)
    finally:
        stop.set()
        loop.join(timeout=10)
    assert client.get("/healthz").json() == {"database": "ok", "redis": "ok", "worker": "ok"}


FRESH_PROCESS = (
    "from prometheus_client import REGISTRY, generate_latest; import core.metrics; "
    "print(generate_latest(REGISTRY).decode())"
)


def test_a_fresh_process_lists_every_bid_outcome_at_zero():
    """Before any bid, /metrics already has each series (at 0), so `rate()` and alerts on
    gavel_bids_total work from a process's start."""
    from core.errors import (
        AuctionEnded,
        AuctionNotOpen,
        BadRequest,
        EmailNotConfirmed,
        InvalidAmount,
        NotAllowed,
        RateLimited,
        SellerCannotBid,
        Unavailable,
    )

    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    shown = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", FRESH_PROCESS],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    codes = [
        error.code.lower()
        for error in (
            InvalidAmount, BadRequest, NotAllowed, EmailNotConfirmed, SellerCannotBid,
            RateLimited, AuctionNotOpen, AuctionEnded, BidTooLow, Unavailable,
        )
    ]  # fmt: skip
    for outcome in ("accepted", "error", *codes):
        assert f'gavel_bids_total{{outcome="{outcome}"}} 0.0' in shown, outcome
    assert 'gavel_events_broadcast_total{type="bid"} 0.0' in shown


COUNT_A_BID = "from core.metrics import BIDS; BIDS.labels('accepted').inc()"
SHOW = "from config.metrics import _process_samples;print(_process_samples().decode())"


def test_processes_add_up_in_multiprocess_mode(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    env.pop("REDIS_URL", None)
    for _ in range(2):
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", COUNT_A_BID],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
    shown = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SHOW],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert 'gavel_bids_total{outcome="accepted"} 2.0' in shown.stdout


def test_outbox_depth_counts_unsent_emails(client):
    from django.utils import timezone

    from outbox.models import OutboxEmail

    alice = make_user()
    OutboxEmail.objects.create(key="a", user=alice, template="outbid")
    OutboxEmail.objects.create(key="b", user=alice, template="outbid")
    OutboxEmail.objects.create(key="c", user=alice, template="outbid", sent_at=timezone.now())
    assert line_value(scrape(client), "gavel_notice_outbox_depth") == 2


OPEN_A_SOCKET_AND_DIE = (
    "import os, signal; from core.metrics import WEBSOCKETS; WEBSOCKETS.inc(); "
    "print(os.getpid(), flush=True); os.kill(os.getpid(), signal.SIGKILL)"
)


def test_a_killed_process_sockets_are_not_counted(tmp_path):
    """A web process killed with SIGKILL never marks itself dead (issue 19, item 16)."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    env.pop("REDIS_URL", None)
    killed = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", OPEN_A_SOCKET_AND_DIE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -9
    pid = killed.stdout.split()[-1]
    assert (tmp_path / f"gauge_liveall_{pid}.db").exists()
    shown = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SHOW],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert f'pid="{pid}"' not in shown.stdout
    assert not (tmp_path / f"gauge_liveall_{pid}.db").exists()
