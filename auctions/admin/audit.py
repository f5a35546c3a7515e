"""The audit log in the admin: append-only, so only viewed and filtered."""

from django.contrib import admin

from auctions.admin.access import ReadOnlyAdminMixin
from auctions.admin.lookups import DeclaredLookupsOnly
from auctions.models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(DeclaredLookupsOnly, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Append-only: viewable and filterable, never added, changed or deleted by hand."""

    list_display = ("created_at", "actor", "action", "target_type", "target_id", "reason")
    list_filter = (
        "action",
        "target_type",
        "created_at",
        ("actor", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("target_id", "target_repr", "reason", "actor__username")
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in AuditLog._meta.fields]

    def get_actions(self, request):
        return {}
