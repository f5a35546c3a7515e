"""In-site notices: what happened to a user while their page was closed (outbid, won, ending
soon on a watched lot, order steps). Emails are a separate channel; a notice is the record a
user reads at `/me/notices/`.
"""

from django.conf import settings
from django.db import models


class Notice(models.Model):
    """One message to one user, optionally about one auction, unread until they open the centre.

    `kind` is a short code (see `notices.kinds`); other apps add their own codes without a
    migration. `link` is a site-relative URL the notice points to (blank: the auction's page).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(max_length=32)
    auction = models.ForeignKey(
        "auctions.Auction",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notices",
    )
    text = models.CharField(max_length=500)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return f"{self.kind} for {self.user_id}: {self.text[:40]}"

    def get_absolute_url(self) -> str:
        if self.link:
            return self.link
        return self.auction.get_absolute_url() if self.auction is not None else ""
