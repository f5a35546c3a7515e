"""The engine's Redis client: real Redis, Redis Cluster, or the embedded fakeredis server.

`get_redis()` returns one process-wide client chosen by settings (DESIGN §5): `REDIS_URL` unset
means an in-process fakeredis server with Lua, shared by every caller in the process.
"""

import functools

import fakeredis
import redis
from django.conf import settings
from redis.cluster import RedisCluster


@functools.cache
def _embedded_server() -> fakeredis.FakeServer:
    return fakeredis.FakeServer()


@functools.cache
def get_redis() -> redis.Redis | RedisCluster:
    """The process-wide Redis client for the engine (bytes in, bytes out)."""
    if not settings.REDIS_URL:
        return fakeredis.FakeRedis(server=_embedded_server())
    if settings.REDIS_CLUSTER:
        return RedisCluster.from_url(settings.REDIS_URL)
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30
    )


def reset_redis_client() -> None:
    """Forget the cached client (tests that switch `REDIS_URL` call this)."""
    get_redis.cache_clear()
