"""URLs of the after-sale pages (docs/design.md §4 `/me/orders/`, `/orders/<id>/`)."""

from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("me/orders/", views.my_orders, name="mine"),
    path("orders/<int:pk>/", views.order_detail, name="detail"),
    path("orders/<int:pk>/invoice/", views.order_invoice, name="invoice"),
    path("orders/<int:pk>/address", views.order_address_post, name="address"),
    path("orders/<int:pk>/received", views.order_received_post, name="received"),
    path("orders/<int:pk>/feedback", views.order_feedback_post, name="feedback"),
    path("offers/<int:pk>/", views.offer_detail, name="offer"),
    path("offers/<int:pk>/accept", views.offer_accept_post, name="offer-accept"),
    path("offers/<int:pk>/decline", views.offer_decline_post, name="offer-decline"),
    path("sellers/<path:name>/", views.seller_page, name="seller"),
]
