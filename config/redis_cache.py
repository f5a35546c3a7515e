"""Django's Redis cache backend with native async reads and writes.

Django's `RedisCache` runs `aget` / `aset` through `sync_to_async(thread_sensitive=True)`: on the
one thread per process that every sync view and middleware already queues on. Sessions are read
through the cache (`cached_db`), and the lean bid route reads the session on the event loop, so
here `aget`, `aset` and `adelete` talk to Redis through `redis.asyncio` instead, with the same
keys (`make_and_validate_key`) and the same serializer as the blocking methods. Everything else is
Django's. `RedisClusterCache` does the same on Redis Cluster.
"""

import asyncio
import weakref
from typing import Any

import redis.asyncio
import redis.asyncio.cluster
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from config.cluster_cache import RedisClusterCache as BlockingRedisClusterCache

# Per event loop and server: Django makes a cache backend object per thread and per async task
# context (`caches` is an asgiref Local), so clients kept on the object would connect anew for
# every request.
_clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Any]]" = (
    weakref.WeakKeyDictionary()
)


class AsyncMethodsMixin:
    """`aget`, `aset`, `adelete` on the event loop, one asyncio client per loop and server (the
    first server: Django's client writes there too)."""

    _servers: list[str]

    def _new_async_client(self) -> Any:
        return redis.asyncio.Redis.from_url(self._servers[0])

    def _async_client(self) -> Any:
        clients = _clients.setdefault(asyncio.get_running_loop(), {})
        client = clients.get(self._servers[0])
        if client is None:
            client = clients[self._servers[0]] = self._new_async_client()
        return client

    async def aget(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)  # type: ignore[attr-defined]
        value = await self._async_client().get(key)
        return default if value is None else self._cache._serializer.loads(value)  # type: ignore[attr-defined]

    async def aset(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)  # type: ignore[attr-defined]
        timeout = self.get_backend_timeout(timeout)  # type: ignore[attr-defined]
        client = self._async_client()
        if timeout == 0:
            await client.delete(key)
        else:
            await client.set(key, self._cache._serializer.dumps(value), ex=timeout)  # type: ignore[attr-defined]

    async def adelete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)  # type: ignore[attr-defined]
        return bool(await self._async_client().delete(key))


class RedisCache(AsyncMethodsMixin, DjangoRedisCache):
    """Django's `RedisCache`, async methods on the event loop."""


class RedisClusterCache(AsyncMethodsMixin, BlockingRedisClusterCache):
    """The Redis Cluster cache, async methods on the event loop."""

    def _new_async_client(self) -> Any:
        return redis.asyncio.cluster.RedisCluster.from_url(self._servers[0])
