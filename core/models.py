"""The kernel's one model: the audit log, who did what to which object, why and when."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditAction(models.TextChoices):
    """Every action the audit log records, by app and verb (a named constant each, as Zulip's
    `AuditLogEventType`); a new action is a new member here. The label is the stored value, so
    the admin shows the log as it always read."""

    ACCOUNT_DELETE = "account.delete", "account.delete"
    AUCTION_CANCEL = "auction.cancel", "auction.cancel"
    AUCTION_RELIST = "auction.relist", "auction.relist"
    BID_VOID = "bid.void", "bid.void"
    FEEDBACK_LEAVE = "feedback.leave", "feedback.leave"
    LISTING_APPROVE = "listing.approve", "listing.approve"
    LISTING_EDIT = "listing.edit", "listing.edit"
    LISTING_REJECT = "listing.reject", "listing.reject"
    LISTING_RESUBMIT = "listing.resubmit", "listing.resubmit"
    LOGIN_LOCKOUT = "login.lockout", "login.lockout"
    OFFER_ACCEPT = "offer.accept", "offer.accept"
    OFFER_DECLINE = "offer.decline", "offer.decline"
    OFFER_EXPIRE = "offer.expire", "offer.expire"
    OFFER_MAKE = "offer.make", "offer.make"
    ORDER_ADDRESS = "order.address", "order.address"
    ORDER_CLOSED_UNPAID = "order.closed_unpaid", "order.closed_unpaid"
    ORDER_OPEN = "order.open", "order.open"
    ORDER_PAID = "order.paid", "order.paid"
    ORDER_POSTAGE = "order.postage", "order.postage"
    ORDER_RECEIVED = "order.received", "order.received"
    ORDER_SHIPPED = "order.shipped", "order.shipped"
    QUESTION_ANSWER = "question.answer", "question.answer"
    QUESTION_ASK = "question.ask", "question.ask"
    QUESTION_HIDE = "question.hide", "question.hide"
    REPORT_RESOLVE = "report.resolve", "report.resolve"
    TWO_FACTOR_DISABLE = "two_factor.disable", "two_factor.disable"
    TWO_FACTOR_ENABLE = "two_factor.enable", "two_factor.enable"
    USER_REINSTATE = "user.reinstate", "user.reinstate"
    USER_SUSPEND = "user.suspend", "user.suspend"
    LISTING_CREATE = "listing.create", "listing.create"
    ORDER_REPORTED_UNPAID = "order.reported_unpaid", "order.reported_unpaid"
    REGISTRATION_APPROVE = "registration.approve", "registration.approve"
    REGISTRATION_DECLINE = "registration.decline", "registration.decline"
    SALE_PUBLISH = "sale.publish", "sale.publish"
    SALE_RENUMBER = "sale.renumber", "sale.renumber"


class AuditLogQuerySet(models.QuerySet):
    """The audit log is append-only: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


class AuditLog(models.Model):
    """One staff or system action: who did what to which object, why, and when. Append-only."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    action = models.CharField(max_length=50, choices=AuditAction.choices)
    target_type = models.CharField(max_length=50)
    target_id = models.CharField(max_length=50)
    target_repr = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]
        # The table keeps the name it had when the model lived in `auctions`: moving it to the
        # kernel changed no row, no index and not the append-only trigger (core 0001).
        db_table = "auctions_auditlog"

    def __str__(self):
        return f"{self.action} {self.target_type}:{self.target_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")
