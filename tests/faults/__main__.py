"""`make faults`: Gavel under 30 concurrent bidders while its services fail for real.

The suite starts its own PostgreSQL and Redis on free ports, two web processes (`make serve`'s
uvicorn command) and the worker, then runs each fault: Redis killed and restarted empty,
PostgreSQL stopped for 10 s, a web process killed, the worker killed, the worker down while
Redis is lost, a web process killed between a bid's script and its ledger write (worker
down, later bids acknowledged, then Redis lost), and the worker killed under `make serve`
itself (bids go on being served, the worker comes back, `/metrics` counts the restart). After each it checks that every acknowledged bid is in the ledger, seqs
have no gap, the ledger's replay equals the hot state, every answered request id gets its
first answer again, and nothing answered 500; it prints the time to recover (from the service's
return to the next accepted bid). Exit status 1 when a check fails.
"""

import asyncio
import os
import secrets
import signal
import sys
import time
from collections.abc import Callable

from tests.faults.load import Tally
from tests.faults.servers import (
    PostgresServer,
    RedisServer,
    serve_children,
    serve_process,
    web_process,
    worker_process,
)

BIDDERS = 30
AUCTIONS = 3
WARM_SECONDS = 4.0
AFTER_SECONDS = 5.0
# The web processes' fault hook (GAVEL_FAULT_EXIT_BEFORE_LEDGER): a bid whose request id starts
# with this kills the process that is about to write it to the ledger.
EXIT_BEFORE_LEDGER = "fault-exit-before-ledger"


def child_env(pg: PostgresServer, rd: RedisServer) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": pg.url,
        "REDIS_URL": rd.url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "GAVEL_BID_RATE_LIMIT": "100000",
        "GAVEL_ACCESS_LOG": "0",
        "GAVEL_LOG_FORMAT": "text",
        "DJANGO_LOG_LEVEL": "WARNING",
        "GAVEL_REQUIRE_SERVICES": "1",
        "GAVEL_FAULT_EXIT_BEFORE_LEDGER": EXIT_BEFORE_LEDGER,
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


def setup_django(env: dict) -> None:
    """This process uses the same settings as the servers (the session hash needs the key)."""
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()


def make_world():
    """Auctions open for an hour and logged-in bidders (session and CSRF cookies)."""
    from datetime import timedelta

    from django.contrib.auth.models import Group
    from django.test import Client
    from django.utils import timezone

    from accounts.models import User
    from auctions.models import Auction
    from core.roles import SELLERS_GROUP
    from tests.faults.load import Bidder

    seller = User.objects.create_user("fault_seller", "seller@example.com", None, is_staff=True)
    seller.groups.add(Group.objects.get(name=SELLERS_GROUP))
    now = timezone.now()
    auctions = [
        Auction.objects.create(
            seller=seller,
            title=f"Fault lot {index}",
            starting_price=1000,
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(hours=1),
            status=Auction.Status.SCHEDULED,
        ).pk
        for index in range(AUCTIONS)
    ]
    bidders = []
    for index in range(BIDDERS):
        user = User.objects.create_user(f"fault_bidder{index}", f"b{index}@example.com", None)
        client = Client()
        client.force_login(user)
        token = secrets.token_hex(16)
        cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": token}
        bidders.append(Bidder(user.pk, cookies))
    return auctions, bidders


def check(auctions, tally, bases) -> list[str]:
    """The invariants after a fault (docs/design.md §2 and §4)."""
    from django.db import close_old_connections

    from auctions.engine import api as engine_api
    from auctions.engine import hot_state, rules
    from auctions.models import Auction, AuctionEvent, Bid
    from tests.faults.load import retry_all

    close_old_connections()
    problems = [f"server error: {line}" for line in tally.server_errors[:5]]
    # The worker (or the web process that answered UNAVAILABLE) writes what Redis applied.
    deadline = time.monotonic() + 30
    for auction_id in auctions:
        while time.monotonic() < deadline:
            hot = engine_api.hot_seq(Auction.objects.get(pk=auction_id))
            stored = AuctionEvent.objects.filter(auction_id=auction_id).count()
            if hot is None or hot <= stored:
                break
            time.sleep(0.2)
    for answer in tally.accepted():
        seq = answer.body.get("seq")
        row = Bid.objects.filter(
            auction_id=answer.auction_id, seq=seq, bidder_id=answer.bidder.user_id
        ).first()
        if row is None or not row.request_id.startswith(answer.request_id):
            problems.append(f"acknowledged bid {answer.request_id} (seq {seq}) not in the ledger")
    for auction_id in auctions:
        auction = Auction.objects.get(pk=auction_id)
        seqs = list(
            AuctionEvent.objects.filter(auction=auction)
            .order_by("seq")
            .values_list("seq", flat=True)
        )
        if seqs != list(range(1, len(seqs) + 1)):
            problems.append(f"auction {auction_id}: seqs with gaps {seqs[:5]}…{seqs[-5:]}")
        replay = rules.replay(hot_state.params_of(auction), hot_state.ledger_of(auction.pk))
        state = engine_api.auction_state_get(auction=auction)
        replayed = (replay.price, str(replay.leader or ""), replay.bid_count, len(seqs))
        live = (state.price, str(state.leader_id or ""), state.bid_count, state.seq)
        if replayed != live:
            problems.append(f"auction {auction_id}: ledger replay {replayed} != hot state {live}")
    sample = tally.accepted()[-40:]
    problems += asyncio.run(retry_all(bases, sample, tally))
    return problems


class Suite:
    def __init__(self):
        self.pg, self.redis = PostgresServer(), RedisServer()
        self.results: list[tuple[str, int, float | None, list[str]]] = []
        self.fault_problems: list[str] = []  # what a fault itself found wrong
        self.serve = None

    def start(self) -> None:
        self.pg.start()
        self.pg.create_database()
        self.redis.start()
        self.env = child_env(self.pg, self.redis)
        setup_django(self.env)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        self.auctions, self.bidders = make_world()
        self.web = []
        self.bases = []
        for name in ("web1", "web2"):
            process, base = web_process(name, self.env)
            process.start()
            self.web.append(process)
            self.bases.append(base)
        self.worker = worker_process(self.env)
        self.worker.start()

    def stop(self) -> None:
        if self.serve is not None:
            self.serve.terminate()
        for process in [*getattr(self, "web", []), getattr(self, "worker", None)]:
            if process is not None:
                process.kill()
        self.redis.kill()
        self.pg.remove()

    def scenario(
        self,
        name: str,
        fault: Callable[[], float],
        also: Callable[[Tally], list[str]] | None = None,
    ) -> None:
        """Bid, inject `fault` (it returns when the service is back), bid on, check."""
        from tests.faults.load import run_load

        tally = Tally()

        async def drive():
            stop = asyncio.Event()
            load = asyncio.create_task(
                run_load(self.bases, self.bidders, self.auctions, stop, tally)
            )
            await asyncio.sleep(WARM_SECONDS)
            restored = await asyncio.to_thread(fault)
            await asyncio.sleep(AFTER_SECONDS)
            stop.set()
            await load
            return restored

        started = time.monotonic()
        restored = asyncio.run(drive())
        after = [a.at for a in tally.accepted() if a.at >= restored]
        recovery = (min(after) - restored) if after else None
        problems = check(self.auctions, tally, self.bases) + self.fault_problems
        problems += also(tally) if also else []
        self.fault_problems = []
        if not after:
            problems.append("no bid was accepted after the service came back")
        self.results.append((name, len(tally.accepted()), recovery, problems))
        print(
            f"{name:<32} {len(tally.accepted()):>5} acknowledged  statuses {dict(sorted(tally.statuses.items()))}"
            f"  recovered in {'-' if recovery is None else f'{recovery:.2f} s'}"
            f"  ({time.monotonic() - started:.0f} s)  {'OK' if not problems else 'FAILED'}",
            flush=True,
        )
        for problem in problems[:10]:
            print(f"    {problem}", flush=True)

    # --- the faults: each returns the monotonic time the service was back ---------------------

    def redis_restarted_empty(self) -> float:
        self.redis.kill()
        time.sleep(1)
        self.redis.start()
        return time.monotonic()

    def postgres_stopped(self) -> float:
        self.pg.stop()
        time.sleep(10)
        self.pg.start()
        return time.monotonic()

    def web_process_killed(self) -> float:
        self.web[0].kill()
        time.sleep(2)
        self.web[0].start()
        return time.monotonic()

    def worker_killed(self) -> float:
        self.worker.kill()
        time.sleep(3)
        self.worker.start()
        return time.monotonic()

    def worker_down_then_redis_lost(self) -> float:
        self.worker.kill()
        time.sleep(3)
        self.redis.kill()
        time.sleep(1)
        self.redis.start()
        back = time.monotonic()
        time.sleep(3)
        self.worker.start()
        return back

    def killed_between_script_and_ledger(self) -> float:
        """Worker down; web1 dies between a bid's script and its ledger write; web2 goes on
        acknowledging bids above that entry; then Redis is lost."""
        from tests.faults.load import bid_once

        self.worker.kill()
        auction_id, bidder = self.auctions[0], self.bidders[0]
        for attempt in range(20):  # a racing bid may raise the minimum first: bid again
            bid_once(self.bases[0], auction_id, bidder, f"{EXIT_BEFORE_LEDGER}-{attempt}")
            if self.web[0].process is not None and self.web[0].process.poll() is not None:
                break
        else:
            raise RuntimeError("the fault hook did not kill the web process")
        self.web[0].start()  # as make serve would; meanwhile web2 acknowledges later bids
        time.sleep(1)
        self.redis.kill()
        time.sleep(1)
        self.redis.start()
        back = time.monotonic()
        time.sleep(3)
        self.worker.start()
        return back


def under_serve(suite: Suite) -> None:
    """The worker killed under `make serve`: its supervisor restarts it while it serves bids."""
    import urllib.request

    suite.serve, base = serve_process(suite.env)
    suite.serve.start()
    bases, suite.bases = suite.bases, [base]
    window = {}

    def worker_killed_under_serve() -> float:
        (worker,) = serve_children(suite.serve, "run_worker")
        os.kill(worker, signal.SIGKILL)
        window["killed"] = time.monotonic()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if [pid for pid in serve_children(suite.serve, "run_worker") if pid != worker]:
                break
            time.sleep(0.1)
        else:
            suite.fault_problems.append("make serve did not restart the worker within 30 s")
        window["back"] = time.monotonic()
        if suite.serve.process.poll() is not None:
            suite.fault_problems.append(f"make serve exited ({suite.serve.process.returncode})")
        try:
            with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:  # noqa: S310
                metrics = response.read()
        except OSError as error:
            metrics = str(error).encode()
        if b'gavel_process_restarts_total{process="worker"} 1.0' not in metrics:
            suite.fault_problems.append(
                f"/metrics does not count the worker's restart: {metrics[:80]!r}"
            )
        return window["back"]

    def served_meanwhile(tally: Tally) -> list[str]:
        if any(window["killed"] <= a.at <= window["back"] for a in tally.accepted()):
            return []
        return ["no bid was acknowledged while the worker was down"]

    try:
        suite.scenario(
            "the worker killed under make serve", worker_killed_under_serve, served_meanwhile
        )
    finally:
        suite.bases = bases
        suite.serve.terminate()
        suite.serve = None


def _interrupted(signum, frame):
    raise KeyboardInterrupt  # so the servers this suite started are stopped on the way out


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupted)
    suite = Suite()
    began = time.monotonic()
    try:
        suite.start()
        print(
            f"fault suite: {BIDDERS} bidders on {AUCTIONS} auctions, 2 web processes + worker",
            flush=True,
        )
        suite.scenario("redis killed, restarted empty", suite.redis_restarted_empty)
        suite.scenario("postgresql stopped 10 s", suite.postgres_stopped)
        suite.scenario("a web process killed", suite.web_process_killed)
        suite.scenario("the worker killed", suite.worker_killed)
        suite.scenario("worker down, then redis lost", suite.worker_down_then_redis_lost)
        suite.scenario("killed between script and ledger", suite.killed_between_script_and_ledger)
        under_serve(suite)
    finally:
        suite.stop()
    failed = [name for name, _, _, problems in suite.results if problems]
    print(
        f"fault suite: {len(suite.results) - len(failed)}/{len(suite.results)} faults held "
        f"in {time.monotonic() - began:.0f} s",
        flush=True,
    )
    return 1 if failed or len(suite.results) < 7 else 0


if __name__ == "__main__":
    sys.exit(main())
