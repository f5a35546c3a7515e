"""Pages and API of catalog sales: the catalog page, registering (a page and
`POST /api/sales/<id>/registration`) and `GET /api/sales/<id>` (DESIGN §4)."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auctions import selectors as auction_selectors
from auctions import wire
from auctions.views.errors import json_error, json_refusals
from core.errors import GavelError, NotAllowed, NotFound, Unavailable
from core.money import format_amount
from sales import selectors
from sales.models import Registration, Sale
from sales.services.registration import registration_create


def _published(pk: int) -> Sale | None:
    return Sale.objects.filter(pk=pk, status=Sale.Status.PUBLISHED).first()


def registration_payload(registration: Registration) -> dict:
    """`{"paddle", "status", "limit"}` as the registration API answers it."""
    return {
        "paddle": registration.paddle,
        "status": registration.status,
        "limit": format_amount(registration.limit),
    }


def _registration_of(sale: Sale, user) -> Registration | None:
    if not user.is_authenticated:
        return None
    return Registration.objects.filter(sale=sale, bidder=user).first()


@require_POST
@json_refusals
def registration_api(request, pk):
    """`POST /api/sales/<id>/registration`: register (accepting the terms) → 201, or 200 with
    the existing registration."""
    if not request.user.is_authenticated:
        return json_error(NotAllowed("Log in to register."), status=401)
    sale = _published(pk)
    if sale is None:
        raise NotFound("No such sale.")
    registration, created = registration_create(sale=sale, bidder=request.user)
    return JsonResponse(registration_payload(registration), status=201 if created else 200)


@require_http_methods(["GET", "POST"])
def register_page(request, pk):
    """`/sales/<id>/register/`: the sale's terms and a button to accept them and register."""
    sale = _published(pk)
    if sale is None:
        raise Http404("No such sale.")
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.method == "POST":
        if request.POST.get("accept_terms") != "on":
            messages.error(request, "Accept the sale's terms to register.")
        else:
            try:
                registration, _ = registration_create(sale=sale, bidder=request.user)
            except GavelError as error:
                messages.error(request, error.message)
            else:
                if registration.status == Registration.Status.APPROVED:
                    messages.success(
                        request, f"You are registered: paddle {registration.paddle}. Good luck!"
                    )
                else:
                    messages.info(
                        request,
                        f"Paddle {registration.paddle}: the house reviews your registration "
                        "before you can bid.",
                    )
                return redirect(sale)
    return render(
        request,
        "sales/register.html",
        {"sale": sale, "registration": _registration_of(sale, request.user)},
    )


def _lot_rows(sale: Sale, viewer_id: int | None) -> list[tuple]:
    lots = selectors.sale_lots(sale=sale)
    states = auction_selectors.auction_states_get(auctions=lots)
    return [(lot, states.get(lot.pk)) for lot in lots]


@require_GET
def sale_detail(request, pk):
    """`/sales/<id>/`: the catalog, lots in lot order with price, status and countdown;
    `?q=` searches the sale's lots, `?lot=<n>` jumps to a lot."""
    sale = _published(pk)
    if sale is None:
        raise Http404("No such sale.")
    lot_number = request.GET.get("lot", "").strip()
    if lot_number.isdigit():
        lot = sale.lots.filter(lot_number=int(lot_number)).first()
        if lot is not None:
            return redirect(lot)
        messages.info(request, f"There is no lot {lot_number} in this sale.")
    query = request.GET.get("q", "").strip()[:100]
    try:
        rows = _lot_rows(sale, request.user.pk)
    except Unavailable:
        rows = [(lot, None) for lot in selectors.sale_lots(sale=sale)]
        messages.error(request, "Live prices are unavailable right now. Please reload shortly.")
    if query:
        needle = query.casefold()
        rows = [
            (lot, state)
            for lot, state in rows
            if needle in lot.title.casefold() or needle in lot.description.casefold()
        ]
    return render(
        request,
        "sales/sale_detail.html",
        {
            "sale": sale,
            "rows": rows,
            "query": query,
            "premium_label": selectors.premium_label(sale=sale),
            "registration": _registration_of(sale, request.user),
        },
    )


@require_GET
@json_refusals
def sale_api(request, pk):
    """`GET /api/sales/<id>`: the sale and its lots, each with its live state."""
    sale = _published(pk)
    if sale is None:
        raise NotFound("No such sale.")
    viewer_id = request.user.pk if request.user.is_authenticated else None
    lots = []
    for lot, state in _lot_rows(sale, viewer_id):
        if state is None:
            raise Unavailable()
        lots.append(
            {
                "lot_number": lot.lot_number,
                **wire.state_payload(state, title=lot.title, viewer_id=viewer_id),
            }
        )
    return JsonResponse(
        {
            "id": sale.pk,
            "title": sale.title,
            "status": sale.status,
            "mode": "timed",
            "premium": [
                {"up_to": format_amount(band.up_to), "percent": str(band.percent)}
                for band in sale.premium_bands.all()
            ],
            "ends_at": wire.iso(sale.ends_at),
            "closing_interval": sale.closing_interval,
            "lots": lots,
        }
    )
