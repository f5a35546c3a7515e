"""The bid ledger in the admin: read-only everywhere; moderators void bids with a reason.

`BidInline` shows one auction's ledger on its change page; `BidAdmin` lists all bids the user
may see. Sellers see masked bidders and never a bidder's maximum.
"""

from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html

from auctions.models import Bid
from auctions.services import moderation
from core.admin.access import ReadOnlyAdminMixin, acts_as_moderator, sees_all
from core.admin.lookups import DeclaredLookupsOnly
from core.admin.reason import object_reason_view, reason_action
from core.handles import mask_username
from core.templatetags.money import format_money


class MoneyColumns:
    """The ledger's amounts as money ("$1,500.00"), not integer cents."""

    @admin.display(description="amount", ordering="amount")
    def amount_shown(self, bid):
        return format_money(bid.amount) or "—"

    @admin.display(description="maximum", ordering="max_amount")
    def max_amount_shown(self, bid):
        return format_money(bid.max_amount) or "—"

    @admin.display(description="price", ordering="price")
    def price_shown(self, bid):
        return format_money(bid.price)

    @admin.display(description="voided", ordering="voided")
    def voided_shown(self, bid):
        # Only a voided bid is marked: a red ✖ on every standing bid read as "refused".
        return "✖ voided" if bid.voided else ""


MONEY_FIELDS = {
    "amount": "amount_shown",
    "max_amount": "max_amount_shown",
    "price": "price_shown",
    "voided": "voided_shown",
}


def _as_money(fields):
    return tuple(MONEY_FIELDS.get(name, name) for name in fields)


class BidInline(MoneyColumns, ReadOnlyAdminMixin, admin.TabularInline):
    """The ledger of one auction, read-only: bids are placed through the engine only.

    Sellers see masked bidders and never a bidder's maximum (they could bid up to it).
    """

    model = Bid
    ordering = ("seq",)
    extra = 0
    can_delete = False
    show_change_link = False

    def get_fields(self, request, obj=None):
        if acts_as_moderator(request):
            return _as_money(
                (
                    "seq",
                    "bidder",
                    "kind",
                    "amount",
                    "max_amount",
                    "price",
                    "placed_at",
                    "voided",
                    "void_reason",
                    "void_link",
                )
            )
        return _as_money(("seq", "bidder_handle", "kind", "amount", "price", "placed_at", "voided"))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("bidder")

    @admin.display(description="")
    def void_link(self, bid):
        if bid.voided or bid.auction.status in moderation.FINAL_STATUSES:
            return ""
        return format_html(
            '<a href="{}" class="gavel-void">Void…</a>',
            reverse("admin:auctions_bid_void", args=[bid.pk]),
        )

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description="bidder")
    def bidder_handle(self, bid):
        return mask_username(bid.bidder.username)


@admin.register(Bid)
class BidAdmin(MoneyColumns, DeclaredLookupsOnly, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Bids are read-only everywhere in the admin; staff void them through moderation."""

    list_filter = ("voided", "kind")
    search_fields = ("auction__title",)
    raw_id_fields = ("auction", "bidder")
    actions = [
        reason_action(
            name="void_selected",
            description="Void selected bids",
            service=lambda request, bid, reason: moderation.bid_void_by_staff(
                bid=bid, actor=request.user, reason=reason
            ),
            done="Voided",
            submit_label="Void these bids",
            permissions=("moderate",),
            note="The engine recomputes price and leader without these bids; "
            "viewers see it live and each bidder is notified.",
        )
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("auction", "bidder")
        if sees_all(request):
            return queryset
        return queryset.filter(auction__seller=request.user)

    def get_list_display(self, request):
        if acts_as_moderator(request):
            return _as_money(
                ("auction", "seq", "bidder", "amount", "max_amount", "price", "placed_at", "voided")
            )
        return _as_money(
            ("auction", "seq", "bidder_handle", "amount", "price", "placed_at", "voided")
        )

    def get_search_fields(self, request):
        if acts_as_moderator(request):
            return ("auction__title", "bidder__username")
        return self.search_fields

    def get_fields(self, request, obj=None):
        if acts_as_moderator(request):
            return _as_money(field.name for field in Bid._meta.fields if field.name != "id")
        return _as_money(
            ("auction", "seq", "bidder_handle", "kind", "amount", "price", "placed_at", "voided")
        )

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description="bidder")
    def bidder_handle(self, bid):
        return mask_username(bid.bidder.username)

    def has_moderate_permission(self, request, obj=None):
        return acts_as_moderator(request) and request.user.has_perm("auctions.moderate_auction")

    def get_urls(self):
        return [
            path(
                "<path:object_id>/void/",
                self.admin_site.admin_view(self.void_view),
                name="auctions_bid_void",
            ),
            *super().get_urls(),
        ]

    def void_view(self, request, object_id):
        return object_reason_view(
            self,
            request,
            object_id,
            allowed=self.has_moderate_permission,
            service=lambda request, bid, reason: moderation.bid_void_by_staff(
                bid=bid, actor=request.user, reason=reason
            ),
            title="Void bid",
            submit_label="Void this bid",
            done="Voided",
            note="The engine recomputes price and leader without this bid.",
        )
