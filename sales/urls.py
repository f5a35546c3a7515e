"""URLs of catalog sales: the catalog page, registration (page and API) and the sale's JSON."""

from django.urls import path

from sales import views

app_name = "sales"

urlpatterns = [
    path("sales/<int:pk>/", views.sale_detail, name="detail"),
    path("sales/<int:pk>/register/", views.register_page, name="register"),
    path("api/sales/<int:pk>", views.sale_api, name="api"),
    path("api/sales/<int:pk>/registration", views.registration_api, name="registration_api"),
]
