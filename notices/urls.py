from django.urls import path

from notices import views

app_name = "notices"

urlpatterns = [
    path("me/notices/", views.notice_list, name="list"),
    path("me/notices/read", views.notices_read, name="read"),
]
