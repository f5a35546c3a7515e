"""Account forms: sign-up on top of Django's `UserCreationForm`."""

from django import forms
from django.contrib.auth.forms import UserCreationForm

from accounts.models import User


class SignUpForm(UserCreationForm):
    """Create a bidder account: username, email, password twice.

    The email is not a model field of the form, so that no check here tells whether an
    account already uses it (one account per address is `accounts.signup`'s job, which
    answers the same either way).
    """

    email = forms.EmailField(required=True)

    class Meta(UserCreationForm.Meta):  # type: ignore[name-defined]  # absent from the stubs
        model = User
        fields = ("username",)

    def clean_email(self):
        return self.cleaned_data["email"].strip()


class DeleteAccountForm(forms.Form):
    """Deleting an account asks for the password again."""

    password = forms.CharField(widget=forms.PasswordInput, label="Your password")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password
