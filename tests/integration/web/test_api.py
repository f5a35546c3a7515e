"""The JSON API (docs/design.md §4) against the real engine: shapes, every error code with its
status, malformed bodies (always a coded 400, never a 500, nothing changed), CSRF and idempotency."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from auctions.engine import heartbeat_write
from auctions.engine.connection import reset_redis_client
from auctions.models import Auction, Bid
from tests.asgi_client import AsgiClient
from tests.factories import make_auction, make_user
from tests.integration.web.conftest import STATE_KEYS, logged_in, reveals

# A bid's ledger transaction runs on a ledger thread with its own connection: it must see the
# test's rows, so these tests commit them.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def post_bid(client, auction, body, headers=None):
    """POST a bid through the ASGI application (the lean route), with the session of `client`
    and, unless it enforces CSRF checks, the CSRF cookie and header the page's script sends."""
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    asgi = AsgiClient(client, csrf=not client.handler.enforce_csrf_checks)
    return asgi.post(f"/api/auctions/{auction.pk}/bids", data=data, headers=headers)


@pytest.fixture(params=["fakeredis", "redis"])
def engine(request):
    """The engine on the embedded fakeredis and on the real Redis server (real Lua both)."""
    name = "fake_engine_redis" if request.param == "fakeredis" else "real_engine_redis"
    return request.getfixturevalue(name)


def test_state_has_exactly_the_public_fields(engine, auction, alice_client):
    response = alice_client.get(f"/api/auctions/{auction.pk}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == STATE_KEYS
    assert body["price"] == "10.00"
    assert body["min_bid"] == "10.00"
    assert body["bid_count"] == 0
    assert body["leader"] is None
    assert body["leader_is_you"] is False
    assert body["status"] == "active"
    assert body["reserve_met"] is True
    assert body["seq"] == 0


def test_accepted_bid_is_201_and_moves_the_state(engine, auction, alice_client, bob_client):
    response = post_bid(alice_client, auction, {"amount": "10.00", "max_amount": "25.00"})
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "accepted": True,
        "seq": 1,
        "price": "10.00",
        "leader": "a***e",
        "leader_is_you": True,
        "ends_at": body["ends_at"],
    }
    response = post_bid(bob_client, auction, {"amount": 12})
    assert response.status_code == 201
    # Alice's maximum answers Bob's 12.00 by one increment (0.50 in this band).
    assert response.json()["price"] == "12.50"
    assert response.json()["leader_is_you"] is False
    state = bob_client.get(f"/api/auctions/{auction.pk}").json()
    assert (state["price"], state["leader"], state["bid_count"]) == ("12.50", "a***e", 2)
    assert not reveals(state, "25.00")  # nobody's maximum is ever public


def test_bid_too_low_is_409_with_min_bid(engine, auction, alice_client):
    response = post_bid(alice_client, auction, {"amount": "9.99"})
    assert response.status_code == 409
    assert response.json()["error"] == "BID_TOO_LOW"
    assert response.json()["min_bid"] == "10.00"
    assert response.json()["accepted"] is False


def test_anonymous_is_401(engine, auction):
    response = post_bid(Client(), auction, {"amount": "10.00"})
    assert response.status_code == 401
    assert response.json()["error"] == "NOT_ALLOWED"
    assert not Bid.objects.exists()


def test_seller_is_403(engine, auction):
    response = post_bid(logged_in(auction.seller), auction, {"amount": "10.00"})
    assert response.status_code == 403
    assert response.json()["error"] == "SELLER_CANNOT_BID"


def test_suspended_user_is_403(engine, auction):
    user = make_user("mallory", is_suspended=True)
    response = post_bid(logged_in(user), auction, {"amount": "10.00"})
    assert response.status_code == 403
    assert response.json()["error"] == "NOT_ALLOWED"


def test_not_started_is_409_not_open(engine, alice_client):
    now = timezone.now()
    auction = make_auction(starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=2))
    response = post_bid(alice_client, auction, {"amount": "10.00"})
    assert response.status_code == 409
    assert response.json()["error"] == "AUCTION_NOT_OPEN"


def test_cancelled_is_409_not_open(engine, alice_client):
    auction = make_auction(status=Auction.Status.CANCELLED, cancel_reason="fake")
    response = post_bid(alice_client, auction, {"amount": "10.00"})
    assert response.status_code == 409
    assert response.json()["error"] == "AUCTION_NOT_OPEN"


def test_past_end_is_409_ended(engine, alice_client):
    now = timezone.now()
    auction = make_auction(starts_at=now - timedelta(hours=2), ends_at=now - timedelta(seconds=1))
    response = post_bid(alice_client, auction, {"amount": "10.00"})
    assert response.status_code == 409
    assert response.json()["error"] == "AUCTION_ENDED"


def test_rate_limited_is_429(engine, auction, alice_client, settings):
    settings.GAVEL_BID_RATE_LIMIT = (2, 60)
    statuses = [post_bid(alice_client, auction, {"amount": "1.00"}).status_code for _ in range(3)]
    assert statuses == [409, 409, 429]
    assert post_bid(alice_client, auction, {"amount": "10.00"}).json()["error"] == "RATE_LIMITED"


def test_redis_down_is_503_unavailable(auction, alice_client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    reset_redis_client()
    response = post_bid(alice_client, auction, {"amount": "10.00", "request_id": "r-1"})
    assert response.status_code == 503
    assert response.json()["error"] == "UNAVAILABLE"
    assert alice_client.get(f"/api/auctions/{auction.pk}").status_code == 503
    assert not Bid.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b"",
        b"[1, 2]",
        b'"12.00"',
        b"null",
        b"[" * 50_000,
        {"amount": [1]},
        {"amount": {"x": 1}},
        {"amount": True},
        {"amount": "1e3"},
        {"amount": 1e400},
        {"amount": "NaN"},
        {"amount": "-5.00"},
        {"amount": "0"},
        {"amount": "12.345"},
        {"amount": 10**40},
        {"amount": "99999999999999999999999"},
        {"amount": "10000000.01"},
        {"amount": " "},
        {},
        {"max_amount": "5.00", "amount": "10.00"},
        {"amount": "10.00", "request_id": 7},
        {"amount": "10.00", "request_id": "x" * 65},
        {"amount": "10.00", "request_id": "<script>"},
    ],
)
def test_malformed_bodies_are_coded_400_and_change_nothing(auction, alice_client, body):
    response = post_bid(alice_client, auction, body)
    assert response.status_code == 400, response.content
    assert response.json()["error"] in {"INVALID_AMOUNT", "BAD_REQUEST"}
    assert response.json()["accepted"] is False
    assert not Bid.objects.exists()


def test_json_number_with_two_decimals_is_accepted(auction, alice_client):
    assert post_bid(alice_client, auction, {"amount": 10.5}).status_code == 201
    assert Bid.objects.get().amount == 1050


def test_same_request_id_applies_once_and_repeats_the_answer(engine, auction, alice_client):
    first = post_bid(alice_client, auction, {"amount": "11.00", "request_id": "dup-1"})
    again = post_bid(alice_client, auction, {"amount": "11.00", "request_id": "dup-1"})
    assert first.status_code == again.status_code == 201
    assert again.json()["seq"] == first.json()["seq"]
    assert Bid.objects.count() == 1


def test_missing_and_unpublished_auctions_are_404(auction, alice_client):
    draft = make_auction(status=Auction.Status.DRAFT)
    pending = make_auction(status=Auction.Status.PENDING)
    for pk in (draft.pk, pending.pk, 999_999):
        assert alice_client.get(f"/api/auctions/{pk}").status_code == 404
        assert alice_client.get(f"/api/auctions/{pk}/bids").status_code == 404
        response = post_bid(alice_client, Auction(pk=pk), {"amount": "10.00"})
        assert response.status_code == 404
        assert response.json()["error"] == "NOT_FOUND"


def test_csrf_is_enforced_with_a_coded_403(auction, alice):
    client = logged_in(alice, enforce_csrf_checks=True)
    response = post_bid(client, auction, {"amount": "10.00"})
    assert response.status_code == 403
    assert response.json()["error"] == "CSRF_FAILED"
    client.get(auction.get_absolute_url())  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    response = post_bid(client, auction, {"amount": "10.00"}, headers={"X-CSRFToken": token})
    assert response.status_code == 201


def test_history_is_public_newest_last_and_resumable(engine, auction, alice_client, bob_client):
    post_bid(alice_client, auction, {"amount": "10.00", "max_amount": "50.00"})
    post_bid(bob_client, auction, {"amount": "20.00"})
    post_bid(bob_client, auction, {"amount": "30.00"})
    body = bob_client.get(f"/api/auctions/{auction.pk}/bids").json()
    # Each of Bob's bids is answered at once by Alice's maximum: his line, then hers.
    lines = [
        (bid["seq"], bid["price"], bid["bidder"], bid["is_you"], bid["automatic"])
        for bid in body["bids"]
    ]
    assert lines == [
        (1, "10.00", "a***e", False, False),
        (2, "20.00", "b***b", True, False),
        (2, "20.50", "a***e", False, True),
        (3, "30.00", "b***b", True, False),
        (3, "31.00", "a***e", False, True),
    ]
    assert set(body["bids"][0]) == {"seq", "price", "bidder", "is_you", "placed_at", "automatic"}
    assert not reveals(body, "50.00")
    since = bob_client.get(f"/api/auctions/{auction.pk}/bids?since=2").json()
    assert [bid["seq"] for bid in since["bids"]] == [3, 3]
    for bad in ("-1", "x", "1.5", "9" * 40, "²", "%00"):
        response = bob_client.get(f"/api/auctions/{auction.pk}/bids?since={bad}")
        assert response.status_code == 400


def test_history_credits_each_price_to_whoever_made_it(engine, alice, bob, alice_client):
    """The issue's case: Bruno's maximum answers Alice's 530.00 at 540.00 while Bruno leads."""
    auction = make_auction(starting_price=50000, increment=1000)
    bruno_client = logged_in(make_user("bruno"))
    post_bid(bruno_client, auction, {"amount": "500.00", "max_amount": "600.00"})
    post_bid(alice_client, auction, {"amount": "530.00"})
    lines = alice_client.get(f"/api/auctions/{auction.pk}/bids").json()["bids"]
    assert [(b["price"], b["bidder"], b["is_you"], b["automatic"]) for b in lines] == [
        ("500.00", "b***o", False, False),
        ("530.00", "a***e", True, False),
        ("540.00", "b***o", False, True),
    ]
    assert lines[1]["seq"] == lines[2]["seq"] == 2
    bruno_view = bruno_client.get(f"/api/auctions/{auction.pk}/bids").json()["bids"]
    assert [b["is_you"] for b in bruno_view] == [True, False, True]
    assert not reveals(bruno_view, "600.00")


def test_a_bid_that_takes_the_lead_is_a_line_at_its_price_after_the_beaten_maximum(
    engine, auction, alice_client, bob_client
):
    """Alice's beaten maximum is credited as the bid it made (eBay), then Bob's own 20.00."""
    post_bid(alice_client, auction, {"amount": "10.00", "max_amount": "15.00"})
    post_bid(bob_client, auction, {"amount": "20.00"})
    lines = bob_client.get(f"/api/auctions/{auction.pk}/bids").json()["bids"]
    assert [(b["seq"], b["price"], b["bidder"], b["automatic"]) for b in lines] == [
        (1, "10.00", "a***e", False),
        (2, "15.00", "a***e", True),
        (2, "20.00", "b***b", False),
    ]


def test_buy_now_is_201_with_the_final_state(engine, alice_client):
    auction = make_auction(buy_now_price=5000)
    response = alice_client.post(
        f"/api/auctions/{auction.pk}/buy",
        data=json.dumps({"request_id": "buy-1"}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["accepted"] is True
    assert body["status"] == "ended"
    assert body["price"] == "50.00"
    assert body["leader_is_you"] is True
    again = alice_client.post(
        f"/api/auctions/{auction.pk}/buy", data="{}", content_type="application/json"
    )
    assert again.status_code == 409
    assert Client().post(f"/api/auctions/{auction.pk}/buy").status_code == 401


def test_healthz_reports_both_services(auction, settings):
    heartbeat_write(reconciled=0, pass_seconds=0.01)
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok", "worker": "ok"}
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    reset_redis_client()
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "redis": "error", "worker": "unknown"}


def test_page_urls_answer_in_json_when_asked(auction, alice_client):
    json_accept = {"Accept": "application/json"}
    state = alice_client.get(auction.get_absolute_url(), headers=json_accept)
    assert state.status_code == 200
    assert set(state.json()) == STATE_KEYS
    response = alice_client.post(
        f"/auctions/{auction.pk}/bid", {"amount": "10.00"}, headers=json_accept
    )
    assert response.status_code == 201
    assert response.json()["leader_is_you"] is True
    low = alice_client.post(
        f"/auctions/{auction.pk}/bid",
        data=json.dumps({"max_amount": "5.00"}),
        content_type="application/json",
        headers=json_accept,
    )
    assert (low.status_code, low.json()["error"]) == (409, "BID_TOO_LOW")
    anonymous = Client().post(f"/auctions/{auction.pk}/bid", {}, headers=json_accept)
    assert anonymous.status_code == 401
    missing = alice_client.post("/auctions/999999/bid", {}, headers=json_accept)
    assert (missing.status_code, missing.json()["error"]) == (404, "NOT_FOUND")


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(["10.00", "12.5", "1e3", "-1", "NaN", "0.001", "99999999.99"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)
_bodies = st.one_of(
    st.binary(max_size=64),
    _json_values.map(json.dumps),
    st.fixed_dictionaries(
        {},
        optional={"amount": _json_values, "max_amount": _json_values, "request_id": _json_values},
    ).map(json.dumps),
)


@hypothesis_settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=_bodies)
def test_no_body_ever_makes_a_500(auction, alice_client, body):
    response = post_bid(alice_client, auction, body)
    assert response.status_code in {201, 400, 409, 429}, response.content
    assert response.json()["accepted"] is (response.status_code == 201)
