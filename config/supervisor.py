"""`make serve`'s supervision: a child that dies is started again, unless it is crash-looping.

`Supervisor` owns named child processes (the uvicorn server, the worker). Each runs in its own
process group, so a dead child's own children (uvicorn's web processes holding the listening
socket) are killed with it before it starts again. A death is printed to stderr, counted, and
followed by a restart after a backoff that doubles with each death in the last
`CRASH_LOOP_SECONDS` (from `FIRST_DELAY` to `MAX_DELAY`); `CRASH_LOOP_DEATHS` deaths of one
child in that window is a crash loop, and the set stops. Restart counts are written as JSON to
`restarts_path(metrics directory)`, where `/metrics` reads them
(`gavel_process_restarts_total{process=…}`, core.metrics.RestartsCollector).
"""

import json
import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

FIRST_DELAY = 0.5
MAX_DELAY = 10.0
CRASH_LOOP_DEATHS = 5
CRASH_LOOP_SECONDS = 60.0
RESTARTS_FILE = "gavel_process_restarts.json"


def restarts_path(metrics_directory: str) -> Path:
    """Where the supervisor writes its restart counts (not a `*.db`: prometheus-client's
    multiprocess collector leaves it alone)."""
    return Path(metrics_directory) / RESTARTS_FILE


def backoff(recent_deaths: int) -> float:
    """Seconds to wait before a restart, after `recent_deaths` deaths in the window (>= 1)."""
    return min(MAX_DELAY, FIRST_DELAY * 2 ** max(0, recent_deaths - 1))


@dataclass
class Child:
    """One supervised command, its current process and its recent deaths."""

    name: str
    command: list[str]
    process: subprocess.Popen | None = None
    deaths: deque[float] = field(default_factory=deque)
    restarts: int = 0
    restart_at: float | None = None


class CrashLoop(Exception):  # noqa: N818 - a condition, not an error type
    """A child died `CRASH_LOOP_DEATHS` times within `CRASH_LOOP_SECONDS`."""

    def __init__(self, child: Child, code: int):
        super().__init__(f"the {child.name} exited ({code}) {len(child.deaths)} times")
        self.child, self.code = child, code


class Supervisor:
    """Starts, watches, restarts and stops the children of `make serve`."""

    def __init__(
        self, commands: Mapping[str, list[str]], *, cwd: Path, env: Mapping[str, str], metrics: str
    ):
        self.children = [Child(name, command) for name, command in commands.items()]
        self.cwd, self.env, self.metrics = cwd, dict(env), metrics

    def start(self) -> None:
        for child in self.children:
            self._spawn(child)
        self._write_counts()

    def _spawn(self, child: Child) -> None:
        child.process = subprocess.Popen(  # noqa: S603 - our own commands
            child.command, cwd=self.cwd, env=self.env, start_new_session=True
        )
        child.restart_at = None

    def check(self, now: float | None = None) -> None:
        """Notice dead children, schedule and perform restarts; raises `CrashLoop`."""
        now = time.monotonic() if now is None else now
        for child in self.children:
            process = child.process
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restarts += 1
                    self._spawn(child)
                    self._write_counts()
                    _say(f"restarted the {child.name} (restart {child.restarts})")
                continue
            if process is None or process.poll() is None:
                continue
            code = process.returncode
            _kill_group(process)
            child.deaths.append(now)
            while child.deaths and child.deaths[0] < now - CRASH_LOOP_SECONDS:
                child.deaths.popleft()
            if len(child.deaths) >= CRASH_LOOP_DEATHS:
                raise CrashLoop(child, code)
            delay = backoff(len(child.deaths))
            child.restart_at = now + delay
            _say(f"the {child.name} exited ({code}); restarting it in {delay:.1f} s")

    def stop(self, grace: float) -> None:
        """SIGTERM every child; SIGKILL what is left of each group after `grace` seconds."""
        running = [c.process for c in self.children if c.process is not None]
        for process in running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in running:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            _kill_group(process)

    def _write_counts(self) -> None:
        path = restarts_path(self.metrics)
        partial = path.with_suffix(".tmp")
        partial.write_text(json.dumps({child.name: child.restarts for child in self.children}))
        partial.replace(path)  # atomic: a scrape never reads half a file


def _kill_group(process: subprocess.Popen) -> None:
    """Kill whatever the dead child left behind in its process group (uvicorn's web processes
    would otherwise keep the port)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _say(message: str) -> None:
    print(f"make serve: {message}", file=sys.stderr, flush=True)
