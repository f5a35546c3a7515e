"""A sale's staggered closing: lot i (0-based, in lot order) closes at the sale's end plus i
closing intervals; each lot keeps its own soft close, which the engine applies to that lot only.

The schedule is written into each lot's row and its hot state (`engine_refresh`) while no lot
has a bid: bids are placed under an end, so once someone has bid the schedule is frozen.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet

from accounts.models import User
from auctions.models import Auction, Bid
from auctions.services.moderation.listings import engine_refresh
from core.audit import AuditAction, audit_record
from core.errors import InvalidState
from sales.models import Sale


def lots_in_order(sale: Sale) -> QuerySet[Auction]:
    """The sale's lots by lot number (the closing order)."""
    return Auction.objects.filter(sale=sale).order_by("lot_number", "pk")


def lot_ends_at(sale: Sale, index: int) -> datetime:
    """When the lot at `index` (0-based, in lot order) closes, before any soft-close extension."""
    return sale.ends_at + timedelta(seconds=index * sale.closing_interval)


def schedule_frozen(sale: Sale) -> bool:
    """True once any lot of the sale has a bid: its end is then what bidders bid under."""
    return Bid.objects.filter(auction__sale=sale).exists()


def sale_schedule(*, sale: Sale, status: str | None = None) -> int:
    """Set every lot's end from the schedule (and its status when given); call it inside a
    transaction. Returns how many lots it wrote. Refused (InvalidState) once someone has bid."""
    if schedule_frozen(sale):
        raise InvalidState("Someone has bid on a lot of this sale: the schedule is fixed.")
    written = 0
    for index, lot in enumerate(lots_in_order(sale).select_for_update()):
        ends_at = lot_ends_at(sale, index)
        if lot.hard_close_at is not None:
            lot.hard_close_at = ends_at + (lot.hard_close_at - lot.ends_at)
        lot.ends_at = ends_at
        if lot.starts_at >= ends_at:
            raise InvalidState(f"Lot {lot.lot_number} would close before it opens.")
        if status is not None:
            lot.status = status
        lot.save()
        engine_refresh(lot)
        written += 1
    return written


def lots_renumber(*, sale: Sale, numbers: dict[int, int], actor: User) -> None:
    """Give lots (auction id → new lot number) new numbers in one step, then re-schedule a
    published sale. Numbers must stay unique within the sale (checked by the form)."""
    with transaction.atomic():
        lots = list(Auction.objects.filter(sale=sale, pk__in=numbers).select_for_update())
        if sale.status == Sale.Status.PUBLISHED and schedule_frozen(sale):
            raise InvalidState("Someone has bid on a lot of this sale: the order is fixed.")
        # Out of the way first, so a swap never meets the unique constraint half done.
        offset = 1 + max([lot.lot_number or 0 for lot in lots] + list(numbers.values()))
        for lot in lots:
            Auction.objects.filter(pk=lot.pk).update(lot_number=(lot.lot_number or 0) + offset)
        for lot in lots:
            Auction.objects.filter(pk=lot.pk).update(lot_number=numbers[lot.pk])
        if sale.status == Sale.Status.PUBLISHED:
            sale_schedule(sale=sale)
        audit_record(
            actor=actor,
            action=AuditAction.SALE_RENUMBER,
            target=sale,
            data={"numbers": {str(k): v for k, v in numbers.items()}},
        )


def sale_publish(*, sale: Sale, actor: User) -> int:
    """Publish a draft sale: every lot scheduled, closing staggered from the sale's end.

    Returns the number of lots. Refused (InvalidState) without lots or when already published.
    """
    with transaction.atomic():
        sale = Sale.objects.select_for_update().get(pk=sale.pk)
        if sale.status != Sale.Status.DRAFT:
            raise InvalidState("This sale is already published.")
        if not Auction.objects.filter(sale=sale).exists():
            raise InvalidState("A sale needs at least one lot to be published.")
        count = sale_schedule(sale=sale, status=Auction.Status.SCHEDULED)
        sale.status = Sale.Status.PUBLISHED
        sale.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor, action=AuditAction.SALE_PUBLISH, target=sale, data={"lots": count}
        )
    return count
