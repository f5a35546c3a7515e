"""The laptop's shared hot state: one embedded Redis-protocol server per `make run`.

`make run` (config/laptop.py) starts fakeredis's TCP server (with Lua) on a free loopback port
and writes its address to a run file; every other process of that checkout started through
`manage.py` (`seed_demo`, `rebuild_hot_state`, `shell`, …) finds it there when `REDIS_URL` is
unset, so they all see one hot state instead of each forking its own. This module imports no
Django: `manage.py` calls `discover()` before settings are read.
"""

import json
import os
import socket
import threading
from collections.abc import MutableMapping
from pathlib import Path
from typing import cast

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def run_file(environ: MutableMapping[str, str] = os.environ) -> Path:
    """Where a running `make run` records its embedded server (GAVEL_RUN_DIR, else .gavel/)."""
    directory = environ.get("GAVEL_RUN_DIR", "").strip() or str(PROJECT_ROOT / ".gavel")
    return Path(directory) / "embedded-redis.json"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def running(environ: MutableMapping[str, str] = os.environ) -> dict | None:
    """The record of the embedded server of a `make run` that is still up, else None."""
    try:
        record = json.loads(run_file(environ).read_text())
        host, port, pid = record["host"], int(record["port"]), int(record["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (_pid_alive(pid) and _answers(host, port)):
        return None
    return record


def discover(environ: MutableMapping[str, str] = os.environ) -> str | None:
    """Point `REDIS_URL` at a running `make run`'s embedded server, when REDIS_URL is unset
    (and GAVEL_EMBEDDED_REDIS is not "off"); returns the URL it set."""
    if environ.get("REDIS_URL", "").strip() or environ.get("GAVEL_EMBEDDED_REDIS") == "off":
        return None
    record = running(environ)
    if record is None:
        return None
    environ["REDIS_URL"] = record["url"]
    return record["url"]


class EmbeddedRedis:
    """fakeredis's TCP server on a free loopback port, in a thread of the calling process."""

    def __init__(self, environ: MutableMapping[str, str] = os.environ, host: str = "127.0.0.1"):
        from fakeredis import TcpFakeServer

        self._environ = environ
        self._server = TcpFakeServer((host, 0), server_type="redis")
        self._server.daemon_threads = True  # a client left open never holds the exit up
        self.host, self.port = cast("tuple[str, int]", self._server.server_address[:2])
        self.url = f"redis://{self.host}:{self.port}/0"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="embedded-redis", daemon=True
        )

    def start(self) -> "EmbeddedRedis":
        """Serve, and record the address in the run file for the other processes."""
        self._thread.start()
        path = run_file(self._environ)
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {"url": self.url, "host": self.host, "port": self.port, "pid": os.getpid()}
        path.write_text(json.dumps(record))
        return self

    def stop(self) -> None:
        """Stop serving and remove the run file (if it is still ours)."""
        path = run_file(self._environ)
        try:
            if json.loads(path.read_text()).get("pid") == os.getpid():
                path.unlink()
        except (OSError, ValueError):
            pass
        self._server.shutdown()
        self._server.server_close()
