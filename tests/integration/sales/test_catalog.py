"""The sale's catalog page (lots in order with price, status and countdown, search, jump to a
lot) and `GET /api/sales/<id>` with its lots."""

import pytest
from django.urls import reverse

from sales.services.registration import registration_create
from sales.services.schedule import sale_publish
from tests.factories import make_user
from tests.integration.engine.helpers import bid
from tests.integration.sales.factories import make_lot, make_sale
from tests.integration.web.conftest import STATE_KEYS, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def sale(django_capture_on_commit_callbacks):
    sale = make_sale(title="Estate of A. Collector")
    make_lot(sale, 2, title="Brass telescope")
    make_lot(sale, 1, title="Pocket watch", description="Silver hunter case")
    make_lot(sale, 3, title="Writing desk")
    with django_capture_on_commit_callbacks(execute=True):
        sale_publish(sale=sale, actor=sale.house)
    return sale


def test_the_catalog_lists_lots_in_lot_order_with_their_price(
    sale, client, django_capture_on_commit_callbacks
):
    buyer = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        registration_create(sale=sale, bidder=buyer)
    bid(sale.lots.get(lot_number=2), buyer, 2_500)
    page = client.get(reverse("sales:detail", args=[sale.pk])).content.decode()
    first, second, third = (page.index(t) for t in ("Pocket watch", "Brass telescope", "Writing"))
    assert first < second < third
    assert "$25.00" in page and "Ends in" in page
    assert "Register to bid" in page


def test_search_within_the_sale_and_jump_to_a_lot(sale, client):
    url = reverse("sales:detail", args=[sale.pk])
    found = client.get(url, {"q": "silver"}).content.decode()
    assert "Pocket watch" in found and "Brass telescope" not in found
    jump = client.get(url, {"lot": "3"})
    assert jump.status_code == 302
    assert jump["Location"] == sale.lots.get(lot_number=3).get_absolute_url()
    missing = client.get(url, {"lot": "99"}, follow=True).content.decode()
    assert "There is no lot 99 in this sale" in missing


def test_a_draft_sale_is_not_shown(client):
    draft = make_sale(lots=1)
    assert client.get(reverse("sales:detail", args=[draft.pk])).status_code == 404
    assert client.get(f"/api/sales/{draft.pk}").status_code == 404


def test_the_sale_api_gives_the_sale_and_its_lots_in_order(sale):
    client = logged_in(make_user())
    body = client.get(f"/api/sales/{sale.pk}").json()
    assert {"id", "title", "status", "mode", "premium", "lots"} <= set(body)
    assert body["premium"] == [
        {"up_to": "1000.00", "percent": "25.000"},
        {"up_to": None, "percent": "20.000"},
    ]
    assert [lot["lot_number"] for lot in body["lots"]] == [1, 2, 3]
    assert STATE_KEYS <= set(body["lots"][0])
    assert body["lots"][0]["title"] == "Pocket watch"


def test_the_home_page_lists_open_sales(sale, client):
    page = client.get("/").content.decode()
    assert 'id="open-sales"' in page and "Estate of A. Collector" in page
    draft = make_sale(title="Unpublished sale", lots=1)
    assert draft.title not in client.get("/").content.decode()
