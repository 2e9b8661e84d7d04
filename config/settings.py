"""Settings for Contact Points.

Everything that differs between a laptop, CI and production comes from environment
variables, read once here through django-environ (the one typed layer). A `.env` file in
the project root is read if present; `.env.example` documents every variable.

Production is the default: DEBUG is off and SECRET_KEY has no default unless DEBUG is on.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.log import DEFAULT_LOGGING

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG: bool = env.bool("DEBUG", default=False)

SECRET_KEY: str = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off. See .env.example.")
    # Development only: Django's own checks flag this prefix as insecure.
    SECRET_KEY = "django-insecure-development-only-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Public base URL, used in absolute links (iCalendar, JSON-LD) when there is no request.
SITE_URL: str = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    # SimpleAdminConfig: no admin autodiscovery. Autodiscovery would import
    # leaflet/admin.py, which needs GDAL (GeoDjango) and crashes start-up; we use
    # django-leaflet only for its bundled Leaflet. Each app's admin module is imported
    # explicitly in config/urls.py. See docs/decisions/0002-admin-without-autodiscovery.md.
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "csp",
    "corsheaders",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "simple_history",
    "leaflet",
    # The house, from the bottom up (docs/architecture.md; lint-imports enforces it).
    "core",
    "users",
    "places",
    "contactpoints",
    "visits",
    "publishing",
    "coverage",
    "demand",
    "feedback",
    "reviews",
    "openreferral",
    "demo",
]

# Apps above visits that keep figures in step with its records, inside the same
# transaction (visits.hooks).
VISIT_LISTENERS = ["publishing.rollup"]
# Apps told when a place's hours change, in the same transaction (contactpoints.services):
# visits keeps the sessions not yet started in step; coverage starts the figures with them.
HOURS_LISTENERS = ["visits.services", "coverage.london"]
# Apps told of every search the finder, the widget and the API answer (core.hooks).
SEARCH_LISTENERS = ["demand.recorder"]
# Apps that add a section to a contact point's usage page (publishing.views).
USAGE_PAGE_SECTIONS = ["feedback.figures"]
# The day's scheduled work, in order (`manage.py daily`): no page view writes any of it.
DAILY_TASKS = [
    "visits.tasks.schedule_sessions",
    "publishing.tasks.release_usage",
    "demand.tasks.release_and_forget",
    "feedback.tasks.release_and_forget",
    "contactpoints.tasks.prepare_exports",
    "coverage.tasks.warm",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Gzip for answers that carry no secret (BREACH): core/compression.py.
    "core.compression.CompressionMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # 304 Not Modified for a matching ETag or Last-Modified (public pages set both).
    "django.middleware.http.ConditionalGetMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A sign-in ends SESSION_COOKIE_AGE after it was made, however often it is used. Before
    # the second factor's middleware, so that the signed-out visitor it leaves is the one
    # that middleware equips (an ended sign-in on a staff page is sent to sign in, not 500).
    "users.sessions.SignInLifetimeMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Who is changing a credential or a permission, for the access history.
    "users.audit.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so it sees a database error raised by any view: 503 and Retry-After, not 500.
    "config.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Widgets render through TEMPLATES, so templates/ can hold widget templates too.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

WSGI_APPLICATION = "config.wsgi.application"

# SQLite file by default; PostgreSQL (psycopg 3) in production and CI, e.g.
# DATABASE_URL=postgres://postgres@127.0.0.1:5432/contactpoints
# An empty DATABASE_URL means the default, like an unset one.
DATABASE_URL: str = env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": environ.Env.db_url_config(DATABASE_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several officers writing at once (taps while a footfall sheet is imported): WAL lets
    # readers carry on during a write; a writer waits up to 20 s for another to finish
    # instead of failing with "database is locked"; and transactions take the write lock
    # when they begin (IMMEDIATE), so that wait applies to them too (a transaction that
    # reads first and writes later cannot wait for the lock, only fail).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Staff sign-in ----------------------------------------------------------------------
# Password, then a second factor (django-otp: an authenticator app, or single-use backup
# codes). Wrong tries pause signing in, per username and per client address
# (users/throttle.py; docs/decisions/0010-offline-counter-and-sign-in.md).
AUTHENTICATION_BACKENDS = ["users.throttle.ThrottledModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "staff:home"
LOGOUT_REDIRECT_URL = "home"
# How many reverse proxies in front of the app append to X-Forwarded-For (0: none, the
# header is ignored). Read by config/client.py for sign-in throttling and rate limits alike.
TRUSTED_PROXIES: int = env.int("TRUSTED_PROXIES", default=0)
NINJA_NUM_PROXIES = TRUSTED_PROXIES
OTP_TOTP_ISSUER = "Contact Points"
SIMPLE_HISTORY_REVERT_DISABLED = True  # history is an audit trail, read-only
# A sign-in lasts a working day from when it was made, not from its last use
# (users/sessions.py).
SESSION_COOKIE_AGE = 12 * 3600
# Staff set their own passwords from an emailed link (users/passwords.py), valid 3 days.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600
# EMAIL_URL as django-environ reads it (smtp+tls://user:password@host:587); while developing
# emails are printed to the console.
vars().update(
    env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
)
DEFAULT_FROM_EMAIL: str = env.str("DEFAULT_FROM_EMAIL", default="contact-points@localhost")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed names in production; plain files while developing so that
    # `make run` needs no collectstatic.
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security -------------------------------------------------------------------------
# Secure by default; each can be relaxed by environment (tests run over plain HTTP).
SECURE_SSL_REDIRECT: bool = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE: bool = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE: bool = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS: int = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# X-Forwarded-Proto says the request came over HTTPS only when a proxy of ours set it: any
# client can send the header, so it is read only behind TRUSTED_PROXIES.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXIES else None
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# What the browser may let our pages use (django-permissions-policy): location for "use my
# location", in our own pages and in the finder embedded elsewhere; nothing else.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "geolocation": ["self"],
    **{
        feature: []
        for feature in (
            "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media",
            "fullscreen", "gyroscope", "magnetometer", "microphone", "midi", "payment",
            "picture-in-picture", "publickey-credentials-get", "screen-wake-lock", "usb",
            "xr-spatial-tracking",
        )
    },
}  # fmt: skip

# --- Work in the background (core.background) ---------------------------------------
# Expensive figures are prepared away from the request; at most this many pieces of work
# run at once across all workers. BACKGROUND_INLINE runs them in the request (the tests).
BACKGROUND_MAX_RUNNING: int = env.int("BACKGROUND_MAX_RUNNING", default=1)
BACKGROUND_INLINE: bool = env.bool("BACKGROUND_INLINE", default=False)

# --- Maps -----------------------------------------------------------------------------
# Tiles come from a third party; pages work without them (the list is the primary view).
MAP_TILES_URL: str = env.str(
    "MAP_TILES_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
MAP_TILES_ATTRIBUTION: str = env.str(
    "MAP_TILES_ATTRIBUTION",
    default=(
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    ),
)
LEAFLET_CONFIG = {
    "TILES": [("Map", MAP_TILES_URL, {"attribution": MAP_TILES_ATTRIBUTION})],
    "DEFAULT_CENTER": (51.5154, -0.1418),
    "DEFAULT_ZOOM": 12,
}
_tiles_origin = "{0.scheme}://{0.netloc}".format(urlsplit(MAP_TILES_URL.replace("{s}", "a")))

# Content Security Policy (django-csp): no inline scripts anywhere; data reaches scripts
# through json_script blocks, which are not executed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", _tiles_origin],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Caches ---------------------------------------------------------------------------
# Shared by every worker: tables in the database by default (made by the migrations), or
# Redis for many app servers (CACHE_URL=redis://127.0.0.1:6379/1; docs/operations.md). A
# per-process cache (locmemcache://) would let workers serve pages older than another
# worker's. Caches hold only what can be recomputed: coordination state (data versions,
# used tickets, release markers) lives in tables (core.versions).
# - default: small things (geocoder answers for areas, today's openings), up to
#   CACHE_ENTRIES of them;
# - pages: answers of public pages (core.pagecache), sized for traffic: PAGE_CACHE_ENTRIES.
#   Eviction costs a recomputation, never a wrong page.
CACHE_ENTRIES: int = env.int("CACHE_ENTRIES", default=10_000)
PAGE_CACHE_ENTRIES: int = env.int("PAGE_CACHE_ENTRIES", default=100_000)
CACHES = {"default": env.cache_url("CACHE_URL", default="dbcache://django_cache")}
if "PAGE_CACHE_URL" in env:
    CACHES["pages"] = env.cache_url("PAGE_CACHE_URL")
elif CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
    CACHES["pages"] = env.cache_url_config("dbcache://pages_cache")
else:  # the same server, the pages under their own prefix
    CACHES["pages"] = {**CACHES["default"], "KEY_PREFIX": "pages"}
for _alias, _entries in (("default", CACHE_ENTRIES), ("pages", PAGE_CACHE_ENTRIES)):
    if CACHES[_alias]["BACKEND"].endswith(("DatabaseCache", "LocMemCache")):
        # Past the limit, a tenth of the entries go (Django's default culls a third of 300).
        CACHES[_alias]["OPTIONS"] = {"MAX_ENTRIES": _entries, "CULL_FREQUENCY": 10}

# --- Geocoding -------------------------------------------------------------------------
# Postcodes come from the local gazetteer; other searches go to this geopy geocoder.
# GEOCODER is a geopy service name ("nominatim", "photon", ...); empty switches it off.
GEOCODER: str = env.str("GEOCODER", default="nominatim")
GEOCODER_DOMAIN: str = env.str("GEOCODER_DOMAIN", default="")  # e.g. a self-hosted Nominatim
GEOCODER_SCHEME: str = env.str("GEOCODER_SCHEME", default="https")
GEOCODER_TIMEOUT: float = env.float("GEOCODER_TIMEOUT", default=3.0)
GEOCODER_MIN_DELAY: float = env.float("GEOCODER_MIN_DELAY", default=1.0)
GEOCODER_CACHE_SECONDS: int = env.int("GEOCODER_CACHE_SECONDS", default=7 * 24 * 3600)
GEOCODER_USER_AGENT: str = env.str(
    "GEOCODER_USER_AGENT", default=f"contact-points/0.1 (+{SITE_URL})"
)

# --- Coverage (docs/coverage.md) --------------------------------------------------------
# Walking time = straight-line distance × detour factor ÷ walking speed. 4.8 km/h is the
# usual planning figure for an adult's walk; 1.3 is the usual ratio of a walk along streets
# to the straight line in a city. Thresholds in minutes.
COVERAGE_WALKING_KMH: float = env.float("COVERAGE_WALKING_KMH", default=4.8)
COVERAGE_DETOUR_FACTOR: float = env.float("COVERAGE_DETOUR_FACTOR", default=1.3)
COVERAGE_THRESHOLDS: list[int] = [10, 20, 30]
# Weeks compared with this one on the coverage pages: (label, a day of that week). The Met's
# 2013 front counter closures were decided in March 2013 and carried out that year.
COVERAGE_COMPARE: list[tuple[str, str]] = [
    ("Before the 2013 closures (week of 7 January 2013)", "2013-01-07"),
    ("After the 2013 closures (week of 6 January 2014)", "2014-01-06"),
]

# --- Open Referral (HSDS 3.0) at /hsds/ --------------------------------------------------
# The organization every service belongs to. `key` makes its stable id: never change it.
HSDS_ORGANIZATION = {
    "key": env.str("HSDS_ORGANIZATION_KEY", default="metropolitan-police-service"),
    "name": env.str("HSDS_ORGANIZATION_NAME", default="Metropolitan Police Service"),
    "description": env.str(
        "HSDS_ORGANIZATION_DESCRIPTION",
        default="The police service for Greater London (outside the City of London). Its "
        "contact points and front counters are where residents can speak to the police in "
        "person.",
    ),
    "website": env.str("HSDS_ORGANIZATION_WEBSITE", default="https://www.met.police.uk/"),
}

# --- Open data API ---------------------------------------------------------------------
# Anyone may read the API from any origin; nothing else is shared across origins.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "OPTIONS"]
# Per client address (config.client), counted in the database by every worker: finder
# and API searches answered here, and those that reach the remote geocoder (which allows
# about one request a second for the whole site; its answers are cached).
SEARCH_RATE: str = env.str("SEARCH_RATE", default="600/min")
# How far the nearest search looks: beyond it, "none within N km" (bounded time anywhere).
SEARCH_WITHIN_KM: int = env.int("SEARCH_WITHIN_KM", default=200)
GEOCODER_RATE: str = env.str("GEOCODER_RATE", default="10/min")

# --- Usage figures ---------------------------------------------------------------------
# Search demand (docs/demand.md): counted unless switched off; one upsert per search.
DEMAND_RECORDING: bool = env.bool("DEMAND_RECORDING", default=True)
# Daily counts are deleted this many days after their day, once their month is published.
DEMAND_RETENTION_DAYS: int = env.int("DEMAND_RETENTION_DAYS", default=90)

# Visitor feedback: answers a client address may send in ten minutes and in a day
# (docs/feedback.md): one visitor's answer never meets them; a flood from a few addresses does.
FEEDBACK_RATE: str = env.str("FEEDBACK_RATE", default="3/10min")
FEEDBACK_DAILY_RATE: str = env.str("FEEDBACK_DAILY_RATE", default="20/d")
# Reports of wrong information on a place's page, per connection.
WRONG_INFORMATION_RATE: str = env.str("WRONG_INFORMATION_RATE", default="5/10min")
WRONG_INFORMATION_DAILY_RATE: str = env.str("WRONG_INFORMATION_DAILY_RATE", default="20/d")
# Answers are deleted this many days after their day, once their month is published.
FEEDBACK_RETENTION_DAYS: int = env.int("FEEDBACK_RETENTION_DAYS", default=90)

# Counts from 1 to DISCLOSURE_THRESHOLD - 1 are never published (docs/usage-figures.md).
DISCLOSURE_THRESHOLD: int = env.int("DISCLOSURE_THRESHOLD", default=5)
# A calendar month's figures are published this many days after it ends (late paper sheets).
USAGE_RELEASE_DAYS: int = env.int("USAGE_RELEASE_DAYS", default=7)

# --- Logging --------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"django.server": DEFAULT_LOGGING["formatters"]["django.server"]},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": DEFAULT_LOGGING["handlers"]["django.server"],
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's defaults give "django" handlers of its own (a console one under DEBUG,
        # mail_admins; there are no ADMINS): with the root's handler too, each message was
        # printed two or three times. Configured here it has none, and each message reaches
        # the root's once, at LOG_LEVEL. Configuring "django" resets the loggers below it,
        # so runserver's request lines are configured again, from Django's defaults.
        "django": {"level": LOG_LEVEL},
        "django.server": DEFAULT_LOGGING["loggers"]["django.server"],
        # geopy logs each request's URL at DEBUG, and the URL holds what the resident typed
        # (it can be a home address): never below WARNING, whatever LOG_LEVEL says.
        "geopy": {"level": "WARNING"},
    },
}
