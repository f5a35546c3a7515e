"""The durable outbox of notice emails: one row per email to send, written with the change it
reports (in the same transaction), sent by the worker with retries (at least once)."""

from django.conf import settings
from django.db import models


class OutboxEmail(models.Model):
    """One email to send: to `user`, from `template` with `context`, identified by `key`.

    `key` names what the email is about (e.g. the ledger event and the recipient), so writing
    it twice (a reconciler replaying an event) stores it once; it also travels in the email's
    headers, for a receiver to drop a duplicate of an email sent again after a crash.
    """

    key = models.CharField(max_length=200, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True
    )
    template = models.CharField(max_length=100)
    context = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "next_attempt_at"], name="outbox_due")]

    def __str__(self):
        return self.key
