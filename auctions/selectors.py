"""Reads for pages, the JSON API and the WebSocket: the engine's live state plus page queries.

Live state (price, leader, effective end) comes from the engine (`auction_state_get` and
friends, re-exported here); everything else is a plain ORM query over the system of record.
"""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import (
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from accounts.models import User
from auctions import engine
from auctions.engine import auction_events_since, auction_state_get, auction_states_get
from auctions.models import Auction, AuctionEvent, Bid, Category, Watch

__all__ = [
    "auction_events_since",
    "auction_state_get",
    "auction_states_get",
    "auction_list",
    "auction_public_get",
    "auction_for_bid",
    "auction_bids_public",
    "auction_history_public",
    "auction_history_all",
    "history_lines",
    "recent_lines",
    "user_maximum",
    "increment_bands",
    "categories_list",
    "user_bids_summary",
    "user_watchlist",
    "user_won_auctions",
    "user_has_bid",
    "user_is_watching",
]

# A published auction stays on the open list this long past its set end: soft-close extensions
# keep it open beyond `ends_at`, and the worker settles it (status "ended") soon after the end.
OPEN_GRACE = timedelta(hours=1)

# How many bids the detail page and a WebSocket snapshot show.
RECENT_BIDS = 20
# The most bids one `GET /api/auctions/<id>/bids?since=` answer carries.
MAX_BIDS_PAGE = 500


def auction_public_get(*, auction_id) -> Auction | None:
    """The auction bidders may see with this id, or None (missing, draft, pending, rejected)."""
    return (
        Auction.objects.public().select_related("category", "seller").filter(pk=auction_id).first()
    )


# A bid's auction row, per process, for at most this long: a bid needs only the seller (who may
# not bid) and the listing's version from it; the engine's hot state decides the rest, and every
# listing change reaches the hot state directly (engine refresh), so a copy this old changes no
# outcome. Saves one SELECT per bid.
BID_TARGET_SECONDS = 1.0
_bid_targets: dict[int, tuple[float, Auction | None]] = {}


def auction_for_bid(*, auction_id: int) -> Auction | None:
    """`auction_public_get` for placing a bid, from a per-process copy at most a second old."""
    now = time.monotonic()
    cached = _bid_targets.get(auction_id)
    if cached is not None and now - cached[0] < BID_TARGET_SECONDS:
        return cached[1]
    auction = auction_public_get(auction_id=auction_id)
    if auction is not None:  # a lot about to be published must not stay "not found"
        _bid_targets[auction_id] = (now, auction)
    return auction


async def aauction_for_bid(*, auction_id: int) -> Auction | None:
    """`auction_for_bid` on the event loop: the process copy when fresh, else read on a ledger
    thread (never the thread `database_sync_to_async` shares)."""
    cached = _bid_targets.get(auction_id)
    if cached is not None and time.monotonic() - cached[0] < BID_TARGET_SECONDS:
        return cached[1]
    return await engine.offload(auction_id, auction_for_bid, auction_id=auction_id)


def forget_bid_target(*, auction_id: int) -> None:
    """Drop this process's copy (an auction saved here is read afresh by its next bid)."""
    _bid_targets.pop(auction_id, None)


SORTS = ("ending", "newest", "price_asc", "price_desc", "bids")


def _with_price_and_bids(auctions: QuerySet) -> QuerySet:
    """Annotate `list_price` (the final price, else the latest non-voided bid's price, else the
    starting price) and `list_bids` (non-voided bids), so lists sort without Redis."""
    latest = Bid.objects.filter(auction=OuterRef("pk"), voided=False).order_by("-seq")
    bid_count = (
        Bid.objects.filter(auction=OuterRef("pk"), voided=False)
        .values("auction")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return auctions.annotate(
        list_price=Coalesce("final_price", Subquery(latest.values("price")[:1]), "starting_price"),
        list_bids=Coalesce(Subquery(bid_count), Value(0)),
    )


def with_ended_at(auctions: QuerySet) -> QuerySet:
    """Annotate `ended_at`: when each auction ends or ended in fact, from the bid ledger.

    A buy it now ends it at that moment; otherwise soft close moved the set end to the last
    non-voided bid + the extension window when that is later, up to `hard_close_at` (the
    engine's rule: each accepted bid makes the end max(end, min(bid + window, hard close)), and
    a max of those is the last bid's). The lot page reads the same moment from the engine.
    """
    ledger = Bid.objects.filter(auction=OuterRef("pk"), voided=False).order_by("-placed_at")
    bought = ledger.filter(kind=Bid.Kind.BUY_NOW).values("placed_at")[:1]
    last_bid = ledger.filter(kind=Bid.Kind.BID).values("placed_at")[:1]
    extended = ExpressionWrapper(
        Subquery(last_bid) + F("extension_window"), output_field=DateTimeField()
    )
    soft = Least(Coalesce(extended, "ends_at"), Coalesce("hard_close_at", extended, "ends_at"))
    return auctions.annotate(
        ended_at=Coalesce(Subquery(bought), Greatest("ends_at", soft), output_field=DateTimeField())
    )


def auction_list(
    *, which: str = "open", q: str = "", category: str = "", sort: str = "ending"
) -> QuerySet:
    """Public auctions of one list: `open`, `upcoming`, `ended`, in the order `sort` names.

    `q` searches titles and descriptions (case-insensitive), `category` filters by slug. `sort`
    is one of `SORTS`: `ending` (the list's natural order: ending soonest first, starting soonest
    for upcoming, ended last first: by `ended_at`, when it ended in fact), `newest` (latest listed), `price_asc`, `price_desc`, `bids`
    (most bids first); anything else is `ending`.
    """
    now = timezone.now()
    auctions = Auction.objects.public().select_related("category")
    if which == "upcoming":
        auctions = auctions.filter(status=Auction.Status.SCHEDULED, starts_at__gt=now)
        natural = ("starts_at", "id")
    elif which == "ended":
        auctions = with_ended_at(
            auctions.filter(Q(status__in=[Auction.Status.ENDED, Auction.Status.CANCELLED]))
        )
        natural = ("-ended_at", "-id")
    else:
        auctions = auctions.filter(
            status=Auction.Status.SCHEDULED, starts_at__lte=now, ends_at__gt=now - OPEN_GRACE
        )
        natural = ("ends_at", "id")
    if q:
        auctions = auctions.filter(Q(title__icontains=q) | Q(description__icontains=q))
    if category:
        auctions = auctions.filter(category__slug=category)
    auctions = _with_price_and_bids(auctions)
    order = {
        "newest": ("-starts_at", "-id"),
        "price_asc": ("list_price", *natural),
        "price_desc": ("-list_price", *natural),
        "bids": ("-list_bids", *natural),
    }.get(sort, natural)
    return auctions.order_by(*order)


def categories_list() -> QuerySet:
    """Every category, by name."""
    return Category.objects.all()


def auction_bids_public(*, auction, since: int | None = None, limit: int = RECENT_BIDS) -> list:
    """Accepted, non-voided bids in seq order (newest last).

    With `since`, the first `limit` bids after it; without, the latest `limit`.
    """
    bids = Bid.objects.filter(auction=auction, voided=False).select_related("bidder", "leader")
    if since is not None:
        return list(bids.filter(seq__gt=since).order_by("seq")[:limit])
    return list(reversed(bids.order_by("-seq")[:limit]))


@dataclass(frozen=True)
class HistoryLine:
    """One line of the public bid history: a price and the person who made it (docs/design.md §4).

    `automatic` lines are the leader's maximum answering a bid at once; they share that bid's
    `seq` and come right after the bidder's own line. Never holds anyone's maximum.
    """

    seq: int
    price: int
    bidder: User
    placed_at: datetime
    automatic: bool = False

    @property
    def bidder_id(self) -> int:
        return self.bidder.pk


def history_lines(bids) -> list[HistoryLine]:
    """The history lines of ledger rows (all of an auction's non-voided rows in seq order, with
    `bidder` and `leader` loaded). One rule: every price someone was credited with is a line.

    - A bid is a line at its own amount. When it did not make the price itself (a maximum made
      it: the leader's answering it, or the bidder's own when it took the lead or met the
      reserve), the price is an automatic line credited to the new leader.
    - A maximum that is beaten is credited as the bid it made: an automatic line at its value
      (the loser's own ceiling), as eBay shows it; the winner's maximum never appears.
    - A leader raising their own maximum is no line (it would tell everyone they raised), unless
      it moved the price to meet the reserve: then an automatic line at the new price.
    - Buy it now is one line at its price.
    Lines of one row share its `seq` and go up in price.
    """
    lines: list[HistoryLine] = []
    ceilings: dict[int, int] = {}
    previous_leader: User | None = None
    previous_price = 0
    for bid in bids:
        offered = max(bid.amount or 0, bid.max_amount or 0)
        ceilings[bid.bidder_id] = max(ceilings.get(bid.bidder_id, 0), offered)
        credits: list[tuple[int, User, bool]] = []
        if bid.kind != Bid.Kind.BID:
            credits.append((bid.price, bid.bidder, False))
        elif previous_leader is not None and bid.bidder_id == previous_leader.pk:
            if bid.price != previous_price:
                credits.append((bid.price, bid.bidder, True))
        else:
            leader = bid.leader if bid.leader_id is not None else bid.bidder
            if bid.amount is not None:
                credits.append((bid.amount, bid.bidder, False))
            if leader.pk == bid.bidder_id:
                beaten, shown = previous_leader, previous_price
            else:
                beaten, shown = bid.bidder, bid.amount or 0
            if beaten is not None and shown < ceilings.get(beaten.pk, 0) <= bid.price:
                credits.append((ceilings[beaten.pk], beaten, True))
            made_by_maximum = leader.pk != bid.bidder_id or bid.price != bid.amount
            credits.append((bid.price, leader, made_by_maximum))
        seen: set[tuple[int, int]] = set()
        for price, who, automatic in sorted(credits, key=lambda credit: credit[0]):
            if (price, who.pk) not in seen:
                seen.add((price, who.pk))
                lines.append(HistoryLine(bid.seq, price, who, bid.placed_at, automatic))
        previous_leader = bid.leader if bid.leader_id is not None else bid.bidder
        previous_price = bid.price
    return lines


def recent_lines(lines: list[HistoryLine], *, limit: int = RECENT_BIDS) -> list[HistoryLine]:
    """The lines of the latest `limit` bids (rows) among `lines`, oldest first."""
    seqs = sorted({line.seq for line in lines})[-limit:] if limit else []
    keep = set(seqs)
    return [line for line in lines if line.seq in keep]


def auction_history_public(
    *, auction, since: int | None = None, limit: int = RECENT_BIDS
) -> list[HistoryLine]:
    """History lines, oldest first: with `since`, those of the first `limit` bids after it;
    without, those of the latest `limit` bids. Built over the whole ledger (`history_lines`
    needs every earlier maximum to credit a beaten one)."""
    lines = history_lines(auction_history_all(auction=auction))
    if since is None:
        return recent_lines(lines, limit=limit)
    seqs = sorted({line.seq for line in lines if line.seq > since})[:limit]
    keep = set(seqs)
    return [line for line in lines if line.seq in keep]


def auction_price_points(*, auction) -> tuple[list, list]:
    """The chart's data: `(seq, placed_at, price)` of every non-voided bid in seq order, and the
    moments the end was extended."""
    bids = list(
        Bid.objects.filter(auction=auction, voided=False)
        .order_by("seq")
        .values_list("seq", "placed_at", "price")
    )
    extensions = list(
        AuctionEvent.objects.filter(auction=auction, type=AuctionEvent.Type.EXTENDED)
        .order_by("seq")
        .values_list("created_at", flat=True)
    )
    return bids, extensions


def auction_history_all(*, auction):
    """Every non-voided bid of `auction` in seq order, for the paginated history page."""
    return (
        Bid.objects.filter(auction=auction, voided=False)
        .select_related("bidder", "leader")
        .order_by("seq")
    )


@dataclass(frozen=True)
class MyBid:
    """One auction the user bid on, as `/me/` shows it."""

    auction: Auction
    state: object  # AuctionState
    my_top: int  # the highest amount or maximum this user offered, in cents
    outcome: str  # "leading" | "outbid" | "won" | "lost"


def user_bids_summary(*, user) -> list[MyBid]:
    """Every public auction `user` bid on, with whether they lead, were outbid, won or lost."""
    tops = (
        Bid.objects.filter(bidder=user, voided=False)
        .values("auction_id")
        .annotate(top_amount=Max("amount"), top_max=Max("max_amount"), last=Max("placed_at"))
        .order_by("-last")
    )
    by_id = {row["auction_id"]: row for row in tops}
    auctions = list(Auction.objects.public().filter(pk__in=by_id).select_related("category"))
    states = auction_states_get(auctions=auctions) if auctions else {}
    summary = []
    for auction in sorted(auctions, key=lambda a: by_id[a.pk]["last"], reverse=True):
        state = states[auction.pk]
        row = by_id[auction.pk]
        my_top = max(row["top_amount"] or 0, row["top_max"] or 0)
        summary.append(MyBid(auction, state, my_top, _outcome(auction, state, user)))
    return summary


def _outcome(auction: Auction, state, user) -> str:
    if auction.status == Auction.Status.CANCELLED or state.status == "cancelled":
        return "lost"
    if auction.status == Auction.Status.ENDED:
        return "won" if auction.winner_id == user.pk else "lost"
    if state.status == "ended":
        # Ended by the clock but not settled yet: the leader wins if the reserve is met.
        return "won" if state.leader_id == user.pk and state.reserve_met else "lost"
    return "leading" if state.leader_id == user.pk else "outbid"


def user_watchlist(*, user) -> list[tuple[Auction, object]]:
    """The auctions `user` watches (public ones), soonest end first, with their live state."""
    auctions = list(
        Auction.objects.public()
        .filter(watches__user=user)
        .select_related("category")
        .order_by("ends_at", "id")
    )
    states = auction_states_get(auctions=auctions) if auctions else {}
    return [(auction, states[auction.pk]) for auction in auctions]


def user_won_auctions(*, user) -> QuerySet:
    """Settled auctions `user` won, latest first."""
    won = Auction.objects.filter(winner=user, status=Auction.Status.ENDED)
    return with_ended_at(won).order_by("-ended_at", "-id")


def user_has_bid(*, user, auction) -> bool:
    """Whether `user` has an accepted, non-voided bid on `auction`."""
    return Bid.objects.filter(auction=auction, bidder=user, voided=False).exists()


def user_is_watching(*, user, auction) -> bool:
    """Whether `user` has `auction` on their watchlist."""
    if not user.is_authenticated:
        return False
    return Watch.objects.filter(user=user, auction=auction).exists()


def user_maximum(*, user, auction) -> int | None:
    """The highest maximum `user` set on `auction` (non-voided bids), for their eyes only."""
    if not user.is_authenticated:
        return None
    return Bid.objects.filter(auction=auction, bidder=user, voided=False).aggregate(
        top=Max("max_amount")
    )["top"]


def increment_bands(*, auction) -> list[tuple[int, int | None, int]]:
    """The bid increments that apply to `auction`, for people: (from, below or None, step) in
    minor units, one row per band of `GAVEL_INCREMENT_TABLE`, or one row for the seller's
    fixed increment. The minimum next bid is the price plus the step of the price's band."""
    if auction.increment:
        return [(0, None, int(auction.increment))]
    bands, start = [], 0
    for below, step in settings.GAVEL_INCREMENT_TABLE:
        bands.append((start, None if below is None else int(below), int(step)))
        if below is None:
            break
        start = int(below)
    return bands
