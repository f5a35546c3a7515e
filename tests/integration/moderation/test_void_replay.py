"""Property: after voiding any bids of any ledger, the engine's live state is exactly what the
reference rules compute from the ledger without the voided bids (docs/design.md §3)."""

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from auctions.engine import hot_state, rules
from auctions.engine.api import auction_state_get
from auctions.models import Bid
from auctions.services import moderation
from auctions.services.bidding import BidRequest, bid_place
from core.errors import GavelError
from tests.factories import make_auction, make_moderator, make_seller, make_user

pytestmark = pytest.mark.django_db

# (bidder index, cents above the minimum bid, optional extra maximum above the amount)
attempts = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.integers(0, 400),
        st.one_of(st.none(), st.integers(0, 3000)),
    ),
    min_size=2,
    max_size=7,
)


@pytest.fixture
def cast(db, settings):
    settings.GAVEL_BID_RATE_LIMIT = (100_000, 10)  # many examples, the same three bidders
    return {
        "seller": make_seller("seller_v"),
        "moderator": make_moderator("moderator_v"),
        "bidders": [make_user(f"bidder_v{n}") for n in range(3)],
    }


def comparable(state_price, leader, count, min_bid, reserve_met, leader_max):
    return {
        "price": state_price,
        "leader": leader,
        "bid_count": count,
        "min_bid": min_bid,
        "reserve_met": reserve_met,
        "leader_max": leader_max,
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    ledger=attempts,
    reserve=st.one_of(st.none(), st.integers(1000, 4000)),
    voids=st.lists(st.integers(0, 6), min_size=1, max_size=3, unique=True),
)
def test_void_then_replay_equals_the_reference_rules(
    engine_redis, cast, django_capture_on_commit_callbacks, ledger, reserve, voids
):
    auction = make_auction(seller=cast["seller"], starting_price=1000, reserve_price=reserve)
    for n, (who, above, extra) in enumerate(ledger):
        state = auction_state_get(auction=auction)
        bidder = cast["bidders"][who]
        if state.leader_id == bidder.pk:
            amount, maximum = None, (state.leader_max or 0) + 1 + above + (extra or 0)
        else:
            amount = state.min_bid + above
            maximum = None if extra is None else amount + extra
        try:
            with django_capture_on_commit_callbacks(execute=True):
                bid_place(auction=auction, bidder=bidder, bid=BidRequest(amount, maximum, f"p{n}"))
        except GavelError:
            continue
    placed = list(Bid.objects.filter(auction=auction).order_by("seq"))
    chosen = sorted({index % len(placed) for index in voids}) if placed else []
    for index in chosen:
        with django_capture_on_commit_callbacks(execute=True):
            moderation.bid_void_by_staff(
                bid=placed[index], actor=cast["moderator"], reason="property"
            )
    event(f"voided {len(chosen)} of {len(placed)}")
    auction.refresh_from_db()
    expected = rules.replay(hot_state.params_of(auction), hot_state.ledger_of(auction.pk))
    live = auction_state_get(auction=auction)
    assert comparable(
        live.price, live.leader_id, live.bid_count, live.min_bid, live.reserve_met, live.leader_max
    ) == comparable(
        expected.price,
        expected.leader,
        expected.bid_count,
        expected.min_bid,
        expected.reserve_met,
        expected.leader_max,
    )
    assert live.bid_count == Bid.objects.filter(auction=auction, voided=False).count()
