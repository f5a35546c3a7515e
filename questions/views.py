"""Asking a question from the lot page (answers and hiding happen in the admin)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from auctions import selectors
from core.errors import GavelError
from questions.services import question_ask


@require_POST
@login_required
def ask_post(request, pk: int):
    auction = selectors.auction_public_get(auction_id=pk)
    if auction is None:
        raise Http404("No such auction.")
    try:
        question_ask(auction=auction, asker=request.user, text=request.POST.get("text", ""))
    except GavelError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Your question is sent; its answer will show on this page.")
    return redirect(auction)
