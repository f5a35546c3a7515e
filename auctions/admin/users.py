"""Moderation in the user admin: suspend and reinstate, with a reason, through audited services.

The user admin itself is the accounts app's (`accounts.admin.GavelUserAdmin`); moderation is this
app's, so it extends that admin here and registers the result in its place.
"""

from django.contrib import admin
from django.urls import path

from accounts.admin import GavelUserAdmin
from accounts.models import User
from auctions.services import moderation
from core.admin.reason import object_reason_view, reason_action
from core.roles import is_moderator


def _suspend(request, user, reason):
    return moderation.user_suspend(user=user, actor=request.user, reason=reason)


def _reinstate(request, user, reason):
    return moderation.user_reinstate(user=user, actor=request.user, reason=reason)


class ModeratedUserAdmin(GavelUserAdmin):
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


admin.site.unregister(User)
admin.site.register(User, ModeratedUserAdmin)
