"""Optional TOTP for staff: once confirmed, the admin asks for a code once per session."""

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditLog
from tests.factories import make_seller, make_user
from tests.integration.orders.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _code(device: TOTPDevice, *, fresh: bool = False) -> str:
    if fresh:
        # A code is good once per time step, and a wrong one throttles for a second or more:
        # forget both, as waiting would.
        TOTPDevice.objects.filter(pk=device.pk).update(
            last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None
        )
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_staff_without_an_authenticator_use_the_admin_as_before():
    assert client_for(make_seller()).get("/admin/").status_code == 200


def test_turning_it_on_then_the_admin_asks_for_the_code():
    seller = make_seller()
    client = client_for(seller)
    page = client.get("/accounts/two-factor/")
    secret = re.search(r'id="two-factor-secret">([A-Z2-7]+)<', page.text).group(1)
    device = TOTPDevice.objects.get(user=seller)
    assert device.confirmed is False
    response = client.post("/accounts/two-factor/", {"otp_token": "000000"})
    assert "That code is not right" in response.text
    client.post("/accounts/two-factor/", {"otp_token": _code(device, fresh=True)})
    device.refresh_from_db()
    assert device.confirmed and secret
    assert AuditLog.objects.filter(action="two_factor.enable", target_id=str(seller.pk)).exists()
    assert client.get("/admin/").status_code == 200  # this session was verified by the setup

    later = client_for(seller)  # a new session: password only
    response = later.get("/admin/orders/order/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/verify/?next=")
    form = {"otp_device": device.persistent_id, "next": "/admin/orders/order/"}
    assert later.post("/accounts/two-factor/verify/", {**form, "otp_token": "1"}).status_code == 200
    assert later.get("/admin/").status_code == 302
    response = later.post(
        "/accounts/two-factor/verify/", {**form, "otp_token": _code(device, fresh=True)}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/orders/order/"
    assert later.get("/admin/").status_code == 200


def test_the_verify_page_never_redirects_off_site():
    seller = make_seller()
    device = TOTPDevice.objects.create(user=seller, name="app", confirmed=True)
    client = client_for(seller)
    response = client.post(
        "/accounts/two-factor/verify/",
        {"otp_device": device.persistent_id, "otp_token": _code(device), "next": "https://x.test/"},
    )
    assert response["Location"] == "/admin/"


def test_bidders_have_no_two_factor_page():
    assert client_for(make_user()).get("/accounts/two-factor/").status_code == 403
