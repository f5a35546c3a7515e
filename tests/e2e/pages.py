"""What a bidder does on the auction page, in the words of its stable hooks.

The ids are the ones documented at the top of auctions/templates/auctions/auction_detail.html.
"""

import re

from tests.e2e.server import PROJECT_ROOT

SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
LIVE_WAIT_MS = 10_000  # connecting a socket: set-up, not the behaviour under test
UPDATE_WAIT_MS = 2_000  # "shows the new price within a second" — with a margin for CI


def money(amount: str) -> re.Pattern:
    """Matches how the page writes an amount ("$20.50", "20.50 USD"), but not "120.50"."""
    return re.compile(rf"(^|[^\d.]){re.escape(amount)}(\D|$)")


def open_auction(visitor, auction) -> None:
    """Go to the auction page and wait until its live connection is up."""
    from playwright.sync_api import expect

    visitor.page.goto(f"/auctions/{auction.pk}/")
    expect(visitor.page.locator("#connection")).to_have_attribute(
        "data-state", "live", timeout=LIVE_WAIT_MS
    )


def mark_page(visitor) -> None:
    """Tag the page's JS realm; `still_same_page` proves later that it was never reloaded."""
    visitor.page.evaluate("window.__e2eNoReload = 'same page'")


def still_same_page(visitor) -> bool:
    return visitor.page.evaluate("window.__e2eNoReload") == "same page"


def place_bid(visitor, amount: str, *, max_amount: str | None = None) -> None:
    """Fill the bid form like a person (amount, optionally the auto-bid maximum), open the
    review step and confirm it."""
    page = visitor.page
    page.locator("#amount").fill(amount)
    if max_amount is not None:
        page.locator("#auto-bid").check()
        page.locator("#max-amount").fill(max_amount)
    page.locator("#bid-submit").click()
    page.locator("#bid-confirm").click()


def screenshot(visitor, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    visitor.page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
