from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("usage/", views.usage_index, name="usage"),
    path("usage/usage.csv", views.usage_index, name="usage_csv"),
    path("usage/<slug:slug>/", views.usage_detail, name="usage_detail"),
    path("usage/<slug:slug>/<slug:table>.csv", views.usage_detail, name="usage_table_csv"),
]
