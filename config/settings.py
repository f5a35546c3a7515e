"""Gavel's one settings module, driven by environment variables (docs/design.md §5).

With no variable set it runs on SQLite and an embedded in-process Redis (fakeredis with Lua)
plus Channels' in-memory layer. `DATABASE_URL` and `REDIS_URL` switch to PostgreSQL, real
Redis and channels-redis; `DJANGO_DEBUG=0` switches to production hardening.
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.log_config import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated environment variable into a list of stripped items."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_flag("DJANGO_DEBUG", True)

if DEBUG:
    SECRET_KEY = os.environ.get(
        "DJANGO_SECRET_KEY", "dev-only-insecure-key-gavel-0123456789-abcdefghijklmnopqrstuvwxyz"
    )
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
else:
    try:
        SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
        ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
    except KeyError as missing:
        raise ImproperlyConfigured(f"{missing} is required when DJANGO_DEBUG=0") from None
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is required when DJANGO_DEBUG=0")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "channels",
    "axes",
    "core",
    "accounts",
    "auctions",
    "notices",
    "orders",
    "sales",
    "questions",
    "outbox",
    # Optional TOTP two-factor for staff (accounts.two_factor).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "config.request_id.request_id_middleware",
    "django.middleware.security.SecurityMiddleware",
    # A strict Content-Security-Policy on every response (settings below).
    "csp.middleware.CSPMiddleware",
    # An outage (database or Redis down) answers 503 UNAVAILABLE, never 500.
    "core.outage.OutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.two_factor.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a lockout into the "too many failed logins" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "notices.context_processors.unread",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: PostgreSQL from DATABASE_URL, else an SQLite file in the project. ---
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=0, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The server and the worker share the file: WAL lets readers run beside one writer, and
    # IMMEDIATE transactions wait for the write lock instead of failing on upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

else:
    # A connection pool per process (psycopg_pool): under ASGI every sync request runs on a
    # thread of its own, so per-thread persistent connections (CONN_MAX_AGE) would never be
    # reused; a new PostgreSQL connection per request costs ~5 ms of server CPU. Each request
    # borrows a checked connection and returns it when it finishes.
    # The pool checks a connection as it lends it (one round trip), and the first dead one makes
    # it check them all at once (config.postgresql), so a PostgreSQL restart costs no failed or
    # slow request; a server that does not answer fails the connect in seconds, not minutes.
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "config.postgresql"
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": int(os.environ.get("GAVEL_DB_POOL_MIN", 2)),
        "max_size": int(os.environ.get("GAVEL_DB_POOL_MAX", 16)),
        "timeout": 10,
        # A reconnect attempt backs off 1 s, 2 s, 4 s…: give it up after 2 s, so that while the
        # server is down every waiting request starts a fresh attempt, and one comes in at once
        # when it is back (not at the end of an 8 s backoff).
        "reconnect_timeout": 2,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Redis and the channel layer. ---
# REDIS_URL may list several servers (comma-separated) for a sharded channel layer; the engine
# uses the first one. Unset means the embedded fakeredis server and the in-memory layer.
REDIS_URLS = env_list("REDIS_URL")
REDIS_URL = REDIS_URLS[0] if REDIS_URLS else ""
REDIS_CLUSTER = env_flag("REDIS_CLUSTER", False)

# Which channels-redis layer carries live events when REDIS_URL is set: "pubsub"
# (RedisPubSubChannelLayer, with `delete_channel` added in core/channel_layers.py: one PUBLISH
# per group message, fanned out inside each process) or
# "core" (RedisChannelLayer: group members in Redis sorted sets, a queue per process). pubsub is
# the default: faster in tests/bench/fanout.py, less memory under backlog, no connection-pool
# exhaustion when hundreds of sockets join at once, and its groups survive a Redis flush or
# restart (they are subscriptions, re-made on reconnect). A slow client stays bounded either way:
# the consumer resyncs from the event stream on a seq gap and daphne drops a socket that stops
# answering its pings.
GAVEL_CHANNEL_LAYER = os.environ.get("GAVEL_CHANNEL_LAYER", "pubsub").strip().lower()
if GAVEL_CHANNEL_LAYER not in {"core", "pubsub"}:
    raise ImproperlyConfigured("GAVEL_CHANNEL_LAYER must be 'core' or 'pubsub'")
# redis-py 8 gives every connection a 5 s socket timeout, as long as channels-redis's blocking
# BZPOPMIN wait: an idle consumer's read then times out and daphne closes its socket with 1011
# every few seconds (django/channels_redis#422). The layer's connections get a longer one.
CHANNEL_LAYER_SOCKET_TIMEOUT = 30
# Pub/sub channels are server-wide (SELECT does not scope them): the prefix names the database
# index too, so two deployments or test runs on one Redis server never hear each other.
CHANNEL_LAYER_PREFIX = "gavel:layer:" + (urlsplit(REDIS_URL).path.strip("/") or "0")
CHANNEL_LAYER_HOSTS = [
    {"address": url, "socket_timeout": CHANNEL_LAYER_SOCKET_TIMEOUT, "socket_connect_timeout": 5}
    for url in REDIS_URLS
]
if not REDIS_URLS:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 100, "expiry": 10},
        }
    }
elif GAVEL_CHANNEL_LAYER == "pubsub":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "core.channel_layers.PubSubChannelLayer",
            "CONFIG": {"hosts": CHANNEL_LAYER_HOSTS, "prefix": CHANNEL_LAYER_PREFIX},
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": CHANNEL_LAYER_HOSTS,
                # A viewer that stops reading loses old messages instead of growing a queue:
                # capacity bounds each channel, expiry drops what nobody picked up.
                "capacity": 100,
                "expiry": 10,
                "group_expiry": 86400,
                "prefix": CHANNEL_LAYER_PREFIX,
            },
        }
    }

# --- Cache, sessions and the logged-in user: no query per request for either
# (docs/design.md §2). ---
# With REDIS_URL the cache is that Redis (or Redis Cluster), shared by every process, so dropping
# a changed user's entry reaches them all; without it, this process's memory (the embedded
# default is one process).
REDIS_CACHE_BACKEND = (
    "config.redis_cache.RedisClusterCache" if REDIS_CLUSTER else "config.redis_cache.RedisCache"
)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": REDIS_CACHE_BACKEND,
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "gavel:cache",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions are read from the cache and written through to the database (a cache flush or a Redis
# restart logs nobody out).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Django's ModelBackend with `get_user` served from that cache (accounts/backends.py).
USER_BACKEND = "accounts.backends.CachedModelBackend"
GAVEL_USER_CACHE_SECONDS = int(os.environ.get("GAVEL_USER_CACHE_SECONDS", 300))

# --- Auth. ---
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# --- Login throttling (django-axes): per (account, address) pair and per address, counted in a
# cache. Never per account alone: failures from other addresses would then lock the account's
# owner out from everywhere (anyone could lock anyone out).
# A locked-out attempt is refused before any password is hashed, so a failed-login flood costs
# a cache read per request. The counts live in Redis when there is one (shared by every web
# process), else in this process's memory. accounts.throttle audits each lockout once.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", USER_BACKEND]
CACHES["login_throttle"] = (
    {
        "BACKEND": REDIS_CACHE_BACKEND,
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "gavel:login",
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "login"}
)
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_CACHE = "login_throttle"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = int(os.environ.get("GAVEL_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("GAVEL_LOGIN_LOCKOUT_MINUTES", 15)))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False  # the cache handler keeps no rows to show
if not REDIS_URL:
    # axes.W001 warns that in-memory counts are not shared between processes. Without
    # REDIS_URL the site is the embedded single-process one (its Redis lives in that process
    # too), so in-memory counts are exactly shared by everything that serves logins.
    SILENCED_SYSTEM_CHECKS = ["axes.W001"]

# --- I18N, static and media. ---
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# 24-hour times with the zone named, in the admin too (config/formats/en/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = os.environ.get("DJANGO_MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Static files and media in production (docs/deploy.md). ---
# With DEBUG off the app serves `collectstatic`'s output itself through ServeStatic (whitenoise's
# async fork: the same storage and headers, but native async middleware, so no thread hop per
# request): compressed copies, content-hashed names and a year-long immutable cache. With DEBUG
# on, runserver serves the source files.
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "servestatic.storage.CompressedManifestStaticFilesStorage"
    },
}
if not DEBUG:
    _security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware")
    MIDDLEWARE.insert(_security + 1, "servestatic.middleware.ServeStaticMiddleware")
# Uploaded photos: a local directory by default (served by the app under MEDIA_URL, or by the
# proxy in front), or any S3-compatible bucket through django-storages (`pip install
# 'gavel[s3]'`) when GAVEL_MEDIA_BUCKET is set; its endpoint and keys come from the AWS_* variables
# django-storages reads (AWS_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...).
GAVEL_MEDIA_BUCKET = os.environ.get("GAVEL_MEDIA_BUCKET", "")
if GAVEL_MEDIA_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": GAVEL_MEDIA_BUCKET,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
            "file_overwrite": False,
            "querystring_auth": env_flag("AWS_QUERYSTRING_AUTH", False),
            "object_parameters": {"CacheControl": "public, max-age=86400"},
        },
    }
# Whether the app answers MEDIA_URL itself (the local-directory storage only; a proxy or the
# bucket serves them otherwise).
GAVEL_SERVE_MEDIA = not GAVEL_MEDIA_BUCKET and env_flag("GAVEL_SERVE_MEDIA", True)

# --- Email: SMTP from the environment (docs/deploy.md); the console without EMAIL_HOST. ---
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 587))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_flag("EMAIL_USE_TLS", EMAIL_PORT == 587)  # STARTTLS
EMAIL_USE_SSL = env_flag("EMAIL_USE_SSL", EMAIL_PORT == 465)  # TLS from the first byte
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", 10))
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL are exclusive: set one")
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL",
    os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "Gavel <auctions@gavel.localhost>"),
)
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# The public origin, for the absolute links every email carries (a mail client has no base URL).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if urlsplit(SITE_URL).scheme not in {"http", "https"} or not urlsplit(SITE_URL).netloc:
    raise ImproperlyConfigured("SITE_URL must be an origin such as https://auctions.example.com")

# --- Security. Production values apply whenever DEBUG is off. ---
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True


# A strict Content-Security-Policy (django-csp): the templates carry no inline script or style,
# so nothing but the site's own files runs. Photos may come from the media bucket's origin; the
# live layer's WebSocket is same-origin ('self' covers ws: and wss: on the page's own host).
def _media_origins() -> list[str]:
    origins = []
    for url in (MEDIA_URL, os.environ.get("AWS_S3_ENDPOINT_URL", "")):
        parts = urlsplit(url)
        if parts.scheme and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    if os.environ.get("AWS_S3_CUSTOM_DOMAIN"):
        origins.append(f"https://{os.environ['AWS_S3_CUSTOM_DOMAIN']}")
    if GAVEL_MEDIA_BUCKET and not origins:
        origins.append("https:")  # a bucket on the provider's default host
    return origins


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *_media_origins()],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Logging: one line per event (time, level, logger, request id) on stderr. ---
# GAVEL_LOG_FORMAT=json writes JSON lines (the production default); "text" is for people.
# Django's own loggers and the ASGI server's propagate to the one root handler, so nothing is
# printed twice (config/log_config.py). gavel.access has one line per HTTP request
# (GAVEL_ACCESS_LOG=0 turns it off).
GAVEL_LOG_FORMAT = os.environ.get("GAVEL_LOG_FORMAT", "text" if DEBUG else "json").strip().lower()
if GAVEL_LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("GAVEL_LOG_FORMAT must be 'json' or 'text'")
GAVEL_ACCESS_LOG = env_flag("GAVEL_ACCESS_LOG", True)
LOGGING = logging_config(fmt=GAVEL_LOG_FORMAT, level=os.environ.get("DJANGO_LOG_LEVEL", "INFO"))
# Error tracking, by setting: SENTRY_DSN (with `pip install 'gavel[sentry]'`, docs/deploy.md).
if os.environ.get("SENTRY_DSN"):
    import sentry_sdk

    sentry_sdk.init(
        dsn=os.environ["SENTRY_DSN"],
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", 0)),
        send_default_pii=False,
    )


# --- Gavel: the auction rules' settings (docs/design.md §3). Money is integer minor units. ---
GAVEL_CURRENCY = os.environ.get("GAVEL_CURRENCY", "USD")
GAVEL_CURRENCY_DECIMALS = 2
# The largest amount anyone may bid or list for: 10,000,000.00.
GAVEL_MAX_AMOUNT = 1_000_000_000
# eBay-style increment bands: (price below, increment), in minor units; the last band is open.
GAVEL_INCREMENT_TABLE = [
    (100, 5),
    (500, 25),
    (2_500, 50),
    (10_000, 100),
    (25_000, 250),
    (50_000, 500),
    (100_000, 1_000),
    (250_000, 2_500),
    (500_000, 5_000),
    (None, 10_000),
]
GAVEL_DEFAULT_EXTENSION = timedelta(minutes=2)
GAVEL_MIN_DURATION = timedelta(minutes=1)
GAVEL_MAX_DURATION = timedelta(days=30)
# New listings wait for a moderator's approval before they are public.
GAVEL_LISTING_APPROVAL = env_flag("GAVEL_LISTING_APPROVAL", True)
# Per-user bid rate limit: at most this many bid attempts in the window.
GAVEL_BID_RATE_LIMIT = (int(os.environ.get("GAVEL_BID_RATE_LIMIT", 20)), 10)
# Threads per process for the ledger transactions of bids placed on the event loop (the socket
# and the lean bid route), one lane each: an auction always uses the same lane, so its writes
# commit in seq order; each borrows a pooled database connection while it writes.
GAVEL_LEDGER_THREADS = int(os.environ.get("GAVEL_LEDGER_THREADS", 4))
# How long the hot path may keep a bidder's standing in Redis without a change to the user (every
# change drops it at once; this only bounds the memory of idle bidders).
GAVEL_STANDING_SECONDS = int(os.environ.get("GAVEL_STANDING_SECONDS", 3600))
# How many events each auction's Redis stream keeps for reconnecting clients.
GAVEL_EVENT_STREAM_MAXLEN = 1000
# How long an idempotency record (request_id → first answer) lives in Redis, in seconds.
GAVEL_REQUEST_ID_TTL = 24 * 60 * 60
# Run the lifecycle worker (settling, reconciling) as a thread inside the ASGI server. Off: `make
# run` and `make serve` start it as its own process (make run's embedded Redis is shared).
GAVEL_WORKER_IN_PROCESS = env_flag("GAVEL_WORKER_IN_PROCESS", False)
# A web process that answered UNAVAILABLE after the bid script ran writes the bid's stream
# entry to the ledger itself, retrying in the background (auctions.services.catchup).
GAVEL_LEDGER_CATCHUP = env_flag("GAVEL_LEDGER_CATCHUP", True)
# Fault injection for `make faults` only: a web process about to write the ledger row of a bid
# whose request id starts with this exits at once (auctions.engine.ledger). Empty: never.
GAVEL_FAULT_EXIT_BEFORE_LEDGER = os.environ.get("GAVEL_FAULT_EXIT_BEFORE_LEDGER", "")
# The JSON API answers a failed CSRF check with a coded JSON 403; pages keep Django's page.
CSRF_FAILURE_VIEW = "auctions.views.api.csrf_failure"
# How long (seconds) an ended or cancelled auction's Redis hot state and stream stay after the
# close; afterwards they are reloaded from the database on demand (Redis is a cache here).
GAVEL_HOT_STATE_TTL_AFTER_END = int(os.environ.get("GAVEL_HOT_STATE_TTL_AFTER_END", 7 * 24 * 3600))
# Threads that send notice emails off the bid's acknowledgement path (a slow mail server must
# not slow bidding); 0 sends them inline after commit (the tests do, to read mail.outbox).
GAVEL_NOTICE_THREADS = int(os.environ.get("GAVEL_NOTICE_THREADS", 2))
# Watchers hear (a notice and an optional email) when a watched lot ends within this.
GAVEL_ENDING_SOON = timedelta(minutes=int(os.environ.get("GAVEL_ENDING_SOON_MINUTES", 15)))
# Builds an outbox row's email at send time (outbox.services).
GAVEL_OUTBOX_RENDERER = "auctions.notifications.render_outbox_email"

# --- After the sale (orders, second-chance offers). ---
# Days a buyer has to pay before the worker closes the order unpaid.
GAVEL_ORDER_PAYMENT_DAYS = int(os.environ.get("GAVEL_ORDER_PAYMENT_DAYS", 7))
# A seller may report "buyer did not pay" (closing the order early, eBay's unpaid-item case)
# this many days after the sale.
GAVEL_UNPAID_REPORT_DAYS = int(os.environ.get("GAVEL_UNPAID_REPORT_DAYS", 2))
# The issuer name authenticator apps show beside a staff member's TOTP code.
OTP_TOTP_ISSUER = "Gavel"
# Hours a second-chance offer stays open to the next bidder.
GAVEL_SECOND_CHANCE_HOURS = int(os.environ.get("GAVEL_SECOND_CHANCE_HOURS", 48))

# --- Questions to sellers (questions.services). ---
# Per-user limit on questions: at most this many asked in the window (seconds).
GAVEL_QUESTION_RATE_LIMIT = (int(os.environ.get("GAVEL_QUESTION_RATE_LIMIT", 5)), 600)
# A seller's new questions are batched: one unread notice kept current, and at most one email
# per this many seconds.
GAVEL_QUESTION_EMAIL_WINDOW = int(os.environ.get("GAVEL_QUESTION_EMAIL_WINDOW", 900))

# --- Observability (docs/deploy.md). ---
# /metrics answers loopback callers, or with this set only `Authorization: Bearer <token>`.
GAVEL_METRICS_TOKEN = os.environ.get("GAVEL_METRICS_TOKEN", "")
# /healthz reports the worker stale (503) when its last finished pass is older than this.
GAVEL_WORKER_STALE_SECONDS = 60
