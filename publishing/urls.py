from django.urls import path

from . import views

app_name = "publishing"

urlpatterns = [
    path("", views.usage_index, name="usage"),
    path("usage.csv", views.usage_index, name="usage_csv"),
    path("purposes.csv", views.usage_index, {"table": "purposes"}, name="usage_purposes_csv"),
    path("heard-via.csv", views.usage_index, {"table": "heard-via"}, name="usage_heard_csv"),
    path("<slug:slug>/", views.usage_detail, name="usage_detail"),
    path("<slug:slug>/<slug:table>.csv", views.usage_detail, name="usage_table_csv"),
]
