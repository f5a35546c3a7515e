"""Repeated failed logins are throttled per (account, address) pair and per address, on the
site's login and the admin's, with a clear message (429) and one audit entry per lockout; a
locked-out attempt never reaches the password hasher, so a flood costs no more than a cache
read. Never per account alone: failures from other addresses do not lock the account's owner
out of their own (anyone could otherwise lock anyone out)."""

import pytest
from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.backends import ModelBackend
from django.test import Client
from django.urls import reverse

from core.models import AuditLog
from tests.factories import make_user

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_FAILURE_LIMIT = 5


def attempt(path, username, password, address="10.0.0.1"):
    client = Client(REMOTE_ADDR=address)
    response = client.post(path, {"username": username, "password": password})
    return client, response


def logged_in(client) -> bool:
    return bool(client.session.get("_auth_user_id"))


@pytest.mark.parametrize("path", [LOGIN, ADMIN_LOGIN])
def test_failures_from_other_addresses_do_not_lock_the_owner_out(path):
    make_user("victim", is_staff=True)
    for index in range(5):
        attempt(path, "victim", "wrong", address=f"10.0.1.{index}")
    for _ in range(5):  # and one attacker address at the limit
        attempt(path, "victim", "wrong", address="10.0.1.200")
    client, response = attempt(path, "victim", "pw-victim", address="10.0.2.1")
    assert response.status_code == 302
    assert logged_in(client)


def test_an_account_is_locked_at_an_address_after_repeated_failures_there():
    make_user("guessed")
    for _ in range(5):
        attempt(LOGIN, "guessed", "wrong", address="10.0.1.9")
    client, response = attempt(LOGIN, "guessed", "pw-guessed", address="10.0.1.9")
    assert response.status_code == 429
    assert not logged_in(client)
    text = response.content.decode()
    assert "Too many failed logins" in text
    assert "minutes" in text


def test_an_address_is_locked_after_failures_over_many_accounts():
    make_user("bystander")
    for index in range(5):
        attempt(LOGIN, f"guess{index}", "wrong", address="10.0.3.3")
    client, response = attempt(LOGIN, "bystander", "pw-bystander", address="10.0.3.3")
    assert response.status_code == 429
    assert not logged_in(client)
    # The same account from another address is not affected by that address's lockout.
    other, response = attempt(LOGIN, "bystander", "pw-bystander", address="10.0.3.4")
    assert response.status_code == 302
    assert logged_in(other)


def test_fewer_failures_than_the_limit_still_let_the_right_password_in():
    make_user("forgetful")
    for _ in range(4):
        _, response = attempt(LOGIN, "forgetful", "wrong")
        assert response.status_code == 200
    client, response = attempt(LOGIN, "forgetful", "pw-forgetful")
    assert response.status_code == 302
    assert logged_in(client)


def test_the_admin_login_is_throttled_too():
    make_user("staffer", is_staff=True)
    for _ in range(5):
        attempt(ADMIN_LOGIN, "staffer", "wrong", address="10.0.4.1")
    client, response = attempt(ADMIN_LOGIN, "staffer", "pw-staffer", address="10.0.4.1")
    assert response.status_code == 429
    assert not logged_in(client)


def test_a_lockout_is_audited_once_however_long_the_flood(monkeypatch):
    victim = make_user("flooded")
    checks = []
    original = ModelBackend.authenticate

    def counting(self, request, *args, **kwargs):
        checks.append(1)
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counting)
    for _ in range(30):
        attempt(LOGIN, "flooded", "wrong", address="10.0.6.1")
    entries = AuditLog.objects.filter(action="login.lockout")
    assert entries.count() == 1
    entry = entries.get()
    assert entry.target_type == "accounts.user"
    assert entry.target_id == str(victim.pk)
    assert entry.data["username"] == "flooded"
    # Only the attempts before the lockout reached the password check.
    assert len(checks) == 5


def test_the_lockout_page_is_shown_for_a_get_of_the_login_form_only_after_a_post():
    """Reading the login page is never throttled (only attempts are)."""
    make_user("reader")
    for _ in range(6):
        attempt(LOGIN, "reader", "wrong", address="10.0.7.1")
    assert Client(REMOTE_ADDR="10.0.7.1").get(reverse("login")).status_code == 200


def test_the_counts_live_in_redis_when_there_is_one(settings, real_redis_url):
    """With REDIS_URL (production) every web process shares the counts through Redis."""
    import uuid

    import redis

    settings.CACHES = {
        **settings.CACHES,
        "login_throttle": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": real_redis_url,
            "KEY_PREFIX": f"gavel:test:login:{uuid.uuid4().hex}",
        },
    }
    AxesProxyHandler.get_implementation(force=True)
    make_user("shared")
    for _ in range(5):
        attempt(LOGIN, "shared", "wrong", address="10.0.8.1")
    client, response = attempt(LOGIN, "shared", "pw-shared", address="10.0.8.1")
    assert response.status_code == 429
    prefix = settings.CACHES["login_throttle"]["KEY_PREFIX"]
    client = redis.Redis.from_url(real_redis_url)
    stored = client.keys(f"{prefix}*")
    assert stored, "the failure counts are in Redis"
    client.delete(*stored)
