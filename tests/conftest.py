"""Shared fixtures: which Redis the engine talks to, real-service guards, and test data.

Tests that need a real server use `real_redis_url` or `postgres_db`; they skip with a reason
where the variable is unset, and fail instead when `GAVEL_REQUIRE_SERVICES=1` (CI), so a green
CI run never hides a skipped integration test.
"""

import os

import pytest
from django.db import connection

from auctions.engine.connection import get_redis, reset_redis_client


def skip_or_fail(reason: str):
    """Skip on a laptop; fail in CI, where every service must be present."""
    if os.environ.get("GAVEL_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (GAVEL_REQUIRE_SERVICES=1, so this is a failure, not a skip)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def django_db_serialized_rollback() -> None:
    """Every transactional test restores the migrations' data after its flush.

    pytest-django turns serialized rollback on for any test that uses this fixture. A flush
    without it re-creates content types under new ids, and the next serialized test then fails
    to restore its own (an IntegrityError), so one plain `transaction=True` test would break
    every serialized one after it.
    """


@pytest.fixture
def real_redis_url() -> str:
    """The real Redis server's URL from `REDIS_URL`; skips when it is unset."""
    url = os.environ.get("REDIS_URL", "").split(",")[0].strip()
    if not url:
        skip_or_fail("REDIS_URL is not set: this test needs a real Redis server")
    return url


@pytest.fixture
def postgres_db(db):
    """Guard for tests that need PostgreSQL (row locks, true concurrency)."""
    if connection.vendor != "postgresql":
        skip_or_fail("DATABASE_URL does not name PostgreSQL: this test needs a real PostgreSQL")


@pytest.fixture
def fake_engine_redis(settings):
    """Point the engine at a fresh embedded fakeredis server."""
    settings.REDIS_URL = ""
    settings.REDIS_CLUSTER = False
    reset_redis_client()
    from auctions.engine import connection as engine_connection

    engine_connection._embedded_server.cache_clear()
    yield get_redis()
    reset_redis_client()


@pytest.fixture
def real_engine_redis(settings, real_redis_url):
    """Point the engine at the real Redis server, flushed before and after the test."""
    settings.REDIS_URL = real_redis_url
    settings.REDIS_CLUSTER = False
    reset_redis_client()
    client = get_redis()
    client.flushdb()
    yield client
    client.flushdb()
    reset_redis_client()


@pytest.fixture(params=["fakeredis", "redis"])
def engine_redis(request):
    """Run the test once on fakeredis and once on real Redis (the engine contract suite)."""
    name = "fake_engine_redis" if request.param == "fakeredis" else "real_engine_redis"
    return request.getfixturevalue(name)


@pytest.fixture(autouse=True)
def _default_engine_redis(settings):
    """Unless a test picks otherwise, the engine uses an isolated embedded fakeredis."""
    if os.environ.get("REDIS_URL"):
        settings.REDIS_URL = ""
    settings.REDIS_CLUSTER = False
    from auctions.engine import connection as engine_connection

    engine_connection._embedded_server.cache_clear()
    reset_redis_client()
    yield
    reset_redis_client()


@pytest.fixture(autouse=True)
def _notices_inline(settings):
    """Notice emails are sent inline after commit, so tests can read `mail.outbox` at once."""
    settings.GAVEL_NOTICE_THREADS = 0


@pytest.fixture(autouse=True)
def _login_throttle_per_test(settings):
    """Failed-login counts start from zero in each test, in this process's memory (the tests
    share one client address, so counts left in Redis would lock out later tests' logins)."""
    settings.CACHES = {
        **settings.CACHES,
        "login_throttle": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "login-throttle-tests",
        },
    }
    from axes.handlers.proxy import AxesProxyHandler
    from django.core.cache import caches

    caches["login_throttle"].clear()
    AxesProxyHandler.get_implementation(force=True)  # it keeps the cache it was built with


@pytest.fixture(autouse=True)
def _no_background_ledger_catchup(settings):
    """The web process's background ledger catch-up is off unless a test turns it on (a thread
    outside the test's transaction would not see its rows)."""
    settings.GAVEL_LEDGER_CATCHUP = False


@pytest.fixture(autouse=True)
def _fresh_process_state():
    """Each test starts from this process's state as a new one would: the copies keyed by
    primary key (bid targets, snapshot history, encoded live events, the ledger's gapless
    marks) are empty, since a test's database reuses an earlier test's ids; and the thread
    Channels' database calls run on (asgiref's thread-sensitive executor) holds no connection
    an earlier test opened, with settings a test may since have changed."""
    from asgiref.sync import SyncToAsync
    from django.db import connections

    from auctions import consumers, selectors
    from auctions.engine import ledger

    selectors._bid_targets.clear()
    ledger._gapless_to.clear()
    consumers._history_by_seq.clear()
    consumers._encoded.clear()
    SyncToAsync.single_thread_executor.submit(connections.close_all).result()
