"""URLs of the auctions app: pages for bidders and the JSON API (docs/design.md §4)."""

from django.urls import path

from auctions.views import api, pages, reports

app_name = "auctions"

urlpatterns = [
    path("", pages.auction_list, name="list"),
    path("auctions/upcoming/", pages.auction_list, {"which": "upcoming"}, name="upcoming"),
    path("auctions/ended/", pages.auction_list, {"which": "ended"}, name="ended"),
    path("auctions/<int:pk>/", pages.auction_detail, name="detail"),
    path("auctions/<int:pk>/history/", pages.auction_history, name="history"),
    path("auctions/<int:pk>/bid", pages.bid_post, name="bid"),
    path("auctions/<int:pk>/buy", pages.buy_post, name="buy"),
    path("auctions/<int:pk>/watch", pages.watch_post, name="watch"),
    path("auctions/<int:pk>/unwatch", pages.unwatch_post, name="unwatch"),
    path("auctions/<int:pk>/report", reports.report_auction, name="report"),
    path("me/", pages.me, name="me"),
    path("api/auctions/<int:pk>", api.auction_state, name="api-auction"),
    path("api/auctions/<int:pk>/bids", api.auction_bids, name="api-bids"),
    path("api/auctions/<int:pk>/buy", api.auction_buy, name="api-buy"),
]
