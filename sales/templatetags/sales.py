"""Sale details on a lot's pages: `{% lot_premium auction %}` (the premium in words) and
`{% lot_charges auction amount %}` (hammer, premium, tax and total for an amount). Both render
nothing for an auction outside a sale."""

from django import template

from sales import selectors

register = template.Library()


@register.inclusion_tag("sales/lot_premium.html")
def lot_premium(auction):
    sale = auction.sale if auction.sale_id else None
    label = selectors.premium_label(sale=sale) if sale else ""
    return {"auction": auction, "label": label, "sale": sale}


@register.inclusion_tag("sales/lot_charges.html")
def lot_charges(auction, amount):
    if not auction.sale_id or not amount:
        return {"charges": None}
    return {"charges": selectors.lot_charges(sale=auction.sale, hammer=int(amount))}


@register.inclusion_tag("sales/open_sales.html")
def open_sales():
    """The published sales with a lot still to close, soonest first (the home page)."""
    return {"sales": selectors.open_sales()}
