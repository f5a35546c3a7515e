"""The price chart of the detail page: the price over time from the ledger, as SVG coordinates.

Server-rendered (readable without JavaScript); `auction.js` redraws it with the same arithmetic
as bids arrive, from the points this module puts in `data-points`.
"""

import json
from dataclasses import dataclass

from auctions.engine import to_ms
from core.templatetags.money import format_money

WIDTH, HEIGHT = 600, 180  # the drawing area inside the SVG's viewBox
PAD_LEFT, PAD_TOP, PAD_BOTTOM = 70, 10, 24


@dataclass(frozen=True)
class Chart:
    """What the template draws: the step line, extension marks, labels and the raw points."""

    polyline: str
    extension_xs: list[float]
    price_low: str
    price_high: str
    bid_count: int
    summary: str
    points_json: str
    extensions_json: str
    start_ms: int


def _scale(points, extensions, start_ms, end_ms):
    low = min(price for _, _, price in points)
    high = max(price for _, _, price in points)
    span_t = max(1, end_ms - start_ms)
    span_p = max(1, high - low)

    def x(ms):
        return round(PAD_LEFT + (ms - start_ms) / span_t * WIDTH, 1)

    def y(price):
        return round(PAD_TOP + HEIGHT - (price - low) / span_p * HEIGHT, 1)

    coords = []
    for index, (_, ms, price) in enumerate(points):
        if index:
            coords.append(f"{x(ms)},{y(points[index - 1][2])}")  # the price holds until a bid
        coords.append(f"{x(ms)},{y(price)}")
    coords.append(f"{x(end_ms)},{y(points[-1][2])}")
    return " ".join(coords), [x(ms) for ms in extensions], low, high


def price_chart(*, auction, bids, extension_times, now) -> Chart:
    """The chart of `auction` from its non-voided bids as `(seq, placed_at, price)` in seq
    order and the moments of its soft-close extensions, drawn up to `now`."""
    start_ms = to_ms(auction.starts_at)
    points = [(0, start_ms, int(auction.starting_price))]
    points += [(seq, to_ms(placed_at), int(price)) for seq, placed_at, price in bids]
    end_ms = max(points[-1][1], to_ms(now))
    extensions = [to_ms(moment) for moment in extension_times]
    polyline, extension_xs, low, high = _scale(points, extensions, start_ms, end_ms)
    count = len(bids)
    summary = (
        f"Starting price {format_money(points[0][2])}; {count} bid{'s' if count != 1 else ''}; "
        f"price now {format_money(points[-1][2])}"
        + (
            f"; extended {len(extensions)} time{'s' if len(extensions) != 1 else ''}"
            if extensions
            else ""
        )
        + "."
    )
    return Chart(
        polyline=polyline,
        extension_xs=extension_xs,
        price_low=format_money(low),
        price_high=format_money(high),
        bid_count=count,
        summary=summary,
        points_json=json.dumps([list(point) for point in points]),
        extensions_json=json.dumps(extensions),
        start_ms=start_ms,
    )
