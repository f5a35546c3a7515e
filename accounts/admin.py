"""Users in the admin: Django's user admin plus the suspension fields."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User


@admin.register(User)
class GavelUserAdmin(UserAdmin):
    list_display = ("username", "email", "is_staff", "is_suspended", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_suspended", "groups")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Suspension", {"fields": ("is_suspended", "suspended_reason", "suspended_at")}),
    )
    readonly_fields = ("suspended_at",)
