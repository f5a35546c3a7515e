"""Registering for a sale and the check every bid on a lot passes: unregistered or unapproved
bidders are refused NOT_REGISTERED (403, with a link to register) on the API, the form and the
socket, decided inside the bid script with no SQL query of its own."""

import json

import pytest
from django.urls import reverse

from auctions.engine import keys
from auctions.engine.connection import get_redis
from auctions.models import Bid
from core.models import AuditLog
from sales.models import Registration, Sale
from sales.services.registration import registration_create, registration_decide
from sales.services.schedule import sale_publish
from tests.asgi_client import AsgiClient
from tests.factories import make_auction, make_user
from tests.integration.sales.factories import make_sale
from tests.integration.web.conftest import logged_in
from tests.integration.web.test_lean_path import queries_in_every_thread

# Bids go through the ASGI application (the lean bid route runs its reads and the ledger write
# on threads of its own), so the data must be committed.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run `function(**kwargs)` and its after-commit writes (the engine's copy)."""

    def call(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return call


@pytest.fixture(params=["fakeredis", "redis"])
def engine(request):
    return request.getfixturevalue(
        "fake_engine_redis" if request.param == "fakeredis" else "real_engine_redis"
    )


def published(run, **fields) -> Sale:
    sale = make_sale(lots=2, **fields)
    run(sale_publish, sale=sale, actor=sale.house)
    sale.refresh_from_db()
    return sale


def lot(sale, number=1):
    return sale.lots.get(lot_number=number)


def post_bid(client, auction, amount, request_id):
    body = json.dumps({"amount": amount, "request_id": request_id})
    return AsgiClient(client).post(f"/api/auctions/{auction.pk}/bids", data=body)


def register_api(client, sale):
    return client.post(f"/api/sales/{sale.pk}/registration", content_type="application/json")


def test_registering_gives_a_paddle_number_unique_in_the_sale(engine, run):
    sale = published(run)
    first, second = make_user(), make_user()
    response = register_api(logged_in(first), sale)
    assert response.status_code == 201
    assert response.json() == {"paddle": 101, "status": "approved", "limit": None}
    assert register_api(logged_in(second), sale).json()["paddle"] == 102
    again = register_api(logged_in(first), sale)
    assert (again.status_code, again.json()["paddle"]) == (200, 101)
    assert Registration.objects.filter(sale=sale).count() == 2


def test_registration_refusals(engine, run):
    sale = published(run)
    assert register_api(logged_in(make_user()), make_sale()).status_code == 404  # a draft
    anonymous = register_api(logged_in(make_user()).__class__(), sale)
    assert anonymous.status_code == 401
    house = register_api(logged_in(sale.house), sale)
    assert (house.status_code, house.json()["error"]) == (403, "SELLER_CANNOT_BID")


def test_with_a_limit_the_registration_carries_the_sale_default(engine, run):
    sale = published(run, approval=Sale.Approval.LIMIT, default_limit=50_000)
    response = register_api(logged_in(make_user()), sale)
    assert response.json() == {"paddle": 101, "status": "approved", "limit": "500.00"}


def test_an_unregistered_bidder_is_refused_with_a_link_to_register(engine, run):
    sale = published(run)
    response = post_bid(logged_in(make_user()), lot(sale), "10.00", "r-1")
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "NOT_REGISTERED"
    assert body["register_url"] == f"/sales/{sale.pk}/register/"
    assert not Bid.objects.exists()


def test_a_registered_bidder_bids_on_every_lot_of_the_sale(engine, run):
    sale = published(run)
    alice = make_user()
    client = logged_in(alice)
    with_commit = run  # the registration's write to the engine runs after commit
    with_commit(lambda: register_api(client, sale))
    assert post_bid(client, lot(sale, 1), "10.00", "r-1").status_code == 201
    assert post_bid(client, lot(sale, 2), "10.00", "r-2").status_code == 201


def test_manual_approval_queue_approve_and_decline_are_audited(engine, run):
    sale = published(run, approval=Sale.Approval.MANUAL)
    alice, bob = make_user(), make_user()
    alice_reg, _ = run(registration_create, sale=sale, bidder=alice)
    bob_reg, _ = run(registration_create, sale=sale, bidder=bob)
    assert alice_reg.status == Registration.Status.PENDING
    assert post_bid(logged_in(alice), lot(sale), "10.00", "a-1").json()["error"] == (
        "NOT_REGISTERED"
    )

    admin = logged_in(sale.house)
    changelist = reverse("admin:sales_registration_changelist")
    response = admin.post(
        changelist,
        {"action": "approve", "_selected_action": [alice_reg.pk], "post": "yes", "reason": ""},
    )
    assert response.status_code == 302
    response = admin.post(
        changelist,
        {
            "action": "decline",
            "_selected_action": [bob_reg.pk],
            "post": "yes",
            "reason": "No references",
        },
    )
    assert response.status_code == 302
    alice_reg.refresh_from_db()
    bob_reg.refresh_from_db()
    assert (alice_reg.status, bob_reg.status) == ("approved", "declined")
    assert bob_reg.reason == "No references"
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"registration.approve", "registration.decline"} <= actions
    # The admin's decisions reached the engine (the test client runs no on-commit writes).
    run(registration_decide, registration=alice_reg, actor=sale.house, approve=True)
    run(registration_decide, registration=bob_reg, actor=sale.house, approve=False, reason="x")
    assert post_bid(logged_in(alice), lot(sale), "10.00", "a-2").status_code == 201
    assert post_bid(logged_in(bob), lot(sale), "20.00", "b-1").json()["error"] == "NOT_REGISTERED"


def test_a_declined_decision_needs_a_reason(engine, run):
    sale = published(run, approval=Sale.Approval.MANUAL)
    registration, _ = run(registration_create, sale=sale, bidder=make_user())
    admin = logged_in(sale.house)
    admin.post(
        reverse("admin:sales_registration_changelist"),
        {"action": "decline", "_selected_action": [registration.pk], "post": "yes", "reason": ""},
    )
    registration.refresh_from_db()
    assert registration.status == Registration.Status.PENDING


def test_the_registrations_are_rebuilt_from_the_database_when_redis_lost_them(engine, run):
    sale = published(run)
    alice, bob = make_user(), make_user()
    run(registration_create, sale=sale, bidder=alice)
    get_redis().delete(keys.registrations_key(sale.pk))
    assert post_bid(logged_in(alice), lot(sale), "10.00", "a-1").status_code == 201
    assert post_bid(logged_in(bob), lot(sale), "20.00", "b-1").json()["error"] == "NOT_REGISTERED"
    assert get_redis().hget(keys.registrations_key(sale.pk), str(alice.pk)) == b"a"


def test_the_form_says_not_registered_with_a_link(engine, run):
    sale = published(run)
    client = logged_in(make_user())
    response = client.post(
        reverse("auctions:bid", args=[lot(sale).pk]),
        {"amount": "10.00", "request_id": "f-1", "confirm": "1"},
        follow=True,
    )
    page = response.content.decode()
    assert f'<a href="/sales/{sale.pk}/register/">register</a>' in page


def test_the_check_adds_no_sql_query_to_a_bid(fake_engine_redis, run):
    """A refused bid on a lot runs no SQL (as on any auction); an accepted one only writes."""
    sale = published(run)
    alice, bob = make_user(), make_user()
    run(registration_create, sale=sale, bidder=alice)
    alice_client, bob_client = logged_in(alice), logged_in(bob)
    first = lot(sale)
    assert post_bid(alice_client, first, "10.00", "warm-1").status_code == 201
    assert post_bid(bob_client, first, "10.00", "warm-2").status_code == 403
    with queries_in_every_thread() as queries:
        refused = post_bid(bob_client, first, "12.00", "bob-1")
    assert refused.json()["error"] == "NOT_REGISTERED"
    assert queries == []
    with queries_in_every_thread() as queries:
        accepted = post_bid(alice_client, first, "15.00", "alice-2")
    assert accepted.status_code == 201
    statements = [
        sql.split()[0].upper() for thread, sql in queries if thread.startswith("gavel-ledger")
    ]
    assert "SELECT" not in statements, queries


def test_an_auction_outside_a_sale_needs_no_registration(engine):
    auction = make_auction()
    assert post_bid(logged_in(make_user()), auction, "10.00", "x-1").status_code == 201


def test_the_register_page_flow(engine, run):
    sale = published(run)
    client = logged_in(make_user())
    page = client.get(reverse("sales:register", args=[sale.pk]))
    assert "Cash only" in page.content.decode()
    refused = client.post(reverse("sales:register", args=[sale.pk]), {}, follow=True)
    assert "Accept the sale" in refused.content.decode()
    done = client.post(
        reverse("sales:register", args=[sale.pk]), {"accept_terms": "on"}, follow=True
    )
    assert "paddle 101" in done.content.decode()
