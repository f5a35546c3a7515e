"""Gavel's URL map: the auctions app, accounts, the admin and the health check."""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.cache import cache_control
from django.views.generic import RedirectView
from django.views.static import serve

from auctions.views import health as auctions_health
from config.metrics import metrics


@cache_control(public=True, max_age=24 * 60 * 60)
def serve_media(request, path):
    """One uploaded file from MEDIA_ROOT (Django's `serve` refuses paths outside it)."""
    return serve(request, path, document_root=str(settings.MEDIA_ROOT))


# A database or Redis outage raised outside a view is a 503 too (core.outage).
handler500 = "core.outage.server_error"


urlpatterns = [
    # The audit log moved to the kernel app (`core`); staff bookmarks of its old admin pages
    # still arrive.
    re_path(
        r"^admin/auctions/auditlog/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/core/auditlog/%(rest)s", query_string=True),
    ),
    path("admin/", admin.site.urls),
    path("healthz", auctions_health.healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("accounts.me_urls")),
    path("", include("orders.urls")),
    path("", include("questions.urls")),
    path("", include("notices.urls")),
    path("", include("sales.urls")),
    path("", include("auctions.urls")),
]

if settings.GAVEL_SERVE_MEDIA and not urlsplit(settings.MEDIA_URL).netloc:
    # Uploaded photos from the local media directory, in production too (a proxy in front may
    # answer them first, docs/deploy.md). Stored names never change, so clients may cache them.
    urlpatterns.append(
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.+)$",
            serve_media,
        )
    )
