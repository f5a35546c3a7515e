"""Settings: embedded defaults with no variables, real services with them, and a clean
`check --deploy` in production mode. Each case runs Django in a fresh subprocess, since
settings are read once at start-up."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
    "DJANGO_ALLOWED_HOSTS": "gavel.example.com",
}
SHOW_SETTINGS = (
    "from django.conf import settings;"
    "from auctions.engine.connection import get_redis;"
    "print(settings.DATABASES['default']['ENGINE']);"
    "print(settings.CHANNEL_LAYERS['default']['BACKEND']);"
    "print(type(get_redis()).__module__)"
)


def run_django(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_"))}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        # GAVEL_EMBEDDED_REDIS=off: a developer's running `make run` is not these tests' Redis.
        env={**clean, "GAVEL_EMBEDDED_REDIS": "off", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_no_variables_means_sqlite_fakeredis_and_the_in_memory_layer():
    result = run_django("shell", "-c", SHOW_SETTINGS, env={})
    assert result.returncode == 0, result.stderr
    engine, layer, redis_module = result.stdout.split()[-3:]
    assert engine == "django.db.backends.sqlite3"
    assert layer == "channels.layers.InMemoryChannelLayer"
    assert redis_module.startswith("fakeredis")


def test_variables_switch_to_postgresql_redis_and_channels_redis():
    env = {
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/gavel",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    result = run_django("shell", "-c", SHOW_SETTINGS, env=env)
    assert result.returncode == 0, result.stderr
    engine, layer, redis_module = result.stdout.split()[-3:]
    assert engine == "config.postgresql"  # Django's, with a pool that notices a restart
    assert layer == "core.channel_layers.PubSubChannelLayer"  # GAVEL_CHANNEL_LAYER default
    assert redis_module == "redis.client"


def test_production_settings_pass_check_deploy_with_no_warning():
    result = run_django("check", "--deploy", "--fail-level", "DEBUG", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_its_required_variables(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = run_django("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr
