"""`make serve`: Gavel in production (docs/design.md §5) — the web
processes and the lifecycle worker.

Refuses to start unless `DATABASE_URL`, `REDIS_URL`, `DJANGO_SECRET_KEY` and
`DJANGO_ALLOWED_HOSTS` are set; runs everything with `DJANGO_DEBUG=0`. Migrates, collects the
static files, then starts uvicorn with `WEB_CONCURRENCY` (default: the number of cores) worker
processes serving HTTP and WebSocket on `HOST:PORT`, and one `manage.py run_worker`. SIGINT or
SIGTERM stops them all. A child that dies is restarted while the others go on (uvicorn restarts
its own web processes; `config.supervisor` restarts uvicorn and the worker with a backoff, logs
it and counts it for `/metrics`); only a crash loop (5 deaths of one child within 60 s) stops
the set, with a non-zero exit status, for a process manager to act on. A port already taken is
reported at once (exit status 1).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from config.supervisor import CrashLoop, Supervisor, restarts_path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REQUIRED = ("DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS")
# How long the children get to finish open requests and close sockets before they are killed.
STOP_GRACE_SECONDS = 10
EXIT_MISCONFIGURED = 2


def missing_settings(environ: Mapping[str, str]) -> list[str]:
    """The required variables that are unset or blank in `environ`."""
    return [name for name in REQUIRED if not environ.get(name, "").strip()]


def web_concurrency(environ: Mapping[str, str]) -> int:
    """`WEB_CONCURRENCY`, else the number of cores this process may run on."""
    value = environ.get("WEB_CONCURRENCY", "").strip()
    if value:
        count = int(value)
        if count < 1:
            raise ValueError("WEB_CONCURRENCY must be at least 1")
        return count
    return len(os.sched_getaffinity(0))


def port_is_free(host: str, port: int) -> bool:
    """True when a listening socket could bind `host:port` right now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def metrics_directory(environ: Mapping[str, str]) -> str:
    """An empty directory where every process writes its metrics (prometheus-client's
    multiprocess mode): `PROMETHEUS_MULTIPROC_DIR` emptied, or a new temporary one."""
    given = environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    if not given:
        return tempfile.mkdtemp(prefix="gavel-metrics-")
    directory = Path(given)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):  # counts of a previous run would add up
        stale.unlink()
    restarts_path(given).unlink(missing_ok=True)
    return str(directory)


def uvicorn_log_config(env: Mapping[str, str]) -> str:
    """A JSON file with Gavel's logging config, for uvicorn's supervisor (it logs before
    Django is loaded); the web processes' Django applies the same config again."""
    from config.log_config import logging_config

    fmt = env.get("GAVEL_LOG_FORMAT", "").strip().lower() or "json"
    level = env.get("DJANGO_LOG_LEVEL", "").strip() or "INFO"
    handle, path = tempfile.mkstemp(prefix="gavel-logging-", suffix=".json")
    with os.fdopen(handle, "w") as out:
        json.dump(logging_config(fmt=fmt, level=level), out)
    return path


def web_command(host: str, port: int, workers: int) -> list[str]:
    """The ASGI server: uvicorn with `workers` processes sharing one listening socket."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "config.asgi:application",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--loop",
        "uvloop",
        "--http",
        # httptools with a header-read timeout: half-sent requests cannot hold connections.
        "config.http_protocol:HeaderDeadlineProtocol",
        "--ws",
        "websockets-sansio",
        "--lifespan",
        "off",
        "--no-access-log",
        # A connect storm (thousands of viewers reconnecting at once) must not overflow the
        # accept queue; the kernel caps this at net.core.somaxconn.
        "--backlog",
        "4096",
        "--timeout-graceful-shutdown",
        str(STOP_GRACE_SECONDS // 2),
    ]


def worker_command() -> list[str]:
    """The lifecycle worker: settles ended auctions, reconciles the ledger, sends notices."""
    return [sys.executable, "manage.py", "run_worker"]


def main(environ: Mapping[str, str] = os.environ) -> int:
    """Run Gavel in production until a signal or a crash loop; return the exit status."""
    missing = missing_settings(environ)
    if missing:
        print(
            f"make serve: set {', '.join(missing)} (production needs all of {', '.join(REQUIRED)})",
            file=sys.stderr,
        )
        return EXIT_MISCONFIGURED
    host = environ.get("HOST", "").strip() or "127.0.0.1"
    try:
        port = int(environ.get("PORT", "").strip() or 8000)
        workers = web_concurrency(environ)
    except ValueError as error:
        print(f"make serve: {error}", file=sys.stderr)
        return EXIT_MISCONFIGURED
    if not port_is_free(host, port):
        print(f"make serve: {host}:{port} is already in use", file=sys.stderr)
        return 1
    env = {**environ, "DJANGO_DEBUG": "0", "DJANGO_SETTINGS_MODULE": "config.settings"}
    env["PROMETHEUS_MULTIPROC_DIR"] = metrics_directory(environ)
    log_config = uvicorn_log_config(env)
    migrate = [sys.executable, "manage.py", "migrate", "--noinput"]
    if subprocess.run(migrate, cwd=PROJECT_ROOT, env=env, check=False).returncode != 0:  # noqa: S603
        return 1
    # The web processes serve the hashed, compressed static files this writes to STATIC_ROOT.
    collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"]
    if subprocess.run(collect, cwd=PROJECT_ROOT, env=env, check=False).returncode != 0:  # noqa: S603
        return 1

    stopping = False

    def request_stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    web = [*web_command(host, port, workers), "--log-config", log_config]
    supervisor = Supervisor(
        {"web server": web, "worker": worker_command()},
        cwd=PROJECT_ROOT,
        env=env,
        metrics=env["PROMETHEUS_MULTIPROC_DIR"],
    )
    supervisor.start()
    print(f"Gavel is serving http://{host}:{port}/ with {workers} web processes and a worker")
    sys.stdout.flush()
    try:
        while not stopping:
            time.sleep(0.2)
            supervisor.check()
    except CrashLoop as loop:
        print(f"make serve: {loop} within a minute; stopped the rest", file=sys.stderr)
        return loop.code if loop.code > 0 else 1
    finally:
        supervisor.stop(STOP_GRACE_SECONDS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
