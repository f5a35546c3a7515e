"""Seller actions racing a bid, on fakeredis and real Redis: the seller's cancel and the
seller's edit are decided atomically in Redis against bids, so a bid that lands after every
check made in Python is neither cancelled with the auction nor re-priced under its bidder."""

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.db import DatabaseError, transaction
from django.urls import reverse

from auctions.engine import clock, hot_state, ledger, rules
from auctions.engine import lifecycle as engine_lifecycle
from auctions.engine.api import auction_state_get
from auctions.models import Auction, AuctionEvent, Bid
from auctions.services import lifecycle, moderation
from auctions.services.bidding import BidRequest, bid_place
from auctions.worker import run_once
from core.errors import HasBids, InvalidState, Unavailable
from tests.admin_forms import change_form
from tests.factories import make_auction

pytestmark = pytest.mark.django_db

PARAMS = (
    "starts_at",
    "ends_at",
    "hard_close_at",
    "extension_window",
    "starting_price",
    "reserve_price",
    "buy_now_price",
    "increment",
)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def call(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return call


def place(auction, bidder, amount, request_id):
    return bid_place(auction=auction, bidder=bidder, bid=BidRequest(amount, None, request_id))


def hot(auction, *names):
    """The hot state's copy of these listing fields, as stored."""
    stored = hot_state.listing_stored(auction)
    return [stored[name] for name in names]


def place_in_redis_only(auction, bidder, amount):
    """A bid the engine accepted whose ledger row is not written yet (the ledger trails Redis)."""
    with mock.patch.object(ledger, "record", side_effect=DatabaseError("slow disk")):
        with pytest.raises(Unavailable):
            place(auction, bidder, amount, "late")
    assert not Bid.objects.filter(auction=auction).exists()
    assert auction_state_get(auction=auction).bid_count == 1


# --- the seller's cancel ------------------------------------------------------------------------


def test_a_bid_landing_after_the_sellers_checks_makes_the_cancel_refuse(
    engine_redis, run, seller_a, bidder
):
    auction = make_auction(seller=seller_a)
    real = engine_lifecycle._lifecycle

    def bid_first(*args, **kwargs):
        # The bid lands after every check auction_cancel_by_seller makes in Python.
        place(auction, bidder, 1000, "racer")
        return real(*args, **kwargs)

    with mock.patch.object(engine_lifecycle, "_lifecycle", side_effect=bid_first):
        with pytest.raises(InvalidState) as refused:
            run(moderation.auction_cancel_by_seller, auction=auction, actor=seller_a, reason="Mine")
    assert refused.value.code == "HAS_BIDS"
    state = auction_state_get(auction=auction)
    assert (state.status, state.bid_count, state.leader_id) == ("active", 1, bidder.pk)
    auction.refresh_from_db()
    assert auction.status == Auction.Status.SCHEDULED
    assert list(AuctionEvent.objects.filter(auction=auction).values_list("type", flat=True)) == [
        "bid"
    ]


def test_the_seller_cannot_cancel_a_bid_the_ledger_does_not_hold_yet(
    engine_redis, run, seller_a, bidder, moderator
):
    auction = make_auction(seller=seller_a)
    place_in_redis_only(auction, bidder, 1000)
    with pytest.raises(HasBids):
        run(moderation.auction_cancel_by_seller, auction=auction, actor=seller_a, reason="Mine")
    assert auction_state_get(auction=auction).status == "active"
    # Staff cancel is unchanged: any time before the end, bids or not.
    run(moderation.auction_cancel_by_staff, auction=auction, actor=moderator, reason="Fraud")
    assert auction_state_get(auction=auction).status == "cancelled"


def test_the_engine_cancel_refuses_has_bids_only_when_asked(engine_redis, seller_a, bidder):
    quiet, busy = make_auction(seller=seller_a), make_auction(seller=seller_a)
    place(busy, bidder, 1000, "b1")
    with pytest.raises(lifecycle.HasBids) as refused:
        lifecycle.auction_cancel(auction=busy, actor=seller_a, reason="x", only_without_bids=True)
    assert refused.value.code == "HAS_BIDS"
    assert refused.value.http_status == 409
    assert auction_state_get(auction=busy).status == "active"
    lifecycle.auction_cancel(auction=quiet, actor=seller_a, reason="x", only_without_bids=True)
    assert auction_state_get(auction=quiet).status == "cancelled"


# --- the seller's edit --------------------------------------------------------------------------


def test_a_refresh_after_a_bid_copies_status_and_stamp_but_no_price_or_time(engine_redis, bidder):
    auction = make_auction(starting_price=1000, reserve_price=5000, buy_now_price=9000)
    place(auction, bidder, 1000, "b1")
    before = hot(auction, *PARAMS)
    Auction.objects.filter(pk=auction.pk).update(
        starting_price=100,
        reserve_price=None,
        buy_now_price=1500,
        increment=500,
        starts_at=auction.starts_at - timedelta(hours=1),
        ends_at=auction.ends_at - timedelta(minutes=30),
        hard_close_at=auction.ends_at,
        extension_window=timedelta(0),
        status=Auction.Status.CANCELLED,
        updated_at=auction.updated_at + timedelta(seconds=5),
    )
    edited = Auction.objects.get(pk=auction.pk)
    hot_state.refresh(edited)
    assert hot(auction, *PARAMS) == before
    assert hot(auction, "status", "updated_at") == [
        "cancelled",
        str(clock.to_ms(edited.updated_at)),
    ]
    state = auction_state_get(auction=auction)
    assert (state.status, state.price, state.min_bid, state.has_reserve) == (
        "cancelled",
        1000,
        1050,
        True,
    )


def test_a_refresh_before_the_first_bid_still_copies_everything(engine_redis):
    auction = make_auction(starting_price=1000)
    auction_state_get(auction=auction)
    Auction.objects.filter(pk=auction.pk).update(
        starting_price=2500,
        ends_at=auction.ends_at + timedelta(hours=1),
        updated_at=auction.updated_at + timedelta(seconds=5),
    )
    edited = Auction.objects.get(pk=auction.pk)
    hot_state.refresh(edited)
    state = auction_state_get(auction=auction)
    assert (state.price, state.min_bid) == (2500, 2500)
    assert clock.to_ms(state.ends_at) == clock.to_ms(edited.ends_at)


def test_an_admin_edit_racing_the_first_bid_keeps_the_prices_and_times_bids_saw(
    engine_redis, client, run, seller_a, bidder
):
    auction = make_auction(seller=seller_a, starting_price=1000, reserve_price=5000)
    original = Auction.objects.get(pk=auction.pk)
    # The form was rendered with editable prices; then a bid lands, still only in Redis, so
    # the admin's own "bids exist" check at save time does not see it either.
    place_in_redis_only(auction, bidder, 1000)
    client.force_login(seller_a)
    later_end = auction.ends_at - timedelta(minutes=30)
    response = run(
        client.post,
        path=reverse("admin:auctions_auction_change", args=[auction.pk]),
        data=change_form(
            auction,
            starting_price="1.00",
            reserve_price="",
            description="Now boxed",
            ends_at_0=later_end.strftime("%Y-%m-%d"),
            ends_at_1=later_end.strftime("%H:%M:%S"),
        ),
    )
    assert response.status_code == 302
    warnings = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert len(warnings) == 1 and "starting_price" in warnings[0], warnings
    auction.refresh_from_db()
    assert auction.description == "Now boxed"
    assert (auction.starting_price, auction.reserve_price) == (1000, 5000)
    assert clock.to_ms(auction.ends_at) == clock.to_ms(original.ends_at)
    # The database and the engine agree: replaying the ledger gives the live state.
    assert run_once().reconciled == 1
    replayed = rules.replay(hot_state.params_of(auction), hot_state.ledger_of(auction.pk))
    state = auction_state_get(auction=auction)
    assert (state.price, state.min_bid, state.reserve_met) == (
        replayed.price,
        replayed.min_bid,
        replayed.reserve_met,
    )
    assert clock.to_ms(state.ends_at) == replayed.ends_at


def test_the_edit_guard_puts_back_only_what_bids_froze(engine_redis, seller_a, bidder):
    auction = make_auction(seller=seller_a, starting_price=1000, buy_now_price=9000)
    place(auction, bidder, 1000, "b1")
    with transaction.atomic():
        row = Auction.objects.get(pk=auction.pk)
        row.buy_now_price, row.increment, row.description = 2000, 300, "New text"
        row.save()
        kept = moderation.engine_refresh(row)
    assert kept == ["buy_now_price", "increment"]
    row.refresh_from_db()
    assert (row.buy_now_price, row.increment, row.description) == (9000, None, "New text")
    assert hot(auction, "buy_now_price")[0] == "9000"


def test_the_edit_guard_copies_the_parameters_at_once_before_any_bid(engine_redis, seller_a):
    auction = make_auction(seller=seller_a, starting_price=1000)
    auction_state_get(auction=auction)
    with transaction.atomic():
        row = Auction.objects.get(pk=auction.pk)
        row.starting_price = 2500
        row.save()
        # Before the commit: a bid from now on is placed under the new price.
        assert moderation.engine_refresh(row) == []
        assert hot(auction, "starting_price") == ["2500"]
        assert auction_state_get(auction=auction).price == 2500
    assert Auction.objects.get(pk=auction.pk).starting_price == 2500
