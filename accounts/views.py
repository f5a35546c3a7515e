"""Account views: sign-up and email settings (log in, log out and password change are Django's)."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django.views.generic import CreateView

from accounts.email_preferences import (
    OPTIONAL,
    email_preference_set,
    email_preferences_get,
    read_unsubscribe_token,
)
from accounts.forms import SignUpForm
from accounts.models import User


class SignUpView(CreateView):
    """Create an account and log the new user in."""

    form_class = SignUpForm
    template_name = "registration/signup.html"
    success_url = reverse_lazy("auctions:list")

    def form_valid(self, form):
        response = super().form_valid(form)
        login(self.request, self.object, backend="django.contrib.auth.backends.ModelBackend")
        return response


@csrf_exempt  # a mail client's one-click POST (RFC 8058) carries the signed token, not a cookie
@require_http_methods(["GET", "POST"])
def email_unsubscribe(request, token):
    """The link in an email: GET asks to confirm, POST turns that kind of email off."""
    found = read_unsubscribe_token(token)
    user = User.objects.filter(pk=found[0]).first() if found else None
    if user is None:
        return render(request, "accounts/unsubscribe.html", {"invalid": True}, status=400)
    kind = found[1]
    done = request.method == "POST"
    if done:
        email_preference_set(user=user, kind=kind, enabled=False)
    context = {"label": OPTIONAL[kind], "done": done, "email": user.email}
    return render(request, "accounts/unsubscribe.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def email_preferences(request):
    """`/accounts/emails/`: turn each optional kind of email on or off."""
    if request.method == "POST":
        for kind in OPTIONAL:
            enabled = request.POST.get(kind) == "on"
            email_preference_set(user=request.user, kind=kind, enabled=enabled)
        messages.success(request, "Your email settings are saved.")
        return redirect("email_preferences")
    preferences = email_preferences_get(user=request.user)
    rows = [(kind, label, preferences[kind]) for kind, label in OPTIONAL.items()]
    return render(request, "accounts/email_preferences.html", {"rows": rows})
