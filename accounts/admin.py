"""Users in the admin: Django's user admin plus suspension, done only through audited actions.

The suspension fields are read-only here; moderators suspend and reinstate with a reason (the
"Suspend" / "Reinstate" actions and per-user pages), which the moderation services audit.
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.urls import path

from accounts.models import User
from auctions.services import moderation
from core.admin.lookups import DeclaredLookupsOnly
from core.admin.reason import object_reason_view, reason_action
from core.roles import is_moderator


def _suspend(request, user, reason):
    return moderation.user_suspend(user=user, actor=request.user, reason=reason)


def _reinstate(request, user, reason):
    return moderation.user_reinstate(user=user, actor=request.user, reason=reason)


@admin.register(User)
class GavelUserAdmin(DeclaredLookupsOnly, UserAdmin):
    list_display = ("username", "email", "is_staff", "is_suspended", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_suspended", "groups")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Public profile", {"fields": ("public_name",)}),
        ("Suspension", {"fields": ("is_suspended", "suspended_reason", "suspended_at")}),
    )
    readonly_fields = ("is_suspended", "suspended_reason", "suspended_at")
    actions = [
        reason_action(
            name="suspend_selected",
            description="Suspend selected users",
            service=_suspend,
            done="Suspended",
            submit_label="Suspend",
            permissions=("moderate",),
            note="A suspended user can neither bid nor list; their standing bids stay "
            "unless a moderator voids them.",
        ),
        reason_action(
            name="reinstate_selected",
            description="Reinstate selected users",
            service=_reinstate,
            done="Reinstated",
            submit_label="Reinstate",
            permissions=("moderate",),
        ),
    ]

    def has_moderate_permission(self, request, obj=None):
        user = request.user
        return is_moderator(user) and not user.is_suspended and user.has_perm("accounts.view_user")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "gavel_can_moderate": self.has_moderate_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/suspend/",
                self.admin_site.admin_view(self.suspend_view),
                name="accounts_user_suspend",
            ),
            path(
                "<path:object_id>/reinstate/",
                self.admin_site.admin_view(self.reinstate_view),
                name="accounts_user_reinstate",
            ),
            *super().get_urls(),
        ]

    def suspend_view(self, request, object_id):
        return object_reason_view(
            self,
            request,
            object_id,
            allowed=self.has_moderate_permission,
            service=_suspend,
            title="Suspend user",
            submit_label="Suspend",
            done="Suspended",
            note="A suspended user can neither bid nor list.",
        )

    def reinstate_view(self, request, object_id):
        return object_reason_view(
            self,
            request,
            object_id,
            allowed=self.has_moderate_permission,
            service=_reinstate,
            title="Reinstate user",
            submit_label="Reinstate",
            done="Reinstated",
        )


class GavelGroupAdmin(DeclaredLookupsOnly, GroupAdmin):
    """Django's group admin, filtering only through what it declares (as every admin here)."""


admin.site.unregister(Group)
admin.site.register(Group, GavelGroupAdmin)
