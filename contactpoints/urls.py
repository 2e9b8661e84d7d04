from django.urls import path

from . import views

app_name = "contactpoints"

urlpatterns = [
    path("", views.DirectoryView.as_view(), name="directory"),
    path("<slug:slug>/", views.ContactPointDetailView.as_view(), name="detail"),
    path("<slug:slug>/sessions.ics", views.sessions_ics, name="sessions_ics"),
    path("<slug:slug>/poster/", views.PosterView.as_view(), name="poster"),
    path("<slug:slug>/report/", views.report_wrong_information, name="report"),
]
