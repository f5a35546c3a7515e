"""The auction change list: live state from the engine, bid/outcome filters and the columns."""

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone
from redis.exceptions import RedisError

from auctions import engine
from auctions.models import Auction, Bid
from core.admin.access import sees_all
from core.admin.bases import ModelAdminMixin
from core.admin.reason import REFUSALS
from core.handles import mask_username
from core.templatetags.money import format_money


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


# One status vocabulary in the admin: the listing's stage, and for a published one what the
# clock (or the engine) says now.
LIVE_LABELS = {
    "scheduled": "Scheduled",
    "active": "Active",
    "ended": "Ended",
    "cancelled": "Cancelled",
}


def status_label(auction, state=None) -> str:
    """The admin's word for where an auction stands: Draft, Pending approval, Rejected,
    Scheduled, Active, Ended or Cancelled."""
    if state is not None:
        return LIVE_LABELS.get(state.status, state.status.capitalize())
    if auction.status != Auction.Status.SCHEDULED:
        return auction.get_status_display()
    now = timezone.now()
    if auction.starts_at > now:
        return "Scheduled"
    return "Active" if auction.ends_at > now else "Ended"


def live_states(auctions) -> dict:
    """The engine's states of `auctions` by id, or {} when the engine cannot answer now."""
    if not auctions:
        return {}
    try:
        return engine.auction_states_get(auctions=auctions)
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


class LiveColumnsMixin(ModelAdminMixin):
    """The change list's columns for `AuctionAdmin`, read from each row's live state."""

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
        return status_label(auction, self._live(auction))

    @admin.display(description="current price")
    def live_price(self, auction):
        state = self._live(auction)
        if state is not None:
            return format_money(state.price)
        if auction.final_price is not None:
            return format_money(auction.final_price)
        return format_money(auction.starting_price)

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
