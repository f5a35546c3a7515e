"""The admin: sellers manage only their own auctions; moderators and superusers see everything.

Scoping lives in `get_queryset`, which every admin URL of an object goes through (change,
delete, history, autocomplete and the moderation views below), so a seller gets a "not found"
redirect for anyone else's auction. Moderation happens through the services of
`auctions.services.moderation`, never by editing fields: those write the audit log.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from redis.exceptions import RedisError

from accounts.models import mask_username
from auctions.admin_tools import (
    REFUSALS,
    apply_each,
    object_reason_view,
    reason_action,
    render_reason_page,
)
from auctions.engine import api as engine_api
from auctions.models import Auction, AuditLog, Bid, Category, Report, Watch
from auctions.money import format_amount
from auctions.roles import sees_all_auctions
from auctions.services import moderation
from auctions.services.audit import audit_record

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
MODERATION_FIELDS = ("moderation_reason", "cancel_reason")


def sees_all(request) -> bool:
    """`sees_all_auctions` for the request's user, asked once per request (it is a query)."""
    if not hasattr(request, "_gavel_sees_all"):
        request._gavel_sees_all = sees_all_auctions(request.user)
    return request._gavel_sees_all


def acts_as_moderator(request) -> bool:
    """A moderator (or superuser) who is not suspended may moderate."""
    # Moderators see all auctions (auctions.roles); the suspended ones may no longer act.
    return sees_all(request) and not request.user.is_suspended


def may_list(user) -> bool:
    """Suspended users cannot list, nor change their listings."""
    return not getattr(user, "is_suspended", False)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)


class BidInline(admin.TabularInline):
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
            return (
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
        return ("seq", "bidder_handle", "kind", "amount", "price", "placed_at", "voided")

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

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LiveChangeList(ChangeList):
    """The auction change list, with each row's live state read from the engine.

    One pipelined engine read per page (`auction_states_get`), attached to the rows as
    `_live`; rows that are not published (or an engine outage) fall back to the database.
    """

    def get_results(self, request):
        super().get_results(request)
        rows = list(self.result_list)
        published = [row for row in rows if row.status == Auction.Status.SCHEDULED]
        states = live_states(published)
        counts = dict(
            Bid.objects.filter(auction__in=[row.pk for row in rows], voided=False)
            .values_list("auction")
            .annotate(n=Count("id"))
        )
        for row in rows:
            row._live = states.get(row.pk)
            row._bid_count = counts.get(row.pk, 0)
        self.result_list = rows


def live_states(auctions) -> dict:
    """The engine's states of `auctions` by id, or {} when the engine cannot answer now."""
    if not auctions:
        return {}
    try:
        return engine_api.auction_states_get(auctions=auctions)
    except (*REFUSALS, RedisError, OSError):
        # A page of the admin still renders when Redis is down; the columns then say "—".
        return {}


class HasBidsFilter(admin.SimpleListFilter):
    title = "bids"
    parameter_name = "has_bids"

    def lookups(self, request, model_admin):
        return (("yes", "With bids"), ("no", "No bids"))

    def queryset(self, request, queryset):
        with_bids = Exists(Bid.objects.filter(auction=OuterRef("pk"), voided=False))
        if self.value() == "yes":
            return queryset.filter(with_bids)
        if self.value() == "no":
            return queryset.filter(~with_bids)
        return queryset


class OutcomeFilter(admin.SimpleListFilter):
    title = "outcome"
    parameter_name = "outcome"

    def lookups(self, request, model_admin):
        return (
            ("sold", "Sold"),
            ("unsold", "Ended unsold"),
            ("reserve_not_met", "Reserve not met"),
        )

    def queryset(self, request, queryset):
        ended = queryset.filter(status=Auction.Status.ENDED)
        if self.value() == "sold":
            return ended.filter(winner__isnull=False)
        if self.value() == "unsold":
            return ended.filter(winner__isnull=True)
        if self.value() == "reserve_not_met":
            return ended.filter(reserve_met=False)
        return queryset


class AuctionAdminForm(forms.ModelForm):
    """The model's field errors, plus: a new listing must end in the future."""

    class Meta:
        model = Auction
        # The admin narrows this per user (`get_fields`, `get_readonly_fields`).
        fields = (
            "seller",
            "title",
            "description",
            "category",
            "image",
            *PRICE_AND_TIME_FIELDS,
            "status",
        )

    def clean(self):
        cleaned = super().clean()
        ends_at = cleaned.get("ends_at")
        if self.instance.pk is None and ends_at is not None and ends_at <= timezone.now():
            self.add_error("ends_at", "The end must be in the future.")
        return cleaned


class RelistForm(forms.Form):
    """Optional new times for a relisted auction (UTC, "YYYY-MM-DD HH:MM")."""

    starts_at = forms.DateTimeField(required=False, help_text="Empty: now.")
    ends_at = forms.DateTimeField(
        required=False, help_text="Empty: the start plus the original duration."
    )


def _cancel(request, auction, reason):
    if acts_as_moderator(request):
        return moderation.auction_cancel_by_staff(
            auction=auction, actor=request.user, reason=reason
        )
    return moderation.auction_cancel_by_seller(auction=auction, actor=request.user, reason=reason)


@admin.register(Auction)
class AuctionAdmin(admin.ModelAdmin):
    form = AuctionAdminForm
    list_filter = ("status", HasBidsFilter, OutcomeFilter, "category")
    search_fields = ("title",)
    date_hierarchy = "ends_at"
    inlines = [BidInline]
    raw_id_fields = ("seller", "winner")
    change_form_template = "admin/auctions/auction/change_form.html"
    change_list_template = "admin/auctions/auction/change_list.html"

    actions = [
        reason_action(
            name="cancel_selected",
            description="Cancel selected auctions",
            service=_cancel,
            done="Cancelled",
            submit_label="Cancel these auctions",
            permissions=("cancel",),
            note="Bidders are notified and viewers see the cancellation live. "
            "A seller can cancel only before the first bid.",
        ),
        reason_action(
            name="reject_selected",
            description="Reject selected pending listings",
            service=lambda request, auction, reason: moderation.listing_reject(
                auction=auction, actor=request.user, reason=reason
            ),
            done="Rejected",
            submit_label="Reject these listings",
            permissions=("moderate",),
            note="The seller sees the reason and may edit the listing to resubmit it.",
        ),
        "approve_selected",
        "relist_selected",
    ]

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

    def has_moderate_permission(self, request, obj=None):
        return acts_as_moderator(request) and request.user.has_perm("auctions.moderate_auction")

    def has_cancel_permission(self, request, obj=None):
        if self.has_moderate_permission(request, obj):
            return True
        if not self.has_change_permission(request, obj):
            return False
        return obj is None or obj.seller_id == request.user.pk

    def has_relist_permission(self, request, obj=None):
        user = request.user
        if user.is_superuser:
            return True
        if not (may_list(user) and user.has_perm("auctions.add_auction")):
            return False
        return obj is None or obj.seller_id == user.pk

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("delete_selected", None)
        return actions

    # --- the change list ---------------------------------------------------------------------

    def get_changelist(self, request, **kwargs):
        return LiveChangeList

    def get_list_display(self, request):
        columns = [
            "title",
            "status_badge",
            "live_price",
            "live_bids",
            "live_leader",
            "live_reserve",
            "live_ends_at",
            "note",
        ]
        if sees_all(request):
            columns.insert(1, "seller")
        return columns

    def get_list_filter(self, request):
        filters = list(self.list_filter)
        if sees_all(request):
            filters.append("seller__is_suspended")
        return filters

    @staticmethod
    def _live(auction):
        return getattr(auction, "_live", None)

    @admin.display(description="status", ordering="status")
    def status_badge(self, auction):
        state = self._live(auction)
        if state is not None:
            return state.status
        return auction.get_status_display()

    @admin.display(description="current price")
    def live_price(self, auction):
        state = self._live(auction)
        if state is not None:
            return format_amount(state.price)
        if auction.final_price is not None:
            return format_amount(auction.final_price)
        return format_amount(auction.starting_price)

    @admin.display(description="bids")
    def live_bids(self, auction):
        state = self._live(auction)
        if state is not None:
            return state.bid_count
        if auction.status == Auction.Status.SCHEDULED:
            return "—"  # the engine did not answer; a stale count would mislead
        return getattr(auction, "_bid_count", "—")

    @admin.display(description="leader")
    def live_leader(self, auction):
        state = self._live(auction)
        if state is not None:
            return state.leader_handle or "—"
        if auction.winner_id:
            return mask_username(auction.winner.username)
        return "—"

    @admin.display(description="reserve met", boolean=True)
    def live_reserve(self, auction):
        state = self._live(auction)
        if state is not None:
            return state.reserve_met
        if auction.reserve_price is None:
            return True
        return auction.reserve_met

    @admin.display(description="note")
    def note(self, auction):
        """Why a listing was rejected or cancelled: the seller sees it right in the list."""
        if auction.status == Auction.Status.REJECTED:
            return f"Rejected: {auction.moderation_reason}"
        if auction.status == Auction.Status.CANCELLED:
            return f"Cancelled: {auction.cancel_reason}"
        return ""

    @admin.display(description="ends at", ordering="ends_at")
    def live_ends_at(self, auction):
        state = self._live(auction)
        ends_at = state.ends_at if state is not None else auction.ends_at
        return timezone.localtime(ends_at).strftime("%Y-%m-%d %H:%M:%S")

    # --- the change form ---------------------------------------------------------------------

    def get_exclude(self, request, obj=None):
        if request.user.is_superuser:
            return ()
        return ("seller",)

    def get_readonly_fields(self, request, obj=None):
        # Status changes go through the audited services (approve, reject, cancel, settle).
        readonly = [*RESULT_FIELDS, *MODERATION_FIELDS]
        if obj is not None and request.user.is_superuser:
            readonly.append("seller")
        if obj is not None and obj.bids.exists():
            # Once someone has bid, only the description may change.
            readonly += ["title", "category", "image", *PRICE_AND_TIME_FIELDS]
        elif sees_all(request) and not request.user.is_superuser:
            readonly += list(PRICE_AND_TIME_FIELDS)
        return readonly

    def get_inlines(self, request, obj):
        return [] if obj is None else self.inlines

    def save_model(self, request, obj, form, change):
        if not change:
            if not request.user.is_superuser or not obj.seller_id:
                obj.seller = request.user
            obj.status = (
                Auction.Status.PENDING
                if settings.GAVEL_LISTING_APPROVAL
                else Auction.Status.SCHEDULED
            )
        super().save_model(request, obj, form, change)
        if change:
            moderation.engine_refresh(obj)
            if obj.seller_id != request.user.pk and form.changed_data:
                # Staff editing someone's listing is a moderation action: it goes on the record.
                audit_record(
                    actor=request.user,
                    action="listing.edit",
                    target=obj,
                    data={"fields": sorted(form.changed_data)},
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

    def _object_tools(self, request, auction):
        tools = []

        def url(name):
            return reverse(f"admin:auctions_auction_{name}", args=[auction.pk])

        if auction.status == Auction.Status.ENDED:
            tools.append((url("results"), "Results"))
        if self.has_relist_permission(request, auction) and auction.status == Auction.Status.ENDED:
            if auction.winner_id is None:
                tools.append((url("relist"), "Relist"))
        if auction.status == Auction.Status.PENDING and self.has_moderate_permission(request):
            tools += [(url("approve"), "Approve"), (url("reject"), "Reject")]
        cancellable = auction.status not in moderation.FINAL_STATUSES and (
            acts_as_moderator(request) or not auction.bids.exists()
        )
        if cancellable and self.has_cancel_permission(request, auction):
            tools.append((url("cancel"), "Cancel auction"))
        return tools

    # --- moderation views --------------------------------------------------------------------

    def get_urls(self):
        def view(function, name):
            return path(
                f"<path:object_id>/{name}/",
                self.admin_site.admin_view(function),
                name=f"auctions_auction_{name}",
            )

        return [
            path(
                "moderation/",
                self.admin_site.admin_view(self.moderation_queue_view),
                name="auctions_auction_moderation",
            ),
            view(self.results_view, "results"),
            view(self.cancel_view, "cancel"),
            view(self.approve_view, "approve"),
            view(self.reject_view, "reject"),
            view(self.relist_view, "relist"),
            *super().get_urls(),
        ]

    def results_view(self, request, object_id):
        """Winner (with contact, for the seller), final price and the whole ledger."""
        auction = self.get_object(request, unquote(object_id))
        if auction is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, auction):
            raise PermissionDenied
        moderator = acts_as_moderator(request)
        bids = auction.bids.select_related("bidder").order_by("seq")
        ledger = [
            {
                "bid": bid,
                "bidder": bid.bidder.username if moderator else mask_username(bid.bidder.username),
                "amount": format_amount(bid.amount),
                "max_amount": format_amount(bid.max_amount) if moderator else None,
                "price": format_amount(bid.price),
            }
            for bid in bids
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Results: {auction}",
            "subtitle": None,
            "opts": self.opts,
            "original": auction,
            "auction": auction,
            "ended": auction.status == Auction.Status.ENDED,
            "final_price": format_amount(auction.final_price),
            "ledger": ledger,
            "show_max": moderator,
        }
        return TemplateResponse(request, "admin/auctions/auction/results.html", context)

    def cancel_view(self, request, object_id):
        return object_reason_view(
            self,
            request,
            object_id,
            allowed=self.has_cancel_permission,
            service=_cancel,
            title="Cancel auction",
            submit_label="Cancel this auction",
            done="Cancelled",
            note="Bidders are notified and viewers see the cancellation live. "
            "A seller can cancel only before the first bid.",
        )

    def approve_view(self, request, object_id):
        return object_reason_view(
            self,
            request,
            object_id,
            allowed=self.has_moderate_permission,
            service=lambda request, auction, reason: moderation.listing_approve(
                auction=auction, actor=request.user, reason=reason
            ),
            title="Approve listing",
            submit_label="Approve and publish",
            done="Approved",
            reason_required=False,
        )

    def reject_view(self, request, object_id):
        return object_reason_view(
            self,
            request,
            object_id,
            allowed=self.has_moderate_permission,
            service=lambda request, auction, reason: moderation.listing_reject(
                auction=auction, actor=request.user, reason=reason
            ),
            title="Reject listing",
            submit_label="Reject",
            done="Rejected",
            note="The seller sees this reason.",
        )

    def relist_view(self, request, object_id):
        """Relist an unsold auction as a new one: new times, or now + the original duration."""
        auction = self.get_object(request, unquote(object_id))
        if auction is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_relist_permission(request, auction):
            raise PermissionDenied
        form = RelistForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                copy = moderation.auction_relist(
                    auction=auction,
                    actor=request.user,
                    starts_at=form.cleaned_data["starts_at"],
                    ends_at=form.cleaned_data["ends_at"],
                )
            except REFUSALS as error:
                messages.error(request, error.message)
            else:
                messages.success(request, f"Relisted as “{copy}”.")
                return redirect("admin:auctions_auction_change", copy.pk)
        return render_reason_page(
            self,
            request,
            title="Relist auction",
            form=form,
            objects=[auction],
            submit_label="Relist as a new auction",
            cancel_url=reverse("admin:auctions_auction_change", args=[auction.pk]),
            note="Leave the times empty to start now and last as long as the original did. "
            "The copy is reviewed like any new listing.",
        )

    @admin.action(description="Approve selected pending listings", permissions=("moderate",))
    def approve_selected(self, request, queryset):
        apply_each(
            request,
            queryset,
            lambda auction: moderation.listing_approve(auction=auction, actor=request.user),
            done="Approved",
        )

    @admin.action(description="Relist selected unsold auctions", permissions=("relist",))
    def relist_selected(self, request, queryset):
        apply_each(
            request,
            queryset,
            lambda auction: moderation.auction_relist(auction=auction, actor=request.user),
            done="Relisted",
        )

    def moderation_queue_view(self, request):
        """Pending listings, open reports, recent cancellations and voids: moderators only."""
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        open_reports = Report.objects.filter(resolved_at__isnull=True).select_related(
            "auction", "reporter"
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Moderation queue",
            "subtitle": None,
            "opts": self.opts,
            "pending": Auction.objects.filter(status=Auction.Status.PENDING)
            .select_related("seller")
            .order_by("created_at", "id"),
            "reports": open_reports.order_by("created_at", "id"),
            "cancellations": Auction.objects.filter(status=Auction.Status.CANCELLED)
            .select_related("seller")
            .order_by("-updated_at")[:20],
            "voids": Bid.objects.filter(voided=True)
            .select_related("auction", "bidder")
            .order_by("-voided_at")[:20],
        }
        return TemplateResponse(request, "admin/auctions/auction/moderation_queue.html", context)


@admin.register(Bid)
class BidAdmin(admin.ModelAdmin):
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
            return (
                "auction",
                "seq",
                "bidder",
                "amount",
                "max_amount",
                "price",
                "placed_at",
                "voided",
            )
        return ("auction", "seq", "bidder_handle", "amount", "price", "placed_at", "voided")

    def get_search_fields(self, request):
        if acts_as_moderator(request):
            return ("auction__title", "bidder__username")
        return self.search_fields

    def get_fields(self, request, obj=None):
        if acts_as_moderator(request):
            return [field.name for field in Bid._meta.fields if field.name != "id"]
        return ["auction", "seq", "bidder_handle", "kind", "amount", "price", "placed_at", "voided"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description="bidder")
    def bidder_handle(self, bid):
        return mask_username(bid.bidder.username)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

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


@admin.register(Watch)
class WatchAdmin(admin.ModelAdmin):
    list_display = ("user", "auction", "created_at")
    autocomplete_fields = ("auction",)
    raw_id_fields = ("user",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user", "auction")
        if sees_all(request):
            return queryset
        return queryset.filter(auction__seller=request.user)


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

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


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
