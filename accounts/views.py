"""Account views: sign-up and email settings (log in, log out and password change are Django's)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import CreateView

from accounts.confirmation import email_already_confirmed, email_confirm, email_confirmation_send
from accounts.email_preferences import (
    OPTIONAL,
    email_preference_set,
    email_preferences_get,
    read_unsubscribe_token,
)
from accounts.forms import DeleteAccountForm, SignUpForm
from accounts.models import User
from accounts.privacy import account_delete, account_delete_blockers, account_export
from accounts.signup import UsernameTaken, sign_up
from core.errors import NotAllowed


class SignUpView(CreateView):
    """Create an account; the new user confirms their address, then logs in."""

    form_class = SignUpForm
    template_name = "registration/signup.html"
    success_url = reverse_lazy("login")

    def form_valid(self, form):
        # Accounts made here bid only once their address is confirmed; every other way of
        # making an account (admin, staff, create_user) is trusted as it is. Whether the
        # address already had an account, the answer is the same (accounts.signup).
        try:
            sign_up(form=form, site_url=site_url(self.request))
        except UsernameTaken:
            form.add_error("username", "A user with that username already exists.")
            return self.form_invalid(form)
        messages.info(
            self.request,
            f"Check your inbox: we sent a message to {form.cleaned_data['email']}. Open its "
            "link to confirm your address, then log in.",
        )
        return redirect(self.success_url)


def site_url(request) -> str:
    """The site's address for links in emails: `SITE_URL`, else this request's."""
    return getattr(settings, "SITE_URL", "") or request.build_absolute_uri("/")


@require_http_methods(["GET"])
def email_confirm_view(request, uidb64, token):
    """The link in the confirmation email: confirms the address (idempotent)."""
    user = email_confirm(uidb64=uidb64, token=token)
    if user is None and email_already_confirmed(uidb64=uidb64, token=token):
        return render(request, "registration/email_already_confirmed.html")
    if user is None:
        return render(request, "registration/email_confirm_invalid.html", status=400)
    messages.success(request, "Your email address is confirmed: you can bid now.")
    return redirect("auctions:list")


@login_required
@require_POST
def email_confirm_resend(request):
    """Send the confirmation link again to the logged-in, unconfirmed user."""
    if request.user.email_confirmed:
        messages.info(request, "Your email address is already confirmed.")
    else:
        email_confirmation_send(user=request.user, site_url=site_url(request))
        messages.success(request, f"We sent a new link to {request.user.email}.")
    target = request.POST.get("next", "")
    if "\x00" in target or not url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        target = reverse("auctions:me")  # never off-site, never a URL no browser could follow
    return redirect(target)


@login_required
def account_export_view(request):
    """`/me/export/`: the user's own data as a JSON download."""
    data = account_export(user=request.user)
    response = JsonResponse(data, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="gavel-{request.user.pk}.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_delete_view(request):
    """`/me/delete/`: confirm with the password; the account is pseudonymized, bids stay."""
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            account_delete(user=request.user)
        except NotAllowed as error:
            messages.error(request, error.message)
        else:
            logout(request)
            messages.success(request, "Your account is deleted.")
            return redirect("auctions:list")
    blockers = account_delete_blockers(user=request.user)
    return render(request, "registration/account_delete.html", {"form": form, "blockers": blockers})


@csrf_exempt  # a mail client's one-click POST (RFC 8058) carries the signed token, not a cookie
@require_http_methods(["GET", "POST"])
def email_unsubscribe(request, token):
    """The link in an email: GET asks to confirm, POST turns that kind of email off."""
    found = read_unsubscribe_token(token)
    user = User.objects.filter(pk=found[0]).first() if found else None
    if found is None or user is None:
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
