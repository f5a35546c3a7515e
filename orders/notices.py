"""Telling buyer and seller that an order moved: an email, an in-site notice, a live event.

All three leave after the write commits (a rolled-back step tells nobody), and a failing mail
server or channel layer never fails the step: the order row is the record.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.apps import apps
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

log = logging.getLogger(__name__)


def order_group(order_id: int) -> str:
    """The channel-layer group of everyone viewing one order's page."""
    return f"order-{int(order_id)}"


def absolute(path: str) -> str:
    """A site link for an email: `SITE_URL` + path when the site knows its address."""
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def _email(user, template: str, context: dict) -> None:
    if not user.email:
        return
    text = render_to_string(f"orders/email/{template}.txt", {"user": user, **context})
    subject, _, body = text.strip().partition("\n")
    try:
        send_mail(subject.strip(), body.strip() + "\n", None, [user.email])
    except Exception:
        log.exception("sending %s to user %s failed", template, user.pk)


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
    """Record a notice for each of `to` (users) in the caller's transaction; after commit email
    them `orders/email/<step>.txt` (unless `email` is off) and tell the order's open pages its
    new status."""
    link = link or order.get_absolute_url()
    event = {"type": "order", "order_id": order.pk, "status": order.status, "step": step}
    for user in to:
        _notice(user, f"order_{step}", text, order.auction, link)

    def send() -> None:
        for user in to if email else ():
            _email(user, step, {"order": order, "text": text, "link": absolute(link), **context})
        _live(order.pk, event)

    transaction.on_commit(send, robust=True)
