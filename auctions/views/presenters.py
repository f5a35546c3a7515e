"""What the pages say: bid outcomes in a bidder's words (from the engine's error codes), the
countdown as first rendered, and the end-of-auction notice."""

from django.utils.html import format_html

from core.errors import EmailNotConfirmed, GavelError, InvalidAmount
from core.money import parse_amount
from core.templatetags.money import format_money


def countdown(phase: str, state, starts_at) -> dict:
    """The countdown as rendered before any JS runs (the JS keeps the same classes)."""
    if phase in ("ended", "cancelled"):
        return {"countdown_text": phase.upper(), "countdown_class": "countdown--ended"}
    target = starts_at if phase == "scheduled" else state.ends_at
    seconds = max(0, int((target - state.now).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    if days:
        text = f"{days}d {text}"
    css = ""
    if phase == "active":
        css = "countdown--urgent" if seconds < 60 else "countdown--warning" if seconds < 300 else ""
    return {"countdown_text": text, "countdown_class": css}


def end_result(auction, state, viewer_id) -> str:
    """The end-of-auction notice: who won at what price, or why nobody did."""
    if state.status == "cancelled" or auction.status == auction.Status.CANCELLED:
        # The reason is the moderator's (or seller's) own: it stays in the audit log.
        return "This auction was cancelled by the site."
    if state.status != "ended":
        return ""
    if auction.status == auction.Status.ENDED and auction.winner_id:
        winner_id, price = auction.winner_id, auction.final_price
    elif state.bid_count and state.reserve_met and state.leader_id:
        winner_id, price = state.leader_id, state.price
    elif state.bid_count:
        return "Auction ended: the reserve was not met, so there is no winner."
    else:
        return "Auction ended with no bids."
    if winner_id == viewer_id:
        return f"You won this auction with a winning bid of {format_money(price)}."
    handle = auction.winner.public_handle if auction.winner_id else state.leader_handle
    return f"Sold to {handle} for {format_money(price)}."


def leader_status(auction, state, *, viewer_id, has_bid: bool) -> str:
    """Where the viewer stands, under the price: leading or outbid while the auction is open,
    "didn't win" for a bidder once it is over, nothing after a cancellation (the notice says it).
    """
    if viewer_id is None or not state.bid_count:
        return ""
    if state.status == "cancelled" or auction.status == auction.Status.CANCELLED:
        return ""
    leads = state.leader_id == viewer_id
    if state.status == "ended":
        won = auction.winner_id == viewer_id if auction.winner_id else leads and state.reserve_met
        return "" if won or not has_bid else "You didn't win this auction."
    if leads:
        return "You are the highest bidder"
    return "You have been outbid" if has_bid else ""


def bidding_barrier(user) -> str:
    """Why this visitor may not bid on any lot, known before they try: "suspended",
    "unconfirmed" (email not confirmed yet), or "" (anonymous visitors log in at the bid)."""
    if not user.is_authenticated:
        return ""
    if not user.is_active or getattr(user, "is_suspended", False):
        return "suspended"
    if not getattr(user, "email_confirmed", True):
        return "unconfirmed"
    return ""


BARRIER_MESSAGES = {
    "suspended": "Your account is suspended, so it cannot bid. Contact support if this is a "
    "mistake.",
    "unconfirmed": "Confirm your email address before your first bid. Open the link we emailed "
    "you, or ask for it again on this page.",
}


def _money_text(amount: str | None) -> str:
    try:
        return format_money(parse_amount(amount))
    except InvalidAmount:
        return str(amount or "")


def refusal_message(error: GavelError) -> str:
    """What a bidder reads when the engine refuses a bid, by error code."""
    code = error.code
    if isinstance(error, EmailNotConfirmed):
        return f"{error.message} Open the link we emailed you (My bids can send it again)."
    if code == "NOT_REGISTERED" and error.extra.get("register_url"):
        return format_html(
            'Register for this sale before you bid: <a href="{}">register</a> (accept its '
            "terms; some houses approve each bidder).",
            error.extra["register_url"],
        )
    if code == "BID_TOO_LOW":
        minimum = _money_text(error.extra.get("min_bid"))
        return (
            f"Your bid is too low: the minimum next bid is {minimum}. If you are the highest "
            "bidder, a new maximum must be above your current one."
        )
    return {
        "AUCTION_NOT_OPEN": "This auction is not open for bidding right now.",
        "AUCTION_ENDED": "Too late: this auction has ended.",
        "SELLER_CANNOT_BID": "You cannot bid on your own auction.",
        "NOT_ALLOWED": "Your account cannot bid at the moment. Contact support if this is a "
        "mistake.",
        "INVALID_AMOUNT": f"That amount was not accepted: {error.message}",
        "RATE_LIMITED": "You are bidding too fast. Wait a few seconds and try again.",
        "UNAVAILABLE": "We could not confirm your bid. Please try again: a bid that did go "
        "through is never placed twice.",
    }.get(code, error.message)


def accepted_message(result, bid, user) -> str:
    price = format_money(result.price)
    if result.leader_id != user.pk:
        return f"Your bid is in, but another bidder's maximum is higher. The price is now {price}."
    if bid.amount is None:
        return f"Your maximum is now {format_money(bid.max_amount)}. You are still the highest bidder at {price}."
    if bid.max_amount is not None:
        return (
            f"Your bid is in: you are the highest bidder at {price}. We will bid for you up to "
            f"{format_money(bid.max_amount)}."
        )
    return f"Your bid is in: you are the highest bidder at {price}."
