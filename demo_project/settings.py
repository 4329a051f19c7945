"""Settings of the demo project, driven by environment variables.

Unset, everything is embedded: SQLite, a file-based cache, tasks run eagerly.
- ``DJANGO_SECRET_KEY`` and ``JWT_SIGNING_KEY``: required, unless ``DJANGO_DEBUG=1`` (local
  development: each is generated once into ``var/`` and kept) or ``WORKBOOK_EPHEMERAL_KEYS=1``
  (notebooks and tests: random keys that live as long as the process).
- ``DJANGO_DEBUG``: ``1`` to explore with Django's debug pages; off unless asked for.
- ``DJANGO_HTTPS``: ``1`` behind TLS: redirect to HTTPS, HSTS, secure cookies.
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
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


# A SQLite file served to concurrent requests (runserver's threads, several processes).
# - BEGIN IMMEDIATE takes the write lock when a transaction starts. A DEFERRED one (the
#   default) that has read and then wants to write cannot wait for the lock without a
#   deadlock, so SQLite answers "database is locked" at once, whatever the timeout.
# - timeout: how long a writer waits for the lock (seconds) before that error.
# - WAL: readers never wait for the writer, nor the writer for readers. synchronous=NORMAL
#   is SQLite's advice for WAL: a commit survives a crash of the process; a power loss
#   may undo the last few commits, never corrupt the file.
# The shared in-memory database of the notebooks has no WAL (it stays in "memory" journal
# mode) and its shared-cache locks ignore the timeout, so it keeps SQLite's defaults.
SQLITE_FILE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
}


def database_from_url(url: str) -> dict:
    """Return a DATABASES entry for ``url``; ``:memory:`` SQLite is shared between threads."""
    config = dj_database_url.parse(url, conn_max_age=0)
    if config["ENGINE"] == "django.db.backends.sqlite3" and config["NAME"] in {"", ":memory:"}:
        # Each connection to a plain :memory: database is a new, empty database, so
        # threads would see no tables. A named shared-cache memory database is one
        # database for the whole process.
        config["NAME"] = "file:workbook?mode=memory&cache=shared"
        config.setdefault("OPTIONS", {})["uri"] = True
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        config.setdefault("OPTIONS", {}).update(SQLITE_FILE_OPTIONS)
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


def local_secret(path: Path) -> str:
    """Return the key stored at ``path``, generating it on first use (local development)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{path.name}.{os.getpid()}")
        # Readable by its owner only, from the moment it exists.
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
            file.write(secrets.token_urlsafe(50))
        try:
            # Atomic and first-wins: runserver's reloader starts two processes at once.
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def secret_setting(name: str) -> str:
    """Return the secret ``name`` from the environment, or one made where that is safe."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if env_bool("WORKBOOK_EPHEMERAL_KEYS"):
        return secrets.token_urlsafe(50)
    if DEBUG:
        return local_secret(BASE_DIR / "var" / name.lower().replace("_", "-"))
    raise ImproperlyConfigured(
        f"{name} is not set. Set it in the environment to a long random string, e.g. "
        f"{name}=$(python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
        "or set DJANGO_DEBUG=1 for local development (a key is then kept in var/)."
    )


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = secret_setting("DJANGO_SECRET_KEY")
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
    # First, so that it sees what every other layer answers (a refused host, too).
    "demo_project.errors.ApiErrorBodyMiddleware",
    "demo_project.errors.HeadAsGetMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "demo_project.errors.ApiCommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
# A key of its own: a leaked token key must not also sign sessions and password resets.
JWT_SIGNING_KEY = secret_setting("JWT_SIGNING_KEY")
JWT_ALGORITHM = "HS256"
JWT_LIFETIME = timedelta(minutes=int(os.environ.get("JWT_LIFETIME_MINUTES", "60")))
# Tries at POST /api/v1/auth/token per client address, counted in the default cache
# (share it between processes, e.g. Redis, where several serve the API).
TOKEN_THROTTLE_RATE = os.environ.get("TOKEN_THROTTLE_RATE", "10/min")
# How many proxies in front of the server append to X-Forwarded-For. Unset, Ninja would
# trust the header as the client's address, and a forged one would reset the throttle.
NINJA_NUM_PROXIES = int(os.environ.get("DJANGO_NUM_PROXIES", "0"))

# The largest request body read (1 MiB; an item is a few kilobytes): larger is a 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

# Business rules of the catalog.
CATALOG_PRICE_CAP = os.environ.get("CATALOG_PRICE_CAP", "10000.00")
CATALOG_CACHE_TIMEOUT = 300

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Behind TLS (DJANGO_HTTPS=1): plain HTTP is redirected, browsers are told to stay on
# HTTPS, and cookies are never sent in clear.
if env_bool("DJANGO_HTTPS"):
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# Settings named like a URL carry passwords (DATABASE_URL): no debug page shows them.
DEFAULT_EXCEPTION_REPORTER_FILTER = "demo_project.errors.SecretsHiddenReporterFilter"

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
