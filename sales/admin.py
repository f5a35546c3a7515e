"""Sales in the admin: the house creates a sale, sets its premium bands, numbers and reorders
its lots (lots are added through the auction admin, with a sale and a lot number), publishes
it, and works through the registration queue. A house sees only its own sales; moderators and
superusers see every sale."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from auctions.models import Auction
from core.admin.access import sees_all
from core.admin.lookups import DeclaredLookupsOnly
from core.admin.reason import reason_action
from core.errors import GavelError
from sales.models import PremiumBand, Registration, Sale
from sales.services.registration import registration_decide
from sales.services.schedule import lots_renumber, sale_publish


class PremiumBandFormSet(BaseInlineFormSet):
    """Bands are distinct: one bound each, at most one open band."""

    def clean(self):
        super().clean()
        bounds, open_bands = set(), 0
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or form.cleaned_data.get("DELETE"):
                continue
            up_to = form.cleaned_data.get("up_to")
            if up_to is None:
                open_bands += 1
            elif up_to in bounds:
                raise ValidationError("Two premium bands have the same upper bound.")
            else:
                bounds.add(up_to)
        if open_bands > 1:
            raise ValidationError("Only one premium band can be open (no upper bound).")


class PremiumBandInline(admin.TabularInline):
    """The buyer's premium schedule: a percent for each band of the hammer price."""

    model = PremiumBand
    formset = PremiumBandFormSet
    extra = 1
    fields = ("up_to", "percent")


class LotForm(forms.ModelForm):
    lot_number = forms.IntegerField(min_value=1, max_value=999_999)

    class Meta:
        model = Auction
        fields = ("lot_number",)


class LotInline(admin.TabularInline):
    """The sale's lots in closing order; change the numbers to reorder them."""

    model = Auction
    fk_name = "sale"
    form = LotForm
    extra = 0
    can_delete = False
    fields = ("lot_number", "title", "status", "ends_at")
    readonly_fields = ("title", "status", "ends_at")
    ordering = ("lot_number",)
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Sale)
class SaleAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
    list_display = ("title", "house", "status", "ends_at", "closing_interval")
    list_filter = ("status",)
    search_fields = ("title",)
    raw_id_fields = ("house",)
    inlines = [PremiumBandInline, LotInline]
    actions = ["publish"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("house")
        return queryset if sees_all(request) else queryset.filter(house=request.user)

    def get_exclude(self, request, obj=None):
        return () if request.user.is_superuser else ("house",)

    def get_readonly_fields(self, request, obj=None):
        readonly = ["status"]
        if obj is not None and obj.status == Sale.Status.PUBLISHED:
            readonly += ["ends_at", "closing_interval"]
        return readonly

    def get_inlines(self, request, obj):
        return [PremiumBandInline] if obj is None else self.inlines

    def save_model(self, request, obj, form, change):
        if not change and (not request.user.is_superuser or not obj.house_id):
            obj.house = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Auction:
            return super().save_formset(request, form, formset, change)
        changed = [f for f in formset.forms if "lot_number" in f.changed_data]
        numbers = {f.instance.pk: f.cleaned_data["lot_number"] for f in changed}
        # What the admin's change message reads (`save_formset` would have set them).
        formset.new_objects, formset.deleted_objects = [], []
        formset.changed_objects = [(f.instance, ["lot_number"]) for f in changed]
        if numbers:
            try:
                lots_renumber(sale=form.instance, numbers=numbers, actor=request.user)
            except GavelError as error:
                messages.error(request, error.message)

    @admin.action(description="Publish the selected sales (lots close staggered)")
    def publish(self, request, queryset):
        for sale in queryset:
            try:
                count = sale_publish(sale=sale, actor=request.user)
            except GavelError as error:
                messages.error(request, f"{sale}: {error.message}")
            else:
                messages.success(request, f"{sale}: published, {count} lots scheduled.")


def _approve(request, registration, reason):
    sale = registration.sale
    limit = sale.default_limit if sale.approval == Sale.Approval.LIMIT else registration.limit
    registration_decide(
        registration=registration, actor=request.user, approve=True, reason=reason, limit=limit
    )


def _decline(request, registration, reason):
    registration_decide(registration=registration, actor=request.user, approve=False, reason=reason)


@admin.register(Registration)
class RegistrationAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
    """The registration queue: approve or decline (with a reason), audited; nothing is edited
    in place (a decision also updates the engine's copy)."""

    list_display = ("paddle", "bidder", "sale", "status", "limit", "created_at")
    list_filter = ("status", "sale")
    search_fields = ("bidder__username", "=paddle")
    actions = [
        reason_action(
            name="approve",
            description="Approve the selected registrations",
            service=_approve,
            done="Approved",
            submit_label="Approve",
            permissions=("change",),
            reason_required=False,
        ),
        reason_action(
            name="decline",
            description="Decline the selected registrations",
            service=_decline,
            done="Declined",
            submit_label="Decline",
            permissions=("change",),
        ),
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("sale", "bidder")
        return queryset if sees_all(request) else queryset.filter(sale__house=request.user)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Registration._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
