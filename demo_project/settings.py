"""Settings of the demo project, driven by environment variables.

Unset, everything is embedded: SQLite, a file-based cache, tasks run eagerly.
- ``DATABASE_URL``: e.g. ``postgres://user:pass@127.0.0.1:5432/workbook``;
  ``sqlite://:memory:`` is an in-memory database that every thread of the process shares.
- ``CACHE_URL``: ``file:///some/folder``, ``locmem://``, ``redis://127.0.0.1:6379/1`` or
  ``dummy://``. Unset, files under ``var/cache``: the server, the admin, a shell and a
  worker are separate processes, and a cache they all share is what lets a write in one
  invalidate the reads of the others (a local-memory cache is one per process; ``boot()``
  uses it, since a notebook is one process).
- ``CELERY_BROKER_URL``: e.g. ``redis://127.0.0.1:6379/0``; unset, tasks run eagerly.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def database_from_url(url: str) -> dict:
    """Return a DATABASES entry for ``url``; ``:memory:`` SQLite is shared between threads."""
    config = dj_database_url.parse(url, conn_max_age=0)
    if config["ENGINE"] == "django.db.backends.sqlite3" and config["NAME"] in {"", ":memory:"}:
        # Each connection to a plain :memory: database is a new, empty database, so
        # threads would see no tables. A named shared-cache memory database is one
        # database for the whole process.
        config["NAME"] = "file:workbook?mode=memory&cache=shared"
        config.setdefault("OPTIONS", {})["uri"] = True
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config.setdefault("TEST", {})["NAME"] = None
    return config


def cache_from_url(url: str) -> dict:
    """Return a CACHES entry for ``file://``, ``locmem://``, ``dummy://`` or ``redis://`` URLs."""
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme == "file":
        location = url2pathname(parts.path)
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": location,
        }
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "workbook"}
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    if scheme in {"redis", "rediss"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    raise ValueError(
        f"CACHE_URL scheme {scheme!r} is not supported; "
        "use file:///a/folder, locmem://, dummy:// or redis://."
    )


SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "workbook-insecure-key-change-me-in-production-0123456789abcdef"
)
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_extensions",
    "ninja",  # serves Swagger UI's files itself, so /api/v1/docs works offline
    "demo_project.accounts",
    "demo_project.catalog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "demo_project.errors.ApiErrorBodyMiddleware",
]

ROOT_URLCONF = "demo_project.urls"
WSGI_APPLICATION = "demo_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = os.environ.get("CACHE_URL", (BASE_DIR / "var" / "cache").as_uri())
CACHES = {"default": cache_from_url(CACHE_URL)}

# Tasks run in the calling process unless a broker is configured.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://localhost/")
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL.startswith("memory://")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
# Django's default hashers. The workbook's sandbox (boot() and the tests) sets
# DJANGO_FAST_PASSWORD_HASHER=1, as Django's testing docs advise, so that logging the
# demo users in takes microseconds; a real deployment never sets it.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
if env_bool("DJANGO_FAST_PASSWORD_HASHER"):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# JSON Web Tokens issued by POST /api/v1/auth/token.
JWT_SIGNING_KEY = os.environ.get("JWT_SIGNING_KEY", SECRET_KEY)
JWT_ALGORITHM = "HS256"
JWT_LIFETIME = timedelta(minutes=int(os.environ.get("JWT_LIFETIME_MINUTES", "60")))

# Business rules of the catalog.
CATALOG_PRICE_CAP = os.environ.get("CATALOG_PRICE_CAP", "10000.00")
CATALOG_CACHE_TIMEOUT = 300

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # A 4xx is the API doing its job on bad input; only server errors are worth a log line.
    "loggers": {"django.request": {"level": "ERROR"}},
}
