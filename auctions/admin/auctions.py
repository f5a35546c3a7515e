"""Auctions in the admin: scoped to the seller's own, the listing form and its change page.

The change list lives in `auctions.admin.changelist`, the moderation views and actions in
`auctions.admin.moderation`; `AuctionAdmin` composes them.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote

from auctions.admin.bids import BidInline
from auctions.admin.changelist import HasBidsFilter, LiveColumnsMixin, OutcomeFilter
from auctions.admin.forms import PRICE_AND_TIME_FIELDS, AuctionAdminForm
from auctions.admin.moderation import AuctionModerationMixin
from auctions.admin.money import as_money, money_display
from auctions.models import Auction, AuctionPhoto
from auctions.services import moderation
from core.admin.access import may_list, sees_all
from core.admin.lookups import DeclaredLookupsOnly
from core.audit import AuditAction, audit_record

RESULT_FIELDS = ("status", "winner", "final_price", "reserve_met", "settled_at")
MODERATION_FIELDS = ("moderation_reason", "cancel_reason")
MONEY_FIELDS = ("starting_price", "reserve_price", "buy_now_price", "increment", "final_price")


class PhotoInline(admin.TabularInline):
    """More photos of the lot (the gallery), in the order of `position`."""

    model = AuctionPhoto
    extra = 1
    fields = ("image", "alt", "position")


@admin.register(Auction)
class AuctionAdmin(DeclaredLookupsOnly, AuctionModerationMixin, LiveColumnsMixin, admin.ModelAdmin):
    form = AuctionAdminForm
    list_filter = ("status", HasBidsFilter, OutcomeFilter, "category")
    search_fields = ("title",)
    date_hierarchy = "ends_at"
    inlines = [BidInline]
    raw_id_fields = ("seller", "winner")
    change_form_template = "admin/auctions/auction/change_form.html"
    change_list_template = "admin/auctions/auction/change_list.html"

    # --- scoping and permissions -------------------------------------------------------------

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("seller", "category", "winner")
        if sees_all(request):
            return queryset
        return queryset.filter(seller=request.user)

    def has_add_permission(self, request):
        return may_list(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return may_list(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        """Only superusers delete, and only what nobody has seen: cancel is the way out."""
        if not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("delete_selected", None)
        return actions

    # --- the change form ---------------------------------------------------------------------

    starting_price_shown = money_display("starting_price", "Starting price")
    reserve_price_shown = money_display("reserve_price", "Reserve price")
    buy_now_price_shown = money_display("buy_now_price", "Buy now price")
    increment_shown = money_display("increment", "Increment")
    final_price_shown = money_display("final_price", "Final price")

    def get_exclude(self, request, obj=None):
        # A read-only amount is shown by its display method, so the form must not hold it.
        readonly = set(self._readonly_names(request, obj))
        money = [name for name in MONEY_FIELDS if name in readonly]
        if request.user.is_superuser:
            return tuple(money)
        return ("seller", *money)

    def get_readonly_fields(self, request, obj=None):
        return as_money(self._readonly_names(request, obj), MONEY_FIELDS)

    def _readonly_names(self, request, obj=None):
        # Status changes go through the audited services (approve, reject, cancel, settle).
        readonly = [*RESULT_FIELDS, *MODERATION_FIELDS]
        if obj is not None and request.user.is_superuser:
            readonly.append("seller")
        if obj is not None and obj.bids.exists():
            # Once someone has bid, only the description may change.
            readonly += ["title", "category", "image", "sale", "lot_number", *PRICE_AND_TIME_FIELDS]
        elif sees_all(request) and not request.user.is_superuser:
            readonly += list(PRICE_AND_TIME_FIELDS)
        return readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "sale" and not sees_all(request):
            # A house adds lots only to its own sales.
            kwargs["queryset"] = db_field.related_model.objects.filter(house=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_inlines(self, request, obj):
        # Photos from the start; the ledger once there is an auction to show it of.
        return [PhotoInline] if obj is None else [PhotoInline, *self.inlines]

    def save_model(self, request, obj, form, change):
        if not change:
            if not request.user.is_superuser or not obj.seller_id:
                obj.seller = request.user
            obj.status = (
                Auction.Status.PENDING
                if settings.GAVEL_LISTING_APPROVAL
                else Auction.Status.SCHEDULED
            )
        if obj.sale_id is not None and obj.sale.status == "draft" and "sale" in form.changed_data:
            # A lot opens when its sale is published (`sales.services.schedule`).
            obj.status = Auction.Status.DRAFT
        super().save_model(request, obj, form, change)
        if not change:
            audit_record(actor=request.user, action=AuditAction.LISTING_CREATE, target=obj)
        if change:
            kept = moderation.engine_refresh(obj)
            if kept:
                messages.warning(
                    request,
                    "Someone bid while you were editing, so prices and times stay as the "
                    f"bidders saw them; not changed: {', '.join(sorted(kept))}.",
                )
            changed = sorted(set(form.changed_data) - set(kept))
            if obj.seller_id != request.user.pk and changed:
                # Staff editing someone's listing is a moderation action: it goes on the record.
                audit_record(
                    actor=request.user,
                    action=AuditAction.LISTING_EDIT,
                    target=obj,
                    data={"fields": changed},
                )

    def response_change(self, request, obj):
        if obj.status == Auction.Status.REJECTED and obj.seller_id == request.user.pk:
            moderation.listing_resubmit(auction=obj, actor=request.user)
            messages.info(request, "Your listing is back in the moderation queue.")
        return super().response_change(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        extra_context = {**(extra_context or {})}
        if obj is not None:
            extra_context["gavel_tools"] = self._object_tools(request, obj)
            if obj.status == Auction.Status.REJECTED and request.method == "GET":
                messages.warning(
                    request,
                    f"A moderator rejected this listing: {obj.moderation_reason} "
                    "Edit and save it to send it back for review.",
                )
        return super().change_view(request, object_id, form_url, extra_context)
