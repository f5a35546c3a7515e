"""Questions bidders ask a seller about a lot, answered in the admin and shown on the lot."""

from django.conf import settings
from django.db import models


class Question(models.Model):
    """One question on one lot. Public once answered, unless a moderator hid it."""

    auction = models.ForeignKey(
        "auctions.Auction", on_delete=models.CASCADE, related_name="questions"
    )
    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="questions_asked"
    )
    text = models.CharField(max_length=500)
    answer = models.TextField(max_length=1000, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    hidden = models.BooleanField(default=False, help_text="Hidden by a moderator.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        # Not the asker's words: this is what the append-only audit log copies as the target's
        # name, and an account's deletion erases everything its owner wrote.
        return f"Question {self.pk} on auction {self.auction_id}"
