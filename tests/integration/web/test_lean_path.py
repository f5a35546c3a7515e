"""The request path is as lean as the engine (DESIGN §2): what a bid costs in SQL.

A refused bid runs no SQL at all (session, user and auction come from caches; the engine answers
from Redis); an accepted one writes its ledger rows and reads nothing. The user cache drops a
user as soon as they are saved, so a suspension takes effect on the very next request.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.backends import CachedModelBackend, user_cache_key
from tests.integration.web.conftest import logged_in


def post_bid(client, auction, amount, request_id):
    body = json.dumps({"amount": amount, "request_id": request_id})
    return client.post(
        f"/api/auctions/{auction.pk}/bids", data=body, content_type="application/json"
    )


def test_a_refused_bid_runs_no_sql(fake_engine_redis, auction, alice):
    client = logged_in(alice)
    assert post_bid(client, auction, "10.00", "warm-1").status_code == 201
    with CaptureQueriesContext(connection) as queries:
        response = post_bid(client, auction, "10.00", "low-1")
    assert response.status_code == 409
    assert response.json()["error"] == "BID_TOO_LOW"
    assert [query["sql"] for query in queries] == []


def test_an_accepted_bid_only_writes_its_ledger_rows(fake_engine_redis, auction, alice, bob):
    alice_client, bob_client = logged_in(alice), logged_in(bob)
    assert post_bid(alice_client, auction, "10.00", "warm-1").status_code == 201
    assert post_bid(bob_client, auction, "10.00", "warm-2").status_code == 409
    with CaptureQueriesContext(connection) as queries:
        response = post_bid(bob_client, auction, "12.00", "bob-1")
    assert response.status_code == 201
    statements = [query["sql"].split()[0].upper() for query in queries]
    assert "SELECT" not in statements, [query["sql"] for query in queries]
    assert statements.count("INSERT") >= 2  # the event and the bid, in one transaction


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
