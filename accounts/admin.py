"""Users in the admin: Django's user admin with the profile and suspension fields.

The suspension fields are read-only here; moderators suspend and reinstate through the actions
and pages `auctions/admin/users.py` adds (moderation is the auctions app's), which audit them.
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group

from accounts.models import User
from core.admin.lookups import DeclaredLookupsOnly


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


class GavelGroupAdmin(DeclaredLookupsOnly, GroupAdmin):
    """Django's group admin, filtering only through what it declares (as every admin here)."""


admin.site.unregister(Group)
admin.site.register(Group, GavelGroupAdmin)
