"""Orders in the admin: the seller works their own sales (mark paid, mark shipped with a
tracking note, set postage, offer an unpaid lot to the next bidder); moderators see all.

Every change goes through `orders.services`, which checks the step and audits it; the admin only
shows forms and turns refusals into messages.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import HttpResponseRedirect
from django.urls import path, reverse

from accounts.models import User
from auctions.admin.money import money_display
from core.admin.access import ReadOnlyAdminMixin, sees_all
from core.admin.bases import ModelAdminMixin
from core.admin.lookups import DeclaredLookupsOnly
from core.admin.reason import apply_each, render_reason_page
from core.errors import GavelError
from core.fields import MoneyFormField
from core.templatetags.money import format_money
from orders.models import Feedback, Order, SecondChanceOffer
from orders.services.offers import offer_make, offer_preview
from orders.services.orders import (
    TRACKING_MAX,
    order_mark_paid,
    order_mark_shipped,
    order_report_unpaid,
    order_set_shipping_cost,
    unpaid_report_from,
)

S = Order.Status


class ConfirmForm(forms.Form):
    """No fields: the intermediate page only confirms."""


class ShippedForm(forms.Form):
    tracking_note = forms.CharField(
        max_length=TRACKING_MAX,
        required=False,
        help_text="Optional: the carrier and tracking number, shown to the buyer.",
    )


class OrderAdminForm(forms.ModelForm):
    shipping_cost = MoneyFormField(
        allow_zero=True,
        label="Shipping cost",
        help_text="Postage the buyer pays, as you would write it ($4.50; 0 for none); "
        "while awaiting payment.",
    )

    class Meta:
        model = Order
        fields = ("shipping_cost",)


class SellerScopedMixin(ModelAdminMixin):
    """A seller sees only their own sales; moderators and superusers see every one."""

    seller_field = "seller"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if sees_all(request):
            return queryset
        return queryset.filter(**{self.seller_field: request.user})


@admin.register(Order)
class OrderAdmin(DeclaredLookupsOnly, SellerScopedMixin, admin.ModelAdmin):
    form = OrderAdminForm
    list_display = ("pk", "auction", "buyer", "status", "total_display", "pay_by", "created_at")
    list_filter = ("status", "origin")
    search_fields = ("auction__title", "buyer__username")
    list_select_related = ("auction", "buyer", "seller")
    actions = ["mark_paid"]
    change_form_template = "admin/orders/order/change_form.html"
    readonly_fields = (
        "auction",
        "buyer",
        "buyer_email",
        "seller",
        "origin",
        "status",
        "price_shown",
        "total_display",
        "pay_by",
        "shipping_name",
        "shipping_address",
        "tracking_note",
        "created_at",
        "paid_at",
        "shipped_at",
        "received_at",
        "closed_at",
    )

    price_shown = money_display("price", "Price")
    shipping_cost_shown = money_display("shipping_cost", "Shipping cost")

    @admin.display(description="Total")
    def total_display(self, obj):
        return format_money(obj.total)

    @admin.display(description="Buyer's email")
    def buyer_email(self, obj):
        return obj.buyer.email

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _postage_fixed(self, obj) -> bool:
        return obj is not None and obj.status != S.AWAITING_PAYMENT

    def get_readonly_fields(self, request, obj=None):
        if self._postage_fixed(obj):
            return (*self.readonly_fields, "shipping_cost_shown")
        return self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if self._postage_fixed(obj):
            # Shown read-only as money (`shipping_cost_shown`); a new class per call, so
            # dropping the field here changes no other form.
            form.base_fields.pop("shipping_cost", None)
        return form

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        if "shipping_cost" in form.changed_data:
            order_set_shipping_cost(
                order=obj, actor=request.user, shipping_cost=form.cleaned_data["shipping_cost"]
            )

    def save_related(self, request, form, formsets, change):
        pass

    def _refused(self, request, error) -> None:
        messages.error(request, error.message)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except GavelError as error:
            self._refused(request, error)
            return HttpResponseRedirect(request.get_full_path())

    @admin.action(description="Mark selected orders paid", permissions=["change"])
    def mark_paid(self, request, queryset):
        apply_each(
            request,
            queryset,
            lambda order: order_mark_paid(order=order, actor=request.user),
            done="Marked paid",
        )

    # --- per-order steps ---------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/paid/", view(self.paid_view), name="orders_order_paid"),
            path("<path:object_id>/shipped/", view(self.shipped_view), name="orders_order_shipped"),
            path("<path:object_id>/offer/", view(self.offer_view), name="orders_order_offer"),
            path("<path:object_id>/unpaid/", view(self.unpaid_view), name="orders_order_unpaid"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        tools = []
        if obj is not None and self.has_change_permission(request, obj):
            if obj.status == S.AWAITING_PAYMENT:
                tools.append(("paid", "Mark paid"))
                tools.append(("unpaid", "Buyer did not pay"))
            if obj.status == S.PAID:
                tools.append(("shipped", "Mark shipped"))
            if obj.status == S.CLOSED and request.user.pk == obj.seller_id:
                tools.append(("offer", "Second-chance offer"))
        extra_context = {
            **(extra_context or {}),
            "gavel_tools": [
                (reverse(f"admin:orders_order_{name}", args=[obj.pk]), label)
                for name, label in tools
                if obj is not None
            ],
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _step_view(self, request, object_id, *, form_class, title, submit, done, call, note=""):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_change_permission(request, obj):
            return self._get_obj_does_not_exist_redirect(  # type: ignore[attr-defined]  # private, unstubbed
                request, self.opts, object_id
            )
        change_url = reverse("admin:orders_order_change", args=[obj.pk])
        form = form_class(request.POST) if request.method == "POST" else form_class()
        if request.method == "POST" and form.is_valid():
            apply_each(request, [obj], lambda o: call(o, form.cleaned_data), done=done)
            return HttpResponseRedirect(change_url)
        return render_reason_page(
            self,
            request,
            title=title,
            form=form,
            objects=[obj],
            submit_label=submit,
            cancel_url=change_url,
            note=note,
        )

    def paid_view(self, request, object_id):
        return self._step_view(
            request,
            object_id,
            form_class=ConfirmForm,
            title="Mark paid",
            submit="Mark paid",
            done="Marked paid",
            call=lambda order, data: order_mark_paid(order=order, actor=request.user),
            note="Record that the buyer's payment reached you. The buyer is told at once.",
        )

    def shipped_view(self, request, object_id):
        return self._step_view(
            request,
            object_id,
            form_class=ShippedForm,
            title="Mark shipped",
            submit="Mark shipped",
            done="Marked shipped",
            call=lambda order, data: order_mark_shipped(
                order=order, actor=request.user, tracking_note=data["tracking_note"]
            ),
        )

    def unpaid_view(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        opens = unpaid_report_from(obj) if obj is not None else None
        return self._step_view(
            request,
            object_id,
            form_class=ConfirmForm,
            title="Buyer did not pay",
            submit="Close the order unpaid",
            done="Closed unpaid",
            call=lambda order, data: order_report_unpaid(order=order, actor=request.user),
            note="The order closes unpaid now, before its payment deadline, and you may then "
            "offer the lot to the next bidder (a second-chance offer). Both of you are told. "
            + (f"Possible from {opens:%b %-d, %Y %H:%M} UTC." if opens else ""),
        )

    def offer_view(self, request, object_id):
        """The confirmation page of a second-chance offer. Its price is the next bidder's
        private maximum, so it is shown only while the seller can make the offer; otherwise
        the refusal, back on the order's page."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_change_permission(request, obj):
            return self._get_obj_does_not_exist_redirect(  # type: ignore[attr-defined]  # private, unstubbed
                request, self.opts, object_id
            )
        try:
            bidder_id, price = offer_preview(order=obj, actor=request.user)
        except GavelError as error:
            self._refused(request, error)
            return HttpResponseRedirect(reverse("admin:orders_order_change", args=[obj.pk]))
        return self._step_view(
            request,
            object_id,
            form_class=ConfirmForm,
            title="Second-chance offer",
            submit="Make the offer",
            done="Offer sent",
            call=lambda order, data: offer_make(order=order, actor=request.user),
            note=f"The lot goes to the next bidder, {_handle(bidder_id)}, at their own highest "
            f"bid, {format_money(price)}; they have a limited time to accept.",
        )


def _handle(user_id: int) -> str:
    """A bidder's public handle (masked, as in the history), never their name or maximum."""
    user = User.objects.filter(pk=user_id).first()
    return user.public_handle if user is not None else "—"


@admin.register(SecondChanceOffer)
class SecondChanceOfferAdmin(
    DeclaredLookupsOnly, SellerScopedMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    seller_field = "auction__seller"
    list_display = ("pk", "auction", "bidder", "price_shown", "status", "expires_at")
    price_shown = money_display("price", "Price")
    list_filter = ("status",)
    list_select_related = ("auction", "bidder")


@admin.register(Feedback)
class FeedbackAdmin(DeclaredLookupsOnly, SellerScopedMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    seller_field = "order__seller"
    list_display = ("pk", "order", "role", "rating", "comment", "created_at")
    list_filter = ("role", "rating")
