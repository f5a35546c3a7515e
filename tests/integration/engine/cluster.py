"""A real 3-master Redis Cluster on free loopback ports, started once per test session.

Import the fixture where it is used (`from tests.integration.engine.cluster import
redis_cluster_fixture  # noqa: F401`) and ask for `redis_cluster`. It skips with a reason only
where `redis-server` / `redis-cli` are not installed (and fails instead under
`GAVEL_REQUIRE_SERVICES=1`, as in CI).
"""

import os
import random
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field

import pytest
import redis
from redis.cluster import ClusterNode, RedisCluster

from tests.conftest import skip_or_fail

CLUSTER_SIZE = 3
HOST = "127.0.0.1"
# A directory name that marks a server as ours, so a leftover from a killed run can be stopped.
DIR_MARK = "gavel-redis-cluster"
START_TIMEOUT = 20.0


@dataclass
class RedisClusterNodes:
    """The running cluster: its ports, a URL for `REDIS_URL`, and helpers on every primary."""

    ports: tuple[int, ...]
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.ports[0]}/0"

    def node(self, port: int) -> redis.Redis:
        """A plain (non-cluster) client to one node."""
        return redis.Redis(host=HOST, port=port, socket_timeout=5)

    def client(self) -> RedisCluster:
        """A fresh redis-py cluster client (the engine builds its own from `url`)."""
        return RedisCluster(startup_nodes=[ClusterNode(HOST, p) for p in self.ports])

    def flushall(self) -> None:
        """Empty every primary (keys only; each node's script cache is left alone)."""
        for port in self.ports:
            with self.node(port) as node:
                node.flushall()

    def script_flush(self) -> None:
        """Empty the Lua script cache of every primary (`SCRIPT FLUSH` is per node)."""
        for port in self.ports:
            with self.node(port) as node:
                node.script_flush()

    def node_of_slot(self, slot: int) -> int:
        """The port of the primary serving `slot`, as the cluster itself reports it."""
        with self.node(self.ports[0]) as node:
            for start, end, primary, *_replicas in node.execute_command("CLUSTER SLOTS"):
                if start <= slot <= end:
                    return int(primary[1])
        raise LookupError(f"no primary serves slot {slot}")


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((HOST, port)) == 0


def _stop_leftover(port: int) -> None:
    """Stop a server on `port` left by an earlier, killed run; refuse to touch anything else."""
    if not _port_open(port):
        return
    try:
        with redis.Redis(host=HOST, port=port, socket_timeout=2) as node:
            directory = node.config_get("dir").get("dir", "")
            owner_file = os.path.join(directory, f"owner-{port}.pid")
            owner = None
            if os.path.exists(owner_file):
                with open(owner_file) as f:
                    owner = int(f.read())
            if DIR_MARK not in directory or (owner is not None and _pid_alive(owner)):
                pytest.fail(
                    f"port {port} is taken by another Redis ({directory!r}), not a leftover of ours"
                )
            pid = int(node.info("server")["process_id"])
    except redis.ResponseError as exc:
        pytest.fail(f"port {port} is taken by something that is not our Redis: {exc}")
    # SIGTERM rather than SHUTDOWN: the client would retry the dropped connection with back-off.
    os.kill(pid, signal.SIGTERM)
    _wait(lambda: not _port_open(port), f"leftover Redis on port {port} to stop")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait(predicate, what: str, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _cluster_ok(nodes: RedisClusterNodes) -> bool:
    """Every node sees all slots served and all three primaries (gossip has converged)."""
    for port in nodes.ports:
        with nodes.node(port) as node:
            if node.execute_command("CLUSTER INFO").get("cluster_state") != "ok":
                return False
            known = node.execute_command("CLUSTER NODES").values()
            if sum("master" in n["flags"] and n["connected"] for n in known) != len(nodes.ports):
                return False
    return True


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def free_cluster_ports(count: int = CLUSTER_SIZE) -> tuple[int, ...]:
    """`count` consecutive ports whose cluster-bus twins (port + 10000) are free too.

    Random, so that two test runs on one machine (two checkouts, CI beside a developer) each
    get their own cluster instead of colliding on fixed ports.
    """
    rng = random.SystemRandom()
    for _ in range(200):
        base = rng.randrange(20000, 30000 - count)
        ports = tuple(range(base, base + count))
        if all(_free(p) and _free(p + 10000) for p in ports):
            return ports
    raise RuntimeError("no free ports for the Redis Cluster tests")


def start_cluster(directory: str, ports: tuple[int, ...] | None = None) -> RedisClusterNodes:
    """Start one cluster-enabled `redis-server` per port and join them as primaries."""
    nodes = RedisClusterNodes(ports=ports or free_cluster_ports())
    try:
        for port in nodes.ports:
            _stop_leftover(port)
            with open(os.path.join(directory, f"owner-{port}.pid"), "w") as owner:
                owner.write(str(os.getpid()))
            options = {
                "cluster-enabled": "yes",
                "port": str(port),
                "bind": HOST,
                "save": "",
                "appendonly": "no",
                "cluster-config-file": os.path.join(directory, f"nodes-{port}.conf"),
                "dir": directory,
                "logfile": os.path.join(directory, f"redis-{port}.log"),
            }
            args = [word for name, value in options.items() for word in (f"--{name}", value)]
            nodes.processes.append(
                subprocess.Popen(
                    ["redis-server", *args],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        for port, process in zip(nodes.ports, nodes.processes, strict=True):
            _wait(
                lambda p=port, proc=process: proc.poll() is not None or _ping(p),
                f"redis-server on port {port}",
            )
            if process.poll() is not None:
                raise RuntimeError(
                    f"redis-server on port {port} exited ({process.returncode}); "
                    f"see {directory}/redis-{port}.log"
                )
        created = subprocess.run(
            ["redis-cli", "--cluster", "create", *(f"{HOST}:{p}" for p in nodes.ports)]
            + ["--cluster-replicas", "0", "--cluster-yes"],
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
        )
        if created.returncode != 0:
            raise RuntimeError(
                f"redis-cli --cluster create failed: {created.stdout}{created.stderr}"
            )
        _wait(lambda: _cluster_ok(nodes), "cluster_state:ok on every node")
    except BaseException:
        stop_cluster(nodes)
        raise
    return nodes


def _ping(port: int) -> bool:
    try:
        with redis.Redis(host=HOST, port=port, socket_timeout=0.5) as node:
            return bool(node.ping())
    except redis.ConnectionError:
        return False


def stop_cluster(nodes: RedisClusterNodes) -> None:
    """Stop every node without saving; kill any that does not stop in time."""
    for process in nodes.processes:
        if process.poll() is None:
            process.terminate()
    for process in nodes.processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session", name="redis_cluster")
def redis_cluster_fixture(tmp_path_factory) -> RedisClusterNodes:
    """A running 3-master cluster for the whole session, torn down at its end."""
    missing = [tool for tool in ("redis-server", "redis-cli") if shutil.which(tool) is None]
    if missing:
        skip_or_fail(f"{' and '.join(missing)} not installed: the Redis Cluster tests need it")
    directory = str(tmp_path_factory.mktemp(DIR_MARK))
    nodes = start_cluster(directory)
    try:
        yield nodes
    finally:
        stop_cluster(nodes)
