"""WebSocket routes of the auctions app."""

websocket_urlpatterns = []
