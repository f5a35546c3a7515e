"""Reads of catalog sales: the premium schedule as `sales.premium` takes it, what a buyer pays
for a lot, and a sale's lots in closing order."""

from auctions.models import Auction
from sales import premium
from sales.models import Sale


def premium_bands(*, sale: Sale) -> list[premium.Band]:
    """The sale's buyer's premium schedule as pure bands (rates in thousandths of a percent)."""
    return [
        premium.Band(up_to=band.up_to, rate=premium.rate_of(band.percent))
        for band in sale.premium_bands.all()
    ]


def lot_charges(*, sale: Sale, hammer: int, shipping: int = 0) -> premium.Charges:
    """Hammer, premium, tax and shipping for a lot of `sale` sold at `hammer` minor units."""
    return premium.charges(
        hammer=hammer,
        bands=premium_bands(sale=sale),
        tax_rate=premium.rate_of(sale.tax_rate),
        tax_on_hammer=sale.tax_on_hammer,
        tax_on_premium=sale.tax_on_premium,
        shipping=shipping,
    )


def premium_label(*, sale: Sale) -> str:
    """ "+ 25 % buyer's premium" (several bands: "+ 25 % / 20 % buyer's premium"); "" if none."""
    bands = premium_bands(sale=sale)
    if not bands or all(band.rate == 0 for band in bands):
        return ""
    return f"+ {premium.describe(bands)} buyer's premium"


def sale_lots(*, sale: Sale) -> list[Auction]:
    """The sale's lots in lot (closing) order."""
    return list(Auction.objects.filter(sale=sale).order_by("lot_number", "pk"))


def open_sales(*, limit: int = 12) -> list[Sale]:
    """Published sales with a lot not yet closed, the soonest closing first."""
    return list(
        Sale.objects.filter(status=Sale.Status.PUBLISHED, lots__status=Auction.Status.SCHEDULED)
        .distinct()
        .order_by("ends_at", "pk")[:limit]
    )
