"""Building blocks for the moderation screens in the admin: a reason form, an action that asks
for a reason on an intermediate page, and a per-object reason view.

Every one of them calls a service from `auctions.services.moderation` and turns its refusals
into admin messages, so a refused action changes nothing and never shows a server error.
"""

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from core.errors import GavelError
from core.inputs import REASON_MAX as REASON_MAX_LENGTH

REFUSALS = (GavelError,)


class ReasonForm(forms.Form):
    """One text field: the reason recorded in the audit log (and shown to whom it concerns)."""

    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=f"At most {REASON_MAX_LENGTH} characters; kept in the audit log.",
    )

    def __init__(self, *args, reason_required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required


def render_reason_page(
    model_admin,
    request,
    *,
    title: str,
    form: forms.Form,
    objects,
    submit_label: str,
    action_name: str | None = None,
    cancel_url: str,
    note: str = "",
):
    """The intermediate page: what is about to happen, to which objects, and the reason field."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "subtitle": None,
        "form": form,
        "objects": list(objects),
        "submit_label": submit_label,
        "action_name": action_name,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "cancel_url": cancel_url,
        "note": note,
        "opts": model_admin.opts,
        "app_label": model_admin.opts.app_label,
        "media": model_admin.media,
    }
    return TemplateResponse(request, "admin/gavel/reason_form.html", context)


def apply_each(request, objects, call: Callable, *, done: str) -> int:
    """Run `call(obj)` on each object; report successes and each refusal as a message."""
    succeeded = 0
    for obj in objects:
        try:
            call(obj)
        except REFUSALS as error:
            messages.error(request, f"{obj}: {error.message}")
        else:
            succeeded += 1
    if succeeded:
        messages.success(request, f"{done}: {succeeded}.")
    return succeeded


def reason_action(
    *,
    name: str,
    description: str,
    service: Callable,
    done: str,
    submit_label: str,
    permissions: tuple[str, ...],
    reason_required: bool = True,
    note: str = "",
):
    """Build an admin action that asks for a reason, then calls `service(request, obj, reason)`.

    The queryset is the change list's, so it is already scoped to what the user may see.
    """

    def action(model_admin, request, queryset):
        if "post" in request.POST:
            form = ReasonForm(request.POST, reason_required=reason_required)
            if form.is_valid():
                reason = form.cleaned_data["reason"]
                apply_each(request, queryset, lambda obj: service(request, obj, reason), done=done)
                return None
        else:
            form = ReasonForm(reason_required=reason_required)
        return render_reason_page(
            model_admin,
            request,
            title=description,
            form=form,
            objects=queryset,
            submit_label=submit_label,
            action_name=name,
            cancel_url=request.get_full_path(),
            note=note,
        )

    action.__name__ = name
    return admin.action(description=description, permissions=permissions)(action)


def object_reason_view(
    model_admin,
    request,
    object_id: str,
    *,
    allowed: Callable,
    service: Callable,
    title: str,
    submit_label: str,
    done: str,
    reason_required: bool = True,
    note: str = "",
):
    """GET: the reason page for one object; POST: run `service(request, obj, reason)`.

    The object is looked up through the admin's (scoped) queryset: someone else's object is
    "not found", exactly like the change page. `allowed(request, obj)` is the permission check.
    """
    obj = model_admin.get_object(request, unquote(object_id))
    if obj is None:
        return model_admin._get_obj_does_not_exist_redirect(request, model_admin.opts, object_id)
    if not allowed(request, obj):
        raise PermissionDenied
    change_url = reverse(
        f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_change",
        args=[obj.pk],
        current_app=model_admin.admin_site.name,
    )
    if request.method == "POST":
        form = ReasonForm(request.POST, reason_required=reason_required)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            if apply_each(request, [obj], lambda o: service(request, o, reason), done=done):
                return HttpResponseRedirect(change_url)
    else:
        form = ReasonForm(reason_required=reason_required)
    return render_reason_page(
        model_admin,
        request,
        title=title,
        form=form,
        objects=[obj],
        submit_label=submit_label,
        cancel_url=change_url,
        note=note,
    )
