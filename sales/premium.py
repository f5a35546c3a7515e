"""The buyer's premium and tax on a hammer price: pure functions in integer minor units.

Rates are integer thousandths of a percent (`RATE_SCALE` = 100 %: 25 % is 25_000), so a rate of
up to three decimals (8.875 % tax) is exact. The premium schedule is marginal, as auction
houses write it ("25 % of the hammer up to 1,000.00, plus 20 % of the part above"): each band's
percent applies to the part of the hammer price inside that band.

Rounding rule: each component (the premium, then the tax) is computed exactly as a fraction of
minor units and rounded once, half up (a half minor unit rounds up); the tax is computed on the
rounded premium. Nothing is rounded per band.
"""

from dataclasses import dataclass
from decimal import Decimal

RATE_SCALE = 100_000  # 100 % in thousandths of a percent


@dataclass(frozen=True)
class Band:
    """`rate` (thousandths of a percent) on the hammer up to `up_to` minor units (None: no
    upper bound)."""

    up_to: int | None
    rate: int


@dataclass(frozen=True)
class Charges:
    """What a buyer pays for one lot, in minor units."""

    hammer: int
    premium: int
    tax: int
    shipping: int

    @property
    def total(self) -> int:
        return self.hammer + self.premium + self.tax + self.shipping


def rate_of(percent: Decimal | int) -> int:
    """A percent with at most three decimals as thousandths of a percent: 8.875 → 8875."""
    return int(Decimal(percent) * 1000)


def _round_half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def _ordered(bands: list[Band]) -> list[Band]:
    """Bands by upper bound, the open band last; the schedule must end with an open band."""
    bounded = sorted((b for b in bands if b.up_to is not None), key=lambda b: b.up_to or 0)
    open_bands = [b for b in bands if b.up_to is None]
    if len(open_bands) > 1:
        raise ValueError("a schedule has at most one open band")
    return bounded + open_bands


def premium(hammer: int, bands: list[Band]) -> int:
    """The buyer's premium on `hammer` minor units (0 with no bands).

    Above the last bounded band with no open band, the last band's rate goes on.
    """
    ordered = _ordered(bands)
    exact, lower = 0, 0
    for index, band in enumerate(ordered):
        last = index == len(ordered) - 1
        upper = hammer if band.up_to is None or last else min(hammer, band.up_to)
        if upper > lower:
            exact += (upper - lower) * band.rate
        if band.up_to is not None:
            lower = max(lower, band.up_to)
        if lower >= hammer:
            break
    return _round_half_up(exact, RATE_SCALE)


def tax(*, hammer: int, premium: int, rate: int, on_hammer: bool, on_premium: bool) -> int:
    """The tax at `rate` on the hammer and/or the (rounded) premium, rounded once, half up."""
    base = (hammer if on_hammer else 0) + (premium if on_premium else 0)
    return _round_half_up(base * rate, RATE_SCALE)


def charges(
    *,
    hammer: int,
    bands: list[Band],
    tax_rate: int,
    tax_on_hammer: bool,
    tax_on_premium: bool,
    shipping: int = 0,
) -> Charges:
    """Hammer, premium, tax and shipping for one lot (`Charges.total` adds them up)."""
    bp = premium(hammer, bands)
    tx = tax(
        hammer=hammer, premium=bp, rate=tax_rate, on_hammer=tax_on_hammer, on_premium=tax_on_premium
    )
    return Charges(hammer=hammer, premium=bp, tax=tx, shipping=shipping)


def describe(bands: list[Band]) -> str:
    """The schedule in words for the lot page: "25 %" for one band, "25 % / 20 %" for several
    (the catalog page spells the bounds out)."""
    ordered = _ordered(bands)
    return " / ".join(f"{_percent_text(b.rate)} %" for b in ordered)


def _percent_text(rate: int) -> str:
    text = f"{Decimal(rate) / 1000:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
