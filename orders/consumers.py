"""The live order socket, `/ws/orders/<id>/`: the order page hears each step as it happens.

Only the order's buyer, its seller and moderators may connect (others are closed with 4404,
as the page is a 404 to them). Each step sends `{"type": "order", "order_id", "status",
"step"}`; the page then reloads its status section.
"""

from channels.db import database_sync_to_async

from core.sockets import ReleasingJsonWebsocketConsumer
from orders import selectors
from orders.notices import order_group

CLOSE_NOT_FOUND = 4404


@database_sync_to_async
def _visible(order_id: int, user) -> bool:
    return selectors.order_visible_get(order_id=order_id, user=user) is not None


class OrderConsumer(ReleasingJsonWebsocketConsumer):
    """Joins the order's group once the user may see the order; sends its updates."""

    async def connect(self):
        order_id = int(self.scope["url_route"]["kwargs"]["order_id"])
        user = self.scope.get("user")
        if user is None or not await _visible(order_id, user):
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self.join(order_group(order_id))
        await self.accept()

    async def receive_json(self, content, **kwargs):
        # The socket only listens; a client message gets a pong or nothing.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def order_updated(self, message):
        await self.send_json(message["event"])
