from django.urls import path

from accounts.two_factor import two_factor_setup, two_factor_verify
from accounts.views import (
    SignUpView,
    email_confirm_resend,
    email_confirm_view,
    email_preferences,
    email_unsubscribe,
)

urlpatterns = [
    path("two-factor/", two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", two_factor_verify, name="two_factor_verify"),
    path("signup/", SignUpView.as_view(), name="signup"),
    path("confirm/<str:uidb64>/<str:token>/", email_confirm_view, name="email_confirm"),
    path("confirm/resend", email_confirm_resend, name="email_confirm_resend"),
    path("emails/", email_preferences, name="email_preferences"),
    path("unsubscribe/<str:token>/", email_unsubscribe, name="email_unsubscribe"),
]
