"""The engine on a real 3-master Redis Cluster: the cluster itself, Lua scripts on it, and the
engine contract suite run unchanged against it.
"""

import pytest
from redis.cluster import RedisCluster
from redis.exceptions import NoScriptError

from tests.integration.engine.cluster import redis_cluster_fixture  # noqa: F401

HINCRBY_SCRIPT = "return redis.call('HINCRBY', KEYS[1], 'n', ARGV[1])"


@pytest.fixture
def cluster_client(redis_cluster):
    """A redis-py cluster client on an emptied cluster."""
    redis_cluster.flushall()
    client = redis_cluster.client()
    yield client
    client.close()
    redis_cluster.flushall()


class TestClusterFixture:
    def test_three_primaries_serve_all_slots(self, redis_cluster, cluster_client):
        primaries = cluster_client.get_primaries()
        assert sorted(node.port for node in primaries) == list(redis_cluster.ports)
        assert cluster_client.ping(target_nodes=RedisCluster.ALL_NODES)
        served = {redis_cluster.node_of_slot(slot) for slot in (0, 8000, 16383)}
        assert served == set(redis_cluster.ports)

    def test_registered_script_runs_by_evalsha_on_every_primary(
        self, redis_cluster, cluster_client
    ):
        script = cluster_client.register_script(HINCRBY_SCRIPT)
        keys = _keys_on_each_primary(redis_cluster, cluster_client)
        for key in keys:
            assert script(keys=[key], args=[2]) == 2
            assert script(keys=[key], args=[3]) == 5
        # EVALSHA itself (not an EVAL fallback) finds the script on each node it ran on.
        for key in keys:
            assert cluster_client.evalsha(script.sha, 1, key, 1) == 6

    def test_registered_script_survives_script_flush_on_all_nodes(
        self, redis_cluster, cluster_client
    ):
        script = cluster_client.register_script(HINCRBY_SCRIPT)
        keys = _keys_on_each_primary(redis_cluster, cluster_client)
        for key in keys:
            script(keys=[key], args=[1])
        redis_cluster.script_flush()
        with pytest.raises(NoScriptError):
            cluster_client.evalsha(script.sha, 1, keys[0], 1)
        # The Script object reloads on NOSCRIPT (SCRIPT LOAD goes to every primary) and retries.
        for key in keys:
            assert script(keys=[key], args=[1]) == 2


def _keys_on_each_primary(redis_cluster, client) -> list[str]:
    """One key per primary, found by asking the cluster where each candidate's slot lives."""
    by_port: dict[int, str] = {}
    for n in range(1000):
        key = f"probe:{{{n}}}"
        by_port.setdefault(redis_cluster.node_of_slot(client.keyslot(key)), key)
        if len(by_port) == len(redis_cluster.ports):
            return [by_port[p] for p in redis_cluster.ports]
    raise AssertionError(f"keys landed only on {sorted(by_port)}")
