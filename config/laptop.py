"""`make run`: the laptop site — embedded defaults, demo data, one command (docs/design.md §5).

Every process of one `make run` sees the same hot state: without `REDIS_URL` it starts an
embedded Redis-protocol server (config/embedded_redis.py) that the server, the worker,
`seed_demo` and any `manage.py` command started meanwhile all connect to. It refuses to start,
with exit status 1 and before anything else runs, when its port is taken or another `make run`
of this checkout is up. Links in emails point at the host and port it serves on unless
`SITE_URL` is set. It migrates, seeds the demo, starts the development server, and starts
the worker only once the server listens; when either dies the other is stopped and the exit
status is non-zero. Ctrl-C stops everything.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from typing import cast

from config.embedded_redis import EmbeddedRedis, run_file, running
from config.serve import PROJECT_ROOT, port_is_free

STOP_GRACE_SECONDS = 5
SERVER_START_SECONDS = 60


def _spawn(command: list[str], env: Mapping[str, str]) -> subprocess.Popen:
    # Own process group: runserver's autoreloader has a child that must stop with it.
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, start_new_session=True)  # noqa: S603


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def refusal(environ: Mapping[str, str], host: str, port: int) -> str | None:
    """Why this `make run` must not start, or None."""
    if not environ.get("REDIS_URL", "").strip():
        other = running(dict(environ))
        if other is not None:
            return (
                f"another `make run` of this checkout is running (pid {other['pid']}, "
                f"its hot state at {other['url']}); stop it first"
            )
    if not port_is_free(host, port):
        return f"{host}:{port} is already in use (set PORT=… to use another port)"
    return None


# Hosts that mean "every interface": links in emails name the loopback address instead.
_WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104 (a name, no bind)


def site_url(environ: Mapping[str, str], host: str, port: int) -> str:
    """The origin links in emails use: `SITE_URL` when set, else this run's own host and port
    (a wildcard host reads as the loopback address; set SITE_URL to be reached from elsewhere).
    """
    given = environ.get("SITE_URL", "").strip()
    if given:
        return given
    name = _WILDCARDS.get(host, host)
    if ":" in name:  # an IPv6 literal
        name = f"[{name}]"
    return f"http://{name}:{port}"


def child_environment(environ: Mapping[str, str], host: str, port: int) -> dict[str, str]:
    """The environment of every process this run starts (migrate, seed, server, worker)."""
    return {
        **environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "GAVEL_WORKER_IN_PROCESS": "0",
        "SITE_URL": site_url(environ, host, port),
    }


def main(environ: Mapping[str, str] = os.environ) -> int:
    host = environ.get("HOST", "").strip() or "127.0.0.1"
    port = int(environ.get("PORT", "").strip() or 8000)
    why_not = refusal(environ, host, port)
    if why_not:
        print(f"make run: {why_not}", file=sys.stderr)
        return 1

    env = child_environment(environ, host, port)
    embedded = None
    if not env.get("REDIS_URL", "").strip():
        embedded = EmbeddedRedis(env).start()
        env["REDIS_URL"] = embedded.url
        print(f"Embedded hot state at {embedded.url} (recorded in {run_file(env)})")

    stopping = False

    def request_stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    processes: list[subprocess.Popen] = []
    try:
        manage = [sys.executable, "manage.py"]
        for step in (["migrate", "--noinput"], ["seed_demo"]):
            if subprocess.run([*manage, *step], cwd=PROJECT_ROOT, env=env).returncode != 0:  # noqa: S603
                return 1
        server = _spawn([*manage, "runserver", f"{host}:{port}"], env)
        processes.append(server)
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not _listening(host, port):
            if stopping:
                return 0
            if server.poll() is not None or time.monotonic() > deadline:
                print("make run: the server did not start; no worker started", file=sys.stderr)
                return 1
            time.sleep(0.1)
        processes.append(_spawn([*manage, "run_worker"], env))
        print(f"\nGavel is running on http://{host}:{port}/  (admin: /admin/). Ctrl-C stops it.\n")
        sys.stdout.flush()
        while not stopping:
            died = next((p for p in processes if p.poll() is not None), None)
            if died is not None:
                command = [str(part) for part in cast("list[str]", died.args)[2:3]]
                print(f"make run: {' '.join(command)} exited; stopping", file=sys.stderr)
                return died.returncode or 1
            time.sleep(0.2)
        return 0
    finally:
        _stop(processes)
        if embedded is not None:
            embedded.stop()


if __name__ == "__main__":
    sys.exit(main())
