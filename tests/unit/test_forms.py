"""Bid input parsing (form and JSON) and the money filter: no services needed."""

import pytest

from auctions.forms import BidForm, BuyNowForm, parse_bid_request
from core.errors import BadRequest, InvalidAmount
from core.templatetags.money import format_money, money


def test_form_turns_decimals_into_cents_and_keeps_the_request_id():
    form = BidForm({"amount": " 12.50 ", "max_amount": "20", "request_id": "abc-1"})
    assert form.is_valid(), form.errors
    bid = form.bid_request()
    assert (bid.amount, bid.max_amount, bid.request_id) == (1250, 2000, "abc-1")


def test_form_allows_only_a_new_maximum_for_the_leader():
    form = BidForm({"max_amount": "40.00"})
    assert form.is_valid(), form.errors
    assert form.bid_request().amount is None
    assert len(form.bid_request().request_id) == 32  # generated when the page sent none


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"amount": ""},
        {"amount": "abc"},
        {"amount": "-1"},
        {"amount": "0.00"},
        {"amount": "1.234"},
        {"amount": "1e5"},
        {"amount": "NaN"},
        {"amount": "10000000.01"},
        {"amount": "1" * 30},
        {"amount": "10.00", "max_amount": "9.99"},
        {"amount": "10.00", "request_id": "has spaces"},
    ],
)
def test_form_refuses_bad_input(data):
    assert not BidForm(data).is_valid()


def test_form_error_reads_as_a_sentence():
    form = BidForm({"amount": "10.00", "max_amount": "5.00"})
    assert not form.is_valid()
    assert form.non_field_errors() == ["Your maximum must be at least your bid."]


def test_buy_now_form_generates_an_id():
    form = BuyNowForm({})
    assert form.is_valid()
    assert form.cleaned_data["request_id"]


def test_json_bid_accepts_strings_and_numbers():
    assert parse_bid_request({"amount": "12.5"}).amount == 1250
    assert parse_bid_request({"amount": 12}).amount == 1200
    assert parse_bid_request({"amount": 12.25, "max_amount": None}).max_amount is None


@pytest.mark.parametrize("body", [None, [], "12", 12, {"amount": "1", "request_id": 5}])
def test_json_bid_with_a_bad_shape_is_malformed(body):
    with pytest.raises(BadRequest):
        parse_bid_request(body)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"amount": True},
        {"amount": [1]},
        {"amount": 1e400},
        {"amount": "1", "max_amount": "0.5"},
    ],
)
def test_json_bid_with_a_bad_amount_is_invalid(body):
    with pytest.raises(InvalidAmount):
        parse_bid_request(body)


def test_money_filter(settings):
    assert format_money(15000) == "$150.00"
    assert format_money(123456789) == "$1,234,567.89"
    assert money(None) == ""
    assert money("oops") == ""
    settings.GAVEL_CURRENCY = "CHF"
    assert format_money(5) == "0.05 CHF"


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("1,000.00", 100_000),
        ("$1,000.00", 100_000),
        ("$700", 70_000),
        ("$ 700.5", 70_050),
        ("1,234,567", 123_456_700),
        ("700 USD", 70_000),
        ("USD 12.50", 1250),
        ("12.50", 1250),
    ],
)
def test_form_reads_amounts_as_people_type_them(typed, cents):
    form = BidForm({"amount": typed})
    assert form.is_valid(), form.errors
    assert form.bid_request().amount == cents


@pytest.mark.parametrize(
    "typed", ["1,00", "1,0000.00", ",100", "€700", "$$700", "1.000,00", "١٠٠", "$1e3", "$-5"]
)
def test_form_refuses_what_is_not_an_amount_with_the_usual_message(typed):
    form = BidForm({"amount": typed})
    assert not form.is_valid()
    assert form.errors["amount"] == ["Enter a positive amount with at most two decimals."]


def test_an_amount_over_the_site_maximum_gets_its_own_message():
    for typed in ("$10,000,000.01", "99999999999999999999"):
        form = BidForm({"amount": typed})
        assert not form.is_valid()
        assert form.errors["amount"] == ["The most you can bid is $10,000,000.00."]


def test_the_api_stays_strict_about_what_the_form_forgives():
    for body in ({"amount": "1,000.00"}, {"amount": "$700"}):
        with pytest.raises(InvalidAmount):
            parse_bid_request(body)
