"""Pages for bidders."""

from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from auctions.models import Auction


def auction_list(request):
    """Open auctions, ending soonest first."""
    auctions = Auction.objects.open_at(timezone.now()).select_related("category")
    return render(request, "auctions/auction_list.html", {"auctions": auctions})


def auction_detail(request, pk):
    """One public auction."""
    auction = get_object_or_404(Auction.objects.public(), pk=pk)
    return render(request, "auctions/auction_detail.html", {"auction": auction})
