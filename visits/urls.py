from django.urls import path

from . import views

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("offline/", views.offline, name="offline"),
    path("sessions/<int:pk>/", views.counter, name="counter"),
    path("sessions/<int:pk>/start/", views.session_start, name="session_start"),
    path("sessions/<int:pk>/end/", views.session_end, name="session_end"),
    path("sessions/<int:pk>/reopen/", views.session_reopen, name="session_reopen"),
    path("sessions/<int:pk>/not-held/", views.session_not_held, name="session_not_held"),
    path("sessions/<int:pk>/visits/", views.visit_log, name="visit_log"),
    path("visits/<uuid:key>/details/", views.visit_details, name="visit_details"),
    path("visits/<uuid:key>/undo/", views.visit_undo, name="visit_undo"),
    path("import/", views.footfall_upload, name="footfall_upload"),
    path("import/template.csv", views.footfall_template, name="footfall_template"),
]
