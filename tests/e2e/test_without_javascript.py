"""The auction page with JavaScript off: the bid form posts, redirects back, and says what happened."""

import pytest
from playwright.sync_api import expect

from auctions.models import Bid
from tests.e2e.pages import money
from tests.factories import make_auction, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _post_bid(page, amount: str):
    """Submit the plain form, then its review page; returns the confirming POST's own response
    (before the redirect)."""
    page.locator("#amount").fill(amount)
    page.locator("#bid-submit").click()
    expect(page.locator("#review-heading")).to_have_text("Review your bid")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator("#confirm-bid").click()
    page.wait_for_load_state()
    return posted.value


def test_the_bid_form_posts_and_redirects_back_with_a_message(e2e_redis, open_visitor):
    carol = make_user("carol")
    auction = make_auction(title="Pentax 67", starting_price=2_500)
    page = open_visitor(carol, javascript=False).page
    detail = f"/auctions/{auction.pk}/"
    page.goto(detail)

    # Too low: refused at the review step, in words a bidder understands, with the amount to bid.
    page.locator("#amount").fill("1.00")
    with page.expect_response(lambda r: r.request.method == "POST") as reviewed:
        page.locator("#bid-submit").click()
    page.wait_for_load_state()
    assert reviewed.value.status in (302, 303), "the form answers with a redirect (PRG)"
    assert page.url.endswith(detail)
    expect(page.locator(".messages")).to_contain_text("25.00")
    assert "BID_TOO_LOW" not in page.locator(".messages").inner_text()
    assert not Bid.objects.filter(auction=auction).exists()

    posted = _post_bid(page, "25.00")
    assert posted.status in (302, 303)
    assert page.url.endswith(detail)
    expect(page.locator(".messages")).to_contain_text("25.00")
    expect(page.locator("#price")).to_have_text(money("25.00"))
    expect(page.locator("#bid-count")).to_have_text("1")
    expect(page.locator("#history .history-item .history-you")).to_have_count(1)

    # PRG: reloading shows the page again and places nothing twice.
    page.reload()
    expect(page.locator("#bid-count")).to_have_text("1")
    expect(page.locator(".messages")).to_have_count(0)
    assert Bid.objects.filter(auction=auction).count() == 1
