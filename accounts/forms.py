"""Account forms: sign-up on top of Django's `UserCreationForm`."""

from django import forms
from django.contrib.auth.forms import UserCreationForm

from accounts.models import User


class SignUpForm(UserCreationForm):
    """Create a bidder account: username, email (one account per address), password twice."""

    email = forms.EmailField(required=True)

    class Meta(UserCreationForm.Meta):  # type: ignore[name-defined]  # absent from the stubs
        model = User
        fields = ("username", "email")

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("Another account uses this email address.")
        return email


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
