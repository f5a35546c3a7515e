"""A seller in the admin reaches only their own auctions, on every admin URL of an auction;
staff moderators and superusers see everything."""

import pytest
from django.urls import reverse
from django.utils import timezone

from auctions.models import Auction, Bid
from tests.admin_forms import add_form
from tests.factories import make_auction, make_moderator, make_seller, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller_a():
    return make_seller("seller_a")


@pytest.fixture
def auction_of_b():
    return make_auction(seller=make_seller("seller_b"), title="Watch of B")


def object_urls(auction):
    return [
        reverse("admin:auctions_auction_change", args=[auction.pk]),
        reverse("admin:auctions_auction_delete", args=[auction.pk]),
        reverse("admin:auctions_auction_history", args=[auction.pk]),
    ]


def test_seller_gets_no_200_on_any_admin_url_of_another_sellers_auction(
    client, seller_a, auction_of_b
):
    client.force_login(seller_a)
    for url in object_urls(auction_of_b):
        response = client.get(url)
        assert response.status_code != 200, url
        post = client.post(url, {"post": "yes", "title": "stolen"})
        assert post.status_code != 200, url
    auction_of_b.refresh_from_db()
    assert auction_of_b.title == "Watch of B"
    assert Auction.objects.filter(pk=auction_of_b.pk).exists()


def test_seller_changelist_and_autocomplete_show_only_their_own(client, seller_a, auction_of_b):
    own = make_auction(seller=seller_a, title="Watch of A")
    client.force_login(seller_a)
    changelist = client.get(reverse("admin:auctions_auction_changelist"))
    assert changelist.status_code == 200
    assert own.title in changelist.content.decode()
    assert auction_of_b.title not in changelist.content.decode()
    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "auctions", "model_name": "watch", "field_name": "auction", "term": "watch"},
    )
    assert autocomplete.status_code == 200
    ids = [item["id"] for item in autocomplete.json()["results"]]
    assert str(own.pk) in ids
    assert str(auction_of_b.pk) not in ids


def test_seller_sees_only_bids_on_their_own_auctions(client, seller_a, auction_of_b):
    bid = Bid.objects.create(
        auction=auction_of_b,
        bidder=make_user(),
        seq=1,
        amount=1000,
        price=1000,
        placed_at=timezone.now(),
        request_id="r",
    )
    client.force_login(seller_a)
    assert client.get(reverse("admin:auctions_bid_change", args=[bid.pk])).status_code != 200


def test_moderators_and_superusers_see_every_auction(client, auction_of_b):
    superuser = make_user("root", is_staff=True, is_superuser=True)
    for user in (make_moderator(), superuser):
        client.force_login(user)
        response = client.get(reverse("admin:auctions_auction_change", args=[auction_of_b.pk]))
        assert response.status_code == 200


def test_seller_field_comes_from_the_request(client, seller_a):
    other = make_seller("seller_c")
    client.force_login(seller_a)
    response = client.post(reverse("admin:auctions_auction_add"), add_form(seller=str(other.pk)))
    assert response.status_code == 302, response.content.decode()[:2000]
    auction = Auction.objects.get(title="New lot")
    assert auction.seller == seller_a
    assert auction.starting_price == 1000


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"reserve_price": "5.00"}, "reserve_price"),
        ({"buy_now_price": "10.00"}, "buy_now_price"),
        ({"starting_price": "0"}, "starting_price"),
        ({"starting_price": "-3"}, "starting_price"),
        ({"starting_price": "1.001"}, "starting_price"),
        ({"starting_price": "abc"}, "starting_price"),
        ({"ends_at_0": "2000-01-01"}, "ends_at"),
    ],
)
def test_admin_form_rejects_invalid_auctions_with_field_errors(client, seller_a, overrides, field):
    client.force_login(seller_a)
    response = client.post(reverse("admin:auctions_auction_add"), add_form(**overrides))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Auction.objects.filter(title="New lot").exists()


def test_prices_and_times_are_read_only_once_an_auction_has_a_bid(client, seller_a):
    auction = make_auction(seller=seller_a)
    Bid.objects.create(
        auction=auction,
        bidder=make_user(),
        seq=1,
        amount=1000,
        price=1000,
        placed_at=timezone.now(),
        request_id="r",
    )
    client.force_login(seller_a)
    response = client.get(reverse("admin:auctions_auction_change", args=[auction.pk]))
    assert response.status_code == 200
    form_fields = response.context["adminform"].form.fields
    assert "starting_price" not in form_fields
    assert "ends_at" not in form_fields
    assert "description" in form_fields
    assert b"bids" in response.content  # the read-only ledger inline is shown
