"""The lean bid route (config/bid_route.py) keeps the contract Django's stack gives a view.

Every request goes through the ASGI application, as uvicorn serves it. Each CSRF and Host case
is one `CsrfViewMiddleware` or `ALLOWED_HOSTS` refuses; the headers are compared with the ones
the stack puts on a JSON answer of the same URL; a bug is a 500 and an outage a 503.
"""

import json
import logging

import pytest
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from redis.exceptions import ConnectionError as RedisConnectionError

from auctions.models import Bid
from tests.asgi_client import AsgiClient
from tests.integration.web.conftest import logged_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BODY = {"amount": "10.00", "request_id": "route-1"}


def bids_path(auction) -> str:
    return f"/api/auctions/{auction.pk}/bids"


def csrf_headers(secret: str) -> tuple[dict, dict]:
    """A CSRF cookie and the masked token for its header, as a page hands them out."""
    return {"csrftoken": secret}, {"X-CSRFToken": _mask_cipher_secret(secret)}


def post(client, auction, *, headers=None, cookies=None, secure=False, host="testserver"):
    asgi = AsgiClient(client, csrf=False, secure=secure, host=host)
    body = json.dumps(BODY).encode()
    return asgi.request("POST", bids_path(auction), body, headers=headers, cookies=cookies)


def forget_trusted_origins():
    """The middleware reads CSRF_TRUSTED_ORIGINS once, as Django's own instance does at startup:
    let the route's read the setting this test changed."""
    from config.asgi import application

    csrf = application.application_mapping["http"].app.csrf
    for name in (
        "allowed_origins_exact",
        "allowed_origin_subdomains",
        "csrf_trusted_origins_hosts",
    ):
        csrf.__dict__.pop(name, None)


def assert_csrf_refused(response):
    assert response.status_code == 403, response.content
    assert response.json()["error"] == "CSRF_FAILED"
    assert not Bid.objects.exists()


# --- CSRF, exactly as CsrfViewMiddleware decides ------------------------------------------


def test_a_matching_cookie_and_token_bid(fake_engine_redis, auction, alice):
    cookies, headers = csrf_headers(_get_new_csrf_string())
    response = post(logged_in(alice), auction, cookies=cookies, headers=headers)
    assert response.status_code == 201, response.content


def test_no_csrf_cookie_is_refused(fake_engine_redis, auction, alice):
    _, headers = csrf_headers(_get_new_csrf_string())
    assert_csrf_refused(post(logged_in(alice), auction, headers=headers))


def test_no_csrf_token_is_refused(fake_engine_redis, auction, alice):
    cookies, _ = csrf_headers(_get_new_csrf_string())
    assert_csrf_refused(post(logged_in(alice), auction, cookies=cookies))


def test_a_token_for_another_cookie_is_refused(fake_engine_redis, auction, alice):
    cookies, _ = csrf_headers(_get_new_csrf_string())
    _, headers = csrf_headers(_get_new_csrf_string())
    assert_csrf_refused(post(logged_in(alice), auction, cookies=cookies, headers=headers))


def test_a_malformed_token_is_refused(fake_engine_redis, auction, alice):
    cookies, _ = csrf_headers(_get_new_csrf_string())
    headers = {"X-CSRFToken": "not-a-token"}
    assert_csrf_refused(post(logged_in(alice), auction, cookies=cookies, headers=headers))


def test_a_foreign_origin_is_refused_even_with_a_good_token(fake_engine_redis, auction, alice):
    cookies, headers = csrf_headers(_get_new_csrf_string())
    headers["Origin"] = "http://evil.test"
    assert_csrf_refused(post(logged_in(alice), auction, cookies=cookies, headers=headers))


def test_the_sites_own_origin_and_a_trusted_one_are_accepted(
    settings, fake_engine_redis, auction, alice
):
    client = logged_in(alice)
    cookies, headers = csrf_headers(_get_new_csrf_string())
    headers["Origin"] = "http://testserver"
    assert post(client, auction, cookies=cookies, headers=headers).status_code == 201
    settings.CSRF_TRUSTED_ORIGINS = ["https://shop.example"]
    forget_trusted_origins()
    headers["Origin"] = "https://shop.example"
    response = post(client, auction, cookies=cookies, headers=headers)
    assert response.status_code == 201  # past CSRF: the first answer to the same request id


def test_over_https_a_missing_or_foreign_referer_is_refused(fake_engine_redis, auction, alice):
    client = logged_in(alice)
    cookies, headers = csrf_headers(_get_new_csrf_string())
    assert_csrf_refused(post(client, auction, cookies=cookies, headers=headers, secure=True))
    foreign = {**headers, "Referer": "https://evil.test/page"}
    assert_csrf_refused(post(client, auction, cookies=cookies, headers=foreign, secure=True))
    insecure = {**headers, "Referer": "http://testserver/auctions/"}
    assert_csrf_refused(post(client, auction, cookies=cookies, headers=insecure, secure=True))
    own = {**headers, "Referer": f"https://testserver/auctions/{auction.pk}/"}
    response = post(client, auction, cookies=cookies, headers=own, secure=True)
    assert response.status_code == 201, response.content


# --- Host ---------------------------------------------------------------------------------


def test_a_host_outside_allowed_hosts_is_a_400_and_changes_nothing(
    fake_engine_redis, auction, alice, caplog
):
    cookies, headers = csrf_headers(_get_new_csrf_string())
    with caplog.at_level(logging.ERROR, logger="django.security.DisallowedHost"):
        response = post(
            logged_in(alice), auction, cookies=cookies, headers=headers, host="evil.test"
        )
    assert response.status_code == 400
    assert not Bid.objects.exists()
    assert any(record.name == "django.security.DisallowedHost" for record in caplog.records)


# --- The session and the user -------------------------------------------------------------


def test_a_session_from_before_a_password_change_is_anonymous(fake_engine_redis, auction, alice):
    client = logged_in(alice)
    alice.set_password("a-new-secret-123")
    alice.save()
    response = AsgiClient(client).post(bids_path(auction), BODY)
    assert response.status_code == 401
    assert response.json()["error"] == "NOT_ALLOWED"


def test_a_forged_session_cookie_is_anonymous(fake_engine_redis, auction):
    asgi = AsgiClient()
    response = asgi.request(
        "POST", bids_path(auction), json.dumps(BODY).encode(), cookies={"sessionid": "x" * 32}
    )
    assert response.status_code == 401


# --- Headers: what the stack adds ---------------------------------------------------------


def test_the_answer_carries_the_headers_the_stack_adds(fake_engine_redis, auction, alice):
    client = logged_in(alice)
    bid = AsgiClient(client).post(bids_path(auction), BODY)
    assert bid.status_code == 201
    stack = AsgiClient(client).request("GET", bids_path(auction), content_type=None)
    assert stack.status_code == 200
    for name in (
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Content-Security-Policy",
        "Content-Type",
    ):
        assert bid.get(name) == stack.get(name), name
    assert "Cookie" in bid["Vary"]
    assert bid["X-Request-ID"] and bid["X-Request-ID"] != stack["X-Request-ID"]
    assert int(bid["Content-Length"]) == len(bid.content)


def test_a_given_request_id_is_answered_and_logged(fake_engine_redis, auction, alice, caplog):
    with caplog.at_level(logging.INFO, logger="gavel.access"):
        response = AsgiClient(logged_in(alice)).post(
            bids_path(auction), BODY, headers={"X-Request-ID": "trace-42"}
        )
    assert response["X-Request-ID"] == "trace-42"
    assert any(
        record.name == "gavel.access" and "/bids 201" in record.getMessage()
        for record in caplog.records
    )


# --- Honest errors ------------------------------------------------------------------------


def test_a_bug_is_a_500_with_the_request_id_never_a_503(
    fake_engine_redis, auction, alice, monkeypatch, caplog
):
    async def bug(**kwargs):
        raise RuntimeError("deliberate bug")

    monkeypatch.setattr("config.bid_route.abid_place", bug)
    with caplog.at_level(logging.ERROR):
        response = AsgiClient(logged_in(alice)).post(
            bids_path(auction), BODY, headers={"X-Request-ID": "bug-7"}
        )
    assert response.status_code == 500
    assert response.json()["error"] == "SERVER_ERROR"
    assert response["X-Request-ID"] == "bug-7"
    logged = [record for record in caplog.records if record.exc_info]
    assert logged and logged[0].request_id == "bug-7"
    assert "deliberate bug" in str(logged[0].exc_info[1])


def test_an_outage_is_a_503(fake_engine_redis, auction, alice, monkeypatch):
    async def down(**kwargs):
        raise RedisConnectionError("Redis is gone")

    monkeypatch.setattr("config.bid_route.abid_place", down)
    response = AsgiClient(logged_in(alice)).post(bids_path(auction), BODY)
    assert response.status_code == 503
    assert response.json()["error"] == "UNAVAILABLE"
    assert response["Retry-After"]


def test_a_bug_in_a_django_json_view_is_a_json_500(fake_engine_redis, auction, alice, monkeypatch):
    def bug(**kwargs):
        raise RuntimeError("deliberate bug")

    monkeypatch.setattr("auctions.views.answers.buy_now", bug)
    client = logged_in(alice, raise_request_exception=False)
    response = client.post(f"/api/auctions/{auction.pk}/buy", "{}", content_type="application/json")
    assert response.status_code == 500
    assert response.json()["error"] == "SERVER_ERROR"


def test_a_corrupted_hot_state_is_a_bug_500_everywhere_never_503(real_engine_redis, auction, alice):
    """A field of the hot state that is not a number (`HSET auction:{id} pr x1`) makes the
    script fail: a bug, not Redis being away. The API answers 500 (not 503 "retry"), the
    socket an error frame and close 1011 (issue 19, item 7)."""
    from asgiref.sync import async_to_sync

    from auctions.engine import hot_state
    from tests.integration.web.test_consumer import open_socket

    client = logged_in(alice)
    assert AsgiClient(client).post(bids_path(auction), BODY).status_code == 201
    hot_state.corrupt_price(auction, "x1")
    refused = AsgiClient(client).post(bids_path(auction), {**BODY, "request_id": "after"})
    assert refused.status_code == 500, refused.content
    assert refused.json()["error"] == "SERVER_ERROR"

    async def socket_bid():
        socket = await open_socket(auction, alice)
        frames = []
        await socket.send_json_to({"type": "bid", "amount": "20.00", "request_id": "ws-x"})
        while (frame := await socket.receive_output(timeout=5))["type"] != "websocket.close":
            frames.append(json.loads(frame.get("text") or "{}"))
        return frames, frame["code"]

    frames, code = async_to_sync(socket_bid)()
    assert {"type": "error", "error": "SERVER_ERROR"} in frames
    assert code == 1011
