"""The engine's refusals: one exception per error code (DESIGN §3).

The code string is the same in the JSON API, WebSocket replies and form messages. Each error
carries the HTTP status the API answers with and a sentence a bidder understands.
"""


class BidError(Exception):
    """Base class: a bid, buy-now or lifecycle request the engine refused, with nothing changed."""

    code = "ERROR"
    http_status = 400
    message = "The request was refused."

    def __init__(self, message: str | None = None, **extra):
        self.message = message or self.message
        self.extra = extra
        super().__init__(self.message)

    def as_dict(self) -> dict:
        """The wire form: `{"accepted": false, "error": CODE, "message": ..., **extra}`."""
        return {"accepted": False, "error": self.code, "message": self.message, **self.extra}


class AuctionNotOpen(BidError):
    """The auction has not started, awaits approval, or was cancelled."""

    code = "AUCTION_NOT_OPEN"
    http_status = 409
    message = "This auction is not open for bidding."


class AuctionEnded(BidError):
    """The auction's (possibly extended) end has passed."""

    code = "AUCTION_ENDED"
    http_status = 409
    message = "This auction has ended."


class BidTooLow(BidError):
    """The amount is below the minimum next bid (or does not raise the leader's maximum)."""

    code = "BID_TOO_LOW"
    http_status = 409
    message = "Your bid is too low."

    def __init__(self, message: str | None = None, *, min_bid: str, **extra):
        super().__init__(message, min_bid=min_bid, **extra)


class SellerCannotBid(BidError):
    """The seller may not bid on their own auction."""

    code = "SELLER_CANNOT_BID"
    http_status = 403
    message = "You cannot bid on your own auction."


class NotAllowed(BidError):
    """The user may not do this (anonymous, suspended, or not permitted)."""

    code = "NOT_ALLOWED"
    http_status = 403
    message = "You are not allowed to do this."


class InvalidAmount(BidError):
    """The amount is not a positive decimal with at most two places within the site maximum."""

    code = "INVALID_AMOUNT"
    http_status = 400
    message = "Enter a positive amount with at most two decimals."


class RateLimited(BidError):
    """The user sent too many requests; try again shortly."""

    code = "RATE_LIMITED"
    http_status = 429
    message = "Too many bids at once. Please wait a moment."


class Unavailable(BidError):
    """The outcome is unknown (a service failed); retrying with the same request_id is safe."""

    code = "UNAVAILABLE"
    http_status = 503
    message = "We could not confirm your bid. Please retry."


ALL_ERRORS = (
    AuctionNotOpen,
    AuctionEnded,
    BidTooLow,
    SellerCannotBid,
    NotAllowed,
    InvalidAmount,
    RateLimited,
    Unavailable,
)
ERRORS_BY_CODE = {error.code: error for error in ALL_ERRORS}
