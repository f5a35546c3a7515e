"""Bid input, from the HTML form or a JSON body, turned into integer cents and a request id.

Every amount passes through `core.money.parse_amount`, the strict gate of the JSON API and
the WebSocket; the form reads amounts as people type them (`parse_human_amount`) on top of it.
"""

from django import forms

from auctions.services.bidding import BidRequest
from core import inputs
from core.errors import BadRequest, BidTooLow, GavelError, InvalidAmount
from core.fields import MoneyFormField
from core.money import format_amount, format_money, parse_amount, parse_human_amount

__all__ = ["BidForm", "BidRequest", "BuyNowForm", "parse_bid_request", "parse_human_amount"]


def invalid(error: GavelError) -> forms.ValidationError:
    """A refusal as a form error: the message people read, the code as the error's code."""
    return forms.ValidationError(error.message, code=error.code)


def parse_bid_request(data: object) -> BidRequest:
    """Parse a JSON bid (`{"amount", "max_amount", "request_id"}`) or raise.

    Raises `BadRequest` for a body that is not an object or has a bad request id, and
    `InvalidAmount` for any amount `parse_amount` refuses or a maximum below the amount.
    """
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.")
    request_id = inputs.request_id(data.get("request_id"))
    amount = None if data.get("amount") is None else parse_amount(data["amount"])
    max_amount = None if data.get("max_amount") is None else parse_amount(data["max_amount"])
    inputs.amount_pair(amount, max_amount)
    return BidRequest(amount, max_amount, request_id)


class BidForm(forms.Form):
    """The bid form of the detail page: an amount and, for an automatic bid, a maximum.

    The leader may leave `amount` empty and only raise `max_amount`. `auto_bid` only drives the
    page (it enables the maximum field); a maximum that arrives is always used.
    """

    amount = MoneyFormField(label="Your bid", required=False)
    auto_bid = forms.BooleanField(label="Bid automatically up to a maximum", required=False)
    max_amount = MoneyFormField(label="Your maximum", required=False)
    request_id = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=inputs.REQUEST_ID_MAX
    )

    def clean_request_id(self):
        try:
            return inputs.request_id(self.cleaned_data.get("request_id"))
        except BadRequest as error:
            raise invalid(error) from None

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if self.errors:
            return cleaned
        try:
            inputs.amount_pair(cleaned.get("amount"), cleaned.get("max_amount"))
        except InvalidAmount as error:
            raise invalid(error) from None
        return cleaned

    def bid_request(self) -> BidRequest:
        """The validated bid (call after `is_valid()`)."""
        data = self.cleaned_data
        return BidRequest(data["amount"], data["max_amount"], data["request_id"])

    def bid_against(self, *, min_bid: int, leads: bool) -> BidRequest:
        """The bid to place now, checked against the live minimum (call after `is_valid()`).

        A bidder who does not lead and sends a maximum alone bids `min_bid` with that maximum
        (eBay's behaviour, docs/design.md §4); the leader's maximum alone only raises their maximum.
        Raises `BidTooLow` (with the minimum) for a non-leader's amount, or maximum alone, under
        `min_bid`, so the review step refuses what the engine would refuse after it.
        """
        bid = self.bid_request()
        if leads:
            return bid
        offered = bid.amount if bid.amount is not None else bid.max_amount
        if offered is not None and offered < min_bid:
            minimum = format_money(min_bid)
            message = (
                f"Your bid is too low: the minimum next bid is {minimum}."
                if bid.amount is not None
                else f"Your maximum must be at least the minimum next bid, {minimum}."
            )
            raise BidTooLow(message, min_bid=format_amount(min_bid))
        if bid.amount is None:
            return BidRequest(min_bid, bid.max_amount, bid.request_id)
        return bid


class BuyNowForm(forms.Form):
    """Buy it now: only the idempotency key, so a double submit buys once."""

    request_id = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=inputs.REQUEST_ID_MAX
    )

    def clean_request_id(self):
        try:
            return inputs.request_id(self.cleaned_data.get("request_id"))
        except BadRequest as error:
            raise invalid(error) from None
