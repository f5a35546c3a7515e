"""Staff two-factor sign-in in a real browser: offered by the admin, turned on, asked for by the
admin in a new session and accepted, a backup code as the way back in without the phone (once
only), and turned off again, all with the pages' own forms."""

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.e2e.accessibility import axe_violations
from tests.factories import make_seller

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _app_code(*, fresh: bool = True) -> str:
    """The code the phone shows now (a code is good once per step: forget the last one used)."""
    device = TOTPDevice.objects.get()
    if fresh:
        TOTPDevice.objects.filter(pk=device.pk).update(
            last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None
        )
        device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_enrol_verify_recover_with_a_backup_code_and_turn_off(open_visitor):
    staff = make_seller("sofia")
    first = open_visitor(staff)
    page = first.page

    # The admin offers it to a staff member without it, and leads to the enrolment page.
    page.goto("/admin/")
    page.locator("#two-factor-enrol").click()
    expect(page.locator("#two-factor-state")).to_contain_text("Off.")
    assert axe_violations(page) == []
    assert re.fullmatch(r"[A-Z2-7]+", page.locator("#two-factor-secret").inner_text())
    page.locator("#otp-token").fill(_app_code())
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator("#two-factor-state")).to_contain_text("On:")
    codes = page.locator("#backup-codes li").all_inner_texts()
    assert len(codes) == 10
    assert axe_violations(page) == []
    page.locator("#two-factor-continue").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("#two-factor-offer")).to_have_count(0)

    # A new session: the admin asks for the code, and a right one opens it.
    second = open_visitor(staff)
    page = second.page
    page.goto("/admin/orders/order/")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/verify/"))
    assert axe_violations(page) == []
    page.locator("#otp-token").fill(_app_code())
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/admin/orders/order/$"))

    # The phone is lost: a backup code opens the admin, once.
    third = open_visitor(staff)
    page = third.page
    page.goto("/admin/")
    page.get_by_label("A backup code").check()
    page.locator("#otp-token").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator(".messagelist, #messages")).to_contain_text("9 left")
    fourth = open_visitor(staff)
    page = fourth.page
    page.goto("/admin/")
    page.get_by_label("A backup code").check()
    page.locator("#otp-token").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#two-factor-form")).to_contain_text("Invalid token")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/verify/"))

    # Turning it off takes a code too; the next session opens the admin with the password.
    page = second.page
    page.goto("/me/")
    page.locator("#two-factor-link").click()
    expect(page.locator("#backup-left")).to_have_text("9 backup codes left.")
    assert axe_violations(page) == []
    page.locator("#otp-token").fill(_app_code())
    page.get_by_role("button", name="Turn off").click()
    expect(page.locator("#two-factor-state")).to_contain_text("Off.")
    fifth = open_visitor(staff)
    fifth.page.goto("/admin/")
    expect(fifth.page.locator("#two-factor-offer")).to_be_visible()
