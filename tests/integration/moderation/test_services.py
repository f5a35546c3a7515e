"""The moderation services that need no engine: listings, users, reports, relist. Each one
checks who acts and the reason before anything changes, and leaves an audit row."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User
from auctions.models import Auction, Report
from auctions.services import moderation
from auctions.services.bidding import BidRequest
from core.errors import AuctionNotOpen, InvalidReason, InvalidState, NotAllowed
from core.inputs import REASON_MAX
from core.models import AuditLog
from tests.factories import make_auction, make_moderator

pytestmark = pytest.mark.django_db


def snapshot(auction):
    """Every column of the auction, to assert that a refused action changed nothing."""
    auction.refresh_from_db()
    return {f.attname: getattr(auction, f.attname) for f in Auction._meta.concrete_fields}


def audit_actions():
    return list(AuditLog.objects.order_by("id").values_list("action", flat=True))


@pytest.fixture
def pending(seller_a):
    return make_auction(seller=seller_a, status=Auction.Status.PENDING, title="Pending lot")


# --- approve / reject ---------------------------------------------------------------------------


def test_approve_publishes_audits_and_tells_the_seller(
    pending, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        moderation.listing_approve(auction=pending, actor=moderator)
    pending.refresh_from_db()
    assert pending.status == Auction.Status.SCHEDULED
    entry = AuditLog.objects.get(action="listing.approve")
    assert (entry.actor, entry.target_id) == (moderator, str(pending.pk))
    assert [m.to for m in mail.outbox] == [[pending.seller.email]]
    assert "approved" in mail.outbox[0].subject


def test_approved_listing_becomes_open_in_the_engine_hot_state(
    pending, moderator, bidder, django_capture_on_commit_callbacks
):
    """The engine may have cached the listing as pending; approval must reach it."""
    api = pytest.importorskip("auctions.engine.api")
    bid_place = pytest.importorskip("auctions.services.bidding").bid_place
    with pytest.raises(AuctionNotOpen):
        bid_place(auction=pending, bidder=bidder, bid=BidRequest(1000, None, "before"))
    with django_capture_on_commit_callbacks(execute=True):
        moderation.listing_approve(auction=pending, actor=moderator)
    pending.refresh_from_db()
    assert api.auction_state_get(auction=pending).status == "active"
    with django_capture_on_commit_callbacks(execute=True):
        accepted = bid_place(auction=pending, bidder=bidder, bid=BidRequest(1000, None, "after"))
    assert accepted.price == 1000


def test_reject_keeps_the_reason_for_the_seller_and_emails_it(
    pending, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        moderation.listing_reject(auction=pending, actor=moderator, reason="  No photos.  ")
    pending.refresh_from_db()
    assert pending.status == Auction.Status.REJECTED
    assert pending.moderation_reason == "No photos."
    assert AuditLog.objects.get(action="listing.reject").reason == "No photos."
    assert "No photos." in mail.outbox[0].body


@pytest.mark.parametrize(
    "reason, error",
    [
        ("", InvalidReason),
        ("   ", InvalidReason),
        (None, InvalidReason),
        (42, InvalidReason),
        ("x" * (REASON_MAX + 1), InvalidReason),
    ],
)
def test_reject_refuses_a_missing_or_too_long_reason(pending, moderator, reason, error):
    before = snapshot(pending)
    with pytest.raises(error):
        moderation.listing_reject(auction=pending, actor=moderator, reason=reason)
    assert snapshot(pending) == before
    assert audit_actions() == []


def test_a_reason_of_exactly_the_maximum_length_is_accepted(pending, moderator):
    moderation.listing_reject(auction=pending, actor=moderator, reason="x" * REASON_MAX)
    pending.refresh_from_db()
    assert len(pending.moderation_reason) == REASON_MAX


@pytest.mark.parametrize("status", ["scheduled", "rejected", "ended", "cancelled", "draft"])
def test_only_pending_listings_are_approved_or_rejected(seller_a, moderator, status):
    auction = make_auction(seller=seller_a, status=status)
    before = snapshot(auction)
    with pytest.raises(InvalidState):
        moderation.listing_approve(auction=auction, actor=moderator)
    with pytest.raises(InvalidState):
        moderation.listing_reject(auction=auction, actor=moderator, reason="no")
    assert snapshot(auction) == before
    assert audit_actions() == []


def test_approving_a_listing_whose_end_passed_is_refused(seller_a, moderator):
    now = timezone.now()
    auction = make_auction(
        seller=seller_a,
        status=Auction.Status.PENDING,
        starts_at=now - timedelta(hours=2),
        ends_at=now - timedelta(hours=1),
    )
    with pytest.raises(InvalidState):
        moderation.listing_approve(auction=auction, actor=moderator)
    auction.refresh_from_db()
    assert auction.status == Auction.Status.PENDING


def test_non_moderators_cannot_approve_or_reject(pending, seller_a, bidder):
    suspended_moderator = make_moderator("mod_suspended")
    User.objects.filter(pk=suspended_moderator.pk).update(is_suspended=True)
    suspended_moderator.refresh_from_db()
    for actor in (seller_a, bidder, suspended_moderator):
        with pytest.raises(NotAllowed):
            moderation.listing_approve(auction=pending, actor=actor)
        with pytest.raises(NotAllowed):
            moderation.listing_reject(auction=pending, actor=actor, reason="no")
    pending.refresh_from_db()
    assert pending.status == Auction.Status.PENDING
    assert audit_actions() == []


def test_resubmitting_a_rejected_listing_sends_it_back_to_the_queue(pending, moderator, seller_a):
    moderation.listing_reject(auction=pending, actor=moderator, reason="Blurry photo")
    moderation.listing_resubmit(auction=pending, actor=seller_a)
    pending.refresh_from_db()
    assert pending.status == Auction.Status.PENDING
    assert audit_actions() == ["listing.reject", "listing.resubmit"]


# --- suspend / reinstate ------------------------------------------------------------------------


def test_suspend_and_reinstate_are_audited_and_emailed(
    bidder, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        moderation.user_suspend(user=bidder, actor=moderator, reason="Shill bidding")
    bidder.refresh_from_db()
    assert bidder.is_suspended
    assert bidder.suspended_reason == "Shill bidding"
    assert bidder.suspended_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        moderation.user_reinstate(user=bidder, actor=moderator, reason="Appeal accepted")
    bidder.refresh_from_db()
    assert (bidder.is_suspended, bidder.suspended_reason, bidder.suspended_at) == (False, "", None)
    entries = list(AuditLog.objects.order_by("id"))
    assert [(e.action, e.actor, e.target_id, e.reason) for e in entries] == [
        ("user.suspend", moderator, str(bidder.pk), "Shill bidding"),
        ("user.reinstate", moderator, str(bidder.pk), "Appeal accepted"),
    ]
    assert [m.to for m in mail.outbox] == [[bidder.email], [bidder.email]]


def test_double_suspend_and_reinstating_an_active_user_are_refused(bidder, moderator):
    with pytest.raises(InvalidState):
        moderation.user_reinstate(user=bidder, actor=moderator, reason="why")
    moderation.user_suspend(user=bidder, actor=moderator, reason="first")
    with pytest.raises(InvalidState):
        moderation.user_suspend(user=bidder, actor=moderator, reason="second")
    bidder.refresh_from_db()
    assert bidder.suspended_reason == "first"
    assert audit_actions() == ["user.suspend"]


def test_suspension_limits(bidder, moderator, superuser, seller_a):
    other_moderator = make_moderator("moderator2")
    with pytest.raises(NotAllowed):
        moderation.user_suspend(user=moderator, actor=moderator, reason="me")
    with pytest.raises(NotAllowed):
        moderation.user_suspend(user=superuser, actor=moderator, reason="root")
    with pytest.raises(NotAllowed):
        moderation.user_suspend(user=other_moderator, actor=moderator, reason="peer")
    with pytest.raises(NotAllowed):
        moderation.user_suspend(user=bidder, actor=seller_a, reason="seller")
    with pytest.raises(InvalidReason):
        moderation.user_suspend(user=bidder, actor=moderator, reason="")
    assert not User.objects.filter(is_suspended=True).exists()
    # A superuser may suspend a moderator.
    moderation.user_suspend(user=other_moderator, actor=superuser, reason="abuse")
    other_moderator.refresh_from_db()
    assert other_moderator.is_suspended


def test_a_suspended_user_cannot_bid(bidder, moderator, seller_a):
    bid_place = pytest.importorskip("auctions.services.bidding").bid_place

    auction = make_auction(seller=seller_a)
    moderation.user_suspend(user=bidder, actor=moderator, reason="fraud")
    bidder.refresh_from_db()
    with pytest.raises(NotAllowed):
        bid_place(auction=auction, bidder=bidder, bid=BidRequest(1000, None, "r1"))
    assert not auction.bids.exists()


# --- reports ------------------------------------------------------------------------------------


def test_a_bidder_reports_a_public_auction_once(seller_a, bidder):
    auction = make_auction(seller=seller_a)
    report = moderation.auction_report(auction=auction, reporter=bidder, reason="counterfeit")
    assert (report.auction, report.reporter, report.reason) == (auction, bidder, "counterfeit")
    with pytest.raises(InvalidState):
        moderation.auction_report(auction=auction, reporter=bidder, reason="prohibited")
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    "reason, details",
    [("", ""), ("spam", ""), (None, ""), ("other", ""), ("other", "x" * 501), ("counterfeit", 7)],
)
def test_bad_reports_are_refused(seller_a, bidder, reason, details):
    auction = make_auction(seller=seller_a)
    with pytest.raises(InvalidReason):
        moderation.auction_report(auction=auction, reporter=bidder, reason=reason, details=details)
    assert not Report.objects.exists()


def test_sellers_cannot_report_their_own_and_nobody_reports_a_pending_listing(seller_a, bidder):
    own = make_auction(seller=seller_a)
    with pytest.raises(NotAllowed):
        moderation.auction_report(auction=own, reporter=seller_a, reason="prohibited")
    pending = make_auction(seller=seller_a, status=Auction.Status.PENDING)
    with pytest.raises(InvalidState):
        moderation.auction_report(auction=pending, reporter=bidder, reason="prohibited")
    assert not Report.objects.exists()


def test_resolving_a_report_is_audited_and_frees_the_reporter_to_report_again(
    seller_a, bidder, moderator
):
    auction = make_auction(seller=seller_a)
    report = moderation.auction_report(auction=auction, reporter=bidder, reason="misleading")
    moderation.report_resolve(report=report, actor=moderator, reason="Looks fine")
    report.refresh_from_db()
    assert report.resolved_by == moderator
    with pytest.raises(InvalidState):
        moderation.report_resolve(report=report, actor=moderator)
    with pytest.raises(NotAllowed):
        moderation.report_resolve(report=report, actor=bidder)
    assert audit_actions() == ["report.resolve"]
    moderation.auction_report(auction=auction, reporter=bidder, reason="misleading")
    assert Report.objects.filter(resolved_at__isnull=True).count() == 1


# --- relist -------------------------------------------------------------------------------------


def ended(seller, **fields):
    now = timezone.now()
    values = {
        "status": Auction.Status.ENDED,
        "starts_at": now - timedelta(days=3),
        "ends_at": now - timedelta(days=1),
        "reserve_price": 5000,
        "reserve_met": False,
        "settled_at": now - timedelta(days=1),
    }
    values.update(fields)
    return make_auction(seller=seller, **values)


def test_relist_copies_an_unsold_auction_with_new_times(seller_a, settings):
    settings.GAVEL_LISTING_APPROVAL = True
    original = ended(seller_a, title="Old clock", description="Ticks", buy_now_price=9000)
    copy = moderation.auction_relist(auction=original, actor=seller_a)
    assert copy.pk != original.pk
    assert (copy.title, copy.description, copy.seller) == ("Old clock", "Ticks", seller_a)
    assert (copy.starting_price, copy.reserve_price, copy.buy_now_price) == (1000, 5000, 9000)
    assert copy.status == Auction.Status.PENDING
    assert copy.ends_at - copy.starts_at == original.ends_at - original.starts_at
    assert copy.starts_at > original.ends_at
    assert (copy.winner, copy.final_price, copy.reserve_met) == (None, None, None)
    entry = AuditLog.objects.get(action="auction.relist")
    assert entry.target_id == str(original.pk)
    assert entry.data == {"new_auction_id": copy.pk}


def test_relist_is_refused_for_sold_live_or_already_relisted_auctions(seller_a, seller_b, bidder):
    sold = ended(seller_a, winner=bidder, final_price=6000, reserve_met=True)
    live = make_auction(seller=seller_a)
    for auction in (sold, live):
        with pytest.raises(InvalidState):
            moderation.auction_relist(auction=auction, actor=seller_a)
    unsold = ended(seller_a)
    with pytest.raises(NotAllowed):
        moderation.auction_relist(auction=unsold, actor=seller_b)
    count = Auction.objects.count()
    moderation.auction_relist(auction=unsold, actor=seller_a)
    with pytest.raises(InvalidState):
        moderation.auction_relist(auction=unsold, actor=seller_a)
    assert Auction.objects.count() == count + 1


def test_a_suspended_seller_cannot_relist(seller_a, moderator):
    unsold = ended(seller_a)
    moderation.user_suspend(user=seller_a, actor=moderator, reason="fraud")
    seller_a.refresh_from_db()
    count = Auction.objects.count()
    with pytest.raises(NotAllowed):
        moderation.auction_relist(auction=unsold, actor=seller_a)
    assert Auction.objects.count() == count


def test_relist_validates_the_new_times(seller_a):
    unsold = ended(seller_a)
    now = timezone.now()
    with pytest.raises(InvalidState):
        moderation.auction_relist(
            auction=unsold, actor=seller_a, starts_at=now, ends_at=now + timedelta(days=90)
        )
    assert not AuditLog.objects.exists()
