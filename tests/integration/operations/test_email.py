"""Emails as an operator sends them: absolute links from SITE_URL, one-click unsubscribe for the
notices a user may turn off, and SMTP settings from the environment."""

import re
from datetime import timedelta

import pytest
from django.core import mail

from accounts.email_preferences import email_preferences_get, unsubscribe_url
from auctions.services.bidding import BidRequest, bid_place
from auctions.services.lifecycle import auction_settle
from tests.factories import make_auction, make_user
from tests.integration.engine.helpers import shift_time
from tests.integration.operations.test_settings import PRODUCTION_ENV, run_django

pytestmark = pytest.mark.django_db

SITE = "https://auctions.example.com"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _outbid(capture, auction, first, second) -> None:
    with capture(execute=True):
        bid_place(auction=auction, bidder=first, bid=BidRequest(1000, None, "a"))
    mail.outbox.clear()
    with capture(execute=True):
        bid_place(auction=auction, bidder=second, bid=BidRequest(1500, None, "b"))


def _unsubscribe_link(body: str) -> str:
    return re.search(r"Stop emails when you are outbid: (\S+)", body).group(1)


def test_outbid_email_links_are_absolute_and_it_can_be_unsubscribed_in_one_click(
    django_capture_on_commit_callbacks,
):
    auction = make_auction()
    alice, bob = make_user(), make_user()
    _outbid(django_capture_on_commit_callbacks, auction, alice, bob)

    [message] = mail.outbox
    assert message.to == [alice.email]
    assert f"Bid again: {SITE}/auctions/{auction.pk}/" in message.body
    link = _unsubscribe_link(message.body)
    assert link.startswith(f"{SITE}/accounts/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_unsubscribe_get_asks_and_post_turns_the_kind_off(
    client, django_capture_on_commit_callbacks
):
    alice = make_user()
    path = unsubscribe_url(user=alice, kind="outbid").removeprefix(SITE)

    page = client.get(path)  # a link scanner's GET changes nothing
    assert page.status_code == 200
    assert b"Stop these emails?" in page.content
    assert email_preferences_get(user=alice) == {"outbid": True, "ending_soon": True}

    done = client.post(path)  # no login, no CSRF token: the mail client's one-click POST
    assert done.status_code == 200
    assert b"You are unsubscribed" in done.content
    assert email_preferences_get(user=alice) == {"outbid": False, "ending_soon": True}

    auction, bob = make_auction(), make_user()
    _outbid(django_capture_on_commit_callbacks, auction, alice, bob)
    assert mail.outbox == []


def test_a_tampered_or_foreign_token_changes_nothing(client):
    alice = make_user()
    path = unsubscribe_url(user=alice, kind="outbid").removeprefix(SITE)
    forged = path.replace("/unsubscribe/", "/unsubscribe/x")
    assert client.post(forged).status_code == 400
    assert client.post("/accounts/unsubscribe/not-a-token/").status_code == 400
    assert email_preferences_get(user=alice)["outbid"] is True


def test_the_result_emails_carry_absolute_links_and_ignore_opt_outs(
    client, django_capture_on_commit_callbacks, fake_engine_redis
):
    auction = make_auction()
    alice = make_user()
    client.post(unsubscribe_url(user=alice, kind="outbid").removeprefix(SITE))
    with django_capture_on_commit_callbacks(execute=True):
        bid_place(auction=auction, bidder=alice, bid=BidRequest(1000, None, "a"))
    shift_time(auction, timedelta(hours=2))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        auction_settle(auction=auction)
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert f"The lot: {SITE}/auctions/{auction.pk}/" in bodies[alice.email]
    assert f"The lot: {SITE}/auctions/{auction.pk}/" in bodies[auction.seller.email]
    assert "unsubscribe" not in bodies[alice.email]


def test_preferences_page_turns_kinds_on_and_off(client):
    alice = make_user()
    client.force_login(alice)
    assert client.get("/accounts/emails/").status_code == 200
    client.post("/accounts/emails/", {"ending_soon": "on"})
    assert email_preferences_get(user=alice) == {"outbid": False, "ending_soon": True}
    client.post("/accounts/emails/", {"outbid": "on", "ending_soon": "on"})
    assert email_preferences_get(user=alice) == {"outbid": True, "ending_soon": True}


def test_preferences_page_needs_a_login(client):
    assert client.get("/accounts/emails/").status_code == 302


SHOW_EMAIL = (
    "from django.conf import settings as s;"
    "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_USE_TLS,"
    " s.EMAIL_USE_SSL, s.DEFAULT_FROM_EMAIL.replace(' ', '_'), s.SITE_URL)"
)


def test_smtp_comes_from_the_environment():
    env = {
        **PRODUCTION_ENV,
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": "465",
        "EMAIL_HOST_USER": "gavel",
        "EMAIL_HOST_PASSWORD": "secret",
        "DEFAULT_FROM_EMAIL": "Gavel <auctions@example.com>",
        "SITE_URL": "https://auctions.example.com/",
    }
    result = run_django("shell", "-c", SHOW_EMAIL, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.com",
        "465",
        "gavel",
        "False",
        "True",
        "Gavel_<auctions@example.com>",
        "https://auctions.example.com",
    ]


def test_without_email_host_mail_goes_to_the_console():
    result = run_django("shell", "-c", SHOW_EMAIL, env={})
    assert result.returncode == 0, result.stderr
    shown = result.stdout.splitlines()[-1].split()
    assert shown[0] == "django.core.mail.backends.console.EmailBackend"
    assert shown[-1] == "http://127.0.0.1:8000"


def test_a_site_url_that_is_not_an_origin_is_refused():
    result = run_django("check", env={"SITE_URL": "auctions.example.com"})
    assert result.returncode != 0
    assert "SITE_URL" in result.stderr
