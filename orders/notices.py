"""Telling buyer and seller that an order moved: an email, an in-site notice, a live event.

The notice and the email (through the durable outbox) are written in the step's transaction,
the live event leaves after commit: a rolled-back step tells nobody, and a failing mail server
or channel layer never fails the step.
"""

import logging
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.apps import apps
from django.db import transaction

from outbox.services import outbox_enqueue

log = logging.getLogger(__name__)


def order_group(order_id: int) -> str:
    """The channel-layer group of everyone viewing one order's page."""
    return f"order-{int(order_id)}"


SELLER_NOTES = {
    "closed": "You may offer the lot to the next bidder at their own highest bid (a "
    "second-chance offer) from the order in the admin.",
}


def _email(user, *, step: str, text: str, link: str, seller_id: int) -> None:
    """Store the email in the outbox, in the caller's transaction (sent after commit, retried
    by the worker)."""
    if not user.email:
        return
    note = SELLER_NOTES.get(step, "") if user.pk == seller_id else ""
    outbox_enqueue(
        key=f"order_{step}:{user.pk}:{uuid.uuid4().hex}",
        user_id=user.pk,
        template="site_notice",
        context={"text": text, "link": link, "note": note},
    )


def _notice(user, kind: str, text: str, auction, link: str) -> None:
    # The notice centre is its own app; without it the email still goes out.
    if not apps.is_installed("notices"):
        return
    from notices.services import notice_create

    notice_create(user=user, kind=kind, text=text, auction=auction, link=link)


def _live(order_id: int, event: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            order_group(order_id), {"type": "order.updated", "event": event}
        )
    except Exception:
        log.exception("broadcasting order %s failed", order_id)


def announce(
    *, order, step: str, to: list, text: str, link: str = "", email: bool = True, **context
) -> None:
    """Record a notice and (unless `email` is off) an outbox email for each of `to` (users) in
    the caller's transaction; after commit tell the order's open pages its new status."""
    link = link or order.get_absolute_url()
    event = {"type": "order", "order_id": order.pk, "status": order.status, "step": step}
    for user in to:
        _notice(user, f"order_{step}", text, order.auction, link)
        if email:
            _email(user, step=step, text=text, link=link, seller_id=order.seller_id)
    transaction.on_commit(lambda: _live(order.pk, event), robust=True)
