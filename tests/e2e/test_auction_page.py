"""The auction page as bidders use it in Chromium: the review step, honest history live in two
browsers, a connection that tells the truth (offline → online, a silent drop), the end and cancel states, and
the page on a 390 px phone."""

import re
import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import expect

from auctions.models import Auction, Bid
from auctions.services.bidding import BidRequest, bid_place
from auctions.services.lifecycle import auction_settle
from auctions.services.moderation import auction_cancel_by_staff
from orders.models import Order
from tests.e2e.pages import (
    UPDATE_WAIT_MS,
    mark_page,
    money,
    open_auction,
    place_bid,
    screenshot,
    still_same_page,
)
from tests.factories import make_auction, make_category, make_moderator, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


def off_the_browser_loop(service, **kwargs):
    """Run a service as a server process would: in its own thread, since the broadcast it
    makes cannot run inside the event loop Playwright keeps in this one."""
    outcome = {}

    def run():
        try:
            outcome["value"] = service(**kwargs)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    return outcome.get("value")


def lines(visitor) -> list[tuple[str, str, bool, bool]]:
    """The history as shown, newest first: (price, bidder, marked you, automatic)."""
    rows = visitor.page.evaluate(
        """() => [...document.querySelectorAll('#history .history-item')].map((li) => [
            li.querySelector('.history-price').textContent,
            li.querySelector('.history-bidder').textContent,
            li.querySelector('.history-you') !== null,
            li.dataset.automatic === '1',
        ])"""
    )
    return [tuple(row) for row in rows]


def test_a_bid_is_reviewed_then_confirmed_and_amounts_read_as_typed(e2e_redis, open_visitor):
    alice = make_user("alice")
    auction = make_auction(title="Rolex Datejust", starting_price=50_000)
    visitor = open_visitor(alice)
    open_auction(visitor, auction)
    page = visitor.page

    page.locator("#amount").fill("$1,000")
    page.locator("#bid-submit").click()
    expect(page.locator("#bid-review")).to_be_visible()
    expect(page.locator("#bid-review-text")).to_have_text("You are bidding $1,000.00.")
    expect(page.locator("#bid-review-heading")).to_be_focused()
    assert not Bid.objects.exists(), "nothing is placed before the confirmation"

    page.locator("#bid-change").click()
    expect(page.locator("#bid-form")).to_be_visible()
    page.locator("#amount").fill("1,200.50")
    page.locator("#bid-submit").click()
    page.locator("#bid-confirm").click()
    expect(page.locator("#price")).to_have_text(money("1,200.50"), timeout=UPDATE_WAIT_MS)
    assert Bid.objects.get().amount == 120_050

    page.locator("#amount").fill("$20,000,000")
    page.locator("#bid-submit").click()
    expect(page.locator("#bid-feedback")).to_have_text("The most you can bid is $10,000,000.00.")
    expect(page.locator("#bid-review")).to_be_hidden()
    assert visitor.errors == []


def test_buy_it_now_is_reviewed_before_it_is_bought(e2e_redis, open_visitor):
    alice = make_user("alice")
    auction = make_auction(title="Nikon F2", starting_price=10_000, buy_now_price=25_000)
    visitor = open_visitor(alice)
    open_auction(visitor, auction)
    page = visitor.page

    page.locator("#buy-submit").click()
    expect(page.locator("#buy-review-text")).to_contain_text("$250.00")
    page.locator("#buy-cancel").click()
    expect(page.locator("#buy-form")).to_be_visible()
    assert not Bid.objects.exists()

    page.locator("#buy-submit").click()
    page.locator("#buy-confirm").click()
    expect(page.locator(".messages")).to_contain_text("You bought")
    assert Bid.objects.get().kind == Bid.Kind.BUY_NOW


def test_history_credits_the_automatic_bid_to_the_leader_in_both_browsers(e2e_redis, open_visitor):
    alice_user, bruno_user = make_user("alice"), make_user("bruno")
    auction = make_auction(title="Hasselblad 500C", starting_price=50_000, increment=1_000)
    alice, bruno = open_visitor(alice_user), open_visitor(bruno_user)
    open_auction(alice, auction)
    open_auction(bruno, auction)
    mark_page(alice)
    mark_page(bruno)

    place_bid(bruno, "500.00", max_amount="600.00")
    expect(alice.page.locator("#price")).to_have_text(money("500.00"), timeout=UPDATE_WAIT_MS)
    place_bid(alice, "530.00")

    for visitor in (alice, bruno):
        expect(visitor.page.locator("#history .history-item")).to_have_count(
            3, timeout=UPDATE_WAIT_MS
        )
        expect(visitor.page.locator("#price")).to_have_text(money("540.00"))
        expect(visitor.page.locator("#leader")).to_have_text("b***o")
        assert still_same_page(visitor)
    assert lines(alice) == [
        ("$540.00", "b***o", False, True),
        ("$530.00", "a***e", True, False),
        ("$500.00", "b***o", False, False),
    ]
    assert lines(bruno) == [
        ("$540.00", "b***o", True, True),
        ("$530.00", "a***e", False, False),
        ("$500.00", "b***o", True, False),
    ]
    # The price chart grew live: two bids, the line up to the new price (top of the chart).
    expect(alice.page.locator("#chart-bids")).to_have_text("2")
    line = alice.page.locator("#chart-line").get_attribute("points").split()
    assert len(line) == 6 and line[-1].endswith(",10.0")
    notice = alice.page.locator("#notices .notice--bid").first
    expect(notice).to_have_text(
        "Your bid of $530.00 was answered at once: b***o's maximum leads at $540.00."
    )
    screenshot(alice, "auction-detail-history.png")
    # After a reload (server-rendered) the history reads the same.
    alice.page.reload()
    assert lines(alice)[:2] == [
        ("$540.00", "b***o", False, True),
        ("$530.00", "a***e", True, False),
    ]
    assert "600.00" not in alice.page.locator("#auction").inner_text(), "a maximum leaked"
    # Bruno reads his own maximum, in "Your maximum" and nowhere else.
    expect(bruno.page.locator("#your-maximum")).to_have_text(money("600.00"))
    assert bruno.page.locator("#auction").inner_text().count("600.00") == 1
    assert alice.errors == [] and bruno.errors == []


def test_going_offline_says_so_and_coming_back_reconnects_at_once(e2e_redis, open_visitor):
    alice_user, bob_user = make_user("alice"), make_user("bob")
    auction = make_auction(title="Contax T2", starting_price=1_000)
    alice, bob = open_visitor(alice_user), open_visitor(bob_user)
    open_auction(alice, auction)
    open_auction(bob, auction)
    mark_page(alice)

    alice.page.context.set_offline(True)
    expect(alice.page.locator("#connection")).to_have_attribute("data-state", "offline")
    expect(alice.page.locator("#connection")).to_have_text("Offline")

    place_bid(bob, "15.00")  # missed while offline
    expect(bob.page.locator("#price")).to_have_text(money("15.00"), timeout=UPDATE_WAIT_MS)

    alice.page.context.set_offline(False)
    # `online` reconnects now, not after a back-off: within the update wait, not 8 s.
    expect(alice.page.locator("#connection")).to_have_attribute(
        "data-state", "live", timeout=UPDATE_WAIT_MS
    )
    expect(alice.page.locator("#price")).to_have_text(money("15.00"), timeout=UPDATE_WAIT_MS)
    expect(alice.page.locator("#history .history-item")).to_have_count(1)
    assert still_same_page(alice)
    assert alice.errors == []


class SilentNetwork:
    """Sits between a page and the real server on every WebSocket, forwarding both ways while
    the network is up. `drop()` models a network that dies without a word: the sockets stay
    open, but nothing crosses in either direction any more (no close, no error, no `offline`
    event), and a socket opened during the outage reaches nothing. After `restore()`, sockets
    opened from then on work again; the silenced ones stay dead, as a stale TCP connection would."""

    def __init__(self, page):
        self.up = True
        page.route_web_socket(re.compile(r"^wss?://"), self._route)

    def drop(self) -> None:
        self.up = False

    def restore(self) -> None:
        self.up = True

    def _route(self, ws) -> None:
        if not self.up:
            return  # the page's socket opens, but leads nowhere
        server = ws.connect_to_server()
        connection = {"alive": True}

        def alive() -> bool:
            connection["alive"] = connection["alive"] and self.up
            return connection["alive"]

        ws.on_message(lambda message: server.send(message) if alive() else None)
        server.on_message(lambda message: ws.send(message) if alive() else None)


def test_a_silent_drop_stops_saying_live_and_the_return_catches_up(e2e_redis, open_visitor):
    alice_user, bob_user = make_user("alice"), make_user("bob")
    auction = make_auction(title="Rolleiflex 2.8F", starting_price=1_000)
    alice, bob = open_visitor(alice_user), open_visitor(bob_user)
    network = SilentNetwork(alice.page)
    open_auction(alice, auction)
    open_auction(bob, auction)
    mark_page(alice)
    connection = alice.page.locator("#connection")

    network.drop()
    # A ping every 5 s, answered within 4 s: the page stops claiming "Live" within ~10 s,
    # not after the ~60 s a dead TCP connection takes to be noticed.
    expect(connection).not_to_have_attribute("data-state", "live", timeout=11_000)
    expect(connection).to_have_text("Reconnecting…")

    place_bid(bob, "15.00")  # missed during the outage
    expect(bob.page.locator("#price")).to_have_text(money("15.00"), timeout=UPDATE_WAIT_MS)
    expect(alice.page.locator("#price")).not_to_have_text(money("15.00"))

    network.restore()
    # The next attempt reaches the server (at worst one more dead socket opened during the
    # outage has to miss its pong first) and replays what was missed.
    expect(connection).to_have_attribute("data-state", "live", timeout=20_000)
    expect(alice.page.locator("#price")).to_have_text(money("15.00"), timeout=UPDATE_WAIT_MS)
    expect(alice.page.locator("#history .history-item")).to_have_count(1)
    assert still_same_page(alice)
    assert alice.errors == []


def test_after_the_end_the_form_goes_the_winner_reads_it_once_the_loser_did_not_win(
    e2e_redis, open_visitor
):
    winner_user, loser_user = make_user("wendy"), make_user("larry")
    now = timezone.now()
    auction = make_auction(
        title="Seiko 6139", ends_at=now + timedelta(seconds=15), extension_window=timedelta(0)
    )
    winner, loser = open_visitor(winner_user), open_visitor(loser_user)
    open_auction(winner, auction)
    open_auction(loser, auction)
    place_bid(loser, "10.00")
    expect(winner.page.locator("#bid-count")).to_have_text("1", timeout=UPDATE_WAIT_MS)
    place_bid(winner, "12.00")
    expect(loser.page.locator("#leader-status")).to_have_text(
        "You have been outbid", timeout=UPDATE_WAIT_MS
    )

    for visitor in (winner, loser):
        expect(visitor.page.locator("#countdown")).to_have_text("ENDED", timeout=20_000)
        expect(visitor.page.locator("#bid-form")).to_be_hidden()
    assert off_the_browser_loop(auction_settle, auction=Auction.objects.get(pk=auction.pk))

    expect(winner.page.locator("#end-result")).to_have_text(
        "You won this auction with a winning bid of $12.00.", timeout=UPDATE_WAIT_MS
    )
    expect(loser.page.locator("#leader-status")).to_have_text("You didn't win this auction.")
    expect(loser.page.locator("#end-result")).to_have_text(
        "Auction ended: sold to w***y for $12.00."
    )
    for visitor in (winner, loser):
        expect(visitor.page.locator("#bid-form")).to_have_count(0)
        expect(visitor.page.locator("#buy-now")).to_have_count(0)
    winner.page.wait_for_timeout(500)  # the private `won` event, if any, has arrived
    assert winner.page.locator("main").inner_text().count("You won") == 1
    assert "outbid" not in loser.page.locator("#leader-status").inner_text()
    assert winner.errors == [] and loser.errors == []


def test_a_cancelled_lot_drops_the_form_and_never_says_you_lead(e2e_redis, open_visitor):
    alice_user = make_user("alice")
    auction = make_auction(title="Omega Seamaster")
    alice = open_visitor(alice_user)
    open_auction(alice, auction)
    place_bid(alice, "10.00")
    expect(alice.page.locator("#leader-status")).to_have_text(
        "You are the highest bidder", timeout=UPDATE_WAIT_MS
    )

    off_the_browser_loop(
        auction_cancel_by_staff, auction=auction, actor=make_moderator(), reason="Stolen goods"
    )

    # The moderator's reason stays in the audit log: the public reads who cancelled, not why.
    expect(alice.page.locator("#end-result")).to_have_text(
        "This auction was cancelled by the site.", timeout=UPDATE_WAIT_MS
    )
    expect(alice.page.locator("#leader-status")).to_have_text("")
    expect(alice.page.locator("#bid-form")).to_have_count(0)
    expect(alice.page.locator("#countdown")).to_have_text("CANCELLED")
    alice.page.reload()
    expect(alice.page.locator("#end-result")).to_have_text(
        "This auction was cancelled by the site."
    )
    assert "You are the highest bidder" not in alice.page.locator("main").inner_text()
    assert "Stolen goods" not in alice.page.content()
    assert alice.errors == []


@pytest.mark.parametrize("logged_in", [True, False], ids=["bidder", "visitor"])
def test_on_a_phone_nothing_overflows_and_price_and_bid_are_in_the_first_screen(
    e2e_redis, browser, asgi_server, logged_in
):
    user = make_user("alice") if logged_in else None
    auction = make_auction(
        title="Jaeger-LeCoultre Reverso, 1931 case, serviced",
        description="Hand-wound, reversible case. Serviced in 2025.",
        category=make_category("Watches"),
    )
    bid_place(auction=auction, bidder=make_user("bruno"), bid=BidRequest(1000, 3000, "b"))
    bid_place(auction=auction, bidder=make_user("carla"), bid=BidRequest(1500, None, "c"))
    context = browser.new_context(
        base_url=asgi_server.url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        if user is not None:
            page.goto("/accounts/login/")
            page.locator("#id_username").fill("alice")
            page.locator("#id_password").fill("pw-alice")
            page.locator("#id_password").press("Enter")
            page.wait_for_url(re.compile(r"^(?!.*/accounts/login/)"))
        for path in ("/", f"/auctions/{auction.pk}/", f"/auctions/{auction.pk}/history/"):
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} is {width} px wide on a 390 px screen"
        page.goto(f"/auctions/{auction.pk}/")
        for hook in ("#price", "#bid-submit"):
            box = page.locator(hook).bounding_box()
            assert box is not None and box["y"] + box["height"] <= PHONE["height"], (
                f"{hook} starts below the first screen: {box}"
            )
        if logged_in:
            expect(page.locator("#connection")).to_have_attribute("data-state", "live")
            screenshot(type("V", (), {"page": page})(), "auction-detail-mobile.png")
    finally:
        context.close()


def test_the_live_history_adds_up_credits_a_beaten_maximum_and_hides_a_raise(
    e2e_redis, open_visitor
):
    """Issue 20, item 8, live in two browsers: Bruno's maximum beats Alice's 150.00 maximum
    (her line shows), Bruno raising his own maximum adds no line, "Bids" counts the lines and
    the newest is numbered with that count; Bruno alone reads his maximum."""
    alice_user, bruno_user = make_user("alice"), make_user("bruno")
    auction = make_auction(title="Leica M6", starting_price=10_000, increment=500)
    alice, bruno = open_visitor(alice_user), open_visitor(bruno_user)
    open_auction(alice, auction)
    open_auction(bruno, auction)

    place_bid(alice, "100.00", max_amount="150.00")
    expect(bruno.page.locator("#price")).to_have_text(money("100.00"), timeout=UPDATE_WAIT_MS)
    place_bid(bruno, "110.00", max_amount="300.00")
    for visitor in (alice, bruno):
        expect(visitor.page.locator("#history .history-item")).to_have_count(
            4, timeout=UPDATE_WAIT_MS
        )
        expect(visitor.page.locator("#bid-count")).to_have_text("4")
    assert lines(alice) == [
        ("$155.00", "b***o", False, True),
        ("$150.00", "a***e", True, True),
        ("$110.00", "b***o", False, False),
        ("$100.00", "a***e", True, False),
    ]
    assert alice.page.evaluate("document.getElementById('history').start") == 4

    expect(bruno.page.locator("#your-maximum")).to_have_text(money("300.00"))
    expect(alice.page.locator("#your-maximum")).to_have_text(money("150.00"))
    place_bid(bruno, "", max_amount="400.00")
    expect(bruno.page.locator("#bid-feedback")).to_contain_text("highest bidder")
    expect(bruno.page.locator("#your-maximum")).to_have_text(money("400.00"))
    bruno.page.wait_for_timeout(500)
    for visitor in (alice, bruno):
        expect(visitor.page.locator("#history .history-item")).to_have_count(4)
        expect(visitor.page.locator("#bid-count")).to_have_text("4")
    bruno.page.reload()
    expect(bruno.page.locator("#your-maximum")).to_have_text(money("400.00"))
    assert lines(bruno)[0] == ("$155.00", "b***o", True, True)
    alice.page.reload()
    expect(alice.page.locator("#your-maximum")).to_have_text(money("150.00"))  # hers, beaten
    for amount in ("300.00", "400.00"):
        assert amount not in alice.page.locator("#auction").inner_text(), "a maximum leaked"
    assert alice.errors == [] and bruno.errors == []


def test_an_ended_lot_looks_closed_and_the_winner_is_led_to_the_order(e2e_redis, open_visitor):
    """Issue 20, item 13: once over, no "Live", no "Ends", no watchlist button, no question form;
    the winner gets a link to the order and its payment step, live and after a reload."""
    winner_user = make_user("wendy")
    now = timezone.now()
    auction = make_auction(
        title="Seiko 5", ends_at=now + timedelta(seconds=6), extension_window=timedelta(0)
    )
    winner = open_visitor(winner_user)
    open_auction(winner, auction)
    page = winner.page
    expect(page.locator("#connection")).to_have_text("Live", timeout=UPDATE_WAIT_MS)
    expect(page.locator("#watch-form")).to_be_visible()
    expect(page.locator("#ask-form")).to_be_visible()
    place_bid(winner, "10.00")
    expect(page.locator("#countdown")).to_have_text("ENDED", timeout=20_000)
    assert off_the_browser_loop(auction_settle, auction=Auction.objects.get(pk=auction.pk))

    expect(page.locator("#order-link")).to_be_visible(timeout=UPDATE_WAIT_MS)
    for closed in (False, True):
        expect(page.locator("#connection")).to_be_hidden()
        expect(page.locator("#ends-label")).to_have_text("Ended")
        expect(page.locator("#watch-form")).to_have_count(0)
        expect(page.locator("#ask-form")).to_have_count(0)
        if not closed:
            page.reload()
    order = Order.objects.get(auction=auction)
    assert page.locator("#order-link").get_attribute("href") == order.get_absolute_url()
    page.locator("#order-link").click()
    expect(page).to_have_url(re.compile(rf"/orders/{order.pk}/$"))
    assert winner.errors == []


def test_a_cancelled_lot_without_bids_says_nothing_of_a_reserve(e2e_redis, open_visitor):
    auction = make_auction(title="Rolleiflex", reserve_price=50_000)
    off_the_browser_loop(
        auction_cancel_by_staff, auction=auction, actor=make_moderator(), reason="Duplicate"
    )
    visitor = open_visitor(make_user("alice"))
    open_auction(visitor, auction)
    main = visitor.page.locator("main")
    expect(visitor.page.locator("#countdown")).to_have_text("CANCELLED")
    assert "Reserve" not in main.inner_text()
    expect(visitor.page.locator("#ends-row")).to_be_hidden()
    expect(visitor.page.locator("#watch-form")).to_have_count(0)
    expect(visitor.page.locator("#connection")).to_be_hidden()
    assert visitor.errors == []


def test_another_lot_s_win_is_no_toast_here_but_an_unread_notice(e2e_redis, open_visitor):
    """Issue 20, item 9: a private event shows on its own lot's page (or in the notice
    centre), never as a stale toast on another lot's page."""
    alice_user = make_user("alice")
    here = make_auction(title="Omega Geneve")
    elsewhere = make_auction(
        title="Casio F-91W",
        ends_at=timezone.now() + timedelta(seconds=3),
        extension_window=timedelta(0),
    )
    off_the_browser_loop(
        bid_place, auction=elsewhere, bidder=alice_user, bid=BidRequest(1_000, None, "c1")
    )
    alice = open_visitor(alice_user)
    open_auction(alice, here)
    page = alice.page
    expect(page.locator("#connection")).to_have_text("Live", timeout=UPDATE_WAIT_MS)
    expect(page.locator("#nav-notices-count")).to_be_hidden()
    page.wait_for_timeout(3_500)
    assert off_the_browser_loop(auction_settle, auction=Auction.objects.get(pk=elsewhere.pk))

    expect(page.locator("#nav-notices-count")).to_have_text("1", timeout=UPDATE_WAIT_MS)
    page.wait_for_timeout(500)
    assert "Casio" not in page.locator("main").inner_text()
    page.reload()
    expect(page.locator("#nav-notices-count")).to_have_text("1")
    page.locator("#nav-notices").click()
    expect(page.locator("main")).to_contain_text("You won “Casio F-91W”")
    assert alice.errors == []


def test_the_increment_table_unfolds_under_the_minimum_bid(e2e_redis, open_visitor):
    """Issue 20 (expected by eBay users): how the minimum bid grows, on the lot page."""
    visitor = open_visitor(make_user("alice"))
    open_auction(visitor, make_auction(title="Pentax MX", starting_price=1_000))
    page = visitor.page
    table = page.locator("#increments table")
    expect(table).to_be_hidden()
    page.locator("#increments summary").click()
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    expect(rows.first).to_have_text(re.compile(r"Under \$1\.00\s*\$0\.05"))
    expect(rows.last).to_have_text(re.compile(r"\$5,000\.00 and up\s*\$100\.00"))
    fixed = make_auction(title="Canon AE-1", increment=250)
    open_auction(visitor, fixed)
    page.locator("#increments summary").click()
    expect(page.locator("#increments tbody tr")).to_have_text(
        re.compile(r"Any price \(set by the seller\)\s*\$2\.50")
    )
    assert visitor.errors == []


def test_a_long_description_opens_no_gap_above_the_history(e2e_redis, open_visitor):
    """Issue 20, item 17: on a desktop the history follows the bid box, whatever the length of
    the description in the other column."""
    auction = make_auction(title="Zenza Bronica", description="A long story.\n\n" * 60)
    visitor = open_visitor(make_user("alice"))
    open_auction(visitor, auction)
    gap = visitor.page.evaluate(
        """() => document.querySelector('.auction-history').getBoundingClientRect().top
             - document.querySelector('.auction-main').getBoundingClientRect().bottom"""
    )
    assert 0 <= gap < 40
    assert visitor.errors == []
