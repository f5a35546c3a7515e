"""A slow mail server never delays a bid's acknowledgement: with notice threads configured,
the outbid email is sent after `bid_place` has returned (on fakeredis and on real Redis)."""

import threading

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from tests.factories import make_auction, make_user
from tests.integration.engine.helpers import bid

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

mail_server_answers = threading.Event()
mail_sent = threading.Event()


class StalledMailBackend(EmailBackend):
    """The locmem backend behind a mail server that answers only when the test says so."""

    def send_messages(self, messages):
        assert mail_server_answers.wait(timeout=30), "the test never released the mail server"
        sent = super().send_messages(messages)
        mail_sent.set()
        return sent


def test_the_outbid_email_waits_for_the_mail_server_but_the_bid_does_not(engine_redis, settings):
    settings.GAVEL_NOTICE_THREADS = 1
    settings.EMAIL_BACKEND = f"{__name__}.StalledMailBackend"
    mail_server_answers.clear()
    mail_sent.clear()
    auction = make_auction(starting_price=1000)
    alice, bob = make_user(), make_user()
    bid(auction, alice, 1000, request_id="a")

    accepted = bid(auction, bob, 1500, request_id="b")  # returns while the mail server stalls

    assert accepted.leader_id == bob.pk
    assert mail.outbox == []
    mail_server_answers.set()
    assert mail_sent.wait(timeout=30)
    assert [message.to for message in mail.outbox] == [[alice.email]]
