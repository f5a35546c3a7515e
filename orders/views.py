"""Pages of the after-sale: my orders, an order, its invoice, a second-chance offer, a seller.

Views parse, call a service or selector, and redirect back with a message (PRG). An order or
offer someone may not see is a 404, never a 403 that would confirm it exists.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import BadRequest, InvalidAmount, InvalidState, NotAllowed
from orders import selectors
from orders.forms import FeedbackForm, ShippingAddressForm
from orders.models import Order
from orders.services.feedback import feedback_leave
from orders.services.offers import offer_accept, offer_decline
from orders.services.orders import order_mark_received, order_set_shipping_address

# What the after-sale services refuse with; shown to the person as a message.
REFUSALS = (NotAllowed, InvalidState, BadRequest, InvalidAmount)


def _order_or_404(request, pk: int) -> Order:
    order = selectors.order_visible_get(order_id=pk, user=request.user)
    if order is None:
        raise Http404("No such order.")
    return order


@login_required
def my_orders(request):
    """`/me/orders/`: the user's orders as a buyer and the offers waiting for them."""
    return render(
        request,
        "orders/my_orders.html",
        {
            "orders": selectors.orders_of_buyer(user=request.user),
            "offers": selectors.offers_open_for(user=request.user),
        },
    )


@login_required
def order_detail(request, pk: int):
    """`/orders/<id>/`: status, totals, the other side's contact, address and feedback forms."""
    order = _order_or_404(request, pk)
    is_buyer = request.user.pk == order.buyer_id
    mine = selectors.feedback_left_by(order=order, user=request.user)
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "is_buyer": is_buyer,
            "is_seller": request.user.pk == order.seller_id,
            "address_form": ShippingAddressForm(
                initial={"name": order.shipping_name, "address": order.shipping_address}
            ),
            "feedback_form": FeedbackForm(),
            "my_feedback": mine,
            "feedback": list(order.feedback.select_related("author")),
            "seller_name": selectors.seller_name(order.seller),
        },
    )


@login_required
def order_invoice(request, pk: int):
    """`/orders/<id>/invoice/`: a printable invoice."""
    order = _order_or_404(request, pk)
    return render(
        request,
        "orders/invoice.html",
        {"order": order, "seller_name": selectors.seller_name(order.seller)},
    )


def _run(request, call, done: str) -> None:
    try:
        call()
    except REFUSALS as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)


@require_POST
@login_required
def order_address_post(request, pk: int):
    order = _order_or_404(request, pk)
    form = ShippingAddressForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a name and an address (within the length limits).")
    else:
        _run(
            request,
            lambda: order_set_shipping_address(
                order=order,
                actor=request.user,
                name=form.cleaned_data["name"],
                address=form.cleaned_data["address"],
            ),
            "Shipping address saved.",
        )
    return redirect(order)


@require_POST
@login_required
def order_received_post(request, pk: int):
    order = _order_or_404(request, pk)
    _run(
        request,
        lambda: order_mark_received(order=order, actor=request.user),
        "Marked received. You can now leave feedback.",
    )
    return redirect(order)


@require_POST
@login_required
def order_feedback_post(request, pk: int):
    order = _order_or_404(request, pk)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a rating; the comment has at most 200 characters.")
    else:
        _run(
            request,
            lambda: feedback_leave(
                order=order,
                author=request.user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            ),
            "Thank you: your feedback is recorded.",
        )
    return redirect(order)


def _offer_or_404(request, pk: int):
    offer = selectors.offer_visible_get(offer_id=pk, user=request.user)
    if offer is None:
        raise Http404("No such offer.")
    return offer


@login_required
def offer_detail(request, pk: int):
    """`/offers/<id>/`: a second-chance offer, with accept and decline for its bidder."""
    offer = _offer_or_404(request, pk)
    return render(
        request,
        "orders/offer_detail.html",
        {"offer": offer, "is_bidder": request.user.pk == offer.bidder_id},
    )


@require_POST
@login_required
def offer_accept_post(request, pk: int):
    offer = _offer_or_404(request, pk)
    try:
        order = offer_accept(offer=offer, actor=request.user)
    except REFUSALS as error:
        messages.error(request, error.message)
        return redirect("orders:offer", pk=pk)
    messages.success(request, "Offer accepted: here is your order.")
    return redirect(order)


@require_POST
@login_required
def offer_decline_post(request, pk: int):
    offer = _offer_or_404(request, pk)
    _run(request, lambda: offer_decline(offer=offer, actor=request.user), "Offer declined.")
    return redirect("orders:offer", pk=pk)


def seller_page(request, name: str):
    """`/sellers/<name>/`: a seller's public name, feedback score and recent comments."""
    seller = selectors.seller_by_name(name=name)
    if seller is None:
        raise Http404("No such seller.")
    return render(
        request,
        "orders/seller.html",
        {
            "seller": seller,
            "seller_name": selectors.seller_name(seller),
            "score": selectors.seller_score(user=seller),
            "recent": selectors.seller_recent_feedback(user=seller),
        },
    )
