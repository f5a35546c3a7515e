"""A person's own data: the JSON export and deletion by pseudonymization."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from auctions.models import Auction, Bid, Watch
from orders.models import Order
from orders.services.orders import order_mark_paid, order_mark_received
from tests.factories import make_auction, make_seller, make_user
from tests.integration.orders.conftest import add_bid, client_for, sold

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_export_is_my_data_only_as_a_json_download():
    me, other = make_user("me"), make_user("other")
    auction = make_auction(title="Clock")
    add_bid(auction, me, amount=1200, max_amount=3000)
    add_bid(auction, other, amount=4000, max_amount=9000)
    Watch.objects.create(user=me, auction=auction)
    order = sold(buyer=me, price=2500)
    response = client_for(me).get("/me/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["username"] == "me"
    assert data["account"]["email"] == "me@example.com"
    assert [b["max_amount"] for b in data["bids"] if b["auction_id"] == auction.pk] == ["30.00"]
    assert "90.00" not in response.content.decode()  # nobody else's maximum
    assert [w["title"] for w in data["watches"]] == ["Clock"]
    assert [o["id"] for o in data["orders"]] == [order.pk]
    assert Client().get("/me/export/").status_code == 302


def test_deleting_pseudonymizes_and_the_ledger_keeps_the_bids():
    me = make_user("leaving")
    order = sold(buyer=me)
    order_mark_paid(order=order, actor=order.seller)
    order_mark_received(order=order, actor=me)
    Order.objects.filter(pk=order.pk).update(shipping_name="Me", shipping_address="Home")
    ended = make_auction(status=Auction.Status.ENDED, ends_at=timezone.now() + timedelta(hours=1))
    add_bid(ended, me, amount=1500)
    Watch.objects.create(user=me, auction=ended)
    client = client_for(me)
    assert client.get("/me/delete/").status_code == 200
    response = client.post("/me/delete/", {"password": "wrong"})
    assert "That is not your password." in response.text
    response = client.post("/me/delete/", {"password": "pw-leaving"})
    assert response.status_code == 302
    row = User.objects.get(pk=me.pk)
    assert (row.username, row.email, row.is_active) == (f"deleted-{me.pk}", "", False)
    assert not row.has_usable_password()
    assert Bid.objects.filter(bidder_id=me.pk).count() == 2
    assert not Watch.objects.filter(user_id=me.pk).exists()
    assert Order.objects.get(pk=order.pk).shipping_address == ""
    assert client.get("/me/orders/").status_code == 302  # logged out
    login = Client().post("/accounts/login/", {"username": "leaving", "password": "pw-leaving"})
    assert login.status_code == 200  # the form again: no such account any more


def test_deletion_waits_for_open_orders_and_open_auctions_and_refuses_staff():
    buyer = make_user("buyer")
    sold(buyer=buyer)
    response = client_for(buyer).post("/me/delete/", {"password": "pw-buyer"}, follow=True)
    assert "Finish your open orders" in response.text
    bidder = make_user("bidder")
    add_bid(make_auction(), bidder, amount=1000)
    response = client_for(bidder).post("/me/delete/", {"password": "pw-bidder"}, follow=True)
    assert "not ended yet" in response.text
    seller = make_seller("shop")
    response = client_for(seller).post("/me/delete/", {"password": "pw-shop"}, follow=True)
    assert "Staff accounts" in response.text
    assert (
        User.objects.filter(username__in=["buyer", "bidder", "shop"], is_active=True).count() == 3
    )


def _writer():
    """A bidder who wrote in every place a user writes: a question (answered), a report's
    details, feedback's comment, a shipping address; and who was sent a notice."""
    from auctions.services.moderation import auction_report
    from notices.services import notice_create
    from orders.services.feedback import feedback_leave
    from questions.services import question_answer, question_ask

    me = make_user("writer")
    lot = make_auction(title="Barometer")
    question = question_ask(auction=lot, asker=me, text="MARK-QUESTION: does it work?")
    question_answer(question=question, actor=lot.seller, answer="MARK-ANSWER: it does.")
    auction_report(auction=lot, reporter=me, reason="other", details="MARK-REPORT: a copy")
    order = sold(buyer=me)
    order_mark_paid(order=order, actor=order.seller)
    order_mark_received(order=order, actor=me)
    Order.objects.filter(pk=order.pk).update(shipping_address="MARK-ADDRESS 1 High St")
    feedback_leave(order=order, author=me, rating="positive", comment="MARK-FEEDBACK great")
    notice_create(user=me, kind="question", text="MARK-NOTICE: you were answered")
    return me


def test_the_export_holds_everything_i_wrote_and_was_sent():
    me = _writer()
    data = json.loads(client_for(me).get("/me/export/").content)
    text = json.dumps(data)
    for mark in ("QUESTION", "ANSWER", "REPORT", "ADDRESS", "FEEDBACK", "NOTICE"):
        assert f"MARK-{mark}" in text, mark
    assert [q["text"] for q in data["questions"]] == ["MARK-QUESTION: does it work?"]
    assert [r["details"] for r in data["reports"]] == ["MARK-REPORT: a copy"]
    assert "MARK-NOTICE: you were answered" in [n["text"] for n in data["notices"]]


def test_deleting_erases_everything_i_wrote():
    from django.apps import apps
    from django.db import models

    me = _writer()
    assert client_for(me).post("/me/delete/", {"password": "pw-writer"}).status_code == 302
    left = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, (models.CharField, models.TextField)):
                rows = model.objects.filter(**{f"{field.name}__contains": "MARK-"})
                left += [(model._meta.label, field.name) for _ in rows]
    # The seller's answer went with the question it answered; nothing of mine is left.
    assert left == []
