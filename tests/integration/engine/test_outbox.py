"""Notice emails live in a durable outbox written in the ledger's transaction: a crash after
the commit loses none (the worker sends what is waiting), a failing mail server is retried, a
replayed event stores nothing twice, and each email carries its dedupe key."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from auctions import worker
from outbox import services as outbox
from outbox.models import OutboxEmail
from tests.factories import make_auction, make_user
from tests.integration.engine.helpers import bid

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.GAVEL_BID_RATE_LIMIT = (1000, 10)


def test_the_outbid_email_is_stored_with_the_ledger_row_and_sent_by_the_worker():
    """The process dies right after the commit: nothing was sent, yet nothing is lost."""
    auction = make_auction(starting_price=1000)
    alice, bob = make_user(), make_user()
    bid(auction, alice, 1000)
    # No on-commit callback runs here (the test's transaction never commits): as if the
    # process died after the ledger commit, before sending anything.
    bid(auction, bob, 1500)
    row = OutboxEmail.objects.get()
    assert (row.user, row.template, row.sent_at) == (alice, "outbid", None)
    assert row.key == f"auction:{auction.pk}:2:outbid:{alice.pk}"
    assert mail.outbox == []

    assert worker.run_once().emails_sent == 1

    assert [message.to for message in mail.outbox] == [[alice.email]]
    assert mail.outbox[0].extra_headers["X-Gavel-Notice"] == row.key
    row.refresh_from_db()
    assert row.sent_at is not None
    assert worker.run_once().emails_sent == 0  # sent once


def test_a_failing_mail_server_is_retried_later():
    auction = make_auction(starting_price=1000)
    alice, bob = make_user(), make_user()
    bid(auction, alice, 1000)
    bid(auction, bob, 1500)
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("smtp down")):
        assert outbox.outbox_send_due() == 1
    row = OutboxEmail.objects.get()
    assert (row.attempts, row.sent_at) == (1, None)
    assert row.next_attempt_at > timezone.now()
    assert "smtp down" in row.last_error
    assert outbox.outbox_send_due() == 0  # not yet due

    OutboxEmail.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert outbox.outbox_send_due() == 1
    assert len(mail.outbox) == 1


def test_a_replayed_event_stores_its_email_once():
    from auctions.engine import ledger
    from auctions.engine.api import stream_records

    auction = make_auction(starting_price=1000)
    alice, bob = make_user(), make_user()
    bid(auction, alice, 1000)
    bid(auction, bob, 1500)
    entries = stream_records(auction, 0)
    from auctions.notifications import outbox_for_event

    for entry in entries:
        outbox_for_event(auction, entry)  # a reconciler writing the events again
    ledger.record_missing(auction, entries)
    assert OutboxEmail.objects.count() == 1


def test_the_email_goes_out_right_after_commit_when_all_is_well(
    django_capture_on_commit_callbacks,
):
    auction = make_auction(starting_price=1000)
    alice, bob = make_user(), make_user()
    bid(auction, alice, 1000)
    with django_capture_on_commit_callbacks(execute=True):
        bid(auction, bob, 1500)
    assert [message.to for message in mail.outbox] == [[alice.email]]
    assert OutboxEmail.objects.get().sent_at is not None
