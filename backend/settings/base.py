"""Settings for every environment, read from the environment with safe development defaults.

`make run` uses this module with no environment at all: SQLite and a filesystem Celery broker
under var/. Production sets DEBUG=false, which removes every secret's default.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from backend.settings.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

# GENERAL
# ------------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY", "dev-only-insecure-key-do-not-deploy" if DEBUG else None)
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is required when DEBUG is false (set SECRET_KEY or SECRET_KEY_FILE)."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
TIME_ZONE = "UTC"  # stored times are UTC; wall clocks come from notifications' Preference.timezone
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "en"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "backend.apps.BackendConfig",
    "notifications",
    "recovery",
]
# structure (issue 15): the synthetic-cohort generator lives outside the domain, installed for
# its management command simulate_cohort.
INSTALLED_APPS += ["simulation.apps.SimulationConfig"]
# patient app (issue 20): the installable web app at /app/, a client of /api/v1/.
INSTALLED_APPS += ["patient_app.apps.PatientAppConfig"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "backend.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: it turns a lockout into a response.
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "backend" / "templates"],
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

# DATABASES
# ------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves web, worker and beat at once: wait for the write lock
    # instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# SCALE-OUT (issue 23; docs/operations.md): a streaming replica for analytics reads, and
# PostgreSQL behind PgBouncer in transaction pooling mode.
# ------------------------------------------------------------------------------
# Reads inside core.db_routing.use_replica() (the cohort outcome tables) go to `replica` when
# DATABASE_REPLICA_URL is set; without it the router sends everything to default.
DATABASE_ROUTERS = ["core.db_routing.ReplicaRouter"]
if _replica_url := env_str("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        _replica_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
    # Under test the replica is the primary's test database (no second database created).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# Exactly one Celery beat (backend/beat_lock.py): its advisory lock needs a real server
# session, so behind a transaction-mode pooler point this at PostgreSQL itself.
BEAT_LOCK_DATABASE_URL = env_str("BEAT_LOCK_DATABASE_URL")
if env_bool("DB_TRANSACTION_POOLING", False):
    # A transaction-mode pool hands each transaction any server session: nothing may outlive
    # one. So no server-side cursors (.iterator() in autocommit would lose its cursor) and no
    # prepared statements (psycopg 3 prepares a query after 5 runs; prepare_threshold None).
    for _database in DATABASES.values():
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
        _database.setdefault("OPTIONS", {})["prepare_threshold"] = None

# CACHES (throttles, locks). Redis when configured; otherwise a file cache shared by processes.
# ------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# AUTHENTICATION
# ------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username/IP is refused before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/dashboard/login/"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "backend.auth.lockout_response"
AXES_VERBOSE = False

SIMPLE_JWT = {
    # Short-lived access tokens: a stolen phone token stops working within minutes.
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 14)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": SECRET_KEY,
}

# SECURITY
# ------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)  # one clinic shift
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Everything the dashboard and the API docs load is served by us: no inline script, no CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# STATIC FILES (WhiteNoise serves them in every environment: no CDN, no separate server)
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES: dict[str, dict[str, Any]] = {  # Any: wound photos' OPTIONS (issue 21)
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# WOUND PHOTOS (issue 21): never publicly addressable, served by an authenticated view.
# ------------------------------------------------------------------------------
# Local filesystem under VAR_DIR by default (`make run`); any S3-compatible store in production
# through django-storages when WOUND_PHOTOS_S3_BUCKET is set (credentials from the usual AWS_*
# environment variables or the instance role; objects stay private, no public URLs).
WOUND_PHOTOS_S3_BUCKET = env_str("WOUND_PHOTOS_S3_BUCKET")
if WOUND_PHOTOS_S3_BUCKET:
    STORAGES["wound_photos"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": WOUND_PHOTOS_S3_BUCKET,
            "endpoint_url": env_str("WOUND_PHOTOS_S3_ENDPOINT_URL"),
            "region_name": env_str("WOUND_PHOTOS_S3_REGION"),
            "location": "wound-photos",
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,  # if a signed URL is ever made: 5 minutes at most
            "file_overwrite": False,
        },
    }
else:
    STORAGES["wound_photos"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # base_url is never served: no URL pattern or web server maps it.
        "OPTIONS": {"location": str(VAR_DIR / "wound-photos"), "base_url": "/no-public-url/"},
    }
WOUND_PHOTO_MAX_BYTES = env_int("WOUND_PHOTO_MAX_MB", 15) * 1024 * 1024
WOUND_PHOTO_MAX_PIXELS = env_int("WOUND_PHOTO_MAX_MEGAPIXELS", 50) * 1_000_000

# DJANGO REST FRAMEWORK
# ------------------------------------------------------------------------------
# Mixed value types (lists, dicts, ints); later blocks update entries in place.
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.CreatedCursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "core.schema.ProjectAutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "activation": env_str("THROTTLE_ACTIVATION", "10/hour"),
        "checkin": env_str("THROTTLE_CHECKIN", "120/hour"),
        "device": env_str("THROTTLE_DEVICE", "30/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "L3-L4 fusion recovery API",
    "DESCRIPTION": "Patient (mobile) and care-team endpoints. Errors share one shape: "
    '{"message": str, "code": str, "extra": {"fields": {field: [messages]}}}.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # assets from drf-spectacular-sidecar: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Distinct enum components for choice sets that share a field name.
    "ENUM_NAME_OVERRIDES": {
        "AccessEventActionEnum": "recovery.models.audit.AccessEvent.Action",
        "PlanItemKindEnum": "recovery.models.plans.PlanItem.Kind",
        "MilestoneKindEnum": "recovery.models.plans.Milestone.Kind",
        "AdjustmentKindEnum": "recovery.models.plans.ClinicianAdjustment.Kind",
        "PlanItemAdjustActionEnum": ["lift", "extend"],
        "FlagStatusEnum": "recovery.models.flags.Flag.Status",
    },
}

# API contract (issue 18): named enums shared by every endpoint that uses the vocabulary, with
# member names (x-enum-varnames); an absent choice is null, never a "" BlankEnum member.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(  # type: ignore[attr-defined]
    {
        "FlagCategory": "recovery.models.flags.Flag.Category",
        "Severity": "recovery.models.flags.Flag.Severity",
    }
)
SPECTACULAR_SETTINGS["ENUM_ADD_EXPLICIT_BLANK_NULL_CHOICE"] = False
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] = [
    "drf_spectacular.hooks.postprocess_schema_enums",
    "core.schema.contract_postprocess",
]

# CELERY
# ------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object]
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Redis redelivers an unacknowledged message after this many seconds. It must exceed
        # the hard time limit (so a running task is never handed to a second worker) and stay
        # short, so work held by a killed worker comes back within minutes. We never schedule
        # with long eta/countdown (due_at rows and a sweep do that), so nothing needs more.
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 600),
        # Publishing from a request gives up fast when Redis is down (the committed row is
        # re-driven by a sweep); the worker's own reconnect loop is governed separately.
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    }
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True  # nothing reads results; state lives in our tables
CELERY_RESULT_BACKEND = None
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 30)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 60)
# acks_late / reject_on_worker_lost are opted into per task, only by idempotent tasks.
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Publishing must not hang a request when the broker is down: the row is committed and a
# sweeper re-drives it later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False

# INTEGRATIONS
# ------------------------------------------------------------------------------
PUSH_ENABLED = env_bool("PUSH_ENABLED", False)
FCM_CREDENTIALS_FILE = env_str("FCM_CREDENTIALS_FILE")
# patient app (issue 20): Web Push (VAPID) for the `web` push platform. The private key is a
# PEM or its base64url DER (py-vapid accepts both); the public key is the base64url uncompressed
# point the browser subscribes with. `*_FILE` variants read secrets from files; `make run`
# generates development keys once under var/vapid/. No private key: web push is logged only.
WEBPUSH_VAPID_PRIVATE_KEY = env_secret("WEBPUSH_VAPID_PRIVATE_KEY")
WEBPUSH_VAPID_PUBLIC_KEY = env_secret("WEBPUSH_VAPID_PUBLIC_KEY", "")
WEBPUSH_VAPID_SUBJECT = env_str("WEBPUSH_VAPID_SUBJECT", "mailto:webpush@example.org")
EMAIL_ENABLED = env_bool("EMAIL_ENABLED", False)
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_ENABLED
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "recovery@localhost")
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://localhost:8000")

# DOMAIN
# ------------------------------------------------------------------------------
ACTIVATION_CODE_TTL_HOURS = env_int("ACTIVATION_CODE_TTL_HOURS", 72)
# Days in the past a patient may still fill in a daily checklist (their own calendar).
CHECKLIST_GRACE_DAYS = env_int("CHECKLIST_GRACE_DAYS", 3)
# Unacknowledged flags escalate to the rest of the team, then to the coordinator(s).
TRIAGE_ESCALATION = {
    "urgent_after": timedelta(minutes=env_int("TRIAGE_URGENT_ESCALATION_MINUTES", 120)),
    "emergency_after": timedelta(minutes=env_int("TRIAGE_EMERGENCY_ESCALATION_MINUTES", 15)),
    "urgent_coordinator_after": timedelta(minutes=env_int("TRIAGE_URGENT_ESCALATION_MINUTES", 120)),
    "emergency_coordinator_after": timedelta(
        minutes=env_int("TRIAGE_EMERGENCY_ESCALATION_MINUTES", 15)
    ),
}
# Triage emergency number (issue 14): the number every "call emergency services" advice
# names, filled into the rule set's {emergency_number} placeholder. 911 (US/Canada); 112
# (EU and most mobiles worldwide) and 999 (UK) are the common others.
EMERGENCY_NUMBER = env_str("EMERGENCY_NUMBER", "911")
# Reminder runs on each patient's clock (the morning run uses their chosen check-in time).
REMINDERS = {
    "EVENING_TIME": env_str("REMINDER_EVENING_TIME", "19:00"),
    "SILENCE_PATIENT_DAYS": env_int("REMINDER_SILENCE_PATIENT_DAYS", 2),
}
# Cohort tables hide any cell describing fewer patients than this (re-identification).
OUTCOMES_MIN_CELL = env_int("OUTCOMES_MIN_CELL", 5)
# Directory holding licensed questionnaire wording (e.g. odi.yaml); never committed.
INSTRUMENT_WORDING_DIR = env_str("INSTRUMENT_WORDING_DIR")
# Base URL of this deployment's own FHIR code systems (a URL the organisation controls).
FHIR_SYSTEM_BASE = env_str("FHIR_SYSTEM_BASE", "https://fhir.l3l4-recovery.example")

# AUTHENTICATION HARDENING (security review, issue 17): MFA, lockout, tokens, passwords
# ------------------------------------------------------------------------------
# Reverse proxies in front of web that append X-Forwarded-For (compose's proxy: 1). 0 = the
# socket address is the client. One rule for axes, the DRF throttles and the audit trail.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [
    "backend.auth.DenyListJWTAuthentication",
    "backend.auth.VerifiedSessionAuthentication",
]
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].update(
    {
        # Token and refresh endpoints: per client address, and for the whole site.
        "auth_address": env_str("THROTTLE_AUTH_ADDRESS", "60/minute"),
        "auth_global": env_str("THROTTLE_AUTH_GLOBAL", "3000/minute"),
        "password_reset": env_str("THROTTLE_PASSWORD_RESET", "10/hour"),
    }
)
# Failed sign-ins: (username, address) pairs are locked by axes (above). Per username, attempts
# beyond LOGIN_DELAY_AFTER_FAILURES failures wait a doubling delay capped at LOGIN_DELAY_MAX_SECONDS
# (slows a distributed guesser without locking the owner out). Per address, failures for any
# usernames beyond LOGIN_ADDRESS_FAILURE_LIMIT within the cool-off get 429 (password spraying).
LOGIN_DELAY_AFTER_FAILURES = env_int("LOGIN_DELAY_AFTER_FAILURES", 5)
LOGIN_DELAY_MAX_SECONDS = env_int("LOGIN_DELAY_MAX_SECONDS", 30)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20)
ACTIVATION_CODE_MAX_ATTEMPTS = env_int("ACTIVATION_CODE_MAX_ATTEMPTS", 5)

# JWTs get their own key, so rotating it signs every phone out without touching sessions,
# password-reset links or signed cookies (docs/security-tokens.md).
JWT_SIGNING_KEY = env_secret(
    "JWT_SIGNING_KEY", "dev-only-insecure-jwt-key-do-not-deploy" if DEBUG else None
)
if not JWT_SIGNING_KEY:
    raise ImproperlyConfigured(
        "JWT_SIGNING_KEY is required when DEBUG is false (set JWT_SIGNING_KEY or "
        "JWT_SIGNING_KEY_FILE; it must differ from SECRET_KEY)."
    )
SIMPLE_JWT["SIGNING_KEY"] = JWT_SIGNING_KEY
SIMPLE_JWT["UPDATE_LAST_LOGIN"] = False  # the token view sends user_logged_in instead
# A refresh token never outlives this from the sign-in, however often it is rotated.
JWT_REFRESH_ABSOLUTE_DAYS = env_int("JWT_REFRESH_ABSOLUTE_DAYS", 30)

# MFA (TOTP via django-otp, plus 10 single-use recovery codes) for clinicians and staff.
CLINICIAN_MFA_REQUIRED = env_bool("CLINICIAN_MFA_REQUIRED", True)
INSTALLED_APPS[INSTALLED_APPS.index("django.contrib.admin")] = "backend.admin_config.OTPAdminConfig"
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "L3-L4 Recovery")
MFA_RECOVERY_CODE_COUNT = 10

# Password reset links are single-use (the token covers the password hash) and last 1 hour.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3600)
# Where a patient's reset link points: the app (or its web fallback) posts uid, token and the
# new password to /api/v1/auth/password/reset/confirm/.
PATIENT_PASSWORD_RESET_URL = env_str(
    "PATIENT_PASSWORD_RESET_URL",
    f"{PUBLIC_BASE_URL}/app/reset-password?uid={{uid}}&token={{token}}",
)

# LOGGING: structured enough to grep, and never a patient's health data (see docs/security.md).
# ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"drop_exception_detail": {"()": "backend.log_filters.DropExceptionDetail"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Pillow logs every EXIF tag it reads at DEBUG, GPS included (wound photos, issue 21).
        "PIL": {"level": "WARNING"},
        # At DEBUG it logs each missing variable with the template context in the traceback.
        "django.template": {"filters": ["drop_exception_detail"]},
    },
}

# SECURITY HARDENING (issue 17: admin, idle logoff, break-glass, bad input, audit trail)
# ------------------------------------------------------------------------------
# Request bodies: over the limit is a 413, JSON nested deeper than this a 400 (backend.parsers).
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 2_621_440)  # Django's 2.5 MB default
API_MAX_JSON_DEPTH = env_int("API_MAX_JSON_DEPTH", 32)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = ["backend.parsers.LimitedJSONParser"]
# Cache-Control: no-store on /api/, /dashboard/ and the admin (backend.middleware).
MIDDLEWARE.insert(MIDDLEWARE.index("backend.middleware.RequestIdMiddleware") + 1,
                  "backend.middleware.NoStoreMiddleware")  # fmt: skip
# Automatic logoff of browser sessions (backend.session_idle): idle limit, absolute limit.
DASHBOARD_IDLE_MINUTES = env_int("DASHBOARD_IDLE_MINUTES", 15)
DASHBOARD_SESSION_MAX_HOURS = env_int("DASHBOARD_SESSION_MAX_HOURS", 12)
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
                  "backend.session_idle.SessionIdleMiddleware")  # fmt: skip
# The admin's path ("" removes the admin from the URLconf); production should pick its own.
# (read directly: env_str treats an empty value as unset)
ADMIN_URL = __import__("os").environ.get("ADMIN_URL", "admin/").strip().strip("/")
ADMIN_URL = f"{ADMIN_URL}/" if ADMIN_URL else ""
# Break-glass (emergency) access to a patient outside the clinician's teams.
BREAK_GLASS_MINUTES = env_int("BREAK_GLASS_MINUTES", 60)

# CAREGIVERS (issue 22)
# ------------------------------------------------------------------------------
# An invitation code the patient hands to a caregiver: single use, valid this long.
CAREGIVER_INVITATION_TTL_HOURS = env_int("CAREGIVER_INVITATION_TTL_HOURS", 72)

# PATIENT LANGUAGE (issue 19)
# ------------------------------------------------------------------------------
# The languages patients can read: adding a third is data work (a .po file, the `<code>` entries
# beside the English in the clinical data files) plus one line here. English is the source
# language of every text; core.i18n reads this list and nothing else.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Anonymous requests (activation, sign-in errors) follow Accept-Language; a signed-in patient's
# requests follow their own language (recovery.api.permissions.IsPatient activates it once the
# token is read).
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
                  "django.middleware.locale.LocaleMiddleware")  # fmt: skip

# PERFORMANCE (issue 23)
# ------------------------------------------------------------------------------
# API responses are written by orjson: the same bytes as DRF's JSONRenderer (core/renderers.py).
REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = [
    "core.renderers.ORJSONRenderer" if name == "rest_framework.renderers.JSONRenderer" else name
    for name in REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"]
]
