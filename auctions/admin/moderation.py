"""The auction's pages and actions beyond its change form: the moderation queue, results,
cancel, approve, reject and relist, one object at a time or as bulk actions.

Each one calls a service of `auctions.services.moderation` (which writes the audit log) and looks
the auction up through the admin's scoped queryset.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from auctions.admin.forms import RelistForm
from auctions.models import Auction, Bid, Report
from auctions.services import moderation
from core.admin.access import acts_as_moderator, may_list
from core.admin.bases import ModelAdminMixin
from core.admin.reason import (
    REFUSALS,
    apply_each,
    object_reason_view,
    reason_action,
    render_reason_page,
)
from core.handles import mask_username
from core.money import format_money


def _cancel(request, auction, reason):
    if acts_as_moderator(request):
        return moderation.auction_cancel_by_staff(
            auction=auction, actor=request.user, reason=reason
        )
    return moderation.auction_cancel_by_seller(auction=auction, actor=request.user, reason=reason)


class AuctionModerationMixin(ModelAdminMixin):
    """Moderation for `AuctionAdmin`: its actions, their permissions, URLs and views."""

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
            return self._get_obj_does_not_exist_redirect(  # type: ignore[attr-defined]  # private, unstubbed
                request, self.opts, object_id
            )
        if not self.has_view_permission(request, auction):
            raise PermissionDenied
        moderator = acts_as_moderator(request)
        bids = auction.bids.select_related("bidder").order_by("seq")
        ledger = [
            {
                "bid": bid,
                "bidder": bid.bidder.username if moderator else mask_username(bid.bidder.username),
                "amount": format_money(bid.amount),
                "max_amount": format_money(bid.max_amount) if moderator else None,
                "price": format_money(bid.price),
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
            "final_price": format_money(auction.final_price),
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
            return self._get_obj_does_not_exist_redirect(  # type: ignore[attr-defined]  # private, unstubbed
                request, self.opts, object_id
            )
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
