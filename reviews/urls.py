from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("usage/", views.usage_index, name="usage"),
    path("usage/usage.csv", views.usage_index, name="usage_csv"),
    path("usage/purposes.csv", views.usage_index, {"table": "purposes"}, name="usage_purposes_csv"),
    path("usage/heard-via.csv", views.usage_index, {"table": "heard-via"}, name="usage_heard_csv"),
    path("usage/<slug:slug>/", views.usage_detail, name="usage_detail"),
    path("usage/<slug:slug>/<slug:table>.csv", views.usage_detail, name="usage_table_csv"),
    path("reviews/", views.review_list, name="reviews"),
    path("reviews/feed/", views.ReviewsFeed(), name="feed"),
    path("reviews/<slug:slug>/", views.review_detail, name="review"),
    path("reviews/<slug:slug>/figures.csv", views.review_figures_csv, name="review_figures_csv"),
    path("recommendations/", views.recommendations, name="recommendations"),
]
