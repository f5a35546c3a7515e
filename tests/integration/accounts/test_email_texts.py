"""Email texts (issue 20, item 20): subjects stay plain ASCII quotes (no `=?utf-8?q?…` on the
console backend), and the password-reset email is Gavel's own, not Django's stock text."""

import pytest
from django.core import mail
from django.test import Client

from auctions.notifications import email_message
from tests.factories import make_auction, make_user

pytestmark = pytest.mark.django_db


def test_a_subject_with_a_title_keeps_plain_quotes():
    user = make_user("alice")
    auction = make_auction(title="Omega")
    message = email_message(user, "listing_approved", {"auction": auction})
    assert message is not None
    assert message.subject == 'Your listing "Omega" was approved'
    assert "=?utf-8?" not in message.message().as_string().split("\n\n", 1)[0]


def test_the_password_reset_email_is_gavel_s_own(settings):
    make_user("alice")
    Client().post("/accounts/password_reset/", {"email": "alice@example.com"})
    (message,) = mail.outbox
    assert message.subject == "Reset your Gavel password"
    assert "— Gavel" in message.body and "team" not in message.body
    assert "/accounts/reset/" in message.body
