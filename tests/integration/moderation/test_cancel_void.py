"""Cancel and void through the moderation layer and the engine, on fakeredis and real Redis:
state change, live event (in-memory channel layer), audit row, emails — and refusals that
change nothing."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from auctions.engine import hot_state, rules
from auctions.engine.api import auction_state_get
from auctions.models import Auction, AuctionEvent, Bid, Report
from auctions.services import moderation
from auctions.services.bidding import BidRequest, bid_place
from core.errors import InvalidReason, InvalidState, NotAllowed, Unavailable
from core.models import AuditLog
from tests.factories import make_auction, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a service and run its after-commit work (broadcasts, emails) as a commit would."""

    def call(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return call


def place(run, auction, bidder, amount=None, max_amount=None):
    return run(
        bid_place,
        auction=auction,
        bidder=bidder,
        bid=BidRequest(amount, max_amount, f"r-{bidder.pk}-{amount}-{max_amount}"),
    )


def unchanged_marker(auction):
    auction.refresh_from_db()
    return (
        auction.status,
        auction.cancel_reason,
        AuctionEvent.objects.filter(auction=auction).count(),
        AuditLog.objects.count(),
        list(Bid.objects.filter(auction=auction).values_list("seq", "voided")),
    )


# --- cancel -------------------------------------------------------------------------------------


def test_staff_cancel_goes_live_audits_and_notifies_bidders(
    engine_redis, run, channel_events, seller_a, moderator
):
    auction = make_auction(seller=seller_a)
    alice, bob = make_user("alice"), make_user("bob")
    place(run, auction, alice, 1000)
    place(run, auction, bob, 1200)
    channel_events.join(f"auction-{auction.pk}")
    mail.outbox.clear()

    run(moderation.auction_cancel_by_staff, auction=auction, actor=moderator, reason="Fake item")

    auction.refresh_from_db()
    assert auction.status == Auction.Status.CANCELLED
    assert auction.cancel_reason == "Fake item"
    assert auction.winner is None
    assert auction_state_get(auction=auction).status == "cancelled"
    [message] = channel_events.drain()
    assert message["type"] == "cancelled"
    assert "reason" not in message["event"]  # public: the reason stays in the audit log
    assert message["event"]["seq"] == AuctionEvent.objects.filter(auction=auction).count()
    entry = AuditLog.objects.get(action="auction.cancel")
    assert (entry.actor, entry.target_id, entry.reason) == (moderator, str(auction.pk), "Fake item")
    assert sorted(address for m in mail.outbox for address in m.to) == [
        "alice@example.com",
        "bob@example.com",
    ]


def test_double_cancel_and_cancelling_a_settled_auction_change_nothing(
    engine_redis, run, seller_a, moderator, bidder
):
    auction = make_auction(seller=seller_a)
    run(moderation.auction_cancel_by_staff, auction=auction, actor=moderator, reason="first")
    before = unchanged_marker(auction)
    with pytest.raises(InvalidState):
        run(moderation.auction_cancel_by_staff, auction=auction, actor=moderator, reason="again")
    assert unchanged_marker(auction) == before

    now = timezone.now()
    settled = make_auction(
        seller=seller_a,
        status=Auction.Status.ENDED,
        starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(days=1),
        winner=bidder,
        final_price=1500,
        reserve_met=True,
        settled_at=now - timedelta(days=1),
    )
    before = unchanged_marker(settled)
    with pytest.raises(InvalidState):
        run(moderation.auction_cancel_by_staff, auction=settled, actor=moderator, reason="late")
    assert unchanged_marker(settled) == before


def test_cancelling_after_the_end_before_settling_is_refused(
    engine_redis, run, seller_a, moderator
):
    """The clock, not the stored status, says the auction is over: the engine refuses."""
    now = timezone.now()
    auction = make_auction(
        seller=seller_a, starts_at=now - timedelta(hours=2), ends_at=now - timedelta(hours=1)
    )
    before = unchanged_marker(auction)
    with pytest.raises(InvalidState):
        run(moderation.auction_cancel_by_staff, auction=auction, actor=moderator, reason="late")
    assert unchanged_marker(auction) == before


@pytest.mark.parametrize("reason", ["", "  ", "x" * 501])
def test_cancel_needs_a_reason(engine_redis, run, seller_a, moderator, reason):
    auction = make_auction(seller=seller_a)
    before = unchanged_marker(auction)
    with pytest.raises(InvalidReason):
        run(moderation.auction_cancel_by_staff, auction=auction, actor=moderator, reason=reason)
    with pytest.raises(InvalidReason):
        run(moderation.auction_cancel_by_seller, auction=auction, actor=seller_a, reason=reason)
    assert unchanged_marker(auction) == before


def test_seller_cancels_only_their_own_and_only_before_the_first_bid(
    engine_redis, run, channel_events, seller_a, seller_b, bidder
):
    quiet = make_auction(seller=seller_a)
    channel_events.join(f"auction-{quiet.pk}")
    with pytest.raises(NotAllowed):
        run(moderation.auction_cancel_by_seller, auction=quiet, actor=seller_b, reason="mine?")
    with pytest.raises(NotAllowed):
        run(moderation.auction_cancel_by_staff, auction=quiet, actor=seller_a, reason="staff?")
    run(moderation.auction_cancel_by_seller, auction=quiet, actor=seller_a, reason="Sold locally")
    quiet.refresh_from_db()
    assert quiet.status == Auction.Status.CANCELLED
    assert [m["type"] for m in channel_events.drain()] == ["cancelled"]
    assert AuditLog.objects.get(action="auction.cancel").actor == seller_a

    busy = make_auction(seller=seller_a)
    place(run, busy, bidder, 1000)
    before = unchanged_marker(busy)
    with pytest.raises(InvalidState):
        run(
            moderation.auction_cancel_by_seller, auction=busy, actor=seller_a, reason="changed mind"
        )
    assert unchanged_marker(busy) == before


def test_a_pending_listing_can_be_withdrawn_by_its_seller(engine_redis, run, seller_a):
    pending = make_auction(seller=seller_a, status=Auction.Status.PENDING)
    run(moderation.auction_cancel_by_seller, auction=pending, actor=seller_a, reason="Withdrawn")
    pending.refresh_from_db()
    assert pending.status == Auction.Status.CANCELLED


# --- void ---------------------------------------------------------------------------------------


def test_void_replays_the_ledger_without_the_bid_and_tells_everyone(
    engine_redis, run, channel_events, seller_a, moderator
):
    auction = make_auction(seller=seller_a, reserve_price=2200)
    alice, shill, carol = make_user("alice"), make_user("shill"), make_user("carol")
    place(run, auction, alice, 1000, 2000)
    place(run, auction, shill, 1500, 4000)
    place(run, auction, carol, 2500, 3000)
    shill_bid = Bid.objects.get(auction=auction, bidder=shill)
    before = auction_state_get(auction=auction)
    channel_events.join(f"auction-{auction.pk}")
    mail.outbox.clear()

    run(moderation.bid_void_by_staff, bid=shill_bid, actor=moderator, reason="Shill bidding")

    shill_bid.refresh_from_db()
    assert shill_bid.voided and shill_bid.void_reason == "Shill bidding"
    # The engine's state is the reference rules replayed over the ledger without the void.
    auction.refresh_from_db()
    expected = rules.replay(hot_state.params_of(auction), hot_state.ledger_of(auction.pk))
    state = auction_state_get(auction=auction)
    assert expected.bid_count == 2
    assert (state.price, state.leader_id, state.bid_count, state.min_bid, state.reserve_met) == (
        expected.price,
        expected.leader,
        expected.bid_count,
        expected.min_bid,
        expected.reserve_met,
    )
    assert before.leader_id == shill.pk
    # The shill's ceiling no longer props the price up: carol leads at her own bid.
    assert (state.leader_id, state.price) == (carol.pk, 2500)
    assert state.seq == before.seq + 1
    [message] = channel_events.drain()
    assert message["type"] == "bid_voided"
    event = message["event"]
    assert (event["seq"], event["voided_seq"], event["bid_count"]) == (state.seq, shill_bid.seq, 2)
    assert event["price"] == f"{state.price // 100}.{state.price % 100:02d}"
    assert "max" not in " ".join(event)  # nobody's maximum goes on the wire
    entry = AuditLog.objects.get(action="bid.void")
    assert (entry.actor, entry.reason) == (moderator, "Shill bidding")
    assert [m.to for m in mail.outbox] == [["shill@example.com"]]


def test_void_refusals_change_nothing(engine_redis, run, seller_a, seller_b, moderator, bidder):
    auction = make_auction(seller=seller_a)
    place(run, auction, bidder, 1000)
    bid = Bid.objects.get(auction=auction)
    before = unchanged_marker(auction)
    for actor in (seller_a, seller_b, bidder):
        with pytest.raises(NotAllowed):
            run(moderation.bid_void_by_staff, bid=bid, actor=actor, reason="no")
    with pytest.raises(InvalidReason):
        run(moderation.bid_void_by_staff, bid=bid, actor=moderator, reason="")
    assert unchanged_marker(auction) == before

    run(moderation.bid_void_by_staff, bid=bid, actor=moderator, reason="first")
    before = unchanged_marker(auction)
    with pytest.raises(InvalidState):
        run(moderation.bid_void_by_staff, bid=bid, actor=moderator, reason="again")
    assert unchanged_marker(auction) == before


def test_bids_of_a_cancelled_auction_cannot_be_voided(engine_redis, run, seller_a, moderator):
    auction = make_auction(seller=seller_a)
    place(run, auction, make_user("dave"), 1000)
    run(moderation.auction_cancel_by_staff, auction=auction, actor=moderator, reason="gone")
    bid = Bid.objects.get(auction=auction)
    before = unchanged_marker(auction)
    with pytest.raises(InvalidState):
        run(moderation.bid_void_by_staff, bid=bid, actor=moderator, reason="late")
    assert unchanged_marker(auction) == before


def test_a_suspended_bidders_standing_bid_stays_unless_voided(
    engine_redis, run, seller_a, moderator
):
    auction = make_auction(seller=seller_a)
    olga = make_user("olga")
    place(run, auction, olga, 1000, 2000)
    moderation.user_suspend(user=olga, actor=moderator, reason="Chargebacks")
    state = auction_state_get(auction=auction)
    assert (state.leader_id, state.bid_count) == (olga.pk, 1)
    assert not Bid.objects.get(auction=auction).voided


def test_a_staff_cancellation_resolves_the_auctions_open_reports(
    engine_redis, run, seller_a, moderator
):
    auction = make_auction(seller=seller_a)
    for name in ("pia", "quinn"):
        moderation.auction_report(auction=auction, reporter=make_user(name), reason="prohibited")
    run(moderation.auction_cancel_by_staff, auction=auction, actor=moderator, reason="x" * 500)
    assert not Report.objects.filter(auction=auction, resolved_at__isnull=True).exists()
    assert AuditLog.objects.filter(action="report.resolve", actor=moderator).count() == 2


def test_an_engine_outage_during_cancel_is_reported_as_unavailable(
    engine_redis, run, seller_a, moderator, monkeypatch
):
    from redis.exceptions import ConnectionError as RedisConnectionError

    from auctions.engine import lifecycle

    auction = make_auction(seller=seller_a)
    before = unchanged_marker(auction)

    def down(*args, **kwargs):
        raise RedisConnectionError("down")

    monkeypatch.setattr(lifecycle, "_lifecycle", down)
    with pytest.raises(Unavailable):
        run(moderation.auction_cancel_by_staff, auction=auction, actor=moderator, reason="x")
    assert unchanged_marker(auction) == before
