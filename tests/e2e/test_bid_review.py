"""The review step in Chromium tells what the bid will be, and refuses up front what the engine
would refuse after it: a maximum alone from a bidder who does not lead bids the minimum with
that maximum (with and without JavaScript), an amount under the minimum is refused at review,
and an account that may not bid sees why (and the way out) instead of the bid form."""

import re

import pytest
from playwright.sync_api import expect

from auctions.models import Bid
from tests.e2e.accessibility import axe_violations
from tests.e2e.pages import UPDATE_WAIT_MS, money, open_auction, place_bid
from tests.factories import make_auction, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_maximum_alone_bids_the_minimum_with_that_maximum(e2e_redis, open_visitor):
    auction = make_auction(title="Leica M6", starting_price=5_000)
    rival = open_visitor(make_user("bruno"))
    open_auction(rival, auction)
    place_bid(rival, "50.00")
    expect(rival.page.locator("#price")).to_have_text(money("50.00"), timeout=UPDATE_WAIT_MS)

    alice = make_user("alice")
    visitor = open_visitor(alice)
    open_auction(visitor, auction)
    page = visitor.page
    expect(page.locator("#min-bid")).to_have_text("$51.00")
    page.locator("#auto-bid").check()
    page.locator("#max-amount").fill("200")
    page.locator("#bid-submit").click()
    expect(page.locator("#bid-review-text")).to_have_text(
        "You are bidding $51.00, the minimum next bid. We will bid for you, one increment at a "
        "time, up to $200.00. Nobody else sees it."
    )
    page.locator("#bid-confirm").click()
    expect(page.locator("#leader-status")).to_have_text(
        "You are the highest bidder", timeout=UPDATE_WAIT_MS
    )
    expect(page.locator("#price")).to_have_text(money("51.00"))
    mine = Bid.objects.get(bidder=alice)
    assert (mine.amount, mine.max_amount) == (5_100, 20_000)
    assert visitor.errors == []


def test_without_javascript_a_maximum_alone_bids_the_minimum(e2e_redis, open_visitor):
    auction = make_auction(title="Hasselblad 500C", starting_price=5_000)
    carol = make_user("carol")
    page = open_visitor(carol, javascript=False).page
    page.goto(f"/auctions/{auction.pk}/")
    page.locator("#auto-bid").check()
    page.locator("#max-amount").fill("200")
    page.locator("#bid-submit").click()
    expect(page.locator("#review-text")).to_contain_text(
        "You are bidding $50.00, the minimum next bid"
    )
    expect(page.locator("#review-text")).to_contain_text("up to $200.00")
    page.locator("#confirm-bid").click()
    expect(page.locator(".messages")).to_contain_text("you are the highest bidder at $50.00")
    mine = Bid.objects.get(bidder=carol)
    assert (mine.amount, mine.max_amount) == (5_000, 20_000)


def test_an_amount_under_the_minimum_is_refused_at_review(e2e_redis, open_visitor):
    auction = make_auction(title="Contax T2", starting_price=5_000)
    visitor = open_visitor(make_user("dora"))
    open_auction(visitor, auction)
    page = visitor.page
    page.locator("#amount").fill("10")
    page.locator("#bid-submit").click()
    expect(page.locator("#bid-feedback")).to_have_text(
        "Your bid is too low: the minimum next bid is $50.00."
    )
    expect(page.locator("#bid-review")).to_be_hidden()
    page.locator("#auto-bid").check()
    page.locator("#amount").fill("")
    page.locator("#max-amount").fill("20")
    page.locator("#bid-submit").click()
    expect(page.locator("#bid-feedback")).to_contain_text("at least the minimum next bid, $50.00")
    expect(page.locator("#bid-review")).to_be_hidden()

    plain = open_visitor(make_user("emil"), javascript=False).page
    plain.goto(f"/auctions/{auction.pk}/")
    plain.locator("#amount").fill("10")
    plain.locator("#bid-submit").click()
    expect(plain).to_have_url(re.compile(rf"/auctions/{auction.pk}/$"))
    expect(plain.locator(".messages")).to_have_text(
        "Your bid is too low: the minimum next bid is $50.00."
    )
    assert not Bid.objects.exists()


def test_suspended_and_unconfirmed_accounts_are_told_before_they_bid(e2e_redis, open_visitor):
    auction = make_auction(title="Olympus OM-1", starting_price=5_000)
    suspended = open_visitor(make_user("frank", is_suspended=True))
    open_auction(suspended, auction)
    expect(suspended.page.locator("#bid-barrier")).to_contain_text("suspended")
    expect(suspended.page.locator("#bid-form")).to_have_count(0)

    unconfirmed = open_visitor(make_user("gina", email_confirmed=False))
    open_auction(unconfirmed, auction)
    page = unconfirmed.page
    expect(page.locator("#bid-barrier")).to_contain_text("Confirm your email address")
    expect(page.locator("#bid-form")).to_have_count(0)
    assert axe_violations(page) == []
    page.locator("#confirm-email-resend").click()
    expect(page).to_have_url(re.compile(rf"/auctions/{auction.pk}/$"))
    expect(page.locator(".messages")).to_contain_text("We sent a new link to gina@example.com")
    assert unconfirmed.errors == [] and suspended.errors == []


def test_logging_in_at_review_keeps_what_was_typed(e2e_redis, open_visitor):
    auction = make_auction(title="Mamiya 7", starting_price=5_000)
    make_user("hugo")
    visitor = open_visitor()
    open_auction(visitor, auction)
    page = visitor.page
    page.locator("#amount").fill("60")
    page.locator("#auto-bid").check()
    page.locator("#max-amount").fill("$150")
    page.locator("#bid-submit").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.locator("#id_username").fill("hugo")
    page.locator("#id_password").fill("pw-hugo")
    page.locator("#id_password").press("Enter")
    expect(page).to_have_url(re.compile(rf"/auctions/{auction.pk}/\?"))
    expect(page.locator("#amount")).to_have_value("60")
    expect(page.locator("#auto-bid")).to_be_checked()
    expect(page.locator("#max-amount")).to_have_value("$150")
    page.locator("#bid-submit").click()
    expect(page.locator("#bid-review-text")).to_contain_text("You are bidding $60.00.")
    expect(page.locator("#bid-review-text")).to_contain_text("up to $150.00")
