"""The benchmark's baseline: the same bid rules done the straightforward Django way.

No Redis: one PostgreSQL transaction per bid that locks the auction row (`select_for_update`),
reads what the rules need from the ledger (per-bidder ceilings in one GROUP BY, the last bid
for the price and the soft-close end), validates and applies the bid with `rules.py` (the same
reference the Lua script agrees with), writes the `Bid` row and commits. Every bid of one
auction queues on that row lock — which is the cost Gavel's design removes.

Out of scope for the baseline (it only has to be fair on the benchmark's workload): voided bids,
idempotent retries beyond the ledger's unique constraint, events and broadcasting.
"""

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.db.models.functions import Greatest
from django.utils import timezone

from auctions.engine import rules
from auctions.models import Auction, Bid
from core import errors
from core.money import format_amount

_REFUSALS = {
    rules.AUCTION_NOT_OPEN: errors.AuctionNotOpen,
    rules.AUCTION_ENDED: errors.AuctionEnded,
    rules.INVALID_AMOUNT: errors.InvalidAmount,
    rules.NOT_ALLOWED: errors.NotAllowed,
}


@dataclass(frozen=True)
class NaiveAccepted:
    seq: int
    price: int
    leader_id: int | None
    min_bid: int


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def params_of(auction: Auction) -> rules.Params:
    """The reference rules' view of an auction's settings (times in epoch milliseconds)."""
    return rules.Params(
        starting_price=auction.starting_price,
        starts_at=_ms(auction.starts_at),
        ends_at=_ms(auction.ends_at),
        extension=int(auction.extension_window.total_seconds() * 1000),
        hard_close_at=_ms(auction.hard_close_at) if auction.hard_close_at else None,
        reserve_price=auction.reserve_price,
        buy_now_price=auction.buy_now_price,
        increment=auction.increment,
        increment_table=rules.table_from_setting(settings.GAVEL_INCREMENT_TABLE),
    )


def current_state(auction: Auction, params: rules.Params) -> tuple[rules.State, int]:
    """The auction's state and last seq, read from the ledger with two queries.

    A bidder's ceiling only grows while no bid is voided, so their highest offer is reached at
    their latest bid: that seq orders ties the way `rules.py` does. The price never falls below
    the current price, so the current price stands in for "what the leader bid to lead".
    """
    bids = Bid.objects.filter(auction=auction)
    # PostgreSQL's GREATEST skips NULLs: a bare maximum or a bare amount is the offer.
    per_bidder = (
        bids.filter(voided=False)
        .values("bidder_id")
        .annotate(ceiling=Max(Greatest("amount", "max_amount")), last=Max("seq"), n=Count("id"))
    )
    ceilings = {row["bidder_id"]: (row["ceiling"], row["last"]) for row in per_bidder}
    last = bids.order_by("-seq").values("seq", "price", "placed_at", "kind").first()
    state = rules.initial(params)
    if last is None or not ceilings:
        return state, last["seq"] if last else 0
    leader = min(ceilings, key=lambda bidder: (-ceilings[bidder][0], ceilings[bidder][1]))
    ends_at = params.ends_at
    if params.extension > 0:
        # Bids arrive in time order, so the latest one decides how far soft close moved the end.
        extended = _ms(last["placed_at"]) + params.extension
        if params.hard_close_at is not None:
            extended = min(extended, params.hard_close_at)
        ends_at = max(ends_at, extended)
    state = replace(
        state,
        price=last["price"],
        bid_count=sum(row["n"] for row in per_bidder),
        leader=leader,
        leader_max=ceilings[leader][0],
        leader_amount=last["price"],
        ends_at=ends_at,
        bought=last["kind"] == Bid.Kind.BUY_NOW,
        ceilings=ceilings,
    )
    # The reference's own derivation of min bid, reserve met and buy-now availability.
    return rules._finish(params, state), last["seq"]


def naive_bid_place(
    *, auction_id: int, bidder, amount: int | None, max_amount: int | None = None, request_id: str
) -> NaiveAccepted:
    """Place a bid under a row lock; raises the same `GavelError`s as Gavel's `bid_place`."""
    if bidder.is_suspended or not bidder.is_active:
        raise errors.NotAllowed()
    with transaction.atomic():
        auction = Auction.objects.select_for_update().get(pk=auction_id)
        if auction.seller_id == bidder.pk:
            raise errors.SellerCannotBid()
        if auction.status != Auction.Status.SCHEDULED:
            raise errors.AuctionNotOpen()
        params = params_of(auction)
        state, last_seq = current_state(auction, params)
        now = timezone.now()
        refusal = rules.validate(
            params,
            state,
            bidder=bidder.pk,
            amount=amount,
            max_amount=max_amount,
            kind=rules.BID,
            now=_ms(now),
        )
        if refusal is not None:
            code, min_bid = refusal
            if code == rules.BID_TOO_LOW:
                raise errors.BidTooLow(min_bid=format_amount(min_bid))
            raise _REFUSALS[code]()
        entry = rules.Entry(
            bidder=bidder.pk,
            amount=amount,
            max_amount=max_amount,
            kind=rules.BID,
            placed_at=_ms(now),
        )
        after = rules.apply(params, state, entry, last_seq + 1)
        Bid.objects.create(
            auction=auction,
            bidder=bidder,
            seq=last_seq + 1,
            kind=Bid.Kind.BID,
            amount=amount,
            max_amount=max_amount,
            price=after.price,
            placed_at=now,
            request_id=request_id,
        )
    return NaiveAccepted(
        seq=last_seq + 1, price=after.price, leader_id=after.leader, min_bid=after.min_bid
    )


def ledger_state(auction: Auction) -> rules.State:
    """The reference state of the auction's whole ledger (to check the baseline's answers)."""
    entries = [
        rules.Entry(
            bidder=bid.bidder_id,
            amount=bid.amount,
            max_amount=bid.max_amount,
            kind=bid.kind,
            placed_at=_ms(bid.placed_at.astimezone(UTC)),
        )
        for bid in Bid.objects.filter(auction=auction, voided=False).order_by("seq")
    ]
    return rules.replay(params_of(auction), entries)
