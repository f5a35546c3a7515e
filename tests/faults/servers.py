"""The fault suite's own servers: a Redis and a PostgreSQL it starts, kills and restarts on
free ports (never the shared ones), and Gavel's web and worker processes."""

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

from config.serve import web_command, worker_command

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001,S110 - not up yet
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")


class RedisServer:
    """A throwaway redis-server without persistence: a restart comes back empty."""

    def __init__(self):
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        wait_for(client.ping, 10, "redis-server")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _initdb() -> str:
    found = shutil.which("initdb") or max(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), default=None, key=_version
    )
    if not found:
        raise RuntimeError("initdb not found (install PostgreSQL)")
    return found


def _version(path: str) -> int:
    try:
        return int(Path(path).parts[-3])
    except ValueError:
        return 0


class PostgresServer:
    """A throwaway PostgreSQL cluster in a temporary directory (run as `postgres` under root)."""

    def __init__(self):
        self.port = free_port()
        self.bin = Path(_initdb()).parent
        self.directory = tempfile.mkdtemp(prefix="gavel-faults-pg-")
        self.data = os.path.join(self.directory, "data")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/gavel"
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = os.path.join(self.directory, "log")
        self._run("pg_ctl", "-D", self.data, "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def create_database(self) -> None:
        import psycopg

        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True
        ) as connection:
            connection.execute("CREATE DATABASE gavel")

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.directory, ignore_errors=True)


class Process:
    """One Gavel process (a web server or the worker) that can be killed and started again."""

    def __init__(self, name: str, command: list[str], env: dict, ready=None):
        self.name, self.command, self.env, self.ready = name, command, env, ready
        self.process: subprocess.Popen | None = None
        self.log = open(
            os.path.join(tempfile.gettempdir(), f"gavel-faults-{name}-{os.getpid()}.log"), "ab"
        )  # noqa: SIM115

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log
        )
        if self.ready:
            wait_for(self.ready, 30, self.name)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def terminate(self, timeout: float = 30) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def web_process(name: str, env: dict) -> tuple[Process, str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    def ready():
        import urllib.error
        import urllib.request

        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                return response.status == 200
        except urllib.error.HTTPError as error:
            return error.code == 503  # up; the health check names a part that is down

    command = web_command("127.0.0.1", port, 1)
    return Process(name, command, env, ready), base


def worker_process(env: dict) -> Process:
    return Process("worker", worker_command(), env)


def serve_process(env: dict) -> tuple[Process, str]:
    """`make serve` itself (config.serve: one web process and the worker, supervised)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve_env = {**env, "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "1"}

    def ready():
        import urllib.request

        with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
            return response.status == 200

    command = [sys.executable, "-m", "config.serve"]
    return Process("serve", command, serve_env, ready), base


def serve_children(process: Process, marker: str) -> list[int]:
    """The pids of `make serve`'s descendants whose command line contains `marker`."""
    import psutil

    if process.process is None:
        return []
    found = []
    for child in psutil.Process(process.process.pid).children(recursive=True):
        try:
            if marker in " ".join(child.cmdline()):
                found.append(child.pid)
        except psutil.NoSuchProcess:
            continue
    return found
