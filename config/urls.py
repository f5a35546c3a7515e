"""Gavel's URL map: the auctions app, accounts, the admin and the health check."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from auctions.views import api as auctions_api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", auctions_api.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("auctions.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
