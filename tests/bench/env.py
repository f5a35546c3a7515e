"""The benchmarks' own environment: a dedicated PostgreSQL database and Redis DB index.

`configure()` must run before Django is set up: it points `DATABASE_URL` at `gavel_bench` (or
`GAVEL_BENCH_DB`) on the server `DATABASE_URL` names (created and migrated here), and
`REDIS_URL` at a Redis DB index of its own (`GAVEL_BENCH_REDIS_DB`, default 15, flushed before and after), so a benchmark never
touches a developer's data. `teardown()` drops both. Subprocesses (ASGI servers of the fan-out
benchmark) inherit the rewritten variables.
"""

import os
from urllib.parse import urlsplit, urlunsplit

# `GAVEL_BENCH_DB` names another database, so two runs on one PostgreSQL server never collide.
BENCH_DB = os.environ.get("GAVEL_BENCH_DB", "gavel_bench")
if not BENCH_DB.replace("_", "").isalnum():
    raise ValueError("GAVEL_BENCH_DB must be letters, digits and underscores")
DEFAULT_REDIS_DB = 15


class BenchSetupError(RuntimeError):
    """The benchmarks cannot run here (a service or variable is missing)."""


def _with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def bench_urls() -> tuple[str, str, str]:
    """(admin database URL, bench database URL, bench Redis URL) from the environment."""
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "").split(",")[0].strip()
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise BenchSetupError("set DATABASE_URL to a PostgreSQL server (postgres://…)")
    if not redis_url.startswith("redis://"):
        raise BenchSetupError("set REDIS_URL to a Redis server (redis://…)")
    redis_db = int(os.environ.get("GAVEL_BENCH_REDIS_DB", DEFAULT_REDIS_DB))
    return (
        _with_path(database_url, "/postgres"),
        _with_path(database_url, f"/{BENCH_DB}"),
        _with_path(redis_url, f"/{redis_db}"),
    )


def _admin_execute(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


def configure() -> dict[str, str]:
    """Create the bench database, point Django at it, set Django up and migrate."""
    admin_url, database_url, redis_url = bench_urls()
    _admin_execute(admin_url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    _admin_execute(admin_url, f"CREATE DATABASE {BENCH_DB}")
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Rate limiting is part of every bid, but 32 bidders x hundreds of bids would trip it.
    os.environ["GAVEL_BID_RATE_LIMIT"] = str(10**9)
    # The in-process comparison keeps one connection per bidding thread (32): the pool must
    # lend that many at once.
    os.environ["GAVEL_DB_POOL_MAX"] = "64"
    # Outbid emails are rendered but kept in memory: the console default would time stdout.
    os.environ["DJANGO_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # DEBUG would record every query in memory and slow both engines alike.
    settings.DEBUG = False
    call_command("migrate", verbosity=0, interactive=False)
    flush_redis()
    return {"database": database_url, "redis": redis_url}


def flush_redis() -> None:
    """Empty the bench's own Redis DB index (never the developer's)."""
    import redis
    from django.conf import settings

    with redis.Redis.from_url(settings.REDIS_URL) as client:
        client.flushdb()


def teardown() -> None:
    """Drop the bench database and empty the bench Redis DB index."""
    from django.db import connections

    from auctions.notifications import notices_sent

    notices_sent()  # emails still being sent read the database about to be dropped
    connections.close_all()
    flush_redis()
    admin_url, _, _ = bench_urls()
    _admin_execute(admin_url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
