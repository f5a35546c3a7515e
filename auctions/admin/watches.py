"""Watches in the admin: a seller sees who watches their own auctions only."""

from django.contrib import admin

from auctions.models import Watch
from core.admin.access import sees_all
from core.admin.lookups import DeclaredLookupsOnly


@admin.register(Watch)
class WatchAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
    list_display = ("user", "auction", "created_at")
    autocomplete_fields = ("auction",)
    raw_id_fields = ("user",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user", "auction")
        if sees_all(request):
            return queryset
        return queryset.filter(auction__seller=request.user)
