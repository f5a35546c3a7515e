"""Forms of the order pages: the shipping address and feedback."""

from django import forms

from orders.services.feedback import COMMENT_MAX
from orders.services.orders import ADDRESS_MAX, NAME_MAX


class ShippingAddressForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX, label="Full name")
    address = forms.CharField(
        max_length=ADDRESS_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Address",
        help_text="Street, postcode, town and country, as the parcel should read.",
    )


class FeedbackForm(forms.Form):
    rating = forms.ChoiceField(
        choices=[("positive", "Positive"), ("neutral", "Neutral"), ("negative", "Negative")],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(max_length=COMMENT_MAX, required=False)
