"""Gavel's user: Django's user plus a suspension flag that the bid engine honours."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower

from core.handles import mask_username


class User(AbstractUser):
    """A site user. Bidders are plain users; sellers and moderators are staff in their groups."""

    is_suspended = models.BooleanField(
        default=False, help_text="A suspended user can neither bid nor list."
    )
    suspended_reason = models.CharField(max_length=500, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    email_confirmed = models.BooleanField(
        default=True,
        help_text="Off for an account made through sign-up until its email address is "
        "confirmed; such an account may not bid. Accounts made by staff are trusted.",
    )
    public_name = models.CharField(
        max_length=50,
        blank=True,
        help_text="The name shown to everyone as a seller; blank shows the username.",
    )

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]  # absent from the stubs
        constraints = [
            models.UniqueConstraint(
                Lower("public_name"),
                condition=~models.Q(public_name=""),
                name="user_unique_public_name",
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_unique_email",
                violation_error_message="Another account uses this email address.",
            ),
        ]

    @property
    def display_name(self) -> str:
        """The seller's public name: `public_name`, else the username (sellers are not masked)."""
        return self.public_name or self.username

    @property
    def public_handle(self) -> str:
        """The masked name shown to other users: first and last character around `***`."""
        return mask_username(self.username)


class EmailOptOut(models.Model):
    """A kind of optional email (see `accounts.email_preferences.OPTIONAL`) a user turned off."""

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="email_opt_outs"
    )
    kind = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="email_opt_out_once_per_kind")
        ]

    def __str__(self):
        return f"{self.user_id} turned off {self.kind} emails"
