"""The database itself enforces the auction rules a form could forget (check constraints),
and `Auction.clean` reports the same rules as field errors."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from auctions.models import Auction, Bid
from core.models import AuditLog
from tests.factories import make_auction, make_seller, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "fields",
    [
        {"starting_price": 0},
        {"starting_price": -100},
        {"starting_price": 1000, "reserve_price": 999},
        {"starting_price": 1000, "buy_now_price": 1000},
        {"increment": 0},
        {"ends_at_offset": timedelta(0)},
        {"ends_at_offset": -timedelta(hours=1)},
        {"hard_close_offset": -timedelta(minutes=1)},
        {"extension_window": -timedelta(seconds=1)},
    ],
    ids=lambda fields: ",".join(fields),
)
def test_check_constraints_refuse_invalid_auctions(fields):
    seller = make_seller()
    start = timezone.now()
    values = {"starting_price": 1000, "starts_at": start, "ends_at": start + timedelta(hours=1)}
    values.update(fields)
    if "ends_at_offset" in values:
        values["ends_at"] = start + values.pop("ends_at_offset")
    if "hard_close_offset" in values:
        values["hard_close_at"] = values["ends_at"] + values.pop("hard_close_offset")
    with pytest.raises(IntegrityError), transaction.atomic():
        Auction.objects.create(seller=seller, title="Bad", **values)


def test_clean_reports_each_rule_on_its_field():
    start = timezone.now()
    auction = Auction(
        seller=make_seller(),
        title="Bad",
        starting_price=1000,
        reserve_price=500,
        buy_now_price=900,
        starts_at=start,
        ends_at=start - timedelta(minutes=5),
    )
    with pytest.raises(ValidationError) as error:
        auction.full_clean()
    assert {"reserve_price", "buy_now_price", "ends_at"} <= set(error.value.message_dict)


def test_clean_enforces_site_duration_bounds(settings):
    start = timezone.now()
    too_long = Auction(
        seller=make_seller(),
        title="Long",
        starting_price=1000,
        starts_at=start,
        ends_at=start + settings.GAVEL_MAX_DURATION + timedelta(seconds=1),
    )
    with pytest.raises(ValidationError) as error:
        too_long.full_clean()
    assert "ends_at" in error.value.message_dict


def make_bid(auction, bidder, **fields):
    values = {
        "seq": 1,
        "amount": 1000,
        "price": 1000,
        "placed_at": timezone.now(),
        "request_id": "r1",
    }
    values.update(fields)
    return Bid.objects.create(auction=auction, bidder=bidder, **values)


def test_bid_seq_is_unique_per_auction_and_request_id_per_bidder():
    auction, bidder = make_auction(), make_user()
    make_bid(auction, bidder)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_bid(auction, make_user(), request_id="other")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_bid(auction, bidder, seq=2)
    make_bid(make_auction(), bidder)  # the same request id on another auction is another bid


@pytest.mark.parametrize(
    "fields",
    [
        {"amount": None, "max_amount": None},
        {"amount": 2000, "max_amount": 1000},
        {"price": 0},
        {"amount": -5},
    ],
)
def test_bid_constraints(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_bid(make_auction(), make_user(), **fields)


def test_audit_log_is_append_only():
    entry = AuditLog.objects.create(action="test", target_type="x", target_id="1")
    entry.reason = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.update(reason="changed")
    with pytest.raises(PermissionError):
        AuditLog.objects.all().delete()
    assert AuditLog.objects.get().reason == ""


def test_a_seller_shows_their_public_name_or_else_their_username():
    seller = make_seller("sam")
    assert seller.display_name == "sam"
    seller.public_name = "Sam's Watches"
    seller.save()
    assert seller.display_name == "Sam's Watches"


def test_two_users_cannot_share_a_public_name_whatever_its_case():
    make_user("one", public_name="Vintage Co")
    make_user("two", public_name="")
    make_user("three", public_name="")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_user("four", public_name="vintage co")
