"""`make serve`'s supervision (config/supervisor.py): a dead child is restarted after a backoff
and counted; only a crash loop stops the set (issue 19, item 4)."""

import json
import os
import signal
import sys
import time

import pytest

from config import supervisor as sv

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
FAILING = [sys.executable, "-c", "import sys; sys.exit(3)"]


def counts(tmp_path) -> dict:
    return json.loads(sv.restarts_path(str(tmp_path)).read_text())


def wait_dead(child) -> None:
    child.process.wait(timeout=10)


def test_backoff_doubles_up_to_a_cap():
    assert [sv.backoff(n) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    assert sv.backoff(50) == sv.MAX_DELAY


def test_a_killed_child_is_restarted_after_its_backoff_and_counted(tmp_path):
    supervisor = sv.Supervisor(
        {"worker": SLEEPER, "web server": SLEEPER},
        cwd=tmp_path,
        env=os.environ,
        metrics=str(tmp_path),
    )
    supervisor.start()
    try:
        worker, web = supervisor.children
        first_pid, web_pid = worker.process.pid, web.process.pid
        assert counts(tmp_path) == {"worker": 0, "web server": 0}
        os.kill(first_pid, signal.SIGKILL)
        wait_dead(worker)
        now = time.monotonic()
        supervisor.check(now)
        assert worker.restart_at == pytest.approx(now + sv.FIRST_DELAY)
        supervisor.check(now + sv.FIRST_DELAY / 2)
        assert worker.process.pid == first_pid  # still waiting out the backoff
        supervisor.check(now + sv.FIRST_DELAY)
        assert worker.process.pid != first_pid
        assert worker.process.poll() is None
        assert web.process.pid == web_pid  # the other child went on
        assert counts(tmp_path) == {"worker": 1, "web server": 0}
    finally:
        supervisor.stop(grace=5)
    assert all(child.process.poll() is not None for child in supervisor.children)


def test_only_a_crash_loop_stops_the_set(tmp_path):
    supervisor = sv.Supervisor(
        {"worker": FAILING}, cwd=tmp_path, env=os.environ, metrics=str(tmp_path)
    )
    supervisor.start()
    (child,) = supervisor.children
    now = time.monotonic()
    try:
        for _ in range(sv.CRASH_LOOP_DEATHS - 1):
            wait_dead(child)
            supervisor.check(now)  # a death: a restart is scheduled
            now = child.restart_at
            supervisor.check(now)  # the restart
        wait_dead(child)
        with pytest.raises(sv.CrashLoop) as loop:
            supervisor.check(now)
        assert loop.value.code == 3
    finally:
        supervisor.stop(grace=5)


def test_deaths_spread_over_more_than_the_window_are_not_a_loop(tmp_path):
    supervisor = sv.Supervisor(
        {"worker": FAILING}, cwd=tmp_path, env=os.environ, metrics=str(tmp_path)
    )
    supervisor.start()
    (child,) = supervisor.children
    now = time.monotonic()
    try:
        for _ in range(sv.CRASH_LOOP_DEATHS * 2):
            wait_dead(child)
            supervisor.check(now)
            now = child.restart_at
            supervisor.check(now)
            now += sv.CRASH_LOOP_SECONDS / (sv.CRASH_LOOP_DEATHS - 1)
        assert child.restarts == sv.CRASH_LOOP_DEATHS * 2
    finally:
        supervisor.stop(grace=5)
