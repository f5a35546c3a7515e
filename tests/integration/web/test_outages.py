"""An outage is `503 UNAVAILABLE`, never a 500 (docs/design.md §4): PostgreSQL or Redis unreachable.

The API answers a coded JSON 503, pages a 503 page (or, for Redis, a page that says live prices
are unavailable), the admin a 503, and the WebSocket handshake is accepted and closed with 1013
("try again later"), so the page's live layer reads it and retries. The services are made
unreachable by pointing the settings at a port nobody listens on; the fault suite
(`tests/faults`) kills real server processes.
"""

import socket

import pytest
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test import Client

from auctions.engine.connection import reset_redis_client
from core.outage import CLOSE_TRY_AGAIN_LATER
from tests.asgi_client import AsgiClient
from tests.factories import make_auction, make_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def dead_port() -> int:
    """A local port with nothing listening on it (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def world(db):
    bidder = make_user("outage_bidder")
    client = Client(raise_request_exception=False)
    client.force_login(bidder)
    return {"auction": make_auction(title="Outage lot"), "client": client, "bidder": bidder}


@pytest.fixture
def redis_down(settings):
    """The engine and the channel layer point at a Redis that does not answer."""
    url = f"redis://127.0.0.1:{dead_port()}/0"
    settings.REDIS_URL = url
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "core.channel_layers.PubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": url, "socket_connect_timeout": 1}]},
        }
    }
    reset_redis_client()
    yield
    reset_redis_client()


@pytest.fixture
def database_down(postgres_db, world):
    """The database connection points at a port nobody listens on, until the test ends."""
    saved = dict(connection.settings_dict)

    def close():
        connection.close()
        if connection.settings_dict.get("OPTIONS", {}).get("pool"):
            connection.close_pool()  # the next connection builds a pool from the new settings

    def restore():
        close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)

    close()
    options = {**saved.get("OPTIONS", {}), "connect_timeout": 2}
    if options.get("pool"):
        options["pool"] = {**options["pool"], "min_size": 0, "timeout": 2}
    connection.settings_dict["PORT"] = str(dead_port())
    connection.settings_dict["OPTIONS"] = options
    yield restore
    restore()


def assert_unavailable_json(response):
    assert response.status_code == 503, response.content[:300]
    body = response.json()
    assert body["error"] == "UNAVAILABLE"
    assert body["message"]


def bid(client, auction, request_id="r-1"):
    """A bid through the ASGI application (the lean route), with `client`'s session."""
    body = {"amount": "10.00", "request_id": request_id}
    return AsgiClient(client).post(f"/api/auctions/{auction.pk}/bids", body)


async def handshake(path):
    from config.asgi import application

    communicator = WebsocketCommunicator(
        application, path, headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")]
    )
    connected, code = await communicator.connect(timeout=10)
    if connected:
        output = await communicator.receive_output(timeout=10)
        assert output["type"] == "websocket.close", output
        code = output.get("code")
    await communicator.disconnect()
    return connected, code


# --- Redis down -------------------------------------------------------------------------------


def test_api_reads_and_bids_are_503_when_redis_is_down(world, redis_down):
    client, auction = world["client"], world["auction"]
    assert_unavailable_json(client.get(f"/api/auctions/{auction.pk}"))
    assert_unavailable_json(bid(client, auction))


def test_pages_never_500_when_redis_is_down(world, redis_down):
    client, auction = world["client"], world["auction"]
    for path in ("/", "/auctions/ended/", f"/auctions/{auction.pk}/", "/me/"):
        response = client.get(path)
        assert response.status_code in (200, 503), (path, response.status_code)
    detail = client.get(f"/auctions/{auction.pk}/")
    if detail.status_code == 200:
        assert b"unavailable" in detail.content.lower()
    form = client.post(
        f"/auctions/{auction.pk}/bid", {"amount": "10.00", "request_id": "f-1", "confirm": "1"}
    )
    assert form.status_code in (302, 503)


async def test_the_socket_handshake_closes_with_try_again_later_when_redis_is_down(
    world, redis_down
):
    connected, code = await handshake(f"/ws/auctions/{world['auction'].pk}/")
    assert code == CLOSE_TRY_AGAIN_LATER


# --- PostgreSQL down ----------------------------------------------------------------------------


def test_api_is_503_when_the_database_is_down(world, database_down):
    client, auction = world["client"], world["auction"]
    assert_unavailable_json(client.get(f"/api/auctions/{auction.pk}"))
    assert_unavailable_json(bid(client, auction))
    assert_unavailable_json(client.get(f"/api/auctions/{auction.pk}/bids"))


def test_pages_and_admin_are_a_503_page_when_the_database_is_down(world, database_down):
    client, auction = world["client"], world["auction"]
    for path in ("/", f"/auctions/{auction.pk}/", "/accounts/login/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 503, (path, response.status_code)
        assert b"unavailable" in response.content.lower()
        assert response["Retry-After"]
    anonymous = Client(raise_request_exception=False)
    assert anonymous.get("/").status_code == 503
    assert anonymous.post("/accounts/login/", {"username": "x", "password": "y"}).status_code in (
        403,  # no CSRF token: refused before the database is asked
        503,
    )


async def test_the_socket_handshake_closes_with_try_again_later_when_the_database_is_down(
    world, database_down
):
    connected, code = await handshake(f"/ws/auctions/{world['auction'].pk}/")
    assert code == CLOSE_TRY_AGAIN_LATER


def test_the_first_request_after_the_database_returns_works(world, database_down):
    client, auction = world["client"], world["auction"]
    assert client.get(f"/api/auctions/{auction.pk}").status_code == 503
    database_down()  # the database is back
    assert client.get(f"/api/auctions/{auction.pk}").status_code == 200
