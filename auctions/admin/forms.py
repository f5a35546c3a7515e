"""The forms of the auction admin: the listing form and the relist form."""

from django import forms
from django.utils import timezone

from auctions.models import Auction

PRICE_AND_TIME_FIELDS = (
    "starting_price",
    "reserve_price",
    "buy_now_price",
    "increment",
    "starts_at",
    "ends_at",
    "extension_window",
    "hard_close_at",
)


class AuctionAdminForm(forms.ModelForm):
    """The model's field errors, plus: a new listing must end in the future."""

    class Meta:
        model = Auction
        # The admin narrows this per user (`get_fields`, `get_readonly_fields`).
        fields = (
            "seller",
            "title",
            "description",
            "category",
            "image",
            "sale",
            "lot_number",
            *PRICE_AND_TIME_FIELDS,
            "status",
        )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        ends_at = cleaned.get("ends_at")
        if self.instance.pk is None and ends_at is not None and ends_at <= timezone.now():
            self.add_error("ends_at", "The end must be in the future.")
        sale = cleaned.get("sale")
        if sale is not None and "sale" in self.changed_data and sale.status != "draft":
            # A published sale's schedule is set; lots join a sale while it is a draft.
            self.add_error("sale", "Lots can be added to a sale only while it is a draft.")
        return cleaned


class RelistForm(forms.Form):
    """Optional new times for a relisted auction (UTC, "YYYY-MM-DD HH:MM")."""

    starts_at = forms.DateTimeField(required=False, help_text="Empty: now.")
    ends_at = forms.DateTimeField(
        required=False, help_text="Empty: the start plus the original duration."
    )
