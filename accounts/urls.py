from django.urls import path

from accounts.views import (
    SignUpView,
    email_confirm_resend,
    email_confirm_view,
    email_preferences,
    email_unsubscribe,
)

urlpatterns = [
    path("signup/", SignUpView.as_view(), name="signup"),
    path("confirm/<str:uidb64>/<str:token>/", email_confirm_view, name="email_confirm"),
    path("confirm/resend", email_confirm_resend, name="email_confirm_resend"),
    path("emails/", email_preferences, name="email_preferences"),
    path("unsubscribe/<str:token>/", email_unsubscribe, name="email_unsubscribe"),
]
