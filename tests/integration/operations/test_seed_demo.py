"""`seed_demo` creates every role and a dozen open auctions, and is idempotent."""

import pytest
from django.core.management import call_command

from accounts.models import User
from auctions.models import Auction, Bid
from core.roles import is_moderator, is_seller
from sales.models import Sale

pytestmark = pytest.mark.django_db


def test_seed_demo_twice_creates_everything_once(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert User.objects.get(username="admin").is_superuser
    assert is_moderator(User.objects.get(username="moderator"))
    assert is_seller(User.objects.get(username="seller_ann"))
    assert is_seller(User.objects.get(username="seller_bob"))
    assert User.objects.filter(username__in=["alice", "bruno", "chiara"]).count() == 3
    assert Auction.objects.filter(sale=None).count() == 12
    assert Auction.objects.filter(sale=None, status=Auction.Status.SCHEDULED).count() == 12
    # The catalog sale: 40 lots closing 15 s apart, the demo bidders registered, once.
    sale = Sale.objects.get()
    lots = list(sale.lots.order_by("lot_number"))
    assert [lot.lot_number for lot in lots] == list(range(1, 41))
    assert {lot.status for lot in lots} == {Auction.Status.SCHEDULED}
    assert (lots[1].ends_at - lots[0].ends_at).total_seconds() == 15
    assert sale.registrations.count() == 3
    # Opening bids went through the engine once: ledger rows with gapless seqs per auction.
    bids = list(Bid.objects.order_by("auction_id", "seq").values_list("auction_id", "seq"))
    assert len(bids) == 12
    for auction_id in {auction_id for auction_id, _ in bids}:
        seqs = [seq for owner, seq in bids if owner == auction_id]
        assert seqs == list(range(1, len(seqs) + 1))


def test_seed_demo_refuses_with_debug_off(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")


leaked = []


class RecordingBackend:
    """Stands for the console backend of `make run`: what reaches it would be printed."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        leaked.extend(messages)
        return len(messages)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_seed_demo_prints_no_notice_emails_even_with_notice_threads(settings):
    """The opening bids' outbid emails are sent to nowhere, not by the pool after the fact
    (committed rows, so the pool's own connection sees the users it looks up)."""
    from auctions.notifications import notices_sent

    settings.DEBUG = True
    settings.GAVEL_NOTICE_THREADS = 2
    settings.EMAIL_BACKEND = f"{__name__}.RecordingBackend"
    leaked.clear()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    notices_sent()
    assert Bid.objects.exists()
    assert leaked == []


def test_seed_demo_bids_only_on_the_demo_lots_it_just_listed(settings):
    """A seller's own listing (here seller_ann's, made by hand) never gets demo bids, even when
    seed_demo --relist lists fresh demo lots."""
    from datetime import timedelta

    from django.utils import timezone

    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    ann = User.objects.get(username="seller_ann")
    now = timezone.now()
    own = Auction.objects.create(
        title="Ann's own camera",
        seller=ann,
        starting_price=1000,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=1),
        status=Auction.Status.SCHEDULED,
    )
    Auction.objects.exclude(pk=own.pk).update(status=Auction.Status.ENDED)  # demo lots over
    call_command("seed_demo", "--relist", stdout=open("/dev/null", "w"))  # noqa: SIM115
    single = Auction.objects.filter(sale=None)
    assert single.filter(status=Auction.Status.SCHEDULED).count() == 13
    assert not Bid.objects.filter(auction=own).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_restart_after_the_demo_lots_ended_changes_nothing(settings):
    """`make run` runs seed_demo at every start: once the demo lots have ended (and were
    settled: orders, notices, emails), the next start adds no lot, bid, notice, order or email.
    """
    from datetime import timedelta

    from auctions.services.lifecycle import auction_settle
    from core.models import AuditLog
    from notices.models import Notice
    from orders.models import Order
    from outbox.models import OutboxEmail
    from tests.integration.engine.helpers import shift_time

    settings.DEBUG = True
    settings.GAVEL_NOTICE_THREADS = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for auction in Auction.objects.all():
        shift_time(auction, timedelta(hours=6))
        auction_settle(auction=auction)
    models = (User, Auction, Bid, Notice, Order, OutboxEmail, AuditLog)

    def counts():
        return {model.__name__: model.objects.count() for model in models}

    before = counts()
    assert before["Order"] and before["Notice"] and before["Bid"]
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts() == before
    assert not Auction.objects.filter(status=Auction.Status.SCHEDULED).exists()
