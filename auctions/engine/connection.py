"""The engine's Redis clients: real Redis, Redis Cluster, or the embedded fakeredis server.

`get_redis()` returns one process-wide blocking client chosen by settings (docs/design.md,
configuration): `REDIS_URL` unset means an in-process fakeredis server with Lua, shared by
every caller in the process. `get_aredis()` is its asyncio twin for the hot path, one client per
event loop (an asyncio client's connections belong to the loop that opened them).
"""

import asyncio
import functools
import weakref

import fakeredis
import redis
import redis.asyncio
import redis.asyncio.cluster
from django.conf import settings
from redis.cluster import RedisCluster

# Past this a command is abandoned and the caller answers UNAVAILABLE (an outage, not a hang).
SOCKET_TIMEOUT = 5

# The Redis errors that mean Redis did not answer (an outage: UNAVAILABLE, retry-safe). Any other
# (a script error, a reply of the wrong type: a bug or a corrupted hot state) is raised as it is
# and answered as a bug, a 500, never disguised as an outage.
REDIS_OUTAGES: tuple[type[Exception], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.ClusterDownError,
    redis.exceptions.TryAgainError,
    redis.exceptions.ReadOnlyError,
)


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
        settings.REDIS_URL,
        socket_timeout=SOCKET_TIMEOUT,
        socket_connect_timeout=SOCKET_TIMEOUT,
        health_check_interval=30,
    )


AsyncClient = redis.asyncio.Redis | redis.asyncio.cluster.RedisCluster
_async_clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncClient]" = (
    weakref.WeakKeyDictionary()
)


def _new_async_client() -> AsyncClient:
    if not settings.REDIS_URL:
        return fakeredis.FakeAsyncRedis(server=_embedded_server())
    if settings.REDIS_CLUSTER:
        return redis.asyncio.cluster.RedisCluster.from_url(settings.REDIS_URL)
    return redis.asyncio.Redis.from_url(
        settings.REDIS_URL,
        socket_timeout=SOCKET_TIMEOUT,
        socket_connect_timeout=SOCKET_TIMEOUT,
        health_check_interval=30,
    )


def get_aredis() -> AsyncClient:
    """The running event loop's asyncio Redis client for the engine (same server as
    `get_redis`); call it from a coroutine."""
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        client = _async_clients[loop] = _new_async_client()
    return client


def reset_redis_client() -> None:
    """Forget the cached clients (tests that switch `REDIS_URL` call this)."""
    get_redis.cache_clear()
    _async_clients.clear()
