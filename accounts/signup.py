"""Sign-up that does not tell whether an email address has an account (as password reset).

A new address gets its account (unconfirmed) and the confirmation link; an address that
already has an account gets nothing created, and its owner an email saying someone tried to
sign up with it. Both answer the person signing up the same way: check your inbox. Nobody is
logged in by sign-up: they log in once they have read their email.
"""

from django.contrib.auth.hashers import make_password
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.confirmation import email_confirmation_send
from accounts.models import User


class UsernameTaken(Exception):
    """A racing sign-up took the username between the form's check and the save."""


def _owner(email: str) -> User | None:
    return User.objects.filter(email__iexact=email).first()


def _tell_owner(owner: User, site_url: str) -> None:
    """After commit, email `owner` that their address was used to sign up again."""
    base = site_url.rstrip("/")
    text = render_to_string(
        "registration/signup_existing.txt",
        {
            "user": owner,
            "login": base + reverse("login"),
            "reset": base + reverse("password_reset"),
        },
    )
    subject, _, body = text.strip().partition("\n")
    transaction.on_commit(
        lambda: send_mail(subject.strip(), body.strip() + "\n", None, [owner.email]),
        robust=True,
    )


def sign_up(*, form, site_url: str) -> User | None:
    """From a valid `SignUpForm`: the new account (confirmation link sent), or None when the
    address has an account (its owner told). Raises UsernameTaken on a lost username race."""
    email = form.cleaned_data["email"]
    owner = _owner(email)
    if owner is None:
        user = form.save(commit=False)
        user.email, user.email_confirmed = email, False
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            owner = _owner(email)  # a racing sign-up took the address (else the username)
            if owner is None:
                raise UsernameTaken() from None
        else:
            email_confirmation_send(user=user, site_url=site_url)
            return user
    # Hash the password all the same: the answer's timing must not tell the two cases apart.
    make_password(form.cleaned_data["password1"])
    _tell_owner(owner, site_url)
    return None
