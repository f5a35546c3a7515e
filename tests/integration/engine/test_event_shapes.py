"""Every event a write produces has its declared shape (`auctions.engine.shapes`), like Zulip's
event schemas: exactly the keys of its TypedDict, each value of the declared type. One test per
event type, each producing the event through the real services and the embedded engine."""

import types
import typing
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from auctions.engine.shapes import (
    PUBLIC_SHAPES,
    OutbidEvent,
    ViewersEvent,
    WonEvent,
    viewers_event,
)
from auctions.events import broadcast
from auctions.models import AuctionEvent, Bid
from auctions.services.lifecycle import auction_cancel, auction_settle, bid_void
from tests.factories import make_auction, make_moderator, make_user
from tests.integration.engine.helpers import bid, shift_time

pytestmark = pytest.mark.django_db


def _matches(value, hint) -> bool:
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def check_shape(event: dict, shape: type) -> None:
    """Fail unless `event` has exactly the keys of `shape`, each of its declared type."""
    hints = typing.get_type_hints(shape)
    assert set(event) == set(hints), shape.__name__
    for key, hint in hints.items():
        assert _matches(event[key], hint), (shape.__name__, key, event[key])


@pytest.fixture
def sent():
    """Group messages sent during the test, as (group, message) pairs."""
    messages: list[tuple[str, dict]] = []
    with mock.patch.object(broadcast, "_send", side_effect=lambda g, m: messages.append((g, m))):
        yield messages


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a write and run its after-commit callbacks (broadcasts, notices) as it returns."""

    def call(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return call


def events_of(messages, kind):
    found = [message["event"] for _, message in messages if message["type"] == kind]
    assert found, f"no {kind} event was sent"
    return found


def test_the_checker_refuses_a_missing_key_and_a_wrong_type():
    good = viewers_event(auction_id=1, count=2)
    check_shape(good, ViewersEvent)
    with pytest.raises(AssertionError):
        check_shape({**good, "count": "2"}, ViewersEvent)
    with pytest.raises(AssertionError):
        check_shape({"type": "viewers", "auction_id": 1}, ViewersEvent)


def test_bid_and_outbid(sent, run):
    auction = make_auction()
    alice, bob = make_user(), make_user()
    run(bid, auction, alice, 1000)
    run(bid, auction, bob, 2000, max_amount=5000)
    for event in events_of(sent, "bid"):
        check_shape(event, PUBLIC_SHAPES["bid"])
    for event in events_of(sent, "outbid"):
        check_shape(event, OutbidEvent)


def test_extended(sent, run):
    now = timezone.now()
    auction = make_auction(ends_at=now + timedelta(seconds=30))
    run(bid, auction, make_user(), 1000)
    for event in events_of(sent, "extended"):
        check_shape(event, PUBLIC_SHAPES["extended"])


def test_ended_and_won(sent, run):
    auction = make_auction()
    run(bid, auction, make_user(), 1000)
    shift_time(auction, timedelta(hours=2))
    assert run(auction_settle, auction=auction)
    for event in events_of(sent, "ended"):
        check_shape(event, PUBLIC_SHAPES["ended"])
    for event in events_of(sent, "won"):
        check_shape(event, WonEvent)


def test_ended_without_a_winner(sent, run):
    auction = make_auction()
    shift_time(auction, timedelta(hours=2))
    assert run(auction_settle, auction=auction)
    [event] = events_of(sent, "ended")
    check_shape(event, PUBLIC_SHAPES["ended"])
    assert event["winner"] is None and event["final_price"] is None


def test_cancelled(sent, run):
    auction = make_auction()
    run(auction_cancel, auction=auction, actor=make_moderator(), reason="Counterfeit")
    for event in events_of(sent, "cancelled"):
        check_shape(event, PUBLIC_SHAPES["cancelled"])


def test_bid_voided(sent, run):
    auction = make_auction()
    run(bid, auction, make_user(), 1000)
    row = Bid.objects.get(auction=auction)
    run(bid_void, bid=row, actor=make_moderator(), reason="Shill bidding")
    for event in events_of(sent, "bid_voided"):
        check_shape(event, PUBLIC_SHAPES["bid_voided"])


def test_the_stored_payloads_have_the_broadcast_shapes(sent, run):
    auction = make_auction(ends_at=timezone.now() + timedelta(seconds=30))
    run(bid, auction, make_user(), 1000)
    run(bid_void, bid=Bid.objects.get(auction=auction), actor=make_moderator(), reason="Test")
    run(auction_cancel, auction=auction, actor=make_moderator(), reason="Test")
    stored = AuctionEvent.objects.filter(auction=auction).order_by("seq")
    assert [row.type for row in stored] == ["bid", "extended", "bid_voided", "cancelled"]
    for row in stored:
        check_shape(row.payload, PUBLIC_SHAPES[row.type])
