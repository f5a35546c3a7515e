"""A staff session without its second factor holds no staff powers anywhere: not on the pages
(another's order, its invoice), the API, the order socket or the admin. Entering the code
gives them back."""

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from auctions.routing import websocket_urlpatterns as auction_routes
from orders.routing import websocket_urlpatterns as order_routes
from tests.factories import make_auction, make_moderator
from tests.integration.accounts.test_two_factor import _code
from tests.integration.orders.conftest import sold

VERIFY = "/accounts/two-factor/verify/"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _moderator_with_authenticator():
    moderator = make_moderator()
    device = TOTPDevice.objects.create(user=moderator, name="app", confirmed=True)
    return moderator, device


def _password_only(user) -> Client:
    """A session signed in at /accounts/login/ with the password alone."""
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": f"pw-{user.username}"}
    )
    assert response.status_code == 302
    return client


@pytest.mark.django_db
def test_pages_of_another_s_order_need_the_code():
    moderator, device = _moderator_with_authenticator()
    order = sold()
    client = _password_only(moderator)
    for url in (f"/orders/{order.pk}/", f"/orders/{order.pk}/invoice/", "/admin/", "/me/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{VERIFY}?next="), url
        assert order.buyer.email not in response.text
    # A POST with staff powers is refused the same way, and changes nothing.
    assert client.post(f"/admin/orders/order/{order.pk}/paid/", {}).status_code == 302
    order.refresh_from_db()
    assert order.status == "awaiting_payment"

    form = {"otp_device": device.persistent_id, "otp_token": _code(device, fresh=True)}
    assert client.post(VERIFY, {**form, "next": f"/orders/{order.pk}/"}).status_code == 302
    page = client.get(f"/orders/{order.pk}/")
    assert page.status_code == 200 and order.buyer.email in page.text
    assert client.get(f"/orders/{order.pk}/invoice/").status_code == 200


@pytest.mark.django_db
def test_the_api_needs_the_code():
    moderator, _ = _moderator_with_authenticator()
    auction = make_auction()
    client = _password_only(moderator)
    response = client.get(f"/api/auctions/{auction.pk}")
    assert response.status_code == 403
    assert response.json()["error"] == "NOT_ALLOWED"


@pytest.mark.django_db
def test_staff_without_an_authenticator_and_the_way_out_stay_open():
    moderator = make_moderator()
    order = sold()
    assert _password_only(moderator).get(f"/orders/{order.pk}/").status_code == 200
    owes, _ = _moderator_with_authenticator()
    client = _password_only(owes)
    assert client.get(VERIFY).status_code == 200
    assert client.post("/accounts/logout/").status_code == 302


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_the_sockets_need_the_code(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    moderator, device = await database_sync_to_async(_moderator_with_authenticator)()
    order = await database_sync_to_async(sold)()
    app = URLRouter(order_routes + auction_routes)

    async def socket(path, session):
        communicator = WebsocketCommunicator(app, path)
        communicator.scope["user"] = moderator
        communicator.scope["session"] = session
        connected, code = await communicator.connect()
        if connected:
            await communicator.disconnect()
        return connected, code

    for path in (f"/ws/orders/{order.pk}/", f"/ws/auctions/{order.auction_id}/"):
        assert await socket(path, {}) == (False, 4403), path
    verified = {DEVICE_ID_SESSION_KEY: device.persistent_id}
    assert (await socket(f"/ws/orders/{order.pk}/", verified))[0]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_the_served_socket_reads_the_session_s_second_factor(settings):
    """Through the whole ASGI stack: the session cookie of a password-only sign-in is refused,
    the same session once its code is entered connects."""
    from config.asgi import application

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    moderator, device = await database_sync_to_async(_moderator_with_authenticator)()
    order = await database_sync_to_async(sold)()
    client = await database_sync_to_async(_password_only)(moderator)

    async def connects() -> bool:
        cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
        communicator = WebsocketCommunicator(
            application,
            f"/ws/orders/{order.pk}/",
            headers=[
                (b"origin", b"http://testserver"),
                (b"host", b"testserver"),
                (b"cookie", cookie),
            ],
        )
        connected, _ = await communicator.connect(timeout=5)
        if connected:
            await communicator.disconnect()
        return connected

    assert not await connects()
    code = await database_sync_to_async(_code)(device, fresh=True)
    form = {"otp_device": device.persistent_id, "otp_token": code}
    response = await database_sync_to_async(client.post)(VERIFY, form)
    assert response.status_code == 302
    assert await connects()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_lean_bid_route_refuses_a_session_that_owes_its_code(fake_engine_redis):
    """`POST /api/auctions/<id>/bids` is served before Django's middleware: it reads the same
    rule from the staff member's standing and the session's device."""
    from tests.asgi_client import AsgiClient

    moderator, device = _moderator_with_authenticator()
    auction = make_auction()
    client = _password_only(moderator)
    path = f"/api/auctions/{auction.pk}/bids"
    refused = AsgiClient(client).post(path, {"amount": "10.00", "request_id": "code-1"})
    assert refused.status_code == 403
    assert refused.json()["error"] == "NOT_ALLOWED"

    form = {"otp_device": device.persistent_id, "otp_token": _code(device, fresh=True)}
    assert client.post(VERIFY, {**form, "next": "/"}).status_code == 302
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    accepted = AsgiClient(client).post(path, {"amount": "10.00", "request_id": "code-2"})
    assert accepted.status_code == 201, accepted.content
