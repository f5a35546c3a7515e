"""WebSocket routes of the after-sale (joined to the auctions routes in config/asgi.py)."""

from django.urls import path

from orders.consumers import OrderConsumer

websocket_urlpatterns = [
    path("ws/orders/<int:order_id>/", OrderConsumer.as_asgi()),
]
