"""Email confirmation for accounts made through sign-up, on Django's token machinery.

The token is a `PasswordResetTokenGenerator` HMAC over the user's id, email and confirmation
flag, so it stops working once used, once the email changes, and after
`PASSWORD_RESET_TIMEOUT`. (Unlike a reset token it ignores the last login: sign-up logs in.)
"""

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accounts.models import User


class EmailConfirmationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "gavel.accounts.confirmation.EmailConfirmationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{timestamp}{user.email}{user.email_confirmed}"


confirmation_tokens = EmailConfirmationTokenGenerator()


def confirmation_path(user: User) -> str:
    """The site path that confirms `user`'s current email address."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("email_confirm", args=[uid, confirmation_tokens.make_token(user)])


def email_confirmation_send(*, user: User, site_url: str) -> None:
    """After commit, email `user` the link that confirms their address (`site_url` + path)."""
    if not user.email:
        return
    text = render_to_string(
        "registration/email_confirmation.txt",
        {"user": user, "link": site_url.rstrip("/") + confirmation_path(user)},
    )
    subject, _, body = text.strip().partition("\n")
    transaction.on_commit(
        lambda: send_mail(subject.strip(), body.strip() + "\n", None, [user.email]),
        robust=True,
    )


def _named_user(uidb64: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


def email_confirm(*, uidb64: str, token: str) -> User | None:
    """Mark the user the link names confirmed; None when the link is invalid or used up."""
    user = _named_user(uidb64)
    if user is None or not confirmation_tokens.check_token(user, token):
        return None
    if not user.email_confirmed:
        user.email_confirmed = True
        user.save(update_fields=["email_confirmed"])
    return user


def email_already_confirmed(*, uidb64: str, token: str) -> bool:
    """Whether this is a genuine link of an address that is confirmed already (a second
    click): the token is the one made for this user and email before the confirmation."""
    user = _named_user(uidb64)
    if user is None or not user.email_confirmed:
        return False
    user.email_confirmed = False  # the state the link was made in; never saved
    return confirmation_tokens.check_token(user, token)
