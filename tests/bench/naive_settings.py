"""Settings of the naive baseline app (`tests/bench/naive_app.py`) served by gunicorn.

Gavel's settings, with what a straightforward Django deployment has: database sessions, a
per-process memory cache, the standard middleware, and persistent database connections
(`CONN_MAX_AGE`, the usual setting for sync workers, so the baseline is not slowed by a new
PostgreSQL connection per request).
"""

from config.settings import *  # noqa: F403
from config.settings import DATABASES

ROOT_URLCONF = "tests.bench.naive_app"
SESSION_ENGINE = "django.contrib.sessions.backends.db"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
DATABASES["default"] = {**DATABASES["default"], "CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True}
DATABASES["default"].get("OPTIONS", {}).pop("pool", None)
