"""Server-rendered pages for bidders. They work without JavaScript: forms post and redirect back
(PRG) with a message in words a bidder understands, built from the engine's error codes.
"""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from auctions import presence, selectors, wire
from auctions.forms import BidForm, BuyNowForm
from auctions.services.bidding import bid_place, buy_now
from auctions.services.watchlist import watch_add, watch_remove
from auctions.views.answers import answer_for, bid_answer, buy_answer, state_answer
from auctions.views.chart import price_chart
from auctions.views.presenters import (
    BARRIER_MESSAGES,
    accepted_message,
    bidding_barrier,
    countdown,
    end_result,
    leader_status,
    refusal_message,
)
from core.errors import BidTooLow, GavelError, Unavailable
from core.inputs import new_request_id
from core.money import format_amount
from core.outage import wants_json
from core.templatetags.money import format_money
from orders.selectors import order_of_winner

logger = logging.getLogger(__name__)

PAGE_SIZE = 20
SORT_LABELS = {
    "ending": "Ending soonest",
    "newest": "Newly listed",
    "price_asc": "Price: lowest first",
    "price_desc": "Price: highest first",
    "bids": "Most bids",
}
LIST_TITLES = {"open": "Open auctions", "upcoming": "Upcoming auctions", "ended": "Ended auctions"}


def _public_or_404(pk):
    auction = selectors.auction_public_get(auction_id=pk)
    if auction is None:
        raise Http404("No such auction.")
    return auction


def _states_or_empty(auctions) -> dict:
    """Live states for a page of auctions; the page still renders (from the DB) without Redis."""
    if not auctions:
        return {}
    try:
        return selectors.auction_states_get(auctions=auctions)
    except Unavailable:
        logger.warning("live states unavailable for the list page")
        return {}


def _clean_query(value: str) -> str:
    # NUL cannot reach PostgreSQL (it would be a 500); other text is matched as typed.
    return value.replace("\x00", "").strip()[:100]


def auction_list(request, which="open"):
    """`/` (open, ending soonest first), `/auctions/upcoming/`, `/auctions/ended/`."""
    q = _clean_query(request.GET.get("q", ""))
    category = _clean_query(request.GET.get("category", ""))
    sort = request.GET.get("sort", "ending")
    sort = sort if sort in selectors.SORTS else "ending"
    auctions = selectors.auction_list(which=which, q=q, category=category, sort=sort)
    page = Paginator(auctions, PAGE_SIZE).get_page(request.GET.get("page"))
    states = _states_or_empty(list(page.object_list))
    rows = [(auction, states.get(auction.pk)) for auction in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "auctions/auction_list.html",
        {
            "which": which,
            "heading": LIST_TITLES[which],
            "rows": rows,
            "page": page,
            "q": q,
            "category": category,
            "sort": sort,
            "sorts": SORT_LABELS,
            "categories": selectors.categories_list(),
            "query": query.urlencode(),
        },
    )


def _chart(auction, state):
    bids, extensions = selectors.auction_price_points(auction=auction)
    return price_chart(auction=auction, bids=bids, extension_times=extensions, now=state.now)


def auction_detail(request, pk):
    """`/auctions/<id>/`: everything about one auction; the live layer takes over with JS."""
    if wants_json(request):
        return answer_for(state_answer, request, pk)
    auction = _public_or_404(pk)
    try:
        state = selectors.auction_state_get(auction=auction)
    except Unavailable:
        state = None
        messages.error(request, "Live prices are unavailable right now. Please reload shortly.")
    user = request.user
    viewer_id = user.pk if user.is_authenticated else None
    every_line = selectors.history_lines(selectors.auction_history_all(auction=auction))
    lines = selectors.recent_lines(every_line)
    phase = state.status if state is not None else auction.status
    has_bid = viewer_id is not None and selectors.user_has_bid(user=user, auction=auction)
    context = {
        "auction": auction,
        "state": state,
        "phase": phase,
        "bids": list(reversed(lines)),
        "history_count": len(every_line),
        "your_maximum": selectors.user_maximum(user=user, auction=auction),
        "increments": selectors.increment_bands(auction=auction),
        "viewer_id": viewer_id,
        "is_seller": viewer_id is not None and auction.seller_id == viewer_id,
        "leader_is_you": state is not None
        and viewer_id is not None
        and state.leader_id == viewer_id,
        "min_bid_field": format_amount(state.min_bid) if state is not None else "",
        "barrier": bidding_barrier(user),
        "typed": _typed_bid(request),
        "has_bid": has_bid,
        "is_watching": selectors.user_is_watching(user=user, auction=auction),
        "is_open": phase in ("active", "scheduled"),
        "your_order": order_of_winner(auction=auction, user=user)
        if viewer_id is not None and auction.winner_id == viewer_id
        else None,
        "photos": list(auction.photos.all()),
        "viewers": presence.viewers_count(auction.pk),
        "currency": settings.GAVEL_CURRENCY,
        "starts_at_iso": wire.iso(auction.starts_at),
        "max_amount": format_amount(settings.GAVEL_MAX_AMOUNT),
        "bid_form": BidForm(initial={"request_id": new_request_id()}),
        "buy_form": BuyNowForm(initial={"request_id": new_request_id()}),
    }
    if state is not None:
        context.update(
            ends_at_iso=wire.iso(state.ends_at),
            price_text=format_amount(state.price),
            now_iso=wire.iso(state.now),
            end_result=end_result(auction, state, viewer_id),
            leader_status=leader_status(auction, state, viewer_id=viewer_id, has_bid=has_bid),
            chart=_chart(auction, state),
            **countdown(phase, state, auction.starts_at),
        )
    return render(request, "auctions/auction_detail.html", context)


# The bid fields a visitor typed before logging in, carried through `next` back to the form.
TYPED_FIELDS = ("amount", "max_amount")


def _with_typed_bid(url: str, data) -> str:
    typed = {name: data.get(name, "").strip()[:32] for name in TYPED_FIELDS}
    typed = {name: value for name, value in typed.items() if value}
    return f"{url}?{urlencode(typed)}" if typed else url


def _typed_bid(request) -> dict[str, str]:
    """What `_with_typed_bid` carried: the form shows it again, as text (never trusted)."""
    return {name: request.GET.get(name, "").strip()[:32] for name in TYPED_FIELDS}


def _live_state(auction):
    try:
        return selectors.auction_state_get(auction=auction)
    except Unavailable:
        return None


def _bid_review(request, auction, state, bid, *, at_minimum: bool):
    """The review step of a form bid (docs/design.md §4): the amounts as read, to confirm or change.

    A maximum alone `at_minimum` (a bidder who does not lead) is reviewed as the minimum next
    bid with that maximum; the confirmation posts the maximum alone again, so it bids the
    minimum as it is then.
    """
    return render(
        request,
        "auctions/bid_review.html",
        {
            "auction": auction,
            "state": state,
            "bid": bid,
            "at_minimum": at_minimum,
            "amount_field": "" if at_minimum else format_amount(bid.amount),
            "max_field": format_amount(bid.max_amount),
        },
    )


def _buy_review(request, auction, request_id):
    """The review step of buy it now: the price, to confirm or go back."""
    state = _live_state(auction)
    price = state.buy_now_price if state is not None else auction.buy_now_price
    if not price:
        messages.error(request, "Buy it now is no longer offered on this auction.")
        return redirect(auction)
    return render(
        request,
        "auctions/buy_review.html",
        {"auction": auction, "price": price, "request_id": request_id},
    )


@require_POST
def bid_post(request, pk):
    """`POST /auctions/<id>/bid`: the no-JS bid (a review step, then the bid); redirects back to
    the auction with a message. A client that asks for JSON gets the API's answer at once."""
    if wants_json(request):
        return answer_for(bid_answer, request, pk)
    auction = _public_or_404(pk)
    if not request.user.is_authenticated:
        messages.info(request, "Log in to bid.")
        return redirect_to_login(_with_typed_bid(auction.get_absolute_url(), request.POST))
    form = BidForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(auction)
    barrier = bidding_barrier(request.user)
    if barrier:
        messages.error(request, BARRIER_MESSAGES[barrier])
        return redirect(auction)
    state = _live_state(auction)
    bid = form.bid_request()
    if state is not None and state.status == "active":
        try:
            bid = form.bid_against(min_bid=state.min_bid, leads=state.leader_id == request.user.pk)
        except BidTooLow as error:
            messages.error(request, error.message)
            return redirect(auction)
    if request.POST.get("confirm") != "1":
        at_minimum = form.cleaned_data["amount"] is None and bid.amount is not None
        return _bid_review(request, auction, state, bid, at_minimum=at_minimum)
    try:
        result = bid_place(auction=auction, bidder=request.user, bid=bid)
    except GavelError as refusal:
        messages.error(request, refusal_message(refusal))
    else:
        messages.success(request, accepted_message(result, bid, request.user))
    return redirect(auction)


@require_POST
def buy_post(request, pk):
    """`POST /auctions/<id>/buy`: buy it now from the form; redirects back with a message."""
    if wants_json(request):
        return answer_for(buy_answer, request, pk)
    auction = _public_or_404(pk)
    if not request.user.is_authenticated:
        messages.info(request, "Log in to buy.")
        return redirect_to_login(auction.get_absolute_url())
    form = BuyNowForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That request was not understood. Please try again.")
        return redirect(auction)
    if request.POST.get("confirm") != "1":
        return _buy_review(request, auction, form.cleaned_data["request_id"])
    try:
        result = buy_now(
            auction=auction, buyer=request.user, request_id=form.cleaned_data["request_id"]
        )
    except GavelError as refusal:
        messages.error(request, refusal_message(refusal))
    else:
        messages.success(request, f"You bought “{auction.title}” for {format_money(result.price)}.")
    return redirect(auction)


HISTORY_PAGE_SIZE = 100


def auction_history(request, pk):
    """`/auctions/<id>/history/`: every line of the bid history, newest first, 100 a page."""
    auction = _public_or_404(pk)
    lines = selectors.history_lines(selectors.auction_history_all(auction=auction))
    lines.reverse()
    page = Paginator(lines, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    user = request.user
    return render(
        request,
        "auctions/auction_history.html",
        {
            "auction": auction,
            "page": page,
            "lines": page.object_list,
            "total": len(lines),
            # Numbered oldest = 1, as on the lot page: the first line of this page is this one.
            "first_number": len(lines) - page.start_index() + 1 if lines else 0,
            "viewer_id": user.pk if user.is_authenticated else None,
        },
    )


@require_POST
def watch_post(request, pk):
    """Add the auction to the user's watchlist."""
    auction = _public_or_404(pk)
    if not request.user.is_authenticated:
        return redirect_to_login(auction.get_absolute_url())
    watch_add(user=request.user, auction=auction)
    messages.success(request, "Added to your watchlist.")
    return redirect(auction)


@require_POST
def unwatch_post(request, pk):
    """Remove the auction from the user's watchlist."""
    auction = _public_or_404(pk)
    if not request.user.is_authenticated:
        return redirect_to_login(auction.get_absolute_url())
    watch_remove(user=request.user, auction=auction)
    messages.success(request, "Removed from your watchlist.")
    return redirect(auction)


@login_required
def me(request):
    """`/me/`: my bids (leading / outbid / won / lost), my watchlist, items I won."""
    try:
        my_bids = selectors.user_bids_summary(user=request.user)
        watchlist = selectors.user_watchlist(user=request.user)
    except Unavailable:
        messages.error(request, "Live prices are unavailable right now. Please reload shortly.")
        my_bids, watchlist = [], []
    return render(
        request,
        "auctions/me.html",
        {
            "my_bids": my_bids,
            "watchlist": watchlist,
            "won": selectors.user_won_auctions(user=request.user),
        },
    )
