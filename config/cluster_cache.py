"""Django's Redis cache backend on Redis Cluster (Django's own client follows no MOVED reply).

Used for the caches that live in Redis when `REDIS_CLUSTER` is on; every operation the site uses
(get, set, incr, delete of one key) touches one slot, which is all a cluster client needs.
"""

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class RedisClusterCacheClient(RedisCacheClient):
    """One cluster client (thread-safe, it keeps a pool per node) from the first server URL."""

    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._cluster = None
        self._lock = threading.Lock()

    def get_client(self, key=None, *, write=False):
        if self._cluster is None:
            from redis.cluster import RedisCluster

            with self._lock:
                if self._cluster is None:
                    self._cluster = RedisCluster.from_url(
                        self._servers[0]  # type: ignore[attr-defined]  # set by Django's client
                    )
        return self._cluster


class RedisClusterCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisClusterCacheClient
