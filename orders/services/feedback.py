"""Feedback: once an order is received or closed, its buyer and its seller each rate the other
once (positive, neutral or negative, with a short comment)."""

from django.db import IntegrityError, transaction

from accounts.models import User
from core.audit import AuditAction, audit_record
from core.errors import BadRequest, InvalidState, NotAllowed
from orders import notices
from orders.errors import NOT_YOUR_ORDER
from orders.models import Feedback, Order

COMMENT_MAX = 200
RATINGS = {"positive": 1, "neutral": 0, "negative": -1}
FINISHED = (Order.Status.RECEIVED, Order.Status.CLOSED)


def feedback_leave(*, order: Order, author: User, rating: str, comment: str = "") -> Feedback:
    """Record `author`'s rating (`"positive"`, `"neutral"`, `"negative"`) of the other side.

    Refused for anyone but the buyer and the seller, before the order is received or closed,
    and a second time for the same author.
    """
    if rating not in RATINGS:
        raise BadRequest("Choose positive, neutral or negative.")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise BadRequest(f"The comment is longer than {COMMENT_MAX} characters.")
    if author.pk == order.buyer_id:
        role, recipient_id = Feedback.Role.BUYER, order.seller_id
    elif author.pk == order.seller_id:
        role, recipient_id = Feedback.Role.SELLER, order.buyer_id
    else:
        raise NotAllowed(NOT_YOUR_ORDER)
    with transaction.atomic():
        status = Order.objects.filter(pk=order.pk).values_list("status", flat=True).first()
        if status not in FINISHED:
            raise InvalidState("Feedback opens once the order is received or closed.")
        try:
            with transaction.atomic():
                row = Feedback.objects.create(
                    order_id=order.pk,
                    author=author,
                    recipient_id=recipient_id,
                    role=role,
                    rating=RATINGS[rating],
                    comment=comment,
                )
        except IntegrityError as error:
            raise InvalidState("You already left feedback on this order.") from error
        audit_record(
            actor=author, action=AuditAction.FEEDBACK_LEAVE, target=row, data={"rating": rating}
        )
        notices.announce(
            order=order,
            step="feedback",
            to=[row.recipient],
            text=f"You received {rating} feedback on “{order.auction.title}”.",
            feedback=row,
        )
    return row
