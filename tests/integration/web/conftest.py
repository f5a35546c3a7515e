"""Fixtures of the bidder-facing tests: an open auction, bidders, and their logged-in clients."""

import re

import pytest
from django.test import Client

from tests.factories import make_auction, make_user

_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:\d\d)?")


def reveals(document, amount: str) -> bool:
    """Whether `amount` ("20.00") appears in any text or key of a JSON document, timestamps
    aside (their seconds can read "20.005")."""
    if isinstance(document, dict):
        return any(
            reveals(key, amount) or reveals(value, amount) for key, value in document.items()
        )
    if isinstance(document, list):
        return any(reveals(item, amount) for item in document)
    if isinstance(document, str):
        return amount in document and not _TIMESTAMP.fullmatch(document)
    return False


# The keys of `GET /api/auctions/<id>` (docs/design.md §4), also the core of a WebSocket snapshot.
STATE_KEYS = {
    "id",
    "title",
    "status",
    "price",
    "min_bid",
    "bid_count",
    "leader",
    "leader_is_you",
    "ends_at",
    "has_reserve",
    "reserve_met",
    "buy_now_price",
    "seq",
}


@pytest.fixture
def auction(db):
    """A published auction open for an hour, starting at 10.00 (no reserve, no buy it now)."""
    return make_auction(title="Omega Speedmaster")


@pytest.fixture
def alice(db):
    return make_user("alice")


@pytest.fixture
def bob(db):
    return make_user("bob")


def logged_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


@pytest.fixture
def alice_client(alice):
    return logged_in(alice)


@pytest.fixture
def bob_client(bob):
    return logged_in(bob)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Users are created per test; the real hasher's deliberate slowness is not under test here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
