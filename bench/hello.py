"""A bare Django "hello" view behind the project's own settings and middleware: the
baseline `bench/throughput.py` compares public pages with, served by the same gunicorn.

    gunicorn bench.hello:application
"""

import os

from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello", content_type="text/plain")


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("hello", hello), path("healthz", healthz)]

application = get_wsgi_application()

from django.conf import settings  # noqa: E402  (settings are configured by now)

settings.ROOT_URLCONF = __name__
