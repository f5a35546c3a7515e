"""Writing the engine's events into the system of record (the one path for bids and results).

`record` takes raw stream entries (the script's field/value lists, as str dicts, in seq order)
and writes, in the caller's transaction, each `AuctionEvent` plus what it means: a `Bid` row,
an auction's result, its cancellation, a void. `bid_place` calls it before acknowledging; the
reconciler calls it for whatever the stream holds that the table lacks. Broadcasts and notices
are queued for after commit.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from auctions import events, notifications
from auctions.engine.clock import from_ms
from auctions.models import Auction, AuctionEvent, Bid

# Field order of the packed stream entries place_bid.lua writes ("d" = "bid|<seq>|..."): the
# last field (the request id) may itself contain "|".
PACKED = {
    "bid": (
        "t", "seq", "b", "h", "k", "a", "m", "p", "at", "n", "mb", "l", "lh", "rm", "e", "bn",
        "pl", "r",
    ),
    "extended": ("t", "seq", "e", "at"),
}  # fmt: skip


def unpack(entry: bytes | str) -> dict[str, str]:
    """A packed stream entry ("bid|1|…") as the str → str dict the rest of the engine reads."""
    text = entry.decode() if isinstance(entry, bytes) else entry
    names = PACKED[text.split("|", 1)[0]]
    return dict(zip(names, text.split("|", len(names) - 1), strict=True))


def decode(fields) -> dict[str, str]:
    """A stream entry (packed, or a flat field/value list or dict) as a str → str dict."""
    if isinstance(fields, dict):
        items = fields.items()
    else:
        items = zip(fields[::2], fields[1::2], strict=True)
    raw = {
        (k.decode() if isinstance(k, bytes) else str(k)): (
            v.decode() if isinstance(v, bytes) else str(v)
        )
        for k, v in items
    }
    return unpack(raw["d"]) if "d" in raw else raw


def _int(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def _request_id(auction: Auction, bidder_id: int, request_id: str, seq: int) -> str:
    """The request id to store: the bidder's own unless an older bid (its Redis record expired,
    GAVEL_REQUEST_ID_TTL) already holds it, then suffixed with the seq to stay unique."""
    taken = Bid.objects.filter(auction_id=auction.pk, bidder_id=bidder_id, request_id=request_id)
    if not taken.exists():
        return request_id
    suffix = f"~{seq}"
    return request_id[: 64 - len(suffix)] + suffix


def _apply(auction: Auction, raw: dict[str, str], careful: bool = False) -> None:
    """Write the row(s) one event stands for and queue its broadcast, then its notices.

    `careful` (the slow path) also copes with a request id reused after its record expired.
    """
    kind, seq, at = raw["t"], int(raw["seq"]), from_ms(raw.get("at") or 0)
    public = events.public_event(auction.pk, raw)
    AuctionEvent.objects.create(
        auction_id=auction.pk, seq=seq, type=kind, payload=public, created_at=at
    )
    bidder_id = leader_id = None
    notices = []
    if kind == "bid":
        bidder_id, leader_id = int(raw["b"]), _int(raw["l"])
        Bid.objects.create(
            auction_id=auction.pk,
            bidder_id=bidder_id,
            seq=seq,
            kind=raw["k"],
            amount=_int(raw["a"]),
            max_amount=_int(raw["m"]),
            price=int(raw["p"]),
            leader_id=leader_id,
            placed_at=at,
            request_id=_request_id(auction, bidder_id, raw["r"], seq) if careful else raw["r"],
        )
        previous = _int(raw.get("pl"))
        if previous is not None and previous != leader_id:
            notices.append(
                lambda: notifications.notify_outbid(
                    auction=auction, user_id=previous, price=int(raw["p"]), min_bid=int(raw["mb"])
                )
            )
    elif kind == "ended":
        winner_id, final = _int(raw["w"]), _int(raw["fp"])
        Auction.objects.filter(pk=auction.pk).exclude(status=Auction.Status.ENDED).update(
            status=Auction.Status.ENDED,
            winner_id=winner_id,
            final_price=final,
            reserve_met=raw["rm"] == "1",
            settled_at=at,
            updated_at=timezone.now(),
        )
        leader_id = winner_id
        notices.append(
            lambda: notifications.notify_ended(
                auction=auction, winner_id=winner_id, final_price=final
            )
        )
    elif kind == "cancelled":
        Auction.objects.filter(pk=auction.pk).update(
            status=Auction.Status.CANCELLED,
            cancel_reason=raw.get("reason", "")[:500],
            updated_at=timezone.now(),
        )
        notices.append(
            lambda: notifications.notify_cancelled(auction=auction, reason=raw.get("reason", ""))
        )
    elif kind == "bid_voided":
        voided_seq = int(raw["vs"])
        Bid.objects.filter(auction_id=auction.pk, seq=voided_seq, voided=False).update(
            voided=True, voided_at=at, void_reason=raw.get("reason", "")[:500]
        )
        leader_id = _int(raw.get("l"))
        if raw.get("b"):
            notices.append(
                lambda: notifications.notify_voided(
                    auction=auction, bidder_id=int(raw["b"]), seq=voided_seq, reason=raw["reason"]
                )
            )
    events.publish_auction_event(auction.pk, public, bidder_id=bidder_id, leader_id=leader_id)
    for notice in notices:
        notice()


def record(auction: Auction, entries: list[dict[str, str]]) -> None:
    """Write `entries` in one transaction; raises IntegrityError if one is already there.

    The fast path for a fresh bid: no existence check, the unique (auction, seq) constraints
    catch a racing reconciler, and the caller then uses `record_missing`.
    """
    with transaction.atomic():
        for raw in entries:
            _apply(auction, raw)


def record_missing(auction: Auction, entries: list[dict[str, str]]) -> int:
    """Write those of `entries` the table lacks, idempotently; returns how many were written."""
    written = 0
    with transaction.atomic():
        seqs = [int(raw["seq"]) for raw in entries]
        present = set(
            AuctionEvent.objects.filter(auction_id=auction.pk, seq__in=seqs).values_list(
                "seq", flat=True
            )
        )
        for raw in entries:
            if int(raw["seq"]) in present:
                continue
            try:
                with transaction.atomic():
                    _apply(auction, raw, careful=True)
                written += 1
            except IntegrityError:
                # Someone else (bid_place or another reconciler) wrote it meanwhile.
                continue
    return written
