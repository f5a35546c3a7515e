"""The orders app's answers to the auctions app's signals (`auctions/signals.py`), connected in
`OrdersConfig.ready`."""

from typing import Any

from auctions.models import Auction
from orders.services.offers import offers_expire
from orders.services.orders import order_open, orders_close_unpaid


def open_order_for_sale(*, auction: Auction, buyer_id: int, price: int, **kwargs: Any) -> None:
    """`auction_sold`: open the sale's order, in the transaction that records the end."""
    order_open(auction_id=auction.pk, buyer_id=buyer_id, seller_id=auction.seller_id, price=price)


def close_and_expire(**kwargs: Any) -> dict[str, int]:
    """`worker_pass`: close orders left unpaid past their deadline; expire second-chance offers."""
    return {"orders_closed": orders_close_unpaid(), "offers_expired": offers_expire()}
