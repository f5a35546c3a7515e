"""The house's admin for a sale: create it with a premium schedule, add lots through the
auction admin, reorder them, publish; out-of-range values are refused with a message."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from auctions.models import Auction
from core.models import AuditLog
from sales.models import Sale
from tests.admin_forms import add_form
from tests.factories import make_seller
from tests.integration.sales.factories import make_lot, make_sale

pytestmark = pytest.mark.django_db


def sale_form(**overrides) -> dict:
    ends = timezone.now() + timedelta(days=2)
    data = {
        "title": "Autumn sale",
        "description": "",
        "terms": "All sales final.",
        "preview_info": "",
        "pickup_info": "",
        "tax_rate": "8.875",
        "tax_on_hammer": "on",
        "tax_on_premium": "on",
        "approval": "automatic",
        "default_limit": "",
        "ends_at_0": ends.strftime("%Y-%m-%d"),
        "ends_at_1": ends.strftime("%H:%M:%S"),
        "closing_interval": "30",
        "premium_bands-TOTAL_FORMS": "2",
        "premium_bands-INITIAL_FORMS": "0",
        "premium_bands-0-up_to": "1000.00",
        "premium_bands-0-percent": "25",
        "premium_bands-1-up_to": "",
        "premium_bands-1-percent": "20",
    }
    data.update(overrides)
    return data


def test_a_house_creates_a_sale_with_its_premium_bands(client):
    house = make_seller()
    client.force_login(house)
    response = client.post(reverse("admin:sales_sale_add"), sale_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    sale = Sale.objects.get(title="Autumn sale")
    assert sale.house == house
    assert sale.status == Sale.Status.DRAFT
    assert sale.currency == "USD"
    assert [(b.up_to, str(b.percent)) for b in sale.premium_bands.all()] == [
        (100_000, "25.000"),
        (None, "20.000"),
    ]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"premium_bands-0-percent": "120"}, "less than or equal to 100"),
        ({"premium_bands-0-percent": "-1"}, "greater than or equal to 0"),
        ({"premium_bands-0-up_to": ""}, "Only one premium band can be open"),
        ({"closing_interval": "0"}, "greater than or equal to 1"),
        ({"closing_interval": "3601"}, "less than or equal to 3600"),
        ({"tax_rate": "100.5"}, "less than or equal to 100"),
        ({"approval": "limit"}, "Automatic approval with a limit needs one"),
    ],
)
def test_out_of_range_values_are_refused_with_a_message(client, overrides, message):
    client.force_login(make_seller())
    response = client.post(reverse("admin:sales_sale_add"), sale_form(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Sale.objects.exists()


def test_a_lot_added_through_the_auction_admin_waits_for_the_sale(client):
    sale = make_sale()
    client.force_login(sale.house)
    response = client.post(
        reverse("admin:auctions_auction_add"), add_form(sale=str(sale.pk), lot_number="1")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    lot = Auction.objects.get(sale=sale)
    assert (lot.lot_number, lot.status) == (1, Auction.Status.DRAFT)


def test_a_lot_number_is_unique_within_its_sale(client):
    sale = make_sale(lots=1)
    client.force_login(sale.house)
    response = client.post(
        reverse("admin:auctions_auction_add"), add_form(sale=str(sale.pk), lot_number="1")
    )
    assert response.status_code == 200
    assert "Sale and Lot number already exists" in response.content.decode()
    assert Auction.objects.filter(sale=sale).count() == 1


def test_a_house_cannot_add_lots_to_another_house_sale(client):
    sale = make_sale()
    client.force_login(make_seller())
    response = client.post(
        reverse("admin:auctions_auction_add"), add_form(sale=str(sale.pk), lot_number="1")
    )
    assert response.status_code == 200
    assert not Auction.objects.filter(sale=sale).exists()
    assert client.get(reverse("admin:sales_sale_change", args=[sale.pk])).status_code == 302


def lots_formset(sale: Sale, numbers: dict[int, int]) -> dict:
    lots = list(Auction.objects.filter(sale=sale).order_by("lot_number"))
    data = {
        "premium_bands-TOTAL_FORMS": "0",
        "premium_bands-INITIAL_FORMS": "0",
        "lots-TOTAL_FORMS": str(len(lots)),
        "lots-INITIAL_FORMS": str(len(lots)),
    }
    for index, lot in enumerate(lots):
        data[f"lots-{index}-id"] = str(lot.pk)
        data[f"lots-{index}-sale"] = str(sale.pk)
        data[f"lots-{index}-lot_number"] = str(numbers.get(lot.pk, lot.lot_number))
    return data


def change_data(sale: Sale, numbers: dict[int, int]) -> dict:
    data = sale_form(title=sale.title, closing_interval=str(sale.closing_interval))
    data["ends_at_0"] = sale.ends_at.strftime("%Y-%m-%d")
    data["ends_at_1"] = sale.ends_at.strftime("%H:%M:%S")
    data.update(lots_formset(sale, numbers))
    return data


def test_swapping_two_lot_numbers_reorders_the_lots(client):
    sale = make_sale(lots=3)
    first, second = Auction.objects.filter(sale=sale).order_by("lot_number")[:2]
    client.force_login(sale.house)
    response = client.post(
        reverse("admin:sales_sale_change", args=[sale.pk]),
        change_data(sale, {first.pk: 2, second.pk: 1}),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.lot_number, second.lot_number) == (2, 1)
    assert AuditLog.objects.filter(action="sale.renumber").count() == 1


def test_a_lot_number_used_twice_is_refused(client):
    sale = make_sale(lots=2)
    first = Auction.objects.filter(sale=sale).order_by("lot_number").first()
    client.force_login(sale.house)
    response = client.post(
        reverse("admin:sales_sale_change", args=[sale.pk]), change_data(sale, {first.pk: 2})
    )
    assert response.status_code == 200
    assert "Please correct the duplicate data for lot_number" in response.content.decode()
    first.refresh_from_db()
    assert first.lot_number == 1


def test_publishing_schedules_every_lot_staggered_in_lot_order(client, settings):
    sale = make_sale(closing_interval=45)
    make_lot(sale, 2)
    make_lot(sale, 1)
    make_lot(sale, 3)
    client.force_login(sale.house)
    response = client.post(
        reverse("admin:sales_sale_changelist"),
        {"action": "publish", "_selected_action": [str(sale.pk)]},
    )
    assert response.status_code == 302
    sale.refresh_from_db()
    assert sale.status == Sale.Status.PUBLISHED
    lots = list(Auction.objects.filter(sale=sale).order_by("lot_number"))
    assert [lot.status for lot in lots] == [Auction.Status.SCHEDULED] * 3
    assert [lot.ends_at - sale.ends_at for lot in lots] == [
        timedelta(seconds=0),
        timedelta(seconds=45),
        timedelta(seconds=90),
    ]
    assert AuditLog.objects.filter(action="sale.publish").count() == 1


def test_a_sale_without_lots_is_not_published(client):
    sale = make_sale()
    client.force_login(sale.house)
    response = client.post(
        reverse("admin:sales_sale_changelist"),
        {"action": "publish", "_selected_action": [str(sale.pk)]},
        follow=True,
    )
    assert "needs at least one lot" in response.content.decode()
    sale.refresh_from_db()
    assert sale.status == Sale.Status.DRAFT
