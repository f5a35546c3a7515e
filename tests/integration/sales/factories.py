"""Sales and their lots for tests."""

import itertools
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from auctions.models import Auction
from sales.models import PremiumBand, Sale
from tests.factories import make_auction, make_seller

_numbers = itertools.count(1)


def make_sale(house: User | None = None, *, lots: int = 0, **fields) -> Sale:
    """A draft sale closing in an hour, 25 % premium up to 1,000.00 and 20 % above, with `lots`
    draft lots numbered 1…n."""
    values = {
        "title": f"Sale {next(_numbers)}",
        "terms": "Cash only. All sales final.",
        "ends_at": timezone.now() + timedelta(hours=1),
        "closing_interval": 30,
    }
    values.update(fields)
    sale = Sale.objects.create(house=house or make_seller(), **values)
    PremiumBand.objects.create(sale=sale, up_to=100_000, percent=Decimal(25))
    PremiumBand.objects.create(sale=sale, up_to=None, percent=Decimal(20))
    for number in range(1, lots + 1):
        make_lot(sale, number)
    return sale


def make_lot(sale: Sale, number: int, **fields) -> Auction:
    """Lot `number` of `sale`, by the sale's house, a draft until the sale is published."""
    values = {"status": Auction.Status.DRAFT, "title": f"Lot {number} of {sale.title}"}
    values.update(fields)
    return make_auction(sale.house, sale=sale, lot_number=number, **values)
