from django.urls import path

from accounts.views import SignUpView, email_preferences, email_unsubscribe

urlpatterns = [
    path("signup/", SignUpView.as_view(), name="signup"),
    path("emails/", email_preferences, name="email_preferences"),
    path("unsubscribe/<str:token>/", email_unsubscribe, name="email_unsubscribe"),
]
