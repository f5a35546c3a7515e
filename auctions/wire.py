"""The public JSON shapes shared by the HTTP API and the WebSocket (docs/design.md §4).

Money leaves as decimal strings ("12.50"), datetimes as ISO-8601 UTC strings, bidders as masked
handles; a leader's maximum never appears. `*_is_you` flags are computed per viewer.
"""

from datetime import UTC, datetime

from core.money import format_amount


def iso(moment: datetime | None) -> str | None:
    """An aware datetime as an ISO-8601 UTC string, e.g. "2026-11-27T19:20:00.125000Z"."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def state_payload(state, *, title: str, viewer_id: int | None) -> dict:
    """`GET /api/auctions/<id>`: the public state of one auction as seen by `viewer_id`."""
    return {
        "id": state.auction_id,
        "title": title,
        "status": state.status,
        "price": format_amount(state.price),
        "min_bid": format_amount(state.min_bid),
        "bid_count": state.bid_count,
        "leader": state.leader_handle,
        "leader_is_you": viewer_id is not None and state.leader_id == viewer_id,
        "ends_at": iso(state.ends_at),
        "has_reserve": state.has_reserve,
        "reserve_met": state.reserve_met,
        "buy_now_price": format_amount(state.buy_now_price),
        "seq": state.seq,
    }


def bid_payload(line, *, viewer_id: int | None) -> dict:
    """One line of the public history (`selectors.HistoryLine`): never anyone's maximum or
    identity; `automatic` marks the leader's maximum answering a bid."""
    return {
        "seq": line.seq,
        "price": format_amount(line.price),
        "bidder": line.bidder.public_handle,
        "is_you": viewer_id is not None and line.bidder_id == viewer_id,
        "placed_at": iso(line.placed_at),
        "automatic": line.automatic,
    }


def accepted_payload(result, *, viewer_id: int | None) -> dict:
    """`201` body of `POST /api/auctions/<id>/bids` (and a WebSocket `bid_result`)."""
    return {
        "accepted": True,
        "seq": result.seq,
        "price": format_amount(result.price),
        "leader": result.leader_handle,
        "leader_is_you": viewer_id is not None and result.leader_id == viewer_id,
        "ends_at": iso(result.ends_at),
    }


def personalise(message: dict, *, viewer_id: int | None) -> dict:
    """A group message as one connection sees it: the public event plus `is_you` flags.

    The group message carries `bidder_id` / `leader_id` next to the event; they never reach the
    client, only whether they are this viewer.
    """
    payload = dict(message["event"])
    for key, flag in (("bidder_id", "is_you"), ("leader_id", "leader_is_you")):
        if key in message and message[key] is not None:
            payload[flag] = viewer_id is not None and message[key] == viewer_id
        elif key in message:
            payload[flag] = False
    return payload
