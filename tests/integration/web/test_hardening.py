"""The smaller holes an attack probe found (docs/design.md §4): money is ASCII digits without
exponents (as text and as JSON numbers), API bodies are `application/json` of at most 64 KiB, a
frame the socket cannot parse gets an error reply (never a crash), the Origin check compares scheme,
host and port, and every page carries a strict Content-Security-Policy."""

import json

import pytest
from channels.testing import WebsocketCommunicator
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from auctions.models import Bid
from core.errors import InvalidAmount
from core.money import parse_amount
from tests.asgi_client import AsgiClient
from tests.integration.web.conftest import logged_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("text", ["𝟓𝟎𝟎", "٥٠٠", "５００", "1e2", "1E2", "1.5e1", "१००"])
def test_money_is_ascii_digits_without_exponents(text):
    with pytest.raises(InvalidAmount):
        parse_amount(text)


def post_raw(client, auction, body: bytes, content_type="application/json"):
    """POST through the ASGI application: the lean bid route, as deployed."""
    path = f"/api/auctions/{auction.pk}/bids"
    return AsgiClient(client).post(path, body, content_type=content_type)


@pytest.mark.parametrize(
    "body",
    [
        b'{"amount": 1e2, "request_id": "e-1"}',
        b'{"amount": 1E3, "request_id": "e-2"}',
        b'{"amount": 10.5e1, "request_id": "e-3"}',
        '{"amount": "\U0001d7d3\U0001d7ce", "request_id": "u-1"}'.encode(),
    ],
)
def test_the_api_refuses_exponents_and_foreign_digits(auction, alice, body):
    response = post_raw(logged_in(alice), auction, body)
    assert response.status_code == 400
    assert response.json()["error"] == "INVALID_AMOUNT"
    assert not Bid.objects.exists()


def test_a_plain_json_number_is_still_an_amount(auction, alice):
    response = post_raw(logged_in(alice), auction, b'{"amount": 10.5, "request_id": "n-1"}')
    assert response.status_code == 201
    assert response.json()["price"] == "10.50"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_api_bodies_must_be_json(auction, alice, content_type):
    body = json.dumps({"amount": "10.00", "request_id": "t-1"}).encode()
    response = post_raw(logged_in(alice), auction, body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["error"] == "BAD_REQUEST"
    assert not Bid.objects.exists()


def test_a_multipart_body_is_a_400_not_a_503(auction, alice):
    body = encode_multipart(BOUNDARY, {"amount": "10.00", "request_id": "m-1"})
    response = post_raw(logged_in(alice), auction, body, content_type=MULTIPART_CONTENT)
    assert response.status_code == 400
    assert response.json()["error"] == "BAD_REQUEST"


@pytest.mark.parametrize("size", [64 * 1024 + 1, 6 * 1024 * 1024])
def test_a_body_over_64_kib_is_413(auction, alice, size):
    padding = "x" * size
    body = json.dumps({"amount": "10.00", "request_id": "big", "pad": padding}).encode()
    response = post_raw(logged_in(alice), auction, body)
    assert response.status_code == 413
    assert response.json()["error"] == "BAD_REQUEST"
    assert not Bid.objects.exists()


def test_pages_carry_a_strict_content_security_policy(client, auction):
    for path in ("/", f"/auctions/{auction.pk}/", "/accounts/login/", "/admin/login/"):
        policy = client.get(path)["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert directives["default-src"] == "'self'"
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"


# --- the socket ----------------------------------------------------------------------------------


async def socket_to(auction, origin: bytes, host: bytes = b"testserver"):
    from config.asgi import application

    communicator = WebsocketCommunicator(
        application, f"/ws/auctions/{auction.pk}/", headers=[(b"origin", origin), (b"host", host)]
    )
    connected, _ = await communicator.connect(timeout=5)
    return communicator, connected


@pytest.mark.parametrize(
    "origin",
    [b"http://testserver:8443", b"https://testserver", b"http://testserver.evil", b"null"],
)
async def test_the_origin_must_match_scheme_host_and_port(auction, origin):
    communicator, connected = await socket_to(auction, origin)
    assert not connected
    await communicator.disconnect()


async def test_the_same_origin_is_accepted(auction):
    communicator, connected = await socket_to(auction, b"http://testserver")
    assert connected
    await communicator.disconnect()
    communicator, connected = await socket_to(
        auction, b"http://testserver:8000", host=b"testserver:8000"
    )
    assert connected
    await communicator.disconnect()


async def test_a_deeply_nested_frame_gets_an_error_reply_and_the_socket_lives_on(auction):
    communicator, connected = await socket_to(auction, b"http://testserver")
    assert connected
    await communicator.send_to(text_data="[" * 100_000 + "]" * 100_000)
    while True:
        reply = await communicator.receive_json_from(timeout=5)
        if reply.get("type") == "error":
            break
    assert reply["error"] == "BAD_REQUEST"
    await communicator.send_json_to({"type": "ping"})
    while (await communicator.receive_json_from(timeout=5)).get("type") != "pong":
        pass
    await communicator.disconnect()
