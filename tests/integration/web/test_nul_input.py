"""A NUL character in any text input is refused (400, 404 or a form error) and changes nothing;
it never reaches PostgreSQL, which refuses it with a DataError (a 500)."""

import json

import pytest
from django.test import Client

from auctions.models import Report
from questions.models import Question
from tests.factories import make_auction, make_moderator, make_user
from tests.integration.orders.conftest import client_for, sold

pytestmark = pytest.mark.django_db

NUL = "a\x00b"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world():
    order = sold()
    return {"order": order, "live": make_auction(), "bidder": make_user()}


def _gets(world) -> list[str]:
    order, live = world["order"], world["live"]
    return [
        "/sellers/a%00b/",
        "/?q=a%00b&category=%00&sort=%00&page=%00",
        f"/auctions/{order.auction_id}/history/?page=%00",
        "/me/notices/?page=%00",
        "/accounts/confirm/a%00b/c%00d/",
        "/accounts/unsubscribe/a%00b/",
        "/accounts/login/?next=%00",
        f"/api/auctions/{live.pk}?since=%00",
        "/admin/auctions/auction/?q=%00",
        "/admin/auctions/auction/?status__exact=%00",
        "/admin/auctions/auction/?category__id__exact=%00",
        "/admin/auctions/auction/a%00b/change/",
        "/admin/orders/order/?status=%00",
        "/admin/orders/order/?status__exact=%00&q=%00",
        "/admin/orders/order/a%00b/offer/",
        "/admin/questions/question/?hidden__exact=%00",
        "/admin/auctions/bid/?q=%00",
        "/admin/auctions/report/?q=%00",
        "/admin/accounts/user/?q=%00&is_staff__exact=%00",
    ]


def _posts(world) -> list[tuple[str, dict]]:
    order, live = world["order"], world["live"]
    return [
        (f"/auctions/{live.pk}/questions", {"text": NUL}),
        (f"/auctions/{live.pk}/report", {"reason": "other", "details": NUL}),
        (f"/auctions/{live.pk}/report", {"reason": NUL, "details": NUL}),
        (f"/auctions/{live.pk}/bid", {"amount": NUL, "max_amount": NUL, "request_id": NUL}),
        (f"/auctions/{live.pk}/buy", {"request_id": NUL, "confirm": NUL}),
        (f"/orders/{order.pk}/address", {"name": NUL, "address": NUL}),
        (f"/orders/{order.pk}/feedback", {"rating": NUL, "comment": NUL}),
        ("/accounts/login/", {"username": NUL, "password": NUL}),
        ("/accounts/signup/", {"username": NUL, "email": NUL, "password1": NUL, "password2": NUL}),
        ("/accounts/password_reset/", {"email": NUL}),
        ("/accounts/confirm/resend", {"next": NUL}),
        ("/accounts/emails/", {"outbid": NUL}),
        ("/me/delete/", {"password": NUL}),
        ("/me/notices/read", {"next": NUL}),
        (f"/api/auctions/{live.pk}/bids", {"amount": NUL, "request_id": NUL}),
        (f"/admin/orders/order/{order.pk}/shipped/", {"tracking_note": NUL}),
        (f"/admin/orders/order/{order.pk}/change/", {"shipping_cost": NUL}),
        ("/admin/auctions/auction/add/", {"title": NUL, "description": NUL}),
    ]


def test_no_text_input_with_a_nul_is_a_server_error(world):
    clients = {
        "anonymous": Client(),
        "bidder": client_for(world["bidder"]),
        "seller": client_for(world["order"].seller),
        "moderator": client_for(make_moderator()),
    }
    for role, client in clients.items():
        client.raise_request_exception = False
        for url in _gets(world):
            assert client.get(url).status_code < 500, (role, url)
        for url, data in _posts(world):
            assert client.post(url, data).status_code < 500, (role, url, data)
        body = json.dumps({"amount": "1\u0000", "request_id": "r\u0000"})
        url = f"/api/auctions/{world['live'].pk}/bids"
        assert client.post(url, body, content_type="application/json").status_code < 500, role
    assert not Question.objects.exists() and not Report.objects.exists()


def test_a_seller_name_with_a_nul_is_not_found():
    assert Client().get("/sellers/a%00b/").status_code == 404


def test_an_admin_filter_with_a_nul_is_refused(world):
    client = client_for(world["order"].seller)
    assert client.get("/admin/orders/order/?status__exact=%00").status_code == 400


def test_a_question_or_a_report_with_a_nul_is_a_form_error(world):
    client = client_for(world["bidder"])
    live = world["live"]
    response = client.post(f"/auctions/{live.pk}/questions", {"text": NUL}, follow=True)
    assert "Write a question of at most" in response.text
    response = client.post(
        f"/auctions/{live.pk}/report",
        {"reason": "other", "details": NUL},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400 and response.json()["error"] == "INVALID_REASON"
    assert not Question.objects.exists() and not Report.objects.exists()
