"""Reading an auction's event stream (the durable events the scripts appended) as records."""

from typing import cast

from auctions.engine import keys
from auctions.engine.connection import get_redis
from auctions.engine.keys import Keyed
from auctions.engine.records import Event, decode


def stream_records(auction: Keyed, after: int) -> list[Event]:
    """The stream's records with seq > `after` (for the reconciler and bid retries)."""
    entries = cast(
        "list[tuple[bytes, dict[bytes, bytes]]]",
        get_redis().xrange(keys.events_key(auction), min=f"{after + 1}-0", max="+"),
    )
    return [decode(fields) for _, fields in entries]
