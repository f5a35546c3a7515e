"""Categories in the admin: named and slugged by staff."""

from django.contrib import admin

from auctions.models import Category
from core.admin.lookups import DeclaredLookupsOnly


@admin.register(Category)
class CategoryAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)
