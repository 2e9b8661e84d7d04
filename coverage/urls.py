from django.urls import path

from . import scenario_views, views

app_name = "coverage"

urlpatterns = [
    path("", views.index, name="index"),
    path("coverage.csv", views.download, name="csv"),
    path("wards.geojson", views.geojson, name="geojson"),
    path("scenarios/", scenario_views.scenario_list, name="scenarios"),
    path("scenarios/new/", scenario_views.scenario_new, name="scenario-new"),
    path("scenarios/map.svg", scenario_views.scenario_map, name="scenario-map"),
    path("scenarios/<int:pk>/", scenario_views.scenario_detail, name="scenario"),
    path("<str:code>/", views.borough, name="borough"),
]
