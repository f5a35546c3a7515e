"""`/auctions/<id>/report`: bidders report a public auction with a reason from the short list;
bad input gets a clear error and files nothing; the report lands in the moderation queue."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from auctions.models import Auction, Report
from tests.factories import make_auction

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def auction(seller_a):
    return make_auction(seller=seller_a, title="Suspicious watch")


def url(auction):
    return reverse("auctions:report", args=[auction.pk])


def test_the_form_lists_the_reasons(client, bidder, auction):
    client.force_login(bidder)
    page = client.get(url(auction))
    assert page.status_code == 200
    for value in Report.Reason.values:
        assert f'value="{value}"' in page.content.decode()


def test_a_bidder_files_a_report_and_it_reaches_the_queue(client, bidder, auction, moderator):
    client.force_login(bidder)
    response = client.post(url(auction), {"reason": "counterfeit", "details": "Fake dial"})
    assert response.status_code == 302
    assert response.headers["Location"] == auction.get_absolute_url()
    report = Report.objects.get()
    assert (report.reporter, report.reason, report.details) == (bidder, "counterfeit", "Fake dial")
    client.force_login(moderator)
    queue = client.get(reverse("admin:auctions_auction_moderation")).content.decode()
    assert "Fake dial" in queue and "Suspicious watch" in queue


def test_json_clients_get_codes(client, bidder, auction):
    client.force_login(bidder)
    created = client.post(url(auction), {"reason": "misleading"}, **JSON)
    assert (created.status_code, created.json()) == (201, {"reported": True})
    again = client.post(url(auction), {"reason": "misleading"}, **JSON)
    assert again.status_code == 409
    assert again.json()["error"] == "INVALID_STATE"
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    "data",
    [{}, {"reason": "spam"}, {"reason": "other"}, {"reason": "other", "details": "x" * 501}],
)
def test_bad_reasons_are_400_and_file_nothing(client, bidder, auction, data):
    client.force_login(bidder)
    response = client.post(url(auction), data, **JSON)
    assert response.status_code == 400
    assert response.json()["error"] == "INVALID_REASON"
    form = client.post(url(auction), data)
    assert form.status_code == 302
    assert [m.level_tag for m in get_messages(form.wsgi_request)] == ["error"]
    assert not Report.objects.exists()


def test_anonymous_users_are_sent_to_log_in(client, auction):
    response = client.post(url(auction), {"reason": "counterfeit"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("login"))
    assert client.post(url(auction), {"reason": "counterfeit"}, **JSON).status_code == 401
    assert not Report.objects.exists()


def test_the_seller_cannot_report_their_own_auction(client, seller_a, auction):
    client.force_login(seller_a)
    response = client.post(url(auction), {"reason": "counterfeit"}, **JSON)
    assert response.status_code == 403
    assert not Report.objects.exists()


@pytest.mark.parametrize("status", ["pending", "rejected", "draft"])
def test_listings_that_are_not_public_are_404(client, bidder, seller_a, status):
    hidden = make_auction(seller=seller_a, status=status)
    client.force_login(bidder)
    assert client.post(url(hidden), {"reason": "counterfeit"}).status_code == 404
    assert client.get(url(hidden)).status_code == 404
    assert not Report.objects.exists()


def test_missing_auction_is_404_and_other_methods_405(client, bidder, auction):
    client.force_login(bidder)
    missing = reverse("auctions:report", args=[Auction.objects.order_by("-pk").first().pk + 1])
    assert client.post(missing, {"reason": "counterfeit"}).status_code == 404
    assert client.put(url(auction)).status_code == 405


def test_a_form_post_without_a_csrf_token_is_refused(bidder, auction):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(bidder)
    assert strict.post(url(auction), {"reason": "counterfeit"}).status_code == 403
    assert not Report.objects.exists()
