"""The user's own data under `/me/`: the JSON export and account deletion."""

from django.urls import path

from accounts.views import account_delete_view, account_export_view

urlpatterns = [
    path("me/export/", account_export_view, name="account_export"),
    path("me/delete/", account_delete_view, name="account_delete"),
]
