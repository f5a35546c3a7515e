"""Sign-up accounts confirm their email before the first bid; other accounts are trusted."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client

from accounts.models import User
from auctions.services.bidding import BidRequest, bid_place
from core.errors import NotAllowed
from tests.factories import make_auction, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _sign_up(client, username="newbie", email="newbie@example.com"):
    return client.post(
        "/accounts/signup/",
        {
            "username": username,
            "email": email,
            "password1": "a-long-passphrase-42",
            "password2": "a-long-passphrase-42",
        },
    )


def _link(message) -> str:
    """The path of the confirmation link in `message`."""
    return urlsplit(re.search(r"https?://\S+/accounts/confirm/\S+/", message.body).group(0)).path


def test_a_signed_up_account_bids_only_after_confirming(django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        assert _sign_up(client).status_code == 302
    user = User.objects.get(username="newbie")
    client.force_login(user)
    assert user.email_confirmed is False
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["newbie@example.com"]
    auction = make_auction()
    with pytest.raises(NotAllowed, match="Confirm your email"):
        bid_place(auction=auction, bidder=user, bid=BidRequest(1000, None, "r1"))
    response = client.post(
        f"/auctions/{auction.pk}/bid", {"amount": "10.00", "confirm": "1"}, follow=True
    )
    assert not auction.bids.exists()
    path = _link(mail.outbox[0])
    assert client.get(path).status_code == 302
    user.refresh_from_db()
    assert user.email_confirmed is True
    bid_place(auction=auction, bidder=user, bid=BidRequest(1000, None, "r2"))
    assert auction.bids.count() == 1
    assert "Confirm your email address before your first bid." in response.text


def test_a_confirmation_link_is_refused_when_tampered_or_after_the_email_changed(
    django_capture_on_commit_callbacks,
):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        _sign_up(client)
    path = _link(mail.outbox[0])
    assert client.get(path[:-3] + "xx/").status_code == 400
    assert client.get("/accounts/confirm/!!!/abc/").status_code == 400
    User.objects.filter(username="newbie").update(email="other@example.com")
    assert client.get(path).status_code == 400
    assert User.objects.get(username="newbie").email_confirmed is False


def test_accounts_made_any_other_way_are_trusted():
    assert make_user().email_confirmed is True
    assert User.objects.create_superuser("root", "root@example.com", "pw").email_confirmed


def test_emails_are_unique_whatever_their_case():
    User.objects.create_user("first", email="Same@Example.com", password="pw")
    _sign_up(Client(), username="second", email="same@example.COM")
    assert not User.objects.filter(username="second").exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("third", email="SAME@example.com", password="pw")
    # Blank emails (admin-made accounts) are not addresses and may repeat.
    User.objects.create_user("blank1", email="", password="pw")
    User.objects.create_user("blank2", email="", password="pw")


def test_the_login_page_links_to_password_reset_which_mails_a_link():
    page = Client().get("/accounts/login/")
    assert 'href="/accounts/password_reset/"' in page.text
    make_user("forgetful")
    response = Client().post("/accounts/password_reset/", {"email": "forgetful@example.com"})
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["forgetful@example.com"]
    assert "/accounts/reset/" in mail.outbox[-1].body


def test_sign_up_does_not_tell_whether_an_address_has_an_account(
    django_capture_on_commit_callbacks,
):
    """As password reset: the same answer either way; the address's owner hears of the try."""
    owner = User.objects.create_user("owner", email="taken@example.com", password="pw")
    answers = []
    for username, email in (("fresh", "fresh@example.com"), ("intruder", "Taken@Example.com")):
        client = Client()
        with django_capture_on_commit_callbacks(execute=True):
            response = _sign_up(client, username=username, email=email)
        page = client.get(response["Location"]).text
        told = re.search(r'<ul class="messages".*?</ul>', page, re.S).group(0)
        answers.append(
            (
                response.status_code,
                response["Location"],
                told.replace(email, "EMAIL"),
                bool(client.session.get("_auth_user_id")),
            )
        )
        assert "Another account uses" not in page
    assert answers[0] == answers[1]
    assert not User.objects.filter(username="intruder").exists()
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1
    (fresh_mail,) = [m for m in mail.outbox if m.to == ["fresh@example.com"]]
    assert "/accounts/confirm/" in fresh_mail.body
    (notice,) = [m for m in mail.outbox if m.to == [owner.email]]
    assert "already" in notice.body and "/accounts/password_reset/" in notice.body
    assert "/accounts/confirm/" not in notice.body


def test_a_second_click_on_the_link_says_already_confirmed_and_offers_log_in(
    django_capture_on_commit_callbacks,
):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        _sign_up(client)
    path = _link(mail.outbox[0])
    assert client.get(path).status_code == 302
    again = client.get(path)  # the same browser
    assert again.status_code == 200
    assert "Your email address is already confirmed" in again.text
    assert "not valid" not in again.text
    elsewhere = Client().get(path)  # another browser: logged out
    assert elsewhere.status_code == 200
    assert "already confirmed" in elsewhere.text
    assert 'id="log-in"' in elsewhere.text and "/accounts/login/?next=/" in elsewhere.text
    assert Client().get(path[:-3] + "xx/").status_code == 400  # a forged link stays invalid
