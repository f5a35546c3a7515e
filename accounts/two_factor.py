"""Optional TOTP two-factor for staff, on django-otp.

A staff member who has confirmed an authenticator (at `/accounts/two-factor/`) must enter its
current code once per session before anything opens (pages, API, sockets, the admin); staff
without one log in as before.
"""

import base64

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.forms import OTPTokenForm
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.second_factor import owes_second_factor
from auctions.errors import NotAllowed
from auctions.services.audit import audit_record

# Paths a staff member who owes the code may open: the code page itself, and the ways out.
_OPEN = (
    "/accounts/two-factor/verify/",
    "/accounts/login/",
    "/accounts/logout/",
    "/admin/login/",
    "/admin/logout/",
)


class StaffTwoFactorMiddleware:
    """A staff session that owes its second factor (`accounts.second_factor`) reaches nothing
    but the code page: every page redirects there, the API answers 403 NOT_ALLOWED. (The
    sockets refuse such a session in `auctions.sockets`.) Staff powers are then nowhere to be
    had, whichever page or view would grant them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if not path.startswith(_OPEN) and not path.startswith(settings.STATIC_URL):
            user = request.user
            if owes_second_factor(user, verified=user.is_authenticated and user.is_verified()):
                if path.startswith("/api/"):
                    refusal = NotAllowed("Enter your two-factor code first.")
                    return JsonResponse(refusal.as_dict(), status=refusal.http_status)
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('two_factor_verify')}?{query}")
        return self.get_response(request)


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/admin/"
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/admin/"


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """Enter the authenticator's current code; the session is then verified."""
    form = OTPTokenForm(request.user, request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        otp_login(request, request.user.otp_device)
        return redirect(_next(request))
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": _next(request)}
    )


def _secret(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Staff turn their authenticator on (scan or type the key, confirm a code) or off."""
    user = request.user
    if not user.is_staff:
        raise PermissionDenied
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if confirmed is not None:
        form = OTPTokenForm(user, request, data=request.POST or None)
        if request.method == "POST" and form.is_valid():
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user).delete()
                audit_record(actor=user, action="two_factor.disable", target=user)
            messages.success(request, "Two-factor sign-in is off.")
            return redirect("two_factor_setup")
        return render(request, "registration/two_factor_setup.html", {"form": form, "on": True})
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "Authenticator app"}
    )
    error = ""
    if request.method == "POST":
        if device.verify_token(request.POST.get("otp_token", "").strip()):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                audit_record(actor=user, action="two_factor.enable", target=user)
            otp_login(request, device)
            messages.success(request, "Two-factor sign-in is on: signing in now asks for a code.")
            return redirect("two_factor_setup")
        error = "That code is not right. Check your device's clock and try the next one."
    context = {"on": False, "secret": _secret(device), "uri": device.config_url, "error": error}
    return render(request, "registration/two_factor_setup.html", context)
