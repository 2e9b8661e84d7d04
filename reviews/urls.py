from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("reviews/", views.review_list, name="reviews"),
    path("reviews/feed/", views.ReviewsFeed(), name="feed"),
    path("reviews/<slug:slug>/", views.review_detail, name="review"),
    path("reviews/<slug:slug>/figures.csv", views.review_figures_csv, name="review_figures_csv"),
    path("recommendations/", views.recommendations, name="recommendations"),
]
