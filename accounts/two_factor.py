"""Optional TOTP two-factor for staff, on django-otp, with one-use backup codes.

A staff member turns it on at `/accounts/two-factor/` (the admin index offers it): they add the
key to an authenticator app and confirm one of its codes; they then get ten backup codes
(django-otp's static device), each good once, shown that one time. From then on they must enter
a code from the app, or a backup code, once per session before anything opens (pages, API,
sockets, the admin), and turning it off takes one too. Staff without it log in as before.
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
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.forms import OTPTokenForm
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.audit import AuditAction, audit_record
from core.errors import NotAllowed
from core.second_factor import owes_second_factor

# Paths a staff member who owes the code may open: the code page itself, and the ways out.
_OPEN = (
    "/accounts/two-factor/verify/",
    "/accounts/login/",
    "/accounts/logout/",
    "/admin/login/",
    "/admin/logout/",
)

APP_NAME = "Authenticator app"
BACKUP_NAME = "Backup codes"
BACKUP_CODES = 10


class StaffTwoFactorMiddleware:
    """A staff session that owes its second factor (`core.second_factor`) reaches nothing
    but the code page: every page redirects there, the API answers 403 NOT_ALLOWED. (The
    sockets refuse such a session in `core.sockets`.) Staff powers are then nowhere to be
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


class CodeForm(OTPTokenForm):
    """django-otp's token form with the choice people make: "a code from my app" (the default)
    or "a backup code". The device must be named (django-otp tries no device by guessing, so a
    wrong guess never throttles the backup codes)."""

    def __init__(self, user, request=None, *args, **kwargs):
        super().__init__(user, request, *args, **kwargs)
        field = self.fields["otp_device"]
        field.choices = [(value, label) for value, label in field.choices if value]
        app = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if app is not None:
            field.initial = app.persistent_id

    def devices(self) -> list[dict[str, object]]:
        """The choices as the template draws them: value, label, checked."""
        chosen = self.data.get("otp_device") or self.fields["otp_device"].initial
        return [
            {"value": value, "label": label, "checked": value == chosen}
            for value, label in self.fields["otp_device"].choices
        ]


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/admin/"
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/admin/"


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """Enter a code from the authenticator app, or a backup code; the session is then
    verified."""
    form = CodeForm(request.user, request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = request.user.otp_device
        otp_login(request, device)
        if isinstance(device, StaticDevice):
            left = device.token_set.count()
            messages.warning(
                request,
                f"You used a backup code: {left} left. Each works once; turn two-factor sign-in "
                "off and on again for new ones.",
            )
        return redirect(_next(request))
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": _next(request)}
    )


def _secret(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def _backup_codes(user) -> list[str]:
    """Replace the user's backup codes with ten new ones; returns them (shown once)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _turn_off(request, user):
    form = CodeForm(user, request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            TOTPDevice.objects.filter(user=user).delete()
            StaticDevice.objects.filter(user=user).delete()
            audit_record(actor=user, action=AuditAction.TWO_FACTOR_DISABLE, target=user)
        messages.success(request, "Two-factor sign-in is off.")
        return redirect("two_factor_setup")
    backup = StaticDevice.objects.filter(user=user).first()
    left = backup.token_set.count() if backup is not None else 0
    context = {"form": form, "on": True, "backup_left": left}
    return render(request, "registration/two_factor_setup.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Staff turn their authenticator on (scan or type the key, confirm a code; backup codes
    are then shown once) or off (with a code from the app or a backup code)."""
    user = request.user
    if not user.is_staff:
        raise PermissionDenied
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return _turn_off(request, user)
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": APP_NAME}
    )
    error = ""
    if request.method == "POST":
        if device.verify_token(request.POST.get("otp_token", "").strip()):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = _backup_codes(user)
                audit_record(actor=user, action=AuditAction.TWO_FACTOR_ENABLE, target=user)
            otp_login(request, device)
            messages.success(request, "Two-factor sign-in is on: signing in now asks for a code.")
            context = {"on": True, "backup_codes": codes, "next": _next(request)}
            return render(request, "registration/two_factor_setup.html", context)
        error = "That code is not right. Check your device's clock and try the next one."
    context = {
        "on": False,
        "secret": _secret(device),
        "uri": device.config_url,
        "error": error,
        "next": request.GET.get("next", ""),
    }
    return render(request, "registration/two_factor_setup.html", context)
