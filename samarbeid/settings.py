"""Samarbeid settings: one module, every value from the environment (see .env.example).

Development needs no environment at all: DEBUG defaults to on and SQLite is used. With DEBUG off,
SECRET_KEY and ALLOWED_HOSTS must be set, or start-up fails loudly.
"""

from pathlib import Path
from typing import Any

import environ
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
SHARED_DIR = BASE_DIR.parent / "shared"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-development-only-key-not-for-production-use")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
else:
    SECRET_KEY = env.str("SECRET_KEY")  # no default: a production secret must be given
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

INSTALLED_APPS = [
    "samarbeid",
    "agreements",
    "councils",
    "slt",
    "oversight",
    "public_pages",
    "demo",  # the `demo` command, which needs every app
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "django_htmx",
    "django_tasks_db",
    "pgtrigger",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "samarbeid.middleware.request_size_cap_middleware",
    "samarbeid.middleware.refuse_nul_bytes_middleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "samarbeid.middleware.current_roles_middleware",
    "samarbeid.middleware.person_malform_middleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "samarbeid.page_cache.page_cache_middleware",  # innermost: sees the request as the view would
]

ROOT_URLCONF = "samarbeid.urls"
WSGI_APPLICATION = "samarbeid.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "samarbeid.context_processors.my_parties",
                "samarbeid.context_processors.my_task_count",
            ],
            "builtins": ["django.templatetags.i18n", "django_htmx.templatetags.django_htmx"],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: opening a PostgreSQL connection per request cost more than most pages do (issue 15:
# a bare view went from ~300 to ~1,550 requests/s). Health checks drop a connection the server has closed.
# With PgBouncer in transaction mode in front, set DISABLE_SERVER_SIDE_CURSORS=true.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DISABLE_SERVER_SIDE_CURSORS", default=False)
if DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] and "postgresql" in DATABASES["default"]["ENGINE"]:
    # Behind PgBouncer in transaction mode a connection's next transaction may run on another server
    # connection, where psycopg's prepared statements do not exist: send every query unprepared.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rate limits and the TOTP replay guard live in this cache, so every worker process must share it:
# Redis where REDIS_URL is set (docker-compose does), else the database cache (its table is made by
# `manage.py createcachetable`, which `demo`, the docker start-up and Django's test setup run).
REDIS_URL = env.str("REDIS_URL", default="")
# A page is served again while nothing it read has changed (samarbeid.page_cache). It pays with Redis; with the
# database cache, keeping a page costs more queries than most pages make, so it is off there unless asked for.
PAGE_CACHE = env.bool("PAGE_CACHE", default=bool(REDIS_URL))
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="samarbeid")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
    # Sessions in Redis too (written through to the database, so a Redis restart logs nobody out).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "samarbeid_cache",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }

AUTH_USER_MODEL = "samarbeid.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "min_side"
LOGOUT_REDIRECT_URL = "home"

# django-allauth: e-mail login, no self sign-up (people are added by their party), TOTP MFA.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "samarbeid.adapters.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# "key" for login_failed is the e-mail address together with the client address (see
# samarbeid.adapters.AccountAdapter), so failures from one address never lock the owner out elsewhere.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/300s/key", "login": "30/m/ip"}
# Behind a reverse proxy, the client address is taken from X-Forwarded-For set by this many proxies
# (0: REMOTE_ADDR). Without it every client would share the proxy's address and its limits.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Samarbeid"
# A code typed just as its 30-second step ends is still accepted (one step either way, as RFC 6238 section 5.2
# advises for clock drift and typing time); with 0 a code entered at the boundary was refused.
MFA_TOTP_TOLERANCE = 1
# allauth refuses to add an authenticator while the account has an unverified e-mail address (against someone
# signing up with another's address and locking its owner out). There is no sign-up here and no e-mail
# verification (the party's administrator enters the address), yet allauth's e-mail page records the login
# address as unverified: after one visit there, enrolment from the signing page was refused.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# Signing needs a second factor used in this session no longer ago than this (agreements.signing).
SIGNING_SECOND_FACTOR_MAX_AGE = env.int("SIGNING_SECOND_FACTOR_MAX_AGE", default=10 * 60)
# OpenID Connect (ID-porten, Entra ID): set OIDC_PROVIDERS to a JSON list of allauth "APPS" entries,
# e.g. [{"provider_id": "idporten", "name": "ID-porten", "client_id": "...", "secret": "...",
#        "settings": {"server_url": "https://idporten.no"}}]
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": env.json("OIDC_PROVIDERS", default=[])}}
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_AUTO_SIGNUP = False

GUARDIAN_MONKEY_PATCH_USER = False
ANONYMOUS_USER_NAME = None

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Bokmål")), ("nn", _("Nynorsk"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["samarbeid.formats"]
FORM_RENDERER = "samarbeid.forms.DsRenderer"  # Designsystemet classes on every widget of every form

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files (vedlegg, sealed and rendered PDFs, imports, meeting attachments) go through Django's storage API:
# "private" (no URL; served only by views that check access, see samarbeid/storage.py) and "default". On one
# machine they live under MEDIA_ROOT; with AWS_STORAGE_BUCKET_NAME set, in an S3-compatible object store
# (django-storages; MinIO in docker-compose), so that every web and worker machine sees the same files.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "samarbeid.storage.PrivateStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if AWS_STORAGE_BUCKET_NAME:
    _s3 = {
        "bucket_name": AWS_STORAGE_BUCKET_NAME,
        "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,  # MinIO: http://minio:9000
        "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
        "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
        "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
        "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="path"),  # MinIO wants path-style
        "default_acl": None,  # the bucket's own policy (private)
        "file_overwrite": False,  # a taken name gets a suffix, as on the file system
        "querystring_auth": True,
    }
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**_s3, "location": "media"}}
    STORAGES["private"] = {"BACKEND": "samarbeid.storage.PrivateS3Storage", "OPTIONS": {**_s3, "location": "private"}}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "media/"
# Request size: samarbeid.middleware.request_size_cap_middleware refuses (413), before reading it, a file upload
# over MAX_UPLOAD_SIZE (the largest file a form takes: a PDF to verify, 20 MB; vedlegg are 10 MB) and any other
# body over DATA_UPLOAD_MAX_MEMORY_SIZE. Files over FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file meanwhile.
MAX_UPLOAD_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.no:587 (console in development).
_email = env.email("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
_email_options = {
    "host": _email.get("EMAIL_HOST"),
    "port": _email.get("EMAIL_PORT"),
    "username": _email.get("EMAIL_HOST_USER"),
    "password": _email.get("EMAIL_HOST_PASSWORD"),
    "use_tls": _email.get("EMAIL_USE_TLS"),
    "use_ssl": _email.get("EMAIL_USE_SSL"),
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {k: v for k, v in _email_options.items() if v}
        if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
        else {},
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Samarbeid <ikke-svar@samarbeid.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address the app is reached at, for the links in e-mails (sent by the worker, outside any request).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Content-Security-Policy: no inline script anywhere; htmx and our JS are served from 'self'.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads no cookie; the token is put in hx-headers on <body>
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The seal certificate that signs archived PDFs (a development one is made by `manage.py make_seal`).
SEAL_KEY_FILE = Path(env.str("SEAL_KEY_FILE", default=str(BASE_DIR / "var" / "seal" / "seal-key.pem")))
SEAL_CERT_FILE = Path(env.str("SEAL_CERT_FILE", default=str(BASE_DIR / "var" / "seal" / "seal-cert.pem")))
# The seal certificate's issuers (PEM bundle), and the trust anchors the seal's and the timestamp authority's
# chains are validated against when the validation data is embedded (default: the chain's own root).
SEAL_CHAIN_FILE = Path(v) if (v := env.str("SEAL_CHAIN_FILE", default="")) else None
SEAL_TRUST_ROOTS_FILE = Path(v) if (v := env.str("SEAL_TRUST_ROOTS_FILE", default="")) else None
# An RFC 3161 timestamp authority for the seal (PAdES B-T/B-LT); empty: the seal carries the signing time only.
SEAL_TIMESTAMP_URL = env.str("SEAL_TIMESTAMP_URL", default="")

# Who runs this installation, for the accessibility statement and the privacy page (/tilgjengelighet/, /personvern/).
SERVICE_OWNER = env.str("SERVICE_OWNER", default="Samarbeid (utviklingsinstallasjon)")
SERVICE_CONTACT_EMAIL = env.str("SERVICE_CONTACT_EMAIL", default="kontakt@samarbeid.example.no")
PRIVACY_CONTACT_EMAIL = env.str("PRIVACY_CONTACT_EMAIL", default="personvernombud@samarbeid.example.no")

# Where the reference data (kommuner, politidistrikter) and the seed agreements are read from.
REFERENCE_DATA_DIR = Path(env.str("REFERENCE_DATA_DIR", default=str(BASE_DIR / "referencedata")))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
