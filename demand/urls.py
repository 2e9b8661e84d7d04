from django.urls import path

from . import views

app_name = "demand"

urlpatterns = [
    path("", views.index, name="index"),
    path("demand.csv", views.index, {"as_csv": True}, name="csv"),
]
