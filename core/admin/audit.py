"""The audit log in the admin: append-only, so only viewed and filtered."""

from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from core.admin.access import ReadOnlyAdminMixin
from core.admin.lookups import DeclaredLookupsOnly
from core.models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(DeclaredLookupsOnly, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Append-only: viewable and filterable, never added, changed or deleted by hand."""

    list_display = ("created_at", "actor", "action", "target", "reason")
    list_filter = (
        # The actions that occur, as before the vocabulary had choices (not all of them).
        ("action", admin.AllValuesFieldListFilter),
        "target_type",
        "created_at",
        ("actor", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("target_id", "target_repr", "reason", "actor__username")
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return ["target", *(field.name for field in AuditLog._meta.fields)]

    @admin.display(description="target", ordering="target_type")
    def target(self, entry: AuditLog):
        """The target by name ("alice (user 7)"), linked to its admin page where it has one."""
        kind = entry.target_type.rsplit(".", 1)[-1]
        label = f"{kind} {entry.target_id}"
        text = f"{entry.target_repr} ({label})" if entry.target_repr else label
        try:
            url = reverse(
                f"admin:{entry.target_type.replace('.', '_')}_change", args=[entry.target_id]
            )
        except NoReverseMatch:
            return text
        return format_html('<a href="{}">{}</a>', url, text)

    def get_actions(self, request):
        return {}
