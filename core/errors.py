"""Gavel's one error vocabulary: a root `GavelError` and one exception per code
(docs/design.md §3/§4).

A `GavelError` means the request was refused and nothing changed (or, for `Unavailable`, that
the outcome is unknown and a retry with the same request id is safe). The code string is the
same in the JSON API, WebSocket replies, form messages and the admin; each error carries the
HTTP status the API answers with and a sentence a person understands. Surfaces render them in
one place each: `auctions.views.errors` (JSON), the consumer's reply, `form_error` (forms).
"""

import logging
from typing import Any

log = logging.getLogger(__name__)


class GavelError(Exception):
    """Root: a request refused with a code, an HTTP status and a message; nothing changed."""

    code = "ERROR"
    http_status = 400
    message = "The request was refused."

    def __init__(self, message: str | None = None, **extra: Any) -> None:
        self.message = message or self.message
        self.extra = extra
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        """The wire form: `{"accepted": false, "error": CODE, "message": ..., **extra}`."""
        return {"accepted": False, "error": self.code, "message": self.message, **self.extra}


# --- bids (docs/design.md §3) ---------------------------------------------------------------------


class AuctionNotOpen(GavelError):
    """The auction has not started, awaits approval, or was cancelled."""

    code = "AUCTION_NOT_OPEN"
    http_status = 409
    message = "This auction is not open for bidding."


class AuctionEnded(GavelError):
    """The auction's (possibly extended) end has passed."""

    code = "AUCTION_ENDED"
    http_status = 409
    message = "This auction has ended."


class BidTooLow(GavelError):
    """The amount is below the minimum next bid (or does not raise the leader's maximum)."""

    code = "BID_TOO_LOW"
    http_status = 409
    message = "Your bid is too low."

    def __init__(self, message: str | None = None, *, min_bid: str, **extra: Any) -> None:
        super().__init__(message, min_bid=min_bid, **extra)


class SellerCannotBid(GavelError):
    """The seller may not bid on their own auction."""

    code = "SELLER_CANNOT_BID"
    http_status = 403
    message = "You cannot bid on your own auction."


class NotAllowed(GavelError):
    """The user may not do this (anonymous, suspended, or not permitted)."""

    code = "NOT_ALLOWED"
    http_status = 403
    message = "You are not allowed to do this."


class EmailNotConfirmed(NotAllowed):
    """An account made through sign-up has not confirmed its email address yet."""

    message = "Confirm your email address before your first bid."


class NotRegistered(GavelError):
    """The auction is a lot of a sale the bidder is not registered and approved for; the
    answer carries `register_url`, where they register."""

    code = "NOT_REGISTERED"
    http_status = 403
    message = "Register for this sale (and be approved) before you bid."


class InvalidAmount(GavelError):
    """The amount is not a positive decimal with at most two places within the site maximum."""

    code = "INVALID_AMOUNT"
    http_status = 400
    message = "Enter a positive amount with at most two decimals."


class RateLimited(GavelError):
    """The user sent too many requests; try again shortly."""

    code = "RATE_LIMITED"
    http_status = 429
    message = "Too many bids at once. Please wait a moment."


class Unavailable(GavelError):
    """The outcome is unknown (a service failed); retrying with the same request_id is safe."""

    code = "UNAVAILABLE"
    http_status = 503
    message = "We could not confirm your bid. Please retry."


# --- requests (docs/design.md §4) -----------------------------------------------------------------


class BadRequest(GavelError):
    """The request is not what the API expects (not a JSON object, wrong types, bad ids)."""

    code = "BAD_REQUEST"
    http_status = 400
    message = "The request could not be read."


class BodyTooLarge(BadRequest):
    """The request body is over the API's limit (64 KiB)."""

    http_status = 413
    message = "The request body is too large."


class NotFound(GavelError):
    """There is no such auction (or not one this user may see)."""

    code = "NOT_FOUND"
    http_status = 404
    message = "No such auction."


class CsrfFailed(GavelError):
    """The request's CSRF token is missing or wrong."""

    code = "CSRF_FAILED"
    http_status = 403
    message = "CSRF check failed."


# --- moderation and the seller's workflow --------------------------------------------------------


class InvalidReason(GavelError):
    """The reason is missing, too long, or not one of the allowed choices."""

    code = "INVALID_REASON"
    http_status = 400
    message = "Give a reason."


class InvalidState(GavelError):
    """The object is not in a state this action applies to (e.g. already cancelled, settled)."""

    code = "INVALID_STATE"
    http_status = 409
    message = "This action does not apply in the current state."


class HasBids(InvalidState):
    """A cancel allowed only before the first bid (the seller's) found one: only a moderator
    can cancel now. Decided by the engine's cancel script against the live state."""

    code = "HAS_BIDS"
    message = "Someone has bid on this auction; only a moderator can cancel it now."


ALL_ERRORS: tuple[type[GavelError], ...] = (
    AuctionNotOpen,
    AuctionEnded,
    BidTooLow,
    SellerCannotBid,
    NotAllowed,
    NotRegistered,
    InvalidAmount,
    RateLimited,
    Unavailable,
    BadRequest,
    NotFound,
    CsrfFailed,
    InvalidReason,
    InvalidState,
    HasBids,
)
ERRORS_BY_CODE: dict[str, type[GavelError]] = {error.code: error for error in ALL_ERRORS}
