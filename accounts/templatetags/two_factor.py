"""`{% two_factor_on user as on %}`: whether a user's admin sessions ask for a second factor."""

from django import template
from django_otp import user_has_device

register = template.Library()


@register.simple_tag
def two_factor_on(user) -> bool:
    """True when `user` has a confirmed device (the admin then asks for its code)."""
    return bool(user.is_authenticated and user_has_device(user))
