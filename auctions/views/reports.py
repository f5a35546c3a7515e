"""Bidders report an auction to the moderators: `GET|POST /auctions/<id>/report`.

GET shows a small form (works without JS); POST files the report through the moderation
service. A form post redirects back with a message; a JSON client (`Accept: application/json`)
gets `201 {"reported": true}` or `{"reported": false, "error": CODE, "message": ...}`.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from auctions.models import Auction, Report
from auctions.services.moderation import auction_report
from core.errors import GavelError
from core.inputs import REASON_MAX
from core.outage import wants_json


@require_http_methods(["GET", "POST"])
def report_auction(request, pk):
    """Show the report form, or file a report with a reason from `Report.Reason`."""
    auction = get_object_or_404(Auction.objects.public(), pk=pk)
    if not request.user.is_authenticated:
        if wants_json(request):
            return JsonResponse(
                {"reported": False, "error": "NOT_ALLOWED", "message": "Log in to report."},
                status=401,
            )
        return redirect_to_login(auction.get_absolute_url())
    if request.method == "GET":
        return render(
            request,
            "moderation/report_form.html",
            {
                "auction": auction,
                "reasons": Report.Reason.choices,
                "details_max": REASON_MAX,
            },
        )
    try:
        auction_report(
            auction=auction,
            reporter=request.user,
            reason=request.POST.get("reason", ""),
            details=request.POST.get("details", ""),
        )
    except GavelError as error:
        if wants_json(request):
            body = {"reported": False, "error": error.code, "message": error.message}
            return JsonResponse(body, status=error.http_status)
        messages.error(request, error.message)
        return redirect(auction)
    if wants_json(request):
        return JsonResponse({"reported": True}, status=201)
    messages.success(request, "Thank you: a moderator will look at this auction.")
    return redirect(auction)
