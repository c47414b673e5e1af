"""MedReg settings. Every value comes from the environment through this one module.

Production (``MEDREG_ENV=production``) fails fast when a required value is missing. The embedded
default (no environment at all) runs on SQLite under ``var/`` with keys generated on first start.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MEDREG_VAR_DIR", BASE_DIR / "var"))
ENVIRONMENT = os.environ.get("MEDREG_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"


def _env(name: str, default: str | None = None, *, required_in_production: bool = False) -> str | None:
    value = os.environ.get(name)
    if value:
        return value
    if PRODUCTION and required_in_production:
        raise ImproperlyConfigured(f"{name} must be set when MEDREG_ENV=production")
    return default


def _local_secret(filename: str, nbytes: int = 32) -> str:
    """A per-installation secret kept under var/, created on first use (development only)."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / filename
    if not path.exists():
        path.write_text(secrets.token_urlsafe(nbytes))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _env("SECRET_KEY", required_in_production=True) or _local_secret("secret_key", 50)
# Key for encrypting personal data at rest and for the keyed hashes used to look it up.
PII_KEY = _env("MEDREG_PII_KEY", required_in_production=True) or _local_secret("pii_key")
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = [h for h in (_env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver") or "").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in (_env("CSRF_TRUSTED_ORIGINS", "") or "").split(",") if o]
PUBLIC_BASE_URL = _env("MEDREG_PUBLIC_BASE_URL", "http://127.0.0.1:8000") or ""

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "medreg.core",
    "medreg.audit",
    "medreg.reference",
    "medreg.accounts",
    "medreg.institutions",
    "medreg.people",
    "medreg.applications",
    "medreg.licences",
    "medreg.notifications",
    "medreg.public",
    "medreg.portals",
    "medreg.api",
    "ninja",  # django-ninja's bundled Swagger UI under /static/ninja/ (no CDN)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "medreg.portals.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "medreg.audit.middleware.AuditContextMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "medreg.portals.context.portal",
            ],
        },
    }
]

DATABASE_URL = _env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'medreg.sqlite3'}"
if PRODUCTION and DATABASE_URL.startswith("sqlite") and not os.environ.get("MEDREG_ALLOW_SQLITE"):
    raise ImproperlyConfigured("Production needs DATABASE_URL pointing at PostgreSQL")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # WAL and a busy timeout let the web server and the task worker share the embedded database.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if os.environ.get("MEDREG_FAST_HASHER") == "1"
    else ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
)
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/portal/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# medreg/locale plus one catalogue per work stream under medreg/locales/<stream>/locale (kept apart so
# parallel work on shared apps never edits the same .po file).
LOCALE_PATHS = [BASE_DIR / "medreg" / "locale", *sorted((BASE_DIR / "medreg" / "locales").glob("*/locale"))]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = Path(_env("MEDREG_MEDIA_ROOT", str(VAR_DIR / "media")) or "")
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "medreg"}}
if _env("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _env("REDIS_URL") or ""}}

# Background work: Django's tasks API (django-tasks backport on Django 5.2), stored in the database and
# run by `medreg worker`. Tests use the immediate backend so effects are observable synchronously.
TASKS = {
    "default": {
        "BACKEND": _env("MEDREG_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# Business configuration. Values marked [K] in the domain notes are defaults, overridable here.
MEDREG: dict[str, Any] = {
    "UPLOAD_MAX_BYTES": int(_env("MEDREG_UPLOAD_MAX_BYTES", str(5 * 1024 * 1024)) or 0),
    "UPLOAD_TYPES": ["application/pdf", "image/jpeg", "image/png"],
    "PUBLIC_SEARCH_RATE": _env("MEDREG_PUBLIC_SEARCH_RATE", "20/m"),
    "PUBLIC_VERIFY_RATE": _env("MEDREG_PUBLIC_VERIFY_RATE", "20/m"),
    "API_TOKEN_RATE": _env("MEDREG_API_TOKEN_RATE", "10/m"),
    # Portal sign-in: per client address and per login name; self-registration: per address.
    "LOGIN_RATE": _env("MEDREG_LOGIN_RATE", "10/m"),
    "LOGIN_NAME_RATE": _env("MEDREG_LOGIN_NAME_RATE", "20/h"),
    "REGISTER_RATE": _env("MEDREG_REGISTER_RATE", "10/h"),
    "API_REGISTER_RATE": _env("MEDREG_API_REGISTER_RATE", "10/h"),
    "API_TOKEN_TTL_HOURS": int(_env("MEDREG_API_TOKEN_TTL_HOURS", "12") or 12),
    "CORRECTION_MAX_PER_APPLICATION": 1,
    "ACCEPTANCE_LIMIT_WORKING_DAYS": 5,
    "QR_LIFETIME_DAYS": int(_env("MEDREG_QR_LIFETIME_DAYS", "90") or 90),
    # 证照类型代码 is assigned by the defining authority in the national 证照目录; until it is, use a
    # clearly fake test code. [K]
    "ELICENCE_TYPE_CODES": {
        "physician": _env("MEDREG_ELICENCE_TYPE_PHYSICIAN", "TEST0000000000000X001"),
        "nurse": _env("MEDREG_ELICENCE_TYPE_NURSE", "TEST0000000000000X002"),
        "institution": _env("MEDREG_ELICENCE_TYPE_INSTITUTION", "TEST0000000000000X003"),
    },
    "SIGNING_KEY_PASSWORD": _env("MEDREG_SIGNING_KEY_PASSWORD", required_in_production=True) or PII_KEY,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"pii": {"()": "medreg.core.masking.PIILogFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["pii"]}},
    "root": {"handlers": ["console"], "level": _env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
