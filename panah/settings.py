"""Panah's one settings module, configured only through PANAH_* environment variables.

`PANAH_MODE` must be given: `demo` (SQLite under var/, console email, generated secrets) or
`production` (every secret must be given, and strong; the process refuses to start otherwise).
Every variable is listed in `.env.example`.
"""

import ipaddress
import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("PANAH_VAR_DIR", BASE_DIR.parent / "var")).resolve()


def env_str(name: str, default: str | None = None) -> str | None:
    """A plain string variable (empty counts as unset)."""
    value = os.environ.get(name, "")
    return value if value != "" else default


def env_bool(name: str, default: bool) -> bool:
    """A boolean variable: only the words True and False are accepted."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value not in ("True", "False"):
        raise ImproperlyConfigured(f"{name} must be True or False, not {value!r}.")
    return value == "True"


def env_int(name: str, default: int) -> int:
    """A whole-number variable."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_secret(name: str) -> str | None:
    """A secret given directly in NAME or, better, in the file named by NAME_FILE."""
    path = env_str(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{name}_FILE points to {path!r}, which cannot be read: {exc}"
            ) from None
    return env_str(name)


def _demo_secret(filename: str) -> str:
    """A secret generated once for this demo checkout and kept under var/ (never committed)."""
    path = VAR_DIR / filename
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def weak_secret_key(key: str) -> str | None:
    """Why a production secret key is too weak to sign sessions and key the audit chain, or None.

    The floor Django's deployment check uses (50 characters, not Django's generated insecure
    key), and no guessable shape: a few different characters, or one short part repeated.
    """
    if len(key) < 50:
        return f"it has {len(key)} characters, fewer than 50"
    if key.startswith("django-insecure-"):
        return "it is the insecure key Django generates for development"
    if len(set(key)) < 10:
        return f"it uses only {len(set(key))} different characters"
    period = next((p for p in range(1, len(key) // 2 + 1) if key[p:] == key[:-p]), None)
    if period is not None:
        return f"it repeats the same {period} characters"
    return None


# No default: a server whose environment file was not loaded must not quietly run as a demo
# (generated secrets, console email, the published demo password) against a real database.
MODE = env_str("PANAH_MODE")
if MODE not in ("demo", "production"):
    raise ImproperlyConfigured(
        "PANAH_MODE must be 'demo' or 'production', "
        + ("but it is not set" if MODE is None else f"not {MODE!r}")
        + " (on a server, load its environment file: see docs/deploy.md)."
    )
DEMO = MODE == "demo"
DEBUG = env_bool("PANAH_DEBUG", False)

if DEMO:
    SECRET_KEY = env_secret("PANAH_SECRET_KEY") or _demo_secret("demo-secret-key")
    ALLOWED_HOSTS = (env_str("PANAH_ALLOWED_HOSTS") or "127.0.0.1,localhost,testserver").split(",")
else:
    # The secret key and the database URL (it holds a password) may come from NAME_FILE too;
    # an empty value or an empty file counts as missing.
    required = {
        "PANAH_SECRET_KEY": env_secret("PANAH_SECRET_KEY"),
        "PANAH_ALLOWED_HOSTS": env_str("PANAH_ALLOWED_HOSTS"),
        "PANAH_DATABASE_URL": env_secret("PANAH_DATABASE_URL"),
        "PANAH_MASTER_KEY_FILE": env_str("PANAH_MASTER_KEY_FILE"),
    }
    missing = [name for name, value in required.items() if not value]
    if missing:
        raise ImproperlyConfigured(
            "Panah is in production mode but these settings are missing: "
            + ", ".join(missing)
            + ". See .env.example and docs/deploy.md."
        )
    SECRET_KEY = env_secret("PANAH_SECRET_KEY")
    ALLOWED_HOSTS = env_str("PANAH_ALLOWED_HOSTS").split(",")
    # Refusals, not warnings: `check --deploy` says the same but nothing would stop the start.
    weakness = weak_secret_key(SECRET_KEY)
    if weakness:
        raise ImproperlyConfigured(
            f"PANAH_SECRET_KEY is too weak for production: {weakness}. It signs sessions and "
            "keys the audit chain; create one with "
            '`python3 -c "import secrets; print(secrets.token_urlsafe(50))"` (docs/deploy.md).'
        )
    if DEBUG:
        raise ImproperlyConfigured(
            "PANAH_DEBUG is True, which production refuses: error pages would show settings, "
            "code and the values of a request to anyone. Set PANAH_DEBUG=False or leave it out."
        )

# Earlier secret keys, comma-separated, kept after a rotation so old signatures and the audit
# chain written under them still verify (docs/security.md).
SECRET_KEY_FALLBACKS = [k for k in (env_secret("PANAH_SECRET_KEY_FALLBACKS") or "").split(",") if k]

# The master key wraps every organisation key; it never lives in the database. In production
# the web server refuses to start while the file is missing (panah/wsgi.py): only
# `panah migrate` and `panah keys init` run before it exists.
MASTER_KEY_FILE = env_str("PANAH_MASTER_KEY_FILE") or str(VAR_DIR / "demo-master.key")
# Uploaded files, encrypted under random names (panah.core.crypto.files).
ENCRYPTED_FILES_DIR = env_str("PANAH_FILES_DIR") or str(VAR_DIR / "files")
# Uploads are held in memory only, never in a plaintext temporary file: a request's files may
# hold this much in all (documents up to 10 MB, evidence files up to 50 MB); the bytes of a
# bigger upload are dropped as they arrive and its form says the limit (panah.core.uploads).
FILE_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024 + 1024 * 1024
FILE_UPLOAD_HANDLERS = ["panah.core.uploads.MemoryOnlyUploadHandler"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    # Installed only for their tables' migration history: core's migrations 0004 and 0009 moved
    # their codes and seeds, kept there in clear, to core.RecoveryCodeDevice and
    # core.AuthenticatorDevice; saving a device of either raises (core.signals).
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "rules.apps.AutodiscoverRulesConfig",
    # Background tasks (django-tasks, the backport of Django 6's tasks framework) kept in the
    # database: imports and linkage started from the web run in `panah worker`.
    "django_tasks",
    "django_tasks_db",
    "panah.core",
    # After panah.core: its models ask for the user model when imported. Its own credential
    # tables stay empty; passkeys live in core.Passkey (OTP_WEBAUTHN_CREDENTIAL_MODEL).
    "django_otp_webauthn",
    "panah.people",
    "panah.cases",
    "panah.shelter",
    "panah.safety",
    "panah.evidence",
    "panah.advocacy",
    "panah.public",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Inside CommonMiddleware (which sets Content-Length from the rewritten page).
    "panah.core.middleware.PersianDigitsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "panah.core.middleware.OrganisationMiddleware",
    # Last, so it sees the credentials only after everything else let the request through.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "panah.urls"
WSGI_APPLICATION = "panah.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:dashboard"

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
                "panah.core.context_processors.panah",
            ],
        },
    }
]

# Database: SQLite in var/ (WAL, set on connection) unless PANAH_DATABASE_URL names another.
DATABASES = {
    "default": dj_database_url.parse(
        env_secret("PANAH_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'panah.sqlite3'}",
        # Kept open between requests: opening one per request (and, on SQLite, checkpointing the
        # WAL when it closes) was a third of a signed-in page's cost (bench/pages.py).
        conn_max_age=env_int("PANAH_DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # A background task's progress (rows done / total) and its worker's heartbeat: counts only,
    # nothing personal. Outside the database, because an import holds the database's write lock
    # (SQLite) for its whole all-or-nothing transaction. Shared by the web server and the worker
    # through files; a deployment on several hosts points this at a shared cache instead.
    "tasks": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "task-progress"),
        "TIMEOUT": 7 * 24 * 3600,
    },
}

# Background tasks: "database" (django-tasks-db; `panah worker` runs them: `make demo` starts it,
# deploy/systemd/panah-worker.service in production) or "immediate" (inside the request: the
# tests, where running at once proves the behaviour).
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS_BACKEND_NAME = env_str("PANAH_TASKS_BACKEND") or "database"
if TASKS_BACKEND_NAME not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"PANAH_TASKS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}, not {TASKS_BACKEND_NAME!r}."
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND_NAME], "QUEUES": ["default"]}}

AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out user before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "panah.core.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lockout after repeated failures, per account and address together.
AXES_FAILURE_LIMIT = env_int("PANAH_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("PANAH_LOGIN_COOLOFF_MINUTES", 30) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_CALLABLE = "panah.core.views.auth.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Axes keeps a table of failed attempts; the user agent there is enough, the path is not needed.
AXES_ENABLE_ACCESS_FAILURE_LOG = False
# The same client address as the audit trail's: X-Forwarded-For only from a trusted proxy.
AXES_CLIENT_IP_CALLABLE = "panah.core.proxy.lockout_ip"

# Who may name the client's address in X-Forwarded-For (panah.core.proxy): `unix`, the peer of
# gunicorn's Unix socket that only nginx can reach, and/or IP addresses or networks of proxies.
# From any other peer the header is ignored, so nobody picks the address their failed logins
# count under, or the one the audit trail writes.
TRUSTED_PROXIES = [
    p.strip() for p in env_str("PANAH_TRUSTED_PROXIES", "unix").split(",") if p.strip()
]
for _proxy in TRUSTED_PROXIES:
    if _proxy != "unix":
        try:
            ipaddress.ip_network(_proxy)  # strict, as gunicorn's: 10.1.2.3/8 is a slip
        except ValueError:
            raise ImproperlyConfigured(
                "PANAH_TRUSTED_PROXIES must list 'unix' and/or IP addresses or networks, "
                f"separated by commas; {_proxy!r} is neither."
            ) from None

# Passkeys and security keys (django-otp-webauthn, panah.core.passkeys): a second factor after
# the password, bound to this site's own address (origin), which a phishing site cannot present.
OTP_WEBAUTHN_CREDENTIAL_MODEL = "core.Passkey"
OTP_WEBAUTHN_HELPER_CLASS = "panah.core.passkeys.Helper"
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_RP_NAME = "Panah"
# The relying party is the host the member reached (one of ALLOWED_HOSTS); the library's checks
# want these set, the helper reads the request.
OTP_WEBAUTHN_RP_ID_CALLABLE = "panah.core.passkeys.relying_party_id"
OTP_WEBAUTHN_ALLOWED_ORIGINS = [
    f"https://{h}" for h in ALLOWED_HOSTS if h and not h.startswith(".") and h != "testserver"
] + (["http://localhost"] if DEMO else [])
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = "panah.core.passkeys"
# Members holding these roles must sign in with a passkey (TOTP is not accepted for them once
# they have one) and reach nothing else until they register one. Only a demo may change it
# (PANAH_PASSKEY_ROLES, comma-separated, or "none").
PASSKEY_ROLES = ["admin", "safety_officer"]
if DEMO and env_str("PANAH_PASSKEY_ROLES"):
    PASSKEY_ROLES = [
        r.strip()
        for r in env_str("PANAH_PASSKEY_ROLES").split(",")
        if r.strip() not in ("", "none")
    ]

OTP_TOTP_ISSUER = "Panah"
OTP_TOTP_THROTTLE_FACTOR = 1

# Short idle sessions: every request pushes the expiry forward, so it runs from the last action.
SESSION_COOKIE_AGE = env_int("PANAH_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
# Database sessions that skip the write when only the expiry would move, by under a minute.
SESSION_ENGINE = "panah.core.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "panah.core.views.errors.csrf_failure"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEMO:
    SECURE_SSL_REDIRECT = env_bool("PANAH_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("PANAH_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("PANAH_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    CSRF_TRUSTED_ORIGINS = [f"https://{h}" for h in ALLOWED_HOSTS if h and not h.startswith(".")]

# Nothing is served by a third party: every source is 'self', scripts also need the nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("nl", _("Dutch")),
    ("fa", _("Persian")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("PANAH_TIME_ZONE", "Europe/Brussels")
LANGUAGE_COOKIE_SECURE = not DEMO
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# The project-wide static folder (CSS and the vendored font) is not inside an app.
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# WhiteNoise serves static files from the app folders directly, so the demo needs no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEMO

EMAIL_BACKEND = (
    "django.core.mail.backends.console.EmailBackend"
    if DEMO and not env_str("PANAH_EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = env_str("PANAH_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("PANAH_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("PANAH_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_secret("PANAH_EMAIL_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("PANAH_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("PANAH_EMAIL_FROM", "panah@localhost")

# Cells smaller than this are suppressed in every aggregate that leaves the organisation.
DISCLOSURE_THRESHOLD = env_int("PANAH_DISCLOSURE_THRESHOLD", 5)
# Days an invitation link stays valid.
INVITATION_DAYS = env_int("PANAH_INVITATION_DAYS", 7)
# Minutes during which a re-authentication (password + second factor) opens exports and erasures.
REAUTH_MINUTES = env_int("PANAH_REAUTH_MINUTES", 5)
# A member reading this many sensitive records within this many minutes alerts the admins
# (a count of 0 turns the alert off).
READ_ALERT_COUNT = env_int("PANAH_READ_ALERT_COUNT", 100)
READ_ALERT_MINUTES = env_int("PANAH_READ_ALERT_MINUTES", 10)
# Retention periods per record type, in months (`panah retention apply`). A person with no
# case activity and no change for this long is erased (crypto-shredded).
RETENTION_PERSON_MONTHS = env_int("PANAH_RETENTION_PERSON_MONTHS", 24)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("PANAH_LOG_LEVEL", "WARNING")},
}

# Joining the browsers' HSTS preload list binds the whole domain for months: that is the host's
# own choice (PANAH_HSTS_PRELOAD=True), so not making it is no deployment fault.
SILENCED_SYSTEM_CHECKS: list[str] = [] if DEMO or SECURE_HSTS_PRELOAD else ["security.W021"]

# The shelter matcher's policy: "optimal" (every need against every offer free today) or
# "dynamic" (also weighs who is likely to arrive in the next days; docs/shelter.md).
SHELTER_MATCH_POLICY = os.environ.get("PANAH_SHELTER_POLICY", "optimal")
