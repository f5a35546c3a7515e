"""The admin: sellers manage only their own auctions; moderators and superusers see everything.

Scoping lives in `get_queryset`, which every admin URL of an object goes through (change,
delete, history, autocomplete), so a seller gets a 404-style redirect for anyone else's auction.
"""

from django.conf import settings
from django.contrib import admin

from auctions.models import Auction, AuditLog, Bid, Category, Report, Watch
from auctions.roles import is_moderator, sees_all_auctions

PRICE_AND_TIME_FIELDS = (
    "starting_price",
    "reserve_price",
    "buy_now_price",
    "increment",
    "starts_at",
    "ends_at",
    "extension_window",
    "hard_close_at",
)
RESULT_FIELDS = ("status", "winner", "final_price", "reserve_met", "settled_at")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)


class BidInline(admin.TabularInline):
    """The ledger of one auction, read-only: bids are placed through the engine only."""

    model = Bid
    fields = ("seq", "bidder", "kind", "amount", "max_amount", "price", "placed_at", "voided")
    readonly_fields = fields
    ordering = ("seq",)
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Auction)
class AuctionAdmin(admin.ModelAdmin):
    list_display = ("title", "seller", "status", "starts_at", "ends_at")
    list_filter = ("status", "category")
    search_fields = ("title",)
    date_hierarchy = "ends_at"
    inlines = [BidInline]
    raw_id_fields = ("seller", "winner")

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("seller", "category")
        if sees_all_auctions(request.user):
            return queryset
        return queryset.filter(seller=request.user)

    def get_exclude(self, request, obj=None):
        if request.user.is_superuser:
            return ()
        return ("seller",)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(RESULT_FIELDS)
        if request.user.is_superuser:
            readonly.remove("status")
        if obj is not None and obj.bids.exists():
            # Once someone has bid, only the description may change.
            readonly += ["title", "category", "image", *PRICE_AND_TIME_FIELDS]
        elif is_moderator(request.user) and not request.user.is_superuser:
            readonly += list(PRICE_AND_TIME_FIELDS)
        return readonly

    def save_model(self, request, obj, form, change):
        if not change:
            if not request.user.is_superuser or not obj.seller_id:
                obj.seller = request.user
            if not request.user.is_superuser:
                obj.status = (
                    Auction.Status.PENDING
                    if settings.GAVEL_LISTING_APPROVAL
                    else Auction.Status.SCHEDULED
                )
        super().save_model(request, obj, form, change)


@admin.register(Bid)
class BidAdmin(admin.ModelAdmin):
    """Bids are read-only everywhere in the admin; staff void them through moderation."""

    list_display = ("auction", "seq", "bidder", "amount", "price", "placed_at", "voided")
    list_filter = ("voided", "kind")
    search_fields = ("auction__title", "bidder__username")
    raw_id_fields = ("auction", "bidder")

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("auction", "bidder")
        if sees_all_auctions(request.user):
            return queryset
        return queryset.filter(auction__seller=request.user)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Bid._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Watch)
class WatchAdmin(admin.ModelAdmin):
    list_display = ("user", "auction", "created_at")
    raw_id_fields = ("user", "auction")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("auction", "reporter", "reason", "created_at", "resolved_at")
    list_filter = ("reason", "resolved_at")
    raw_id_fields = ("auction", "reporter", "resolved_by")


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Append-only: viewable and filterable, never added, changed or deleted by hand."""

    list_display = ("created_at", "actor", "action", "target_type", "target_id", "reason")
    list_filter = ("action", "target_type", "created_at")
    search_fields = ("target_id", "target_repr", "reason", "actor__username")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in AuditLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
