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
    "medreg.supervision",
    "medreg.public",
    "medreg.exchange",
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
    # Public register (stream "public"): open read API and applicant status query per client address;
    # the publication policy table (empty: the built-in medreg/public/data/publication_policy.toml);
    # where `medreg export public` writes the daily open-data files.
    "PUBLIC_API_RATE": _env("MEDREG_PUBLIC_API_RATE", "60/m"),
    "PUBLIC_STATUS_RATE": _env("MEDREG_PUBLIC_STATUS_RATE", "10/m"),
    "PUBLICATION_POLICY_FILE": _env("MEDREG_PUBLICATION_POLICY_FILE", "") or "",
    "PUBLIC_EXPORT_DIR": _env("MEDREG_PUBLIC_EXPORT_DIR", str(VAR_DIR / "open-data")) or "",
    # Hot public searches with value-independent plans run as server-side prepared statements (PostgreSQL).
    # Set MEDREG_PREPARED_STATEMENTS=0 behind a transaction-pooling PgBouncer that does not keep them (< 1.21).
    "PREPARED_STATEMENTS": _env("MEDREG_PREPARED_STATEMENTS", "1") == "1",
    "API_TOKEN_RATE": _env("MEDREG_API_TOKEN_RATE", "10/m"),
    # Portal sign-in: per client address and per login name; self-registration: per address.
    "LOGIN_RATE": _env("MEDREG_LOGIN_RATE", "10/m"),
    "LOGIN_NAME_RATE": _env("MEDREG_LOGIN_NAME_RATE", "20/h"),
    "REGISTER_RATE": _env("MEDREG_REGISTER_RATE", "10/h"),
    "API_REGISTER_RATE": _env("MEDREG_API_REGISTER_RATE", "10/h"),
    "API_TOKEN_TTL_HOURS": int(_env("MEDREG_API_TOKEN_TTL_HOURS", "12") or 12),
    # Nurse registration (护士条例 8–10, 32; 护士执业注册管理办法 [K]); stream "nurse".
    "NURSE_REGISTRATION_VALID_YEARS": 5,
    "NURSE_EXAM_VALID_YEARS": 3,  # first registration within 3 years of the exam, else 3 months' training
    "NURSE_RENEWAL_WINDOW_MONTHS": 3,  # [K] 延续注册 is offered only in the last 3 months before expiry
    "NURSE_RENEWAL_DEEMED_GRANT_DAYS": 30,  # filed >= 30 days before expiry and undecided: deemed granted
    "NURSE_REREGISTRATION_TRAINING_YEARS": 3,  # practice interrupted > 3 years: proof of training
    "NURSE_HEALTH_CHECK_MONTHS": 6,  # [K] health check within 6 months
    "CORRECTION_MAX_PER_APPLICATION": 1,
    # 线上踏勘 (stream "supervision"): whether inspection time counts toward the statutory clock [K] (行政许可法
    # 第45条 excludes only 检验/检测/鉴定/专家评审; set False to pause the clock while the task is out), the
    # task's own limit in working days [K], and whether a returned form needs at least one site photo.
    "INSPECTION_COUNTS_TOWARD_CLOCK": _env("MEDREG_INSPECTION_COUNTS_TOWARD_CLOCK", "1") == "1",
    "INSPECTION_TASK_WORKING_DAYS": 10,
    "INSPECTION_PHOTO_REQUIRED": True,
    # Items whose decision needs a returned 《现场踏勘结论表》 (see supervision.selectors.inspection_prechecks).
    "INSPECTION_REQUIRED_ITEMS": ["INST-REG-PRACTICE"],
    # 行政许可法 第42条: the decision limit may be extended once, by 10 working days, with sign-off.
    "EXTENSION_WORKING_DAYS": 10,
    # Physician registration (医师法; 2017 《医师执业注册管理办法》 [K]); stream "lead".
    "PHYSICIAN_TRAINING_AFTER_YEARS": 2,  # [K] qualification older than this, never registered: 6 months' training
    # Kinds of work at another institution that need no 备案 and no 变更 (医师法 第18条).
    "EXEMPT_PRACTICE_KINDS": ["medical_alliance", "consultation", "further_study", "standardised_training",
                              "counterpart_support", "emergency_rescue", "free_clinic", "government_task"],
    # Medical institutions (条例 9-23; 实施细则 [K]; 校验管理办法 [K]); stream "inst".
    # Kinds that still get a 设置医疗机构批准书 after the 2018 reform: category codes, hospital kinds at
    # the listed grade level, and economic types (中外合资合作 31/32, 港澳台独资 23).
    "INSTITUTION_SETUP_APPROVAL_CATEGORIES": ["E100", "E200", "E300", "P110"],
    "INSTITUTION_SETUP_APPROVAL_GRADE_LEVEL": 3,  # 三级医院, 三级妇幼保健院 (codes with extra.setup_approval_if_grade)
    "INSTITUTION_SETUP_APPROVAL_ECONOMIC_TYPES": ["31", "32", "23"],
    "INSTITUTION_VERIFICATION_LONG_CYCLE_MIN_BEDS": 100,  # >= 100 beds: every 3 years; fewer: every year
    "INSTITUTION_VERIFICATION_LONG_CYCLE_YEARS": 3,
    "INSTITUTION_VERIFICATION_SHORT_CYCLE_YEARS": 1,
    "INSTITUTION_VERIFICATION_OPENS_MONTHS_BEFORE": 3,
    "INSTITUTION_VERIFICATION_DECISION_DAYS": 30,
    "INSTITUTION_DEFERRAL_MIN_MONTHS": 1,
    "INSTITUTION_DEFERRAL_MAX_MONTHS": 6,
    "INSTITUTION_SUSPENSION_CLOSURE_MONTHS": 12,  # 停业 over a year (except rebuilding/relocation) is 歇业
    "INSTITUTION_CHANGE_LIMIT_DAYS": 20,  # 变更登记 [K]: 行政许可法 第42条
    "INSTITUTION_LICENCE_VALID_YEARS": 5,  # [K] 执业许可证 validity, set per province
    "CLINIC_FOUNDER_MIN_PRACTICE_YEARS": 5,
    "TCM_CLINIC_FOUNDER_MIN_PRACTICE_YEARS": 3,  # 中医诊所备案管理暂行办法; or a 中医(专长) certificate
    "TCM_CLINIC_CATEGORIES": ["D212", "D213"],
    "INSTITUTION_DENTAL_CATEGORIES": ["A511", "D152", "D215"],  # register dental chairs
    # 诊所 kinds that practise on a 备案凭证 instead of a licence (条例 2022 revision)
    "CLINIC_FILING_CATEGORIES": ["D211", "D212", "D213", "D214", "D215", "D216", "D217", "D229"],
    "ACCEPTANCE_LIMIT_WORKING_DAYS": 5,
    "QR_LIFETIME_DAYS": int(_env("MEDREG_QR_LIFETIME_DAYS", "90") or 90),
    # 证照类型代码 is assigned by the defining authority in the national 证照目录; until it is, use a
    # clearly fake test code. [K]
    "ELICENCE_TYPE_CODES": {
        "physician": _env("MEDREG_ELICENCE_TYPE_PHYSICIAN", "TEST0000000000000X001"),
        "nurse": _env("MEDREG_ELICENCE_TYPE_NURSE", "TEST0000000000000X002"),
        "institution": _env("MEDREG_ELICENCE_TYPE_INSTITUTION", "TEST0000000000000X003"),
    },
    # Exchange (stream "exchange"): webhook deliveries to partners, the FHIR mCSD directory, instance sync.
    "EXCHANGE_DELIVERY_MAX_ATTEMPTS": int(_env("MEDREG_EXCHANGE_DELIVERY_MAX_ATTEMPTS", "20") or 20),
    "EXCHANGE_RETRY_BASE_SECONDS": 30,  # backoff 30 s, 1 min, 2 min ... capped at the maximum below
    "EXCHANGE_RETRY_MAX_SECONDS": 3600,  # so 20 attempts keep trying for about 14 hours
    "EXCHANGE_DELIVERY_TIMEOUT_SECONDS": 10,
    "FHIR_PAGE_SIZE": 50,
    "FHIR_MAX_PAGE_SIZE": 500,
    "EXCHANGE_SYNC_OVERLAP_SECONDS": 300,  # re-read this much history on every pull (late commits)
    "SIGNING_KEY_PASSWORD": _env("MEDREG_SIGNING_KEY_PASSWORD", required_in_production=True) or PII_KEY,
    # licences stream (issue 5): signing algorithm (ES256 default, EdDSA allowed), key lifetime and the
    # overlap during which a rotated-out key still verifies (>= QR lifetime); trust-list validity;
    # status-list slots per issuing authority (random index, 2 bits each); issuer code in the 标识.
    "SIGNING_ALGORITHM": _env("MEDREG_SIGNING_ALGORITHM", "ES256") or "ES256",
    "SIGNING_KEY_LIFETIME_DAYS": 365,
    "SIGNING_KEY_OVERLAP_DAYS": 90,
    "TRUST_LIST_VALIDITY_HOURS": 168,
    "STATUS_LIST_SIZE": 1 << 24,
    "DYNAMIC_QR_SECONDS": 30,
    # lifecycle stream: institutions report 注销 events and departures within 30 days (医师法 17; 2017 办法 19);
    # 2 full years on a departure record without resuming practice → proposed 注销 (医师法 17(5)); a lost
    # certificate's 遗失声明 is due within 15 days (2017 办法 16). [K]
    "LIFECYCLE_REPORT_DAYS": 30,
    "LIFECYCLE_INACTIVITY_YEARS": 2,
    "LIFECYCLE_LOSS_NOTICE_DAYS": 15,
    # records stream: 定期考核 cycle and sanctions (医师法 16, 42, 43, 54-58; 护士条例 31, 32). [K] where the
    # 2017 办法 or practice sets them; the statutory values are the defaults.
    "RECORDS": {
        "ASSESSMENT_CYCLE_YEARS": 3,
        "ASSESSMENT_SUSPENSION_MONTHS": (3, 6),
        "PENALTY_SUSPENSION_MONTHS": (6, 12),
        "BAN_YEARS": {"general": 2, "fraud": 3, "severe_min": 5},
        "WAIT_YEARS_AFTER_CRIMINAL_PENALTY": 2,
        "WAIT_YEARS_AFTER_REVOCATION": 2,
        "WAIT_YEARS_AFTER_ASSESSMENT_CANCELLATION": 1,
        "PUBLIC_SANCTION_KINDS": ("suspension", "assessment_suspension"),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"pii": {"()": "medreg.core.masking.PIILogFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["pii"]}},
    "root": {"handlers": ["console"], "level": _env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
