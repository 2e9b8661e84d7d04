from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("<slug:slug>/", views.feedback, name="form"),
    path("<slug:slug>/thanks/", views.thanks, name="thanks"),
    path("<slug:slug>/card/", views.card, name="card"),
]
