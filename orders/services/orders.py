"""An order's steps: opened by the sale, paid and shipped by the seller, received by the buyer,
closed by the worker when unpaid past its deadline.

Each step locks the order row, checks who acts and from which status, writes, audits, and
announces (email, notice, live page) after commit. A step that does not apply raises and
changes nothing.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.audit import AuditAction, audit_record
from core.errors import BadRequest, InvalidAmount, InvalidState, NotAllowed
from core.roles import is_moderator
from core.templatetags.money import format_money
from orders import notices
from orders.errors import NOT_YOUR_ORDER
from orders.models import Order
from sales.models import Sale
from sales.selectors import lot_charges

S = Order.Status
TRACKING_MAX = 200
ADDRESS_MAX = 1000
NAME_MAX = 200


def payment_deadline(now: datetime) -> datetime:
    """When an order opened at `now` closes unpaid (`GAVEL_ORDER_PAYMENT_DAYS`)."""
    return now + timedelta(days=settings.GAVEL_ORDER_PAYMENT_DAYS)


def _sale_charges(auction_id: int, hammer: int) -> tuple[int, int]:
    """The buyer's premium and tax on `hammer` for a lot of a sale; (0, 0) otherwise."""
    sale = Sale.objects.filter(lots__pk=auction_id).first()
    if sale is None:
        return 0, 0
    charges = lot_charges(sale=sale, hammer=hammer)
    return charges.premium, charges.tax


def order_open(
    *, auction_id: int, buyer_id: int, seller_id: int, price: int, origin: str = Order.Origin.SALE
) -> Order:
    """Open the order of a sale in the caller's transaction, once per auction and buyer.

    Called where the auction's result is written (so a settled sale always has its order) and
    when a second-chance offer is accepted. Calling it again returns the existing order.
    """
    existing = Order.objects.filter(auction_id=auction_id, buyer_id=buyer_id).first()
    if existing is not None:
        return existing
    premium, tax = _sale_charges(auction_id, price)
    order = Order.objects.create(
        auction_id=auction_id,
        buyer_id=buyer_id,
        seller_id=seller_id,
        price=price,
        premium=premium,
        tax=tax,
        origin=origin,
        pay_by=payment_deadline(timezone.now()),
    )
    audit_record(
        actor=None,
        action=AuditAction.ORDER_OPEN,
        target=order,
        data={"price": price, "premium": premium, "tax": tax, "origin": origin},
    )
    if origin != Order.Origin.SALE:
        # A won sale's buyer has one notice, "You won …", which links to this order; a second
        # one here would announce the same win twice.
        notices.announce(
            order=order,
            step="opened",
            to=[order.buyer],
            email=False,  # the offer's acceptance is the buyer's own act
            text=f"You bought “{order.auction.title}”: your order awaits payment.",
        )
    return order


def _locked(order: Order) -> Order:
    return (
        Order.objects.select_for_update()
        .select_related("auction", "buyer", "seller")
        .get(pk=order.pk)
    )


def _seller_side(row: Order, actor: User) -> None:
    if actor.pk != row.seller_id and not is_moderator(actor):
        raise NotAllowed(NOT_YOUR_ORDER)


def _buyer_side(row: Order, actor: User) -> None:
    if actor.pk != row.buyer_id:
        raise NotAllowed(NOT_YOUR_ORDER)


def _refresh(order: Order, row: Order) -> Order:
    for field in row._meta.concrete_fields:
        setattr(order, field.attname, getattr(row, field.attname))
    return order


def order_mark_paid(*, order: Order, actor: User) -> Order:
    """The seller records that the buyer paid (payment happens outside Gavel)."""
    with transaction.atomic():
        row = _locked(order)
        _seller_side(row, actor)
        if row.status != S.AWAITING_PAYMENT:
            raise InvalidState("Only an order awaiting payment can be marked paid.")
        row.status, row.paid_at = S.PAID, timezone.now()
        row.save(update_fields=["status", "paid_at"])
        audit_record(actor=actor, action=AuditAction.ORDER_PAID, target=row)
        notices.announce(
            order=row,
            step="paid",
            to=[row.buyer],
            text=f"The seller marked your payment for “{row.auction.title}” received.",
        )
    return _refresh(order, row)


def order_mark_shipped(*, order: Order, actor: User, tracking_note: str = "") -> Order:
    """The seller records the dispatch of a paid order, with an optional tracking note."""
    note = (tracking_note or "").strip()
    if len(note) > TRACKING_MAX:
        raise BadRequest(f"The tracking note is longer than {TRACKING_MAX} characters.")
    with transaction.atomic():
        row = _locked(order)
        _seller_side(row, actor)
        if row.status != S.PAID:
            raise InvalidState("Only a paid order can be marked shipped.")
        row.status, row.shipped_at, row.tracking_note = S.SHIPPED, timezone.now(), note
        row.save(update_fields=["status", "shipped_at", "tracking_note"])
        audit_record(
            actor=actor, action=AuditAction.ORDER_SHIPPED, target=row, data={"tracking": note}
        )
        notices.announce(
            order=row,
            step="shipped",
            to=[row.buyer],
            text=f"“{row.auction.title}” is on its way." + (f" Tracking: {note}" if note else ""),
        )
    return _refresh(order, row)


def order_mark_received(*, order: Order, actor: User) -> Order:
    """The buyer confirms the item arrived (or was collected, once paid)."""
    with transaction.atomic():
        row = _locked(order)
        _buyer_side(row, actor)
        if row.status not in (S.PAID, S.SHIPPED):
            raise InvalidState("Only a paid or shipped order can be marked received.")
        row.status, row.received_at = S.RECEIVED, timezone.now()
        row.save(update_fields=["status", "received_at"])
        audit_record(actor=actor, action=AuditAction.ORDER_RECEIVED, target=row)
        notices.announce(
            order=row,
            step="received",
            to=[row.seller],
            text=f"The buyer received “{row.auction.title}”. You can now leave feedback.",
        )
    return _refresh(order, row)


def order_set_shipping_address(*, order: Order, actor: User, name: str, address: str) -> Order:
    """The buyer gives where to ship, until the order is shipped."""
    name, address = (name or "").strip(), (address or "").strip()
    if not name or not address:
        raise BadRequest("Give a name and an address.")
    if len(name) > NAME_MAX or len(address) > ADDRESS_MAX:
        raise BadRequest("The name or the address is too long.")
    with transaction.atomic():
        row = _locked(order)
        _buyer_side(row, actor)
        if row.status not in (S.AWAITING_PAYMENT, S.PAID):
            raise InvalidState("The address can no longer change: the order has shipped or closed.")
        row.shipping_name, row.shipping_address = name, address
        row.save(update_fields=["shipping_name", "shipping_address"])
        audit_record(actor=actor, action=AuditAction.ORDER_ADDRESS, target=row)
        notices.announce(
            order=row,
            step="address",
            to=[row.seller],
            text=f"The buyer of “{row.auction.title}” gave a shipping address.",
        )
    return _refresh(order, row)


def order_set_shipping_cost(*, order: Order, actor: User, shipping_cost: int) -> Order:
    """The seller sets the postage while the order awaits payment."""
    if isinstance(shipping_cost, bool) or not isinstance(shipping_cost, int):
        raise InvalidAmount("Postage is an amount.")
    if shipping_cost < 0 or shipping_cost > settings.GAVEL_MAX_AMOUNT:
        raise InvalidAmount("Postage cannot be negative or above the site maximum.")
    with transaction.atomic():
        row = _locked(order)
        _seller_side(row, actor)
        if row.status != S.AWAITING_PAYMENT:
            raise InvalidState("Postage can change only while the order awaits payment.")
        if row.shipping_cost == shipping_cost:
            return _refresh(order, row)
        before, row.shipping_cost = row.shipping_cost, shipping_cost
        row.save(update_fields=["shipping_cost"])
        audit_record(
            actor=actor,
            action=AuditAction.ORDER_POSTAGE,
            target=row,
            data={"from": before, "to": shipping_cost},
        )
        notices.announce(
            order=row,
            step="postage",
            to=[row.buyer],
            text=f"Postage for “{row.auction.title}” is {format_money(shipping_cost)}; "
            f"your total is {format_money(row.total)}.",
        )
    return _refresh(order, row)


def unpaid_report_from(order: Order) -> datetime:
    """From when the seller may report that the buyer did not pay (`GAVEL_UNPAID_REPORT_DAYS`)."""
    return order.created_at + timedelta(days=settings.GAVEL_UNPAID_REPORT_DAYS)


def order_report_unpaid(*, order: Order, actor, now: datetime | None = None) -> Order:
    """The seller reports that the buyer did not pay (eBay's unpaid-item case): the order
    closes unpaid before its deadline, which opens the second-chance offer. Allowed while it
    awaits payment, from `unpaid_report_from(order)` on."""
    now = now or timezone.now()
    with transaction.atomic():
        row = _locked(order)
        _seller_side(row, actor)
        if row.status != S.AWAITING_PAYMENT:
            raise InvalidState("Only an order awaiting payment can be reported unpaid.")
        opens = unpaid_report_from(row)
        if now < opens:
            raise InvalidState(
                "The buyer has until "
                f"{opens:%b %-d, %Y %H:%M} UTC before you can report that they did not pay."
            )
        row.status, row.closed_at = S.CLOSED, now
        row.save(update_fields=["status", "closed_at"])
        audit_record(actor=actor, action=AuditAction.ORDER_REPORTED_UNPAID, target=row)
        notices.announce(
            order=row,
            step="closed",
            to=[row.buyer, row.seller],
            text=f"The seller reported that “{row.auction.title}” was not paid; the order "
            "closed unpaid.",
        )
    return _refresh(order, row)


def orders_close_unpaid(*, now: datetime | None = None) -> int:
    """Close every order still awaiting payment past its `pay_by` (the worker's job).

    Each closes by a conditional update, so a seller marking it paid at the same moment either
    wins (the order stays paid) or finds it closed. Returns how many closed.
    """
    now = now or timezone.now()
    closed = 0
    due = Order.objects.filter(status=S.AWAITING_PAYMENT, pay_by__lte=now).values_list(
        "pk", flat=True
    )
    for pk in list(due):
        with transaction.atomic():
            changed = Order.objects.filter(pk=pk, status=S.AWAITING_PAYMENT).update(
                status=S.CLOSED, closed_at=now
            )
            if not changed:
                continue
            row = Order.objects.select_related("auction", "buyer", "seller").get(pk=pk)
            audit_record(actor=None, action=AuditAction.ORDER_CLOSED_UNPAID, target=row)
            notices.announce(
                order=row,
                step="closed",
                to=[row.buyer, row.seller],
                text=f"The order for “{row.auction.title}” closed unpaid.",
            )
            closed += 1
    return closed
