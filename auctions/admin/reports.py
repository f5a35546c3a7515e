"""Bidders' reports in the admin: read-only; moderators resolve them, with the audit log."""

from django.contrib import admin
from django.urls import path

from auctions.models import Report
from auctions.services import moderation
from core.admin.access import ReadOnlyAdminMixin, acts_as_moderator
from core.admin.lookups import DeclaredLookupsOnly
from core.admin.reason import object_reason_view, reason_action


@admin.register(Report)
class ReportAdmin(DeclaredLookupsOnly, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Bidders' reports: read-only; moderators resolve them (audited)."""

    list_display = ("auction", "reporter", "reason", "details", "created_at", "resolved_at")
    list_filter = ("reason", ("resolved_at", admin.EmptyFieldListFilter))
    raw_id_fields = ("auction", "reporter", "resolved_by")
    actions = [
        reason_action(
            name="resolve_selected",
            description="Resolve selected reports",
            service=lambda request, report, reason: moderation.report_resolve(
                report=report, actor=request.user, reason=reason
            ),
            done="Resolved",
            submit_label="Resolve",
            permissions=("moderate",),
            reason_required=False,
        )
    ]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Report._meta.fields]

    def has_moderate_permission(self, request, obj=None):
        return acts_as_moderator(request) and request.user.has_perm("auctions.change_report")

    def get_urls(self):
        return [
            path(
                "<path:object_id>/resolve/",
                self.admin_site.admin_view(self.resolve_view),
                name="auctions_report_resolve",
            ),
            *super().get_urls(),
        ]

    def resolve_view(self, request, object_id):
        return object_reason_view(
            self,
            request,
            object_id,
            allowed=self.has_moderate_permission,
            service=lambda request, report, reason: moderation.report_resolve(
                report=report, actor=request.user, reason=reason
            ),
            title="Resolve report",
            submit_label="Resolve",
            done="Resolved",
            reason_required=False,
        )
