"""Accounts: sign-up, log in, log out and password change with Django's auth views, and the
`Sellers` / `Moderators` groups created by a data migration."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import User
from core.handles import mask_username
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_sign_up_creates_the_account_then_its_owner_logs_in(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "newbidder",
            "email": "new@example.com",
            "password1": "a-Long-unusual-pass-42",
            "password2": "a-Long-unusual-pass-42",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert User.objects.filter(username="newbidder").exists()
    assert not client.session.get("_auth_user_id")  # not before they read their email
    response = client.post(
        reverse("login"), {"username": "newbidder", "password": "a-Long-unusual-pass-42"}
    )
    assert client.session.get("_auth_user_id")


def test_log_in_log_out_and_change_password(client):
    user = make_user("carol")
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "carol", "password": "pw-carol"})
    assert response.status_code == 302
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "pw-carol",
            "new_password1": "another-Long-pass-77",
            "new_password2": "another-Long-pass-77",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-Long-pass-77")
    assert client.post(reverse("logout")).status_code == 302
    assert not client.session.get("_auth_user_id")


def test_groups_exist_with_their_permissions():
    sellers = set(Group.objects.get(name="Sellers").permissions.values_list("codename", flat=True))
    moderators = set(
        Group.objects.get(name="Moderators").permissions.values_list("codename", flat=True)
    )
    assert {"add_auction", "change_auction", "view_auction", "view_bid"} <= sellers
    assert "moderate_auction" not in sellers
    assert {"moderate_auction", "view_auditlog", "view_report"} <= moderators
    assert not {p for p in moderators if p.endswith("_group")}
    assert "change_bid" not in moderators


def test_usernames_are_masked_as_the_design_says():
    assert mask_username("bidder7") == "b***7"
    assert mask_username("x") == "x***x"
