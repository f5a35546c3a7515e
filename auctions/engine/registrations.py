"""A sale's registrations as the bid script reads them: one hash on the sale's hash tag
(`keys.registrations_key`), bidder id → standing, so the check costs a bid no SQL query.

The database (`sales.Registration`) is the truth. The registration service writes each change
here after it commits (`standing_write`); when the hash is missing (Redis lost it, first use) the
bid script answers MISSING and the hot-state loader rebuilds it with `ensure_loaded`, which
never overwrites a standing the service wrote meanwhile (HSETNX). The engine does not import the
sales app: `source_register` (called by `SalesConfig.ready`) tells it where the rows come from.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from auctions.engine import keys
from auctions.engine.connection import get_redis


@dataclass(frozen=True)
class SaleStanding:
    """A bidder's standing in a sale: approved to bid or not, and their credit limit."""

    approved: bool
    limit: int | None = None

    def encode(self) -> str:
        """As place_bid.lua reads it: "a", "a:<limit>", or "n" (not approved)."""
        if not self.approved:
            return "n"
        return "a" if self.limit is None else f"a:{int(self.limit)}"


Source = Callable[[int], Mapping[int, SaleStanding]]
_source: Source | None = None


def source_register(source: Source) -> None:
    """Set where a sale's standings come from (sale id → {bidder id: SaleStanding})."""
    global _source
    _source = source


def standing_write(*, sale_id: int, bidder_id: int, standing: SaleStanding) -> None:
    """Write one bidder's standing (after the change committed). Raises RedisError."""
    get_redis().hset(keys.registrations_key(sale_id), str(int(bidder_id)), standing.encode())


def ensure_loaded(sale_id: int) -> bool:
    """Load the sale's standings from the database unless loaded; True when this call did."""
    client = get_redis()
    key = keys.registrations_key(sale_id)
    if client.hexists(key, keys.REGISTRATIONS_LOADED):
        return False
    if _source is None:
        raise ImproperlyConfigured("no registrations source (SalesConfig.ready)")
    standings = _source(sale_id)
    pipe = client.pipeline(transaction=True)
    for bidder_id, standing in standings.items():
        pipe.hsetnx(key, str(int(bidder_id)), standing.encode())
    pipe.hset(key, keys.REGISTRATIONS_LOADED, "1")
    pipe.execute()
    return True
