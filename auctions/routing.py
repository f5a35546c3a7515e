"""WebSocket routes of the auctions app (wrapped by config/asgi.py in the origin and auth checks)."""

from django.urls import path

from auctions.consumers import AuctionConsumer

websocket_urlpatterns = [
    path("ws/auctions/<int:auction_id>/", AuctionConsumer.as_asgi()),
]
