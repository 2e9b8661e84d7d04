# The admin uses SimpleAdminConfig (no autodiscovery: see settings.INSTALLED_APPS), so each
# admin module is imported here to register its models: django-otp's devices, then ours.
import django_otp.plugins.otp_static.admin
import django_otp.plugins.otp_totp.admin  # noqa: F401
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

import contactpoints.admin  # noqa: F401
import reviews.admin  # noqa: F401
import users.admin  # noqa: F401
import visits.admin  # noqa: F401
from contactpoints.api import api
from contactpoints.views import ApiDocsView, EmbedCodeView, HomeView, embed, search
from core.pagecache import fixed_page
from coverage.api import router as coverage_api
from users.views import back_office_sign_in

from . import views

# The back office asks for the second factor too (django-otp's admin site).
admin.site.__class__ = OTPAdminSite
admin.site.site_header = "Contact Points back office"
admin.site.site_title = "Contact Points back office"
admin.site.index_title = "Keep contact points and their hours right"

api.add_router("/coverage", coverage_api)

urlpatterns = [
    # One sign-in page, with the second factor, for the back office too.
    # (An officer, signed in, is told the back office is not part of their role.)
    path("admin/login/", back_office_sign_in),
    path("", fixed_page(HomeView.as_view()), name="home"),
    path("search/", search, name="search"),
    path("contact-points/", include("contactpoints.urls")),
    path("embed/", embed, name="embed"),
    path("embed/code/", fixed_page(EmbedCodeView.as_view()), name="embed-code"),
    path("api/", fixed_page(ApiDocsView.as_view()), name="api-docs"),
    path("api/v1/", api.urls),
    path("hsds/", include("openreferral.urls")),
    path("usage/", include("publishing.urls")),
    path("", include("reviews.urls")),
    path("staff/", include("visits.urls")),
    path("coverage/", include("coverage.urls")),
    path("demand/", include("demand.urls")),
    path("feedback/", include("feedback.urls")),
    path("privacy/", fixed_page(views.privacy), name="privacy"),
    path("accounts/", include("users.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("admin/", admin.site.urls),
]

handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
