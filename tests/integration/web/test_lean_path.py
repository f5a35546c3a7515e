"""The bid path is as lean as the engine (docs/design.md, the hot path): what a bid costs in SQL.

Bids go through the ASGI application, as deployed: the lean route answers them on the event loop
and only an accepted bid's ledger transaction runs on a ledger thread. A refused bid runs no SQL
at all, in any thread (session from the cache, the bidder's standing from Redis, the auction
from the process copy; the engine answers from Redis); an accepted one writes its ledger rows and
reads nothing. Every change to a user drops their standing, so a suspension takes effect on the
very next bid.
"""

import json
import threading
from contextlib import contextmanager

import pytest
from django.db import connection
from django.db.backends.signals import connection_created

from accounts.backends import CachedModelBackend, user_cache_key
from outbox.services import outbox_drain
from tests.asgi_client import AsgiClient
from tests.integration.web.conftest import logged_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def post_bid(client, auction, amount, request_id):
    body = json.dumps({"amount": amount, "request_id": request_id})
    return AsgiClient(client).post(f"/api/auctions/{auction.pk}/bids", data=body)


@contextmanager
def queries_in_every_thread():
    """The SQL every thread runs meanwhile (`CaptureQueriesContext` sees one connection only):
    (thread name, statement) pairs."""
    captured: list[tuple[str, str]] = []
    wrapped = []

    def record(execute, sql, params, many, context):
        captured.append((threading.current_thread().name, sql))
        return execute(sql, params, many, context)

    def on_connect(sender, connection, **kwargs):
        connection.execute_wrappers.append(record)
        wrapped.append(connection)

    connection_created.connect(on_connect)
    try:
        with connection.execute_wrapper(record):
            yield captured
    finally:
        connection_created.disconnect(on_connect)
        for wrapper in wrapped:
            if record in wrapper.execute_wrappers:
                wrapper.execute_wrappers.remove(record)


def test_a_refused_bid_runs_no_sql(fake_engine_redis, auction, alice):
    client = logged_in(alice)
    assert post_bid(client, auction, "10.00", "warm-1").status_code == 201
    with queries_in_every_thread() as queries:
        response = post_bid(client, auction, "10.00", "low-1")
    assert response.status_code == 409
    assert response.json()["error"] == "BID_TOO_LOW"
    assert queries == []


def test_an_accepted_bid_only_writes_its_ledger_rows_on_a_ledger_thread(
    settings, fake_engine_redis, auction, alice, bob
):
    settings.GAVEL_NOTICE_THREADS = 2  # as deployed: the outbid email leaves on its own thread
    alice_client, bob_client = logged_in(alice), logged_in(bob)
    assert post_bid(alice_client, auction, "10.00", "warm-1").status_code == 201
    assert post_bid(bob_client, auction, "10.00", "warm-2").status_code == 409
    with queries_in_every_thread() as queries:
        response = post_bid(bob_client, auction, "12.00", "bob-1")
        outbox_drain()
    assert response.status_code == 201
    ledger = [sql for thread, sql in queries if thread.startswith("gavel-ledger")]
    statements = [sql.split()[0].upper() for sql in ledger]
    assert "SELECT" not in statements, ledger
    assert statements.count("INSERT") >= 2  # the event and the bid, in one transaction
    # Nothing on the request's thread, nor on the one every `database_sync_to_async` shares.
    others = {thread for thread, _ in queries} - {
        thread for thread, _ in queries if thread.startswith(("gavel-ledger", "gavel-outbox"))
    }
    assert not others, queries


@pytest.mark.django_db
def test_the_user_cache_serves_a_user_until_they_are_saved(
    settings, alice, django_assert_num_queries
):
    settings.GAVEL_USER_CACHE_SECONDS = 60
    backend = CachedModelBackend()
    from django.core.cache import cache

    cache.delete(user_cache_key(alice.pk))
    assert backend.get_user(alice.pk) == alice
    with django_assert_num_queries(0):
        assert backend.get_user(alice.pk).is_suspended is False
    alice.is_suspended = True
    alice.save(update_fields=["is_suspended"])
    assert backend.get_user(alice.pk).is_suspended is True


def test_a_suspension_refuses_the_next_bid_of_a_logged_in_user(fake_engine_redis, auction, alice):
    client = logged_in(alice)
    assert post_bid(client, auction, "10.00", "first").status_code == 201
    alice.is_suspended = True
    alice.save(update_fields=["is_suspended"])
    response = post_bid(client, auction, "20.00", "second")
    assert response.status_code == 403
    assert response.json()["error"] == "NOT_ALLOWED"


def test_a_live_event_is_encoded_once_per_variant_not_once_per_socket():
    from auctions.consumers import encoded_event

    message = {
        "type": "bid",
        "event": {"type": "bid", "seq": 7, "price": "12.00"},
        "bidder_id": 1,
        "leader_id": 1,
    }
    anonymous = encoded_event(99, message, None)
    assert encoded_event(99, message, None) is anonymous
    assert encoded_event(99, message, 2) is encoded_event(99, message, 3)  # neither is the bidder
    mine = encoded_event(99, message, 1)
    assert json.loads(mine) == {**message["event"], "is_you": True, "leader_is_you": True}
    assert json.loads(anonymous)["is_you"] is False
