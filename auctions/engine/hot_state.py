"""The Redis hot state of an auction, computed from the database (the system of record).

`load` writes it when it is missing (Redis lost its data, a restart, first use) with a "load if absent"
script, so two processes loading at once cannot double-apply. `rebuild` replaces it with a
replay of the non-voided ledger, guarded by the seq it was computed from (voids). `refresh`
copies edited listing parameters (approval, rescheduling) without touching the live state.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max
from django.utils import timezone

from auctions.engine import hooks, keys, ledger, registrations, rules, scripts
from auctions.engine.clock import duration_ms, from_ms, to_ms
from auctions.engine.connection import get_redis
from auctions.engine.records import Event, encode
from auctions.engine.stream import stream_records
from auctions.models import Auction, AuctionEvent, Bid
from core.handles import mask_username


def increment_spec(auction: Auction) -> str:
    """The increment as the script reads it: `"<below>:<step>,...,*:<step>"`."""
    if auction.increment is not None:
        return f"*:{int(auction.increment)}"
    table = rules.table_from_setting(settings.GAVEL_INCREMENT_TABLE)
    return ",".join(f"{'*' if below is None else below}:{step}" for below, step in table)


def params_of(auction: Auction) -> rules.Params:
    """The auction's parameters for the reference rules."""
    return rules.Params(
        starting_price=int(auction.starting_price),
        starts_at=to_ms(auction.starts_at),
        ends_at=to_ms(auction.ends_at),
        extension=duration_ms(auction.extension_window),
        hard_close_at=to_ms(auction.hard_close_at) if auction.hard_close_at else None,
        reserve_price=auction.reserve_price,
        buy_now_price=auction.buy_now_price,
        increment=auction.increment,
        increment_table=rules.table_from_setting(settings.GAVEL_INCREMENT_TABLE),
    )


def ledger_of(auction_id: int) -> list[rules.Entry]:
    """The auction's accepted, non-voided bids in seq order, as reference ledger entries."""
    rows = (
        Bid.objects.filter(auction_id=auction_id, voided=False)
        .order_by("seq")
        .values_list("bidder_id", "amount", "max_amount", "kind", "placed_at")
    )
    return [
        rules.Entry(bidder=b, amount=a, max_amount=m, kind=k, placed_at=to_ms(at))
        for b, a, m, k, at in rows
    ]


def _text(value: int | None) -> str:
    return "" if value is None else str(int(value))


def param_fields(auction: Auction) -> dict[str, str]:
    """The listing's parameters as hot-state fields (see place_bid.lua for the names)."""
    status = auction.status
    return {
        "uv": str(to_ms(auction.updated_at)) if auction.updated_at else "0",
        "st": status,
        "sp": str(to_ms(auction.starts_at)),
        "en": str(to_ms(auction.ends_at)),
        "le": str(to_ms(auction.ends_at)),
        "hc": _text(to_ms(auction.hard_close_at) if auction.hard_close_at else None),
        "ew": str(duration_ms(auction.extension_window)),
        "p0": str(int(auction.starting_price)),
        "rs": _text(auction.reserve_price),
        "bn": _text(auction.buy_now_price),
        "inc": increment_spec(auction),
    }


def replayed_fields(auction: Auction) -> tuple[dict[str, str], dict[str, str]]:
    """Hot-state fields and the ceiling table from replaying the non-voided ledger."""
    state = rules.replay(params_of(auction), ledger_of(auction.pk))
    fields = param_fields(auction)
    leader_handle = ""
    if state.leader is not None:
        username = (
            get_user_model().objects.filter(pk=state.leader).values_list("username", flat=True)
        )
        leader_handle = mask_username(username.first() or "")
    others = [c for bidder, (c, _) in state.ceilings.items() if bidder != state.leader]
    fields.update(
        {
            "en": str(state.ends_at),
            "pr": str(state.price),
            "n": str(state.bid_count),
            "ld": _text(state.leader),
            "lh": leader_handle,
            "lm": _text(state.leader_max),
            "la": _text(state.leader_amount),
            "sc": _text(max(others) if others else None),
            "bo": "1" if state.bought else "0",
        }
    )
    ceilings = {str(bidder): str(c) for bidder, (c, _) in state.ceilings.items()}
    return fields, ceilings


def _last_seqs(auction_id: int) -> tuple[int, int | None]:
    """The last durable seq of the auction and the seq of its `ended` event, from the database."""
    events = AuctionEvent.objects.filter(auction_id=auction_id)
    last = events.aggregate(m=Max("seq"))["m"] or 0
    last_bid = Bid.objects.filter(auction_id=auction_id).aggregate(m=Max("seq"))["m"] or 0
    ended = events.filter(type=AuctionEvent.Type.ENDED).values_list("seq", flat=True).first()
    return max(last, last_bid), ended


def _record_stream_ahead(auction: Auction) -> list[Event]:
    stored = _last_seqs(auction.pk)[0]
    entries = stream_records(auction, stored)
    if not entries:
        return []
    return ledger.record_missing(auction, entries)


def _flatten(mapping: dict[str, str]) -> list[str]:
    return [item for pair in mapping.items() for item in pair]


def _run_load(
    auction: Auction, mode: str, state: list[str], event: list[str], ceilings: list[str]
) -> list[bytes]:
    args: list[str | int] = [mode, settings.GAVEL_EVENT_STREAM_MAXLEN, len(state), len(event)]
    args += state + event + ceilings
    reply: list[bytes] = scripts.run("load_state", keys.auction_keys(auction), args)
    return reply


def reload(auction: Auction) -> None:
    """Recompute the hot state and ceilings from the ledger; the event stream stays (clients
    resume from it). Write first whatever the stream holds that the ledger lacks."""
    get_redis().delete(keys.state_key(auction), keys.ceilings_key(auction))
    load(auction)


def load(auction: Auction) -> bool:
    """Load the hot state from the database unless it exists; True when this call loaded it.

    Events it writes to the ledger on the way (see `load_repairing`) are announced through the
    registered hook after commit: its callers are reads, with nobody else to announce them.
    """
    loaded, repaired = load_repairing(auction)
    hooks.announce(auction, repaired)
    return loaded


def load_repairing(auction: Auction) -> tuple[bool, list[Event]]:
    """`load`, also returning the events it wrote to the ledger on the way (to announce).

    Events the stream still holds beyond the ledger (the state hash was lost but not the
    stream, after a crash between a bid and its ledger write) are written to the ledger first,
    so the loaded seq continues the stream instead of colliding with it. For a lot of a sale,
    the sale's registrations are loaded too when missing (the bid script needs both).
    """
    fresh = Auction.objects.get(pk=auction.pk)
    if fresh.sale_id is not None:
        registrations.ensure_loaded(fresh.sale_id)
    repaired = _record_stream_ahead(fresh)
    fields, ceilings = replayed_fields(fresh)
    last, ended = _last_seqs(fresh.pk)
    fields["seq"] = str(last)
    if ended is not None:
        fields["es"] = str(ended)
    reply = _run_load(fresh, "absent", _flatten(fields), [], _flatten(ceilings))
    loaded = reply[0] == b"LOADED"
    if loaded:
        restore_answers(fresh)
    return loaded, repaired


def restore_answers(auction: Auction) -> int:
    """Put back the request records of the ledger's recent bids; returns how many were set.

    Redis keeps each request id's first answer for GAVEL_REQUEST_ID_TTL. When it lost them
    (a restart, a flush), a retried request would be taken for a new bid; the ledger holds
    (auction, bidder, request_id) of every accepted bid, so the answers are rebuilt from it in
    the script's own format (`OK|<seq>|<extended seq or 0>:<leader id>`), never overwriting one
    Redis still has. Refusals are not in the ledger and are decided afresh.
    """
    ttl = settings.GAVEL_REQUEST_ID_TTL
    now = timezone.now()
    bids = list(
        Bid.objects.filter(auction_id=auction.pk, placed_at__gte=now - timedelta(seconds=ttl))
        .exclude(request_id__contains="~")  # a suffixed id: its plain id belongs to an older bid
        .values_list("seq", "bidder_id", "request_id", "leader_id", "placed_at")
    )
    if not bids:
        return 0
    extended = set(
        AuctionEvent.objects.filter(
            auction_id=auction.pk,
            type=AuctionEvent.Type.EXTENDED,
            seq__in=[seq + 1 for seq, *_ in bids],
        ).values_list("seq", flat=True)
    )
    pipe = get_redis().pipeline(transaction=False)
    for seq, bidder_id, request_id, leader_id, placed_at in bids:
        ext_seq = seq + 1 if seq + 1 in extended else 0
        remaining = max(1, ttl - int((now - placed_at).total_seconds()))
        answer = f"OK|{seq}|{ext_seq}:{leader_id or ''}"
        pipe.set(keys.request_key(auction, bidder_id, request_id), answer, ex=remaining, nx=True)
    return sum(1 for done in pipe.execute() if done)


def rebuild(
    auction: Auction, *, expected_seq: int, status: str, event: Event | None = None
) -> int | None:
    """Replace the hot state with a replay of the ledger, if its seq is still `expected_seq`.

    With `event`, the event is appended with seq `expected_seq + 1` in the same script call
    (its own `seq` is ignored). Returns the new seq (the event's), or None when the seq moved
    and the caller must retry.
    """
    fields, ceilings = replayed_fields(auction)
    fields["st"] = status
    if event is None:
        fields["seq"] = str(expected_seq)
    ended = _last_seqs(auction.pk)[1]
    if ended is not None:
        fields["es"] = str(ended)
    event_fields = {}
    if event is not None:
        event_fields = encode(event)
        del event_fields["seq"]  # the script assigns it
    reply = _run_load(
        auction,
        str(expected_seq),
        _flatten(fields),
        _flatten(event_fields),
        _flatten(ceilings),
    )
    if reply[0] != b"LOADED":
        return None
    return int(reply[1])


REFRESHED = ("uv", "st", "sp", "en", "hc", "ew", "p0", "rs", "bn", "inc")
FROZEN = ("sp", "le", "hc", "ew", "p0", "rs", "bn", "inc")

# A frozen parameter field -> (the Auction field it holds, its value from the field's text).
_FROZEN_AS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "sp": ("starts_at", from_ms),
    "le": ("ends_at", from_ms),
    "hc": ("hard_close_at", lambda v: from_ms(v) if v else None),
    "ew": ("extension_window", lambda v: timedelta(milliseconds=int(v))),
    "p0": ("starting_price", int),
    "rs": ("reserve_price", lambda v: int(v) if v else None),
    "bn": ("buy_now_price", lambda v: int(v) if v else None),
    "inc": ("increment", lambda v: int(v[2:]) if v.startswith("*:") and "," not in v else None),
}


def _refresh(auction: Auction, mode: str) -> dict[str, str] | None:
    fields = param_fields(auction)
    args = [fields[name] for name in REFRESHED] + [mode]
    reply = scripts.run("refresh_params", [keys.state_key(auction)], args)
    if reply[0] == b"MISSING":
        return None
    if reply[0] == b"FROZEN":
        return {name: value.decode() for name, value in zip(FROZEN, reply[1:], strict=True)}
    return {}


def refresh(auction: Auction) -> None:
    """Copy the listing's status and stamp, and its parameters while nobody has bid, into its
    hot state (a no-op if there is none). Once there is a bid the parameters are frozen."""
    _refresh(auction, "full")


def sync_params(auction: Auction) -> dict[str, Any] | None:
    """Atomically copy the listing's parameters into its hot state unless someone has bid.

    Returns {} when copied (from now on bids use them) and None when there is no hot state.
    When the hot state already holds a bid, the parameters stay as bids were placed under them
    and the result maps each `Auction` field whose saved value differs from them to the value
    bids use. Status and stamp are left alone: the edit may not be committed yet.
    """
    frozen = _refresh(auction, "params")
    if not frozen:
        return frozen
    saved = param_fields(auction)
    return {
        _FROZEN_AS[name][0]: _FROZEN_AS[name][1](value)
        for name, value in frozen.items()
        if value != saved[name] and not (name == "le" and value == "")
    }


def shift_times(auction: Auction, delta_ms: int) -> None:
    """Move every stored moment of the hot state `delta_ms` earlier (tests make time pass)."""
    client = get_redis()
    key = keys.state_key(auction)
    if not client.exists(key):
        return
    for name in ("sp", "en"):
        client.hincrby(key, name, -delta_ms)
    if client.hget(key, "hc"):
        client.hincrby(key, "hc", -delta_ms)


def corrupt_price(auction: Auction, price: int) -> None:
    """Overwrite the hot state's price and nothing else (tests corrupt the cache to see it
    rebuilt from the ledger)."""
    get_redis().hset(keys.state_key(auction), "pr", str(price))


# The listing as the hot state holds it: `Auction` field name -> hot-state field.
_LISTING = {field: name for name, (field, _) in _FROZEN_AS.items()} | {
    "status": "st",
    "updated_at": "uv",
}


def listing_stored(auction: Auction) -> dict[str, str | None]:
    """The hot state's copy of the listing by `Auction` field name, as stored text (None if
    absent): its frozen parameters (`ends_at` is the listed end), status and stamp (ms)."""
    values = cast(
        "list[bytes | None]", get_redis().hmget(keys.state_key(auction), list(_LISTING.values()))
    )
    return {
        field: None if value is None else value.decode()
        for field, value in zip(_LISTING, values, strict=True)
    }
