"""Server-rendered pages: lists, the detail page, the no-JS bid flow (PRG) with a message per
outcome, watchlist, /me/, and escaping of hostile user text everywhere."""

import re
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from auctions.models import Auction, Bid, Watch
from auctions.services.bidding import BidRequest, bid_place
from auctions.services.lifecycle import auction_settle
from auctions.services.moderation import auction_cancel_by_staff
from tests.factories import make_auction, make_category, make_moderator, make_user
from tests.integration.web.conftest import logged_in

HOSTILE = "<img src=x onerror=alert(1)>"


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def titles(response) -> list[str]:
    return re.findall(r'class="auction-title" href="[^"]+">([^<]+)</a>', response.content.decode())


def test_home_lists_open_auctions_ending_soonest_first(db):
    now = timezone.now()
    make_auction(title="Later", ends_at=now + timedelta(hours=3))
    make_auction(title="Sooner", ends_at=now + timedelta(minutes=10))
    make_auction(
        title="Future", starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=5)
    )
    make_auction(title="Hidden draft", status=Auction.Status.DRAFT)
    make_auction(title="Pending", status=Auction.Status.PENDING)
    make_auction(title="Over", status=Auction.Status.ENDED)
    response = Client().get("/")
    assert response.status_code == 200
    assert titles(response) == ["Sooner", "Later"]
    assert titles(Client().get("/auctions/upcoming/")) == ["Future"]
    assert titles(Client().get("/auctions/ended/")) == ["Over"]


def test_search_category_and_pagination(db):
    watches = make_category("Watches")
    make_auction(title="Rolex Submariner", category=watches)
    make_auction(title="Rolex poster")
    for index in range(25):
        make_auction(title=f"Lot filler {index:02d}")
    assert titles(Client().get("/?q=rolex")) == ["Rolex Submariner", "Rolex poster"]
    assert titles(Client().get("/?q=rolex&category=watches")) == ["Rolex Submariner"]
    first = Client().get("/")
    assert len(titles(first)) == 20
    second = Client().get("/?page=2")
    assert len(titles(second)) == 7
    assert 'rel="prev"' in second.content.decode()
    for query in ("page=999", "page=abc", "q=%00", "category=%00", "q=" + "x" * 5000):
        assert Client().get(f"/?{query}").status_code == 200
    filtered = Client().get("/?q=lot&page=2").content.decode()
    assert 'href="?q=lot&amp;page=1"' in filtered


def test_detail_shows_price_min_bid_form_and_live_hooks(auction):
    response = Client().get(auction.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert '<span id="price" class="price">$10.00</span>' in html
    assert 'aria-live="polite"' in html
    assert 'id="min-bid">$10.00</span>' in html
    assert 'id="countdown"' in html and 'data-server-now="' in html
    assert '<label for="amount">' in html and '<label for="max-amount">' in html
    assert '<label for="auto-bid">' in html
    assert 'name="request_id" id="request-id" value="' in html
    assert 'src="/static/js/auction.js"' in html
    assert f'href="/auctions/{auction.pk}/report" id="report-link"' in html


def test_unpublished_and_missing_auctions_are_404(db):
    draft = make_auction(status=Auction.Status.DRAFT)
    assert Client().get(draft.get_absolute_url()).status_code == 404
    assert Client().get("/auctions/999999/").status_code == 404


def test_no_js_bid_redirects_back_with_a_message(auction, alice_client):
    response = alice_client.post(
        f"/auctions/{auction.pk}/bid", {"amount": "10.00", "request_id": "form-1", "confirm": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == auction.get_absolute_url()
    page = alice_client.get(response["Location"])
    assert messages_of(page) == ["Your bid is in: you are the highest bidder at $10.00."]
    assert '<span id="price" class="price">$10.00</span>' in page.content.decode()
    assert "You are the highest bidder" in page.content.decode()


def test_double_submit_of_one_form_bids_once(auction, alice_client):
    for _ in range(2):
        alice_client.post(
            f"/auctions/{auction.pk}/bid", {"amount": "10.00", "request_id": "same", "confirm": "1"}
        )
    assert Bid.objects.count() == 1


def test_refusals_read_as_sentences(auction, alice_client, bob):
    bid_place(auction=auction, bidder=bob, bid=BidRequest(1000, 3000, "b1"))
    page = alice_client.post(
        f"/auctions/{auction.pk}/bid", {"amount": "10.00", "confirm": "1"}, follow=True
    )
    # Refused before the engine, by the form against the live minimum (the review step too).
    assert messages_of(page) == ["Your bid is too low: the minimum next bid is $10.50."]
    page = alice_client.post(
        f"/auctions/{auction.pk}/bid", {"amount": "abc", "confirm": "1"}, follow=True
    )
    assert messages_of(page) == ["Enter a positive amount with at most two decimals."]
    page = alice_client.post(
        f"/auctions/{auction.pk}/bid", {"amount": "", "confirm": "1"}, follow=True
    )
    assert messages_of(page) == ["Enter an amount to bid."]
    page = alice_client.post(
        f"/auctions/{auction.pk}/bid", {"amount": "15.00", "confirm": "1"}, follow=True
    )
    assert messages_of(page) == [
        "Your bid is in, but another bidder's maximum is higher. The price is now $15.50."
    ]
    page = logged_in(auction.seller).post(
        f"/auctions/{auction.pk}/bid", {"amount": "50.00", "confirm": "1"}, follow=True
    )
    assert messages_of(page) == ["You cannot bid on your own auction."]
    assert Bid.objects.count() == 2


def test_anonymous_bid_goes_to_login_and_back(auction):
    response = Client().post(f"/auctions/{auction.pk}/bid", {"amount": "10.00"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/auctions/")
    assert not Bid.objects.exists()


def test_ended_auction_shows_result_and_no_form(db, alice):
    now = timezone.now()
    auction = make_auction(starts_at=now - timedelta(hours=2), ends_at=now - timedelta(minutes=1))
    html = logged_in(alice).get(auction.get_absolute_url()).content.decode()
    assert "ENDED" in html
    assert "countdown--ended" in html
    assert 'id="bid-form"' not in html
    assert "Auction ended with no bids." in html


def test_buy_now_form(db, alice_client):
    auction = make_auction(buy_now_price=4000)
    assert (
        'id="buy-now-price">$40.00</strong>'
        in alice_client.get(auction.get_absolute_url()).content.decode()
    )
    page = alice_client.post(
        f"/auctions/{auction.pk}/buy", {"request_id": "buy", "confirm": "1"}, follow=True
    )
    assert messages_of(page) == [f"You bought “{auction.title}” for $40.00."]
    assert "You won this auction with a winning bid of $40.00." in page.content.decode()


def test_watch_and_unwatch(auction, alice, alice_client):
    alice_client.post(f"/auctions/{auction.pk}/watch")
    alice_client.post(f"/auctions/{auction.pk}/watch")
    assert Watch.objects.filter(user=alice).count() == 1
    assert 'id="unwatch-form"' in alice_client.get(auction.get_absolute_url()).content.decode()
    alice_client.post(f"/auctions/{auction.pk}/unwatch")
    assert not Watch.objects.exists()
    assert Client().post(f"/auctions/{auction.pk}/watch").status_code == 302
    assert not Watch.objects.exists()


def test_me_shows_leading_outbid_won_and_watchlist(db, alice, bob, alice_client):
    leading = make_auction(title="Leading lot")
    outbid = make_auction(title="Outbid lot")
    watched = make_auction(title="Watched lot")
    bid_place(auction=leading, bidder=alice, bid=BidRequest(1000, None, "a1"))
    bid_place(auction=outbid, bidder=alice, bid=BidRequest(1000, None, "a2"))
    bid_place(auction=outbid, bidder=bob, bid=BidRequest(2000, None, "b2"))
    Watch.objects.create(user=alice, auction=watched)
    won = make_auction(title="Won lot", buy_now_price=2500)
    from auctions.services.bidding import buy_now

    buy_now(auction=won, buyer=alice, request_id="buy")
    html = alice_client.get("/me/").content.decode()
    assert re.search(rf'data-auction-id="{leading.pk}" data-outcome="leading"', html)
    assert re.search(rf'data-auction-id="{outbid.pk}" data-outcome="outbid"', html)
    assert re.search(rf'data-auction-id="{won.pk}" data-outcome="won"', html)
    assert f'class="watch-item" data-auction-id="{watched.pk}"' in html
    assert f'class="won-item" data-auction-id="{won.pk}"' in html
    assert Client().get("/me/").status_code == 302


@pytest.mark.parametrize("path", ["/", "detail", "/me/", "/auctions/ended/"])
def test_hostile_names_and_titles_are_escaped(db, path):
    hostile = make_user(HOSTILE)
    auction = make_auction(title=f"Lot {HOSTILE}", description=HOSTILE)
    bid_place(auction=auction, bidder=hostile, bid=BidRequest(1000, None, "x"))
    url = auction.get_absolute_url() if path == "detail" else path
    html = logged_in(hostile).get(url).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the username in the header


def test_pages_still_render_when_redis_is_down(auction, alice_client, settings):
    from auctions.engine.connection import reset_redis_client

    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    reset_redis_client()
    assert titles(alice_client.get("/")) == ["Omega Speedmaster"]
    page = alice_client.get(auction.get_absolute_url())
    assert page.status_code == 200
    assert messages_of(page) == ["Live prices are unavailable right now. Please reload shortly."]
    assert alice_client.get("/me/").status_code == 200


def test_detail_history_credits_the_automatic_bid_to_the_leader(auction, alice, bob):
    bid_place(auction=auction, bidder=bob, bid=BidRequest(1000, 3000, "b1"))
    bid_place(auction=auction, bidder=alice, bid=BidRequest(1500, None, "a1"))
    html = logged_in(alice).get(auction.get_absolute_url()).content.decode()
    items = re.findall(
        r'<li class="history-item[^"]*" data-seq="(\d+)"[^>]*>(.*?)</li>', html, re.S
    )
    text = [(seq, re.sub(r"<[^>]+>|\s+", " ", body).split()) for seq, body in items]
    # Newest first: Bob's automatic answer, Alice's own 15.00, Bob's opening bid.
    assert [(seq, words[:2]) for seq, words in text] == [
        ("2", ["$15.50", "b***b"]),
        ("2", ["$15.00", "a***e"]),
        ("1", ["$10.00", "b***b"]),
    ]
    assert "automatic bid" in items[0][1] and "(you)" in items[1][1]
    assert "$30.00" not in html


def test_a_form_bid_is_reviewed_before_it_is_placed(auction, alice_client):
    review = alice_client.post(
        f"/auctions/{auction.pk}/bid",
        {"amount": "$1,000", "auto_bid": "on", "max_amount": "1,500.50", "request_id": "r-1"},
    )
    assert review.status_code == 200
    html = review.content.decode()
    assert "Review your bid" in html and "$1,000.00" in html and "$1,500.50" in html
    assert not Bid.objects.exists()
    # The review form carries the amounts as read, the same request id, and the confirmation.
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    fields.pop("csrfmiddlewaretoken")
    assert fields == {
        "amount": "1000.00",
        "max_amount": "1500.50",
        "auto_bid": "on",
        "request_id": "r-1",
        "confirm": "1",
    }
    placed = alice_client.post(f"/auctions/{auction.pk}/bid", fields, follow=True)
    assert messages_of(placed) == [
        "Your bid is in: you are the highest bidder at $1,000.00. We will bid for you up to "
        "$1,500.50."
    ]
    assert Bid.objects.get().amount == 100_000


def test_a_bid_that_cannot_be_read_is_refused_before_the_review(auction, alice_client):
    page = alice_client.post(f"/auctions/{auction.pk}/bid", {"amount": "$20,000,000"}, follow=True)
    assert messages_of(page) == ["The most you can bid is $10,000,000.00."]
    assert page.redirect_chain[-1][0] == auction.get_absolute_url()
    assert not Bid.objects.exists()


def test_buy_it_now_is_reviewed_before_it_is_bought(db, alice_client):
    auction = make_auction(buy_now_price=4000)
    review = alice_client.post(f"/auctions/{auction.pk}/buy", {"request_id": "buy-1"})
    assert review.status_code == 200
    assert "for <strong>$40.00</strong>" in review.content.decode()
    assert not Bid.objects.exists()
    alice_client.post(f"/auctions/{auction.pk}/buy", {"request_id": "buy-1", "confirm": "1"})
    assert Bid.objects.get().kind == Bid.Kind.BUY_NOW


def test_buy_it_now_gone_says_so_instead_of_a_review(db, alice_client, bob):
    auction = make_auction(buy_now_price=4000)
    bid_place(auction=auction, bidder=bob, bid=BidRequest(1000, None, "b1"))
    page = alice_client.post(f"/auctions/{auction.pk}/buy", {"request_id": "buy-1"}, follow=True)
    assert messages_of(page) == ["Buy it now is no longer offered on this auction."]


def test_a_bidder_who_lost_reads_that_they_did_not_win(db, alice, bob):
    now = timezone.now()
    auction = make_auction(ends_at=now + timedelta(seconds=5), extension_window=timedelta(0))
    bid_place(auction=auction, bidder=alice, bid=BidRequest(1000, None, "a1"))
    bid_place(auction=auction, bidder=bob, bid=BidRequest(2000, None, "b1"))
    time.sleep(max(0.0, (auction.ends_at - timezone.now()).total_seconds()) + 0.1)
    assert auction_settle(auction=auction)
    lost = logged_in(alice).get(auction.get_absolute_url()).content.decode()
    assert "You didn&#x27;t win this auction." in lost or "You didn't win this auction." in lost
    assert "You have been outbid" not in lost and 'id="bid-form"' not in lost
    won = logged_in(bob).get(auction.get_absolute_url()).content.decode()
    assert won.count("You won this auction") == 1
    assert "You are the highest bidder" not in won


def test_a_cancelled_lot_never_says_you_are_the_highest_bidder(auction, alice, alice_client):
    bid_place(auction=auction, bidder=alice, bid=BidRequest(1000, None, "a1"))
    auction_cancel_by_staff(auction=auction, actor=make_moderator(), reason="Counterfeit")
    html = alice_client.get(auction.get_absolute_url()).content.decode()
    assert "You are the highest bidder" not in html
    assert "This auction was cancelled by the site." in html
    assert "Counterfeit" not in html  # the reason stays in the audit log
    assert 'id="bid-form"' not in html and 'id="buy-form"' not in html


def test_the_whole_history_is_paginated_past_100_lines(db, alice, bob, settings):
    settings.GAVEL_BID_RATE_LIMIT = (1000, 10)
    auction = make_auction(increment=100)
    bid_place(auction=auction, bidder=alice, bid=BidRequest(1000, 500_000, "a"))
    for index in range(55):  # each answered by Alice's maximum: two lines each
        bid_place(
            auction=auction, bidder=bob, bid=BidRequest(2000 + index * 1000, None, f"b{index}")
        )
    first = Client().get(f"/auctions/{auction.pk}/history/")
    assert first.status_code == 200
    html = first.content.decode()
    assert html.count('class="history-item') == 100
    assert "111 bids" in html and 'rel="next"' in html
    newest = re.search(r'data-seq="(\d+)"', html).group(1)
    assert newest == "56"
    second = Client().get(f"/auctions/{auction.pk}/history/?page=2").content.decode()
    assert second.count('class="history-item') == 11
    assert 'data-seq="1"' in second
    assert "$5,000.00" not in html + second  # Alice's maximum
    for query in ("page=999", "page=x"):
        assert Client().get(f"/auctions/{auction.pk}/history/?{query}").status_code == 200
    assert f'href="/auctions/{auction.pk}/history/" id="full-history"' in (
        Client().get(auction.get_absolute_url()).content.decode()
    )
    draft = make_auction(status=Auction.Status.DRAFT)
    assert Client().get(f"/auctions/{draft.pk}/history/").status_code == 404


def test_search_covers_descriptions_and_sorts_as_asked(db, alice, bob):
    now = timezone.now()
    cheap = make_auction(
        title="Brass compass", starting_price=500, starts_at=now - timedelta(hours=3)
    )
    dear = make_auction(
        title="Marine chronometer",
        description="A marine compass-adjusted movement",
        starting_price=90_000,
        starts_at=now - timedelta(hours=2),
    )
    busy = make_auction(title="Sextant", starting_price=2000, starts_at=now - timedelta(hours=1))
    bid_place(auction=busy, bidder=alice, bid=BidRequest(2000, None, "a"))
    bid_place(auction=busy, bidder=bob, bid=BidRequest(3000, None, "b"))
    bid_place(auction=cheap, bidder=alice, bid=BidRequest(700, None, "c"))

    assert titles(Client().get("/?q=compass")) == ["Brass compass", "Marine chronometer"]
    assert titles(Client().get("/?sort=price_asc")) == ["Brass compass", "Sextant", dear.title]
    assert titles(Client().get("/?sort=price_desc")) == [dear.title, "Sextant", "Brass compass"]
    assert titles(Client().get("/?sort=bids"))[:2] == ["Sextant", "Brass compass"]
    assert titles(Client().get("/?sort=newest")) == ["Sextant", dear.title, "Brass compass"]
    assert titles(Client().get("/?sort=nonsense")) == titles(Client().get("/"))
    assert 'id="search-sort"' in Client().get("/?sort=bids").content.decode()


def test_the_ended_list_says_sold_or_not_sold(db, alice):
    sold = make_auction(
        title="Sold lot", status=Auction.Status.ENDED, winner=alice, final_price=4200
    )
    make_auction(title="Unsold lot", status=Auction.Status.ENDED, reserve_met=False)
    make_auction(title="Dropped lot", status=Auction.Status.CANCELLED)
    html = Client().get("/auctions/ended/").content.decode()
    text = {}
    for card in html.split('class="auction-card"')[1:]:
        title = re.search(r'class="auction-title" href="[^"]+">([^<]+)</a>', card).group(1)
        ends = re.search(r'class="auction-ends">(.*?)</p>', card, re.S).group(1)
        text[title] = " ".join(re.sub(r"<[^>]+>", "", ends).split())
    assert text["Sold lot"].startswith("Sold for $42.00")
    assert text["Unsold lot"].startswith("Not sold · reserve not met")
    assert text["Dropped lot"] == "Cancelled"
    assert sold.final_price == 4200


def test_the_list_says_under_a_minute_in_the_last_minute(db):
    make_auction(title="Almost over", ends_at=timezone.now() + timedelta(seconds=40))
    html = Client().get("/").content.decode()
    assert "Ends in under a minute" in html
    assert "0 minutes" not in html


def test_the_price_chart_is_drawn_on_the_server_from_the_ledger(db, alice, bob):
    now = timezone.now()
    auction = make_auction(
        starting_price=1000,
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(seconds=60),
        extension_window=timedelta(minutes=2),
    )
    bid_place(auction=auction, bidder=alice, bid=BidRequest(1000, 5000, "a"))
    bid_place(auction=auction, bidder=bob, bid=BidRequest(2000, None, "b"))
    html = Client().get(auction.get_absolute_url()).content.decode()
    svg = re.search(r'<svg id="price-chart".*?</svg>', html, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg
    desc = re.search(r'<desc id="chart-desc">(.*?)</desc>', svg).group(1)
    assert desc == "Starting price $10.00; 2 bids; price now $20.50; extended 2 times."
    points = re.search(r'id="chart-line" class="chart-line" points="([^"]+)"', svg).group(1)
    ys = [float(pair.split(",")[1]) for pair in points.split()]
    assert max(ys) == 190.0 and min(ys) == 10.0  # from the starting price up to the top
    assert svg.count('class="chart-extension"') == 2  # both late bids extended the end
    assert '<tspan id="chart-bids">2</tspan> bids' in svg
    assert "$50.00" not in svg  # a maximum never shows, not even as a point
