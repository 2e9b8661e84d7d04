from django.urls import path

from . import views

app_name = "coverage"

urlpatterns = [
    path("", views.index, name="index"),
    path("coverage.csv", views.download, name="csv"),
    path("wards.geojson", views.geojson, name="geojson"),
    path("<str:code>/", views.borough, name="borough"),
]
