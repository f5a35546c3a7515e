"""URLs of the auctions app: pages for bidders and the JSON API (DESIGN §4)."""

from django.urls import path

from auctions import views

app_name = "auctions"

urlpatterns = [
    path("", views.auction_list, name="list"),
    path("auctions/<int:pk>/", views.auction_detail, name="detail"),
]
