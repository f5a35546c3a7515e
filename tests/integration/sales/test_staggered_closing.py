"""Staggered closing on real Redis and PostgreSQL: 100 lots at 1 s intervals close one after
another in lot order, each settled once; a bid in a lot's last seconds extends that lot only.

Redis TIME cannot be faked, so the clock advances by moving the whole sale one second into the
past at a time (every lot's stored moments, in the database and in its hot state), as the
engine tests do for one auction; the close itself is decided in Redis as in production.
"""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from auctions.engine import hot_state
from auctions.engine.api import auction_state_get
from auctions.models import Auction, AuctionEvent, Bid
from auctions.services.lifecycle import auction_settle
from sales.models import Sale
from sales.services.registration import registration_create
from sales.services.schedule import sale_publish
from tests.factories import make_user
from tests.integration.engine.helpers import bid
from tests.integration.sales.factories import make_lot, make_sale

pytestmark = pytest.mark.django_db

LOTS = 100
WINDOW = timedelta(seconds=5)
EXTENDED = {10, 40, 77}  # bid on in their last seconds
EARLY = {5, 60}  # bid on long before their end


def advance(sale: Sale, delta: timedelta) -> None:
    """Every lot of the sale `delta` further into the past: the clock moving by `delta`."""
    Auction.objects.filter(sale=sale).update(
        starts_at=F("starts_at") - delta, ends_at=F("ends_at") - delta
    )
    Bid.objects.filter(auction__sale=sale).update(placed_at=F("placed_at") - delta)
    for lot in Auction.objects.filter(sale=sale):
        hot_state.shift_times(lot, delta // timedelta(milliseconds=1))


def test_a_hundred_lots_close_in_lot_order_each_once_with_soft_close_on_some(
    real_engine_redis, postgres_db, django_capture_on_commit_callbacks
):
    sale = make_sale(ends_at=timezone.now() + timedelta(seconds=10), closing_interval=1)
    for number in range(1, LOTS + 1):
        make_lot(sale, number, extension_window=WINDOW)
    with django_capture_on_commit_callbacks(execute=True):
        sale_publish(sale=sale, actor=sale.house)
    alice, bob = make_user(), make_user()
    with django_capture_on_commit_callbacks(execute=True):
        for user in (alice, bob):
            registration_create(sale=sale, bidder=user)
    lots = {lot.lot_number: lot for lot in Auction.objects.filter(sale=sale)}
    listed_end = {number: lot.ends_at - sale.ends_at for number, lot in lots.items()}
    assert listed_end[1] == timedelta(0) and listed_end[LOTS] == timedelta(seconds=LOTS - 1)
    for number in EARLY:
        bid(lots[number], alice, 1000)

    settled_order: list[int] = []
    extended_to: dict[int, int] = {}
    for _step in range(LOTS + 40):
        now = timezone.now()
        fresh = {lot.lot_number: lot for lot in Auction.objects.filter(sale=sale)}
        for number in sorted(EXTENDED - set(extended_to)):
            remaining = fresh[number].ends_at - now
            # Late enough that the new end (now + 5 s) is after the next lot's end.
            if timedelta(seconds=1) < remaining < timedelta(seconds=2.5):
                outcome = bid(fresh[number], bob, 1500)
                assert outcome.ends_at > fresh[number].ends_at  # soft close: this lot moved
                extended_to[number] = outcome.state.seq
        due = [n for n, lot in sorted(fresh.items()) if lot.ends_at <= now and not lot.settled_at]
        for number in due:
            if auction_settle(auction=fresh[number]):
                settled_order.append(number)
        waiting = sorted(n for n in fresh if n not in settled_order)
        if not waiting:
            break
        # Nothing closes before its time: the next lot not yet due refuses to close.
        ahead = [n for n in waiting if fresh[n].ends_at - timezone.now() > timedelta(seconds=0.5)]
        if ahead:
            assert auction_settle(auction=fresh[ahead[0]]) is False
        advance(sale, timedelta(seconds=1))

    assert sorted(settled_order) == list(range(1, LOTS + 1))
    plain = [n for n in settled_order if n not in EXTENDED]
    assert plain == sorted(plain), "lots without a late bid close in lot order"
    assert set(extended_to) == EXTENDED
    for number in EXTENDED:
        # Closed after lots it was scheduled before: its own soft close only.
        assert settled_order.index(number) > settled_order.index(number + 1)
    for number, lot in lots.items():
        ended = AuctionEvent.objects.filter(auction=lot, type=AuctionEvent.Type.ENDED)
        assert ended.count() == 1, f"lot {number} settled once"
        extensions = AuctionEvent.objects.filter(auction=lot, type=AuctionEvent.Type.EXTENDED)
        assert extensions.exists() == (number in EXTENDED), f"lot {number}"
        lot.refresh_from_db()
        assert lot.status == Auction.Status.ENDED
        assert auction_settle(auction=lot) is False
        assert auction_state_get(auction=lot).status == "ended"
    for number in EARLY | EXTENDED:
        lots[number].refresh_from_db()
        assert lots[number].winner is not None
