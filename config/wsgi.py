import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# Everything loaded so far (Django, the apps, settings) lives as long as the worker: moved
# out of the garbage collector's sight, so a full collection during a request that builds
# many objects (the usage table lists every contact point) scans only that request's. On
# the usage page this removed pauses of up to 80 ms (bench usage).
gc.freeze()
