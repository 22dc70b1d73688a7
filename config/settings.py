"""Settings, read from the environment (twelve-factor).

Variables (a `.env` file in the project folder is read too; real environment variables win):

- ``DEBUG``          off by default.
- ``SECRET_KEY``     required when DEBUG is off.
- ``DATABASE_URL``   default: SQLite file ``db.sqlite3`` in the project folder.
- ``REDIS_URL``      absent: Celery runs tasks in-process and the cache is local memory;
                     present: Redis is the Celery broker, result backend and the cache.
- ``ALLOWED_HOSTS``  comma-separated; default ``127.0.0.1,localhost`` (plus ``testserver``).
- ``SECURE_SSL_REDIRECT``, ``CSRF_TRUSTED_ORIGINS``  for deployment behind a TLS proxy.
- ``ENV_FILE``       path of the .env file to read; empty to read none.
- ``REVIEW_REVERSAL_ABOVE``  two-person review (经办/复核) of a reversal by bureau staff when the
                     settlement's total amount is above this many yuan; default ``1000.00``;
                     ``off`` (or empty) to reverse at once whatever the amount.
- ``REVIEW_CERTIFICATION_APPROVAL``  review of a chronic/special certification's approval
                     (the applicant cannot approve); default on.
- ``REVIEW_POLICY_PUBLICATION``  review of a policy publication; default on.
"""

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
_env_file = env.str("ENV_FILE", default=str(BASE_DIR / ".env"))
if _env_file and Path(_env_file).is_file():
    environ.Env.read_env(_env_file, overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off (set it in the environment or in .env)."
        )
    # DEBUG only: a fixed development key, so `DEBUG=1` alone is enough on a laptop.
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "import_export",
    "simple_history",
    "axes",
    # Ours, in dependency order (see DESIGN.md: imports point one way).
    "staff",
    "jobs",
    "policies",
    "enrollment",
    "accounts",
    "family_sharing",
    "catalogue",
    "claims",
    "gateway",
    "dashboards",
    "replay",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body (sessions, CSRF): a body above the upload limit is a 413.
    "staff.uploads.UploadLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "staff.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "staff.audit.AuditMiddleware",
    "staff.middleware.BadValueMiddleware",
    "staff.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "staff.context_processors.roles",
                "staff.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"


def database_config(url: str) -> dict:
    """One DATABASES entry from a URL, tuned per engine.

    SQLite (the embedded default) gets WAL, a busy timeout and IMMEDIATE transactions so that
    concurrent writers queue instead of failing with "database is locked".
    """
    config = environ.Env.db_url_config(url)
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        config["ENGINE"] = "config.db.sqlite3"  # Django's; flush empties append-only tables
        config["OPTIONS"] = {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
    elif engine == "django.db.backends.postgresql":
        config["ENGINE"] = "config.db.postgresql"  # Django's, health check without a round trip
        # Persistent connections only where the server reuses its threads: gunicorn's config
        # (config/gunicorn.conf.py) sets CONN_MAX_AGE; runserver starts a thread per request,
        # and each thread's kept connection would stay open until PostgreSQL refuses more.
        config.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": database_config(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="mutual-aid"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"

# Login throttling (django-axes): five failed attempts for one user name from one address lock
# that pair out for half an hour, at the login page, the admin and the API's token endpoint.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "staff.lockout.lockout_response"
AXES_VERBOSE = False
# The same client address as the audit trail: behind the proxy every socket is the proxy's.
AXES_CLIENT_IP_CALLABLE = "staff.proxies.axes_client_address"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Tests and `make run` serve static files without running collectstatic first.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(BASE_DIR / "media"))
# Uploaded payroll files can be large; they are streamed to disk, not held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Every upload (payroll, person and institution imports): at most this many bytes (413/400
# naming the limit); a workbook may unpack to at most SPREADSHEET_MAX_UNCOMPRESSED bytes and
# hold no cell longer than SPREADSHEET_MAX_CELL characters (staff.uploads).
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
SPREADSHEET_MAX_UNCOMPRESSED = env.int("SPREADSHEET_MAX_UNCOMPRESSED", default=200 * 1024 * 1024)
SPREADSHEET_MAX_CELL = env.int("SPREADSHEET_MAX_CELL", default=32_767)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Security (production values whenever DEBUG is off; `check --deploy` is clean) ---
# Content security policy (django-csp): our own files only. No page has an inline script or
# style (the charts' data travel in json_script blocks, which are not run); the API's Swagger
# page, which ships inline script, is exempted in config/urls.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- REST API ---
# A JSON body nested deeper than this is refused before it is decoded (staff.parsers).
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=64)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "enrollment.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PARSER_CLASSES": [
        "staff.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "staff.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "staff.api_utils.AsciiPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "staff.schema.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "EXCEPTION_HANDLER": "staff.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "职工医保门诊共济保障 API",
    "DESCRIPTION": (
        "Outpatient mutual-aid administration: regions and policies, enrollment, personal "
        "accounts, family sharing, settlement. Authenticate with `POST /api/v1/auth/token/` "
        "and send `Authorization: Token <key>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "jobs.models.Job.Status",
        "PersonStatusEnum": "enrollment.models.Person.Status",
        "InstitutionKindEnum": "enrollment.models.Institution.Kind",
        "InstitutionLevelEnum": "enrollment.models.Institution.Level",
        "PersonCategoryEnum": "enrollment.models.Person.Category",
    },
}

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# --- Celery ---
# Without a broker the embedded default runs every task in-process, at once.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged only when it finishes, so a worker that dies mid-run has its task
# redelivered; task bodies are idempotent (unique keys) so redelivery is safe.
# Behind reverse proxies that append to X-Forwarded-For: how many there are. The client's
# address (audit trail, login throttle) is the entry that many hops from the right; what the
# client wrote further left is ignored (staff.proxies). 0: the socket's address. The older
# AUDIT_TRUST_X_FORWARDED_FOR=1 still works and means one proxy when this is not set.
AUDIT_TRUST_X_FORWARDED_FOR = env.bool("AUDIT_TRUST_X_FORWARDED_FOR", default=False)
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=None)

# The worker keeps the project's log handlers (and their personal-data filter).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# An unacknowledged task (its worker died) is redelivered after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
}
# A running job's heartbeat is touched as it makes progress; one that stopped this many seconds
# ago, with no live worker holding the job, is sent again by the beat (or failed once it has
# run JOB_MAX_ATTEMPTS times), without waiting for the visibility timeout.
JOB_HEARTBEAT_TIMEOUT = env.int("JOB_HEARTBEAT_TIMEOUT", default=300)
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=3)
# Uploaded payroll files are deleted when their job ends (0), or this many hours after it ended
# (kept for inspection; the beat removes them). The job keeps its counts either way.
PAYROLL_UPLOAD_RETENTION_HOURS = env.int("PAYROLL_UPLOAD_RETENTION_HOURS", default=0)
# Accounts per crediting statement (monthly crediting, year-end close).
ACCOUNTS_CHUNK = env.int("ACCOUNTS_CHUNK", default=5000)
# Policy replay (issue 21): persons per chunk (one Celery task each), and how many settlements
# the job replays under the versions in force to check that they come back to the cent.
REPLAY_CHUNK_PERSONS = env.int("REPLAY_CHUNK_PERSONS", default=2000)
# A replay job is split in at least this many chunks (smaller ones when the region is small),
# so that every worker gets some.
REPLAY_MIN_CHUNKS = env.int("REPLAY_MIN_CHUNKS", default=8)
REPLAY_SAMPLE = env.int("REPLAY_SAMPLE", default=200)
# The largest total one outpatient claim may have (yuan); above it the claim is refused, naming
# it (claims.settlement._validate), on every path.
CLAIM_TOTAL_CEILING = env.str("CLAIM_TOTAL_CEILING", default="1000000.00")
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="mutual-aid")
CELERY_TIMEZONE = TIME_ZONE
# The one beat schedule (run exactly one `celery beat`). The jobs are idempotent, so a second
# beat started by mistake credits nobody twice.
CELERY_BEAT_SCHEDULE: dict = {
    "monthly-retiree-crediting": {
        "task": "accounts.credit_current_month",
        "schedule": crontab(minute=30, hour=1, day_of_month=1),
    },
    "year-end-close": {
        "task": "accounts.close_last_year",
        "schedule": crontab(minute=0, hour=3, day_of_month=1, month_of_year=1),
    },
    # Each settlement leaves a pending change that this job (and every dashboard page before it
    # reads) adds to the claim summaries; the ledger, balance, cap and persons-served snapshots
    # are recomputed every ten minutes (the dashboards say when).
    # A job whose message was lost with the broker (a failed send, a Redis restart without
    # persistence) is sent again after two minutes; a job sent twice runs once.
    "resend-queued-jobs": {"task": "jobs.resend_queued", "schedule": crontab(minute="*")},
    # A running job whose heartbeat stopped (its worker killed) is sent again or failed.
    "recover-stalled-jobs": {"task": "jobs.recover_stalled", "schedule": crontab(minute="*")},
    # Uploaded payroll files kept past PAYROLL_UPLOAD_RETENTION_HOURS are deleted.
    "purge-payroll-uploads": {
        "task": "accounts.purge_payroll_uploads",
        "schedule": crontab(minute=15),
    },
    "dashboard-claim-changes": {
        "task": "dashboards.fold_claim_changes",
        "schedule": crontab(minute="*"),
    },
    "dashboard-snapshots": {
        "task": "dashboards.refresh_snapshots",
        "schedule": crontab(minute="*/10"),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "staff.logging.PersonalDataFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # runserver's request lines carry query strings (?q=<ID number>): through the filter.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}


# Two-person review (经办/复核, staff.reviews): which acts wait for a second user's approval.
def _amount_or_off(name: str, default: str) -> Decimal | None:
    raw = env.str(name, default=default).strip()
    if raw.lower() in ("", "off", "none", "false", "0"):
        return None
    try:
        return Decimal(raw).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name} must be an amount such as 1000.00, or off.") from None


REVIEW_REVERSAL_ABOVE = _amount_or_off("REVIEW_REVERSAL_ABOVE", "1000.00")
REVIEW_CERTIFICATION_APPROVAL = env.bool("REVIEW_CERTIFICATION_APPROVAL", default=True)
REVIEW_POLICY_PUBLICATION = env.bool("REVIEW_POLICY_PUBLICATION", default=True)
