"""The engine on a real 3-master Redis Cluster: the cluster itself, Lua scripts on it, and the
engine contract suite run unchanged against it.
"""

import pytest
from redis.cluster import RedisCluster
from redis.exceptions import NoScriptError

from auctions.engine import keys
from auctions.engine.api import auction_states_get
from auctions.engine.connection import get_redis, reset_redis_client
from tests.factories import make_auction, make_user
from tests.integration.engine.cluster import redis_cluster_fixture  # noqa: F401
from tests.integration.engine.contract import EngineContractSuite
from tests.integration.engine.helpers import bid

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


@pytest.fixture
def cluster_engine_redis(settings, redis_cluster):
    """Point the engine at the cluster (REDIS_CLUSTER on), every primary emptied around the test."""
    settings.REDIS_URL = redis_cluster.url
    settings.REDIS_CLUSTER = True
    reset_redis_client()
    redis_cluster.flushall()
    client = get_redis()
    assert isinstance(client, RedisCluster)
    yield client
    redis_cluster.flushall()
    reset_redis_client()


class TestEngineContractOnCluster(EngineContractSuite):
    """Every engine contract test, unchanged, on a real 3-master Redis Cluster."""

    @pytest.fixture
    def engine_redis(self, cluster_engine_redis):
        return cluster_engine_redis


@pytest.mark.django_db
class TestAuctionsAcrossSlots:
    def test_many_auctions_spread_over_all_three_primaries(
        self, settings, redis_cluster, cluster_engine_redis
    ):
        settings.GAVEL_BID_RATE_LIMIT = (1000, 10)
        auctions = [make_auction() for _ in range(24)]
        bidder = make_user()
        for auction in auctions:
            assert bid(auction, bidder, 1000).seq == 1
        primaries = {
            redis_cluster.node_of_slot(cluster_engine_redis.keyslot(keys.state_key(a)))
            for a in auctions
        }
        assert primaries == set(redis_cluster.ports)
        # The list read pipelines across slots (and so across primaries) in one call.
        states = auction_states_get(auctions=auctions)
        assert {pk: (s.bid_count, s.leader_id) for pk, s in states.items()} == {
            a.pk: (1, bidder.pk) for a in auctions
        }

    def test_every_key_one_bid_touches_shares_one_slot(self, settings, cluster_engine_redis):
        settings.GAVEL_BID_RATE_LIMIT = (1000, 10)
        auction = make_auction(buy_now_price=5000)
        alice, bob = make_user(), make_user()
        bid(auction, alice, 1000, max_amount=2000, request_id="first")
        bid(auction, bob, 1500, request_id="second")
        script_keys = keys.auction_keys(auction) + [keys.request_key(auction, bob.pk, "second")]
        assert len({cluster_engine_redis.keyslot(k) for k in script_keys}) == 1
        # What the bid really wrote is exactly those keys, plus each bidder's own rate-limit key.
        written = {k.decode() for k in cluster_engine_redis.scan_iter()}
        expected = set(script_keys) | {keys.request_key(auction, alice.pk, "first")}
        expected |= {keys.rate_limit_key(alice.pk), keys.rate_limit_key(bob.pk)}
        assert written == expected
