from django.urls import path

from questions import views

app_name = "questions"

urlpatterns = [
    path("auctions/<int:pk>/questions", views.ask_post, name="ask"),
]
