"""ASGI entry point: the lean bid route, then Django for HTTP; Channels for the WebSockets."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Django must be set up before anything imports models (the routing does).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from auctions.routing import websocket_urlpatterns  # noqa: E402
from config.bid_route import LeanBidRoute  # noqa: E402
from config.request_id import RequestIdASGIMiddleware  # noqa: E402
from core.metrics import WebSocketGauge  # noqa: E402
from core.origin import SameOriginValidator  # noqa: E402
from core.outage import WebSocketOutageGuard  # noqa: E402
from orders.routing import websocket_urlpatterns as order_websocket_urlpatterns  # noqa: E402

if settings.DEBUG:
    # daphne serves no static files of its own; in development Django's handler does.
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    django_asgi_app = ASGIStaticFilesHandler(django_asgi_app)

application = ProtocolTypeRouter(
    {
        # `POST /api/auctions/<id>/bids` stays on the event loop (config/bid_route.py); every
        # other request is Django's.
        "http": RequestIdASGIMiddleware(LeanBidRoute(django_asgi_app)),
        "websocket": RequestIdASGIMiddleware(
            WebSocketGauge(
                WebSocketOutageGuard(
                    SameOriginValidator(
                        AllowedHostsOriginValidator(
                            AuthMiddlewareStack(
                                URLRouter(websocket_urlpatterns + order_websocket_urlpatterns)
                            )
                        )
                    )
                )
            )
        ),
    }
)

if settings.GAVEL_WORKER_IN_PROCESS:
    # The embedded default's Redis lives in this process, so the lifecycle worker must too.
    from auctions.worker import start_in_process_worker

    start_in_process_worker()
