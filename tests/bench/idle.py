"""Idle-cost benchmark (issue 4): memory per open idle WebSocket and CPU with 2,000 idle viewers.

Two daphne processes (default channel layer) behind one Redis; a few warm-up viewers first, so
imports, connection pools and caches are paid before the baseline. Memory: the servers' RSS
(VmRSS) with the warm-up viewers, then with 2,000 more viewers of one auction split across the
servers; the delta divided by 2,000. CPU: the servers' user+system time over a quiet window
with all of them connected, as a share of one core (keepalive pings and presence heartbeats
are what an idle viewer costs).

Run: `DATABASE_URL=postgres://… REDIS_URL=redis://… python -m tests.bench.idle`
"""

import json
import os
import sys
import time

from tests.bench.fanout import (
    make_auction,
    raise_open_files_limit,
    rss_bytes,
    running_servers,
    server_env,
    setup_django,
    teardown_standalone,
    viewer_pools,
)

IDLE_VIEWERS = 2000
WARM_VIEWERS = 20
SETTLE_S = 5.0
CPU_WINDOW_S = 30.0
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15)


def _messages(pipes) -> int:
    total = 0
    for pipe in pipes:
        pipe.send(("messages",))
        total += pipe.recv()[1]
    return total


def main() -> dict:
    """Return `idle_*` figures: KiB per idle socket, % of one core with IDLE_VIEWERS open."""
    raise_open_files_limit()
    setup_django()
    with running_servers(server_env(None)) as servers:
        pids = [server.pid for server in servers]
        auction, _ = make_auction(bidders=0)
        with viewer_pools(servers, auction.pk, WARM_VIEWERS):
            time.sleep(SETTLE_S)
            before = sum(rss_bytes(pid) for pid in pids)
            started = time.monotonic()
            with viewer_pools(servers, auction.pk, IDLE_VIEWERS) as pools:
                connect_s = time.monotonic() - started
                time.sleep(SETTLE_S)
                after = sum(rss_bytes(pid) for pid in pids)
                messages_before = _messages(pools.pipes)
                cpu_before = [cpu_seconds(pid) for pid in pids]
                window_start = time.monotonic()
                time.sleep(CPU_WINDOW_S)
                window = time.monotonic() - window_start
                cpu_used = [cpu_seconds(pid) - c for pid, c in zip(pids, cpu_before, strict=True)]
                messages = _messages(pools.pipes) - messages_before
                retries = pools.connect_retries
    per_socket_kib = (after - before) / IDLE_VIEWERS / 1024
    figures = {
        "idle_viewers": IDLE_VIEWERS,
        "idle_connect_s": round(connect_s, 1),
        "idle_connect_retries": retries,
        "idle_rss_before_mib": round(before / 2**20, 1),
        "idle_rss_after_mib": round(after / 2**20, 1),
        "idle_kib_per_socket": round(per_socket_kib, 1),
        "idle_cpu_window_s": round(window, 1),
        "idle_cpu_pct_of_core": round(100 * sum(cpu_used) / window, 2),
        "idle_cpu_pct_per_server": [round(100 * c / window, 2) for c in cpu_used],
        "idle_messages_per_viewer_in_window": round(messages / IDLE_VIEWERS, 2),
    }
    print(f"idle: {json.dumps(figures)}", flush=True)
    return figures


if __name__ == "__main__":
    try:
        result = main()
    finally:
        teardown_standalone()
    json.dump(result, sys.stdout, indent=2)
    print()
