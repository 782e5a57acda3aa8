"""Configuration: safe embedded defaults, overridden only by environment variables."""

import base64
import hashlib
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

# The `# nosec B105` marks below: bandit takes every setting whose name holds "PASSWORD" for a
# hard-coded password; none of them is one.

#: Every environment variable the registry reads, with its meaning (the README mirrors this list).
ENVIRONMENT = {
    "DATABASE_URL": "SQLAlchemy URL; default SQLite at instance/registry.db",
    "SECRET_KEY": "session signing key; default generated once into instance/secret_key",  # nosec B105
    "SECURITY_PASSWORD_SALT": "salt for reset tokens; default derived from SECRET_KEY",  # nosec B105
    "REDIS_URL": "Redis for RQ jobs and shared rate limits; default none (in-process)",
    "MAIL_SERVER": "SMTP host; default none (e-mail is logged and kept in the outbox)",
    "MAIL_PORT": "SMTP port; default 25",
    "MAIL_USERNAME": "SMTP user; default none",
    "MAIL_PASSWORD": "SMTP password; default none",  # nosec B105
    "MAIL_USE_TLS": "STARTTLS (1/0); default 0",
    "MAIL_USE_SSL": "SMTP over TLS (1/0); default 0",
    "MAIL_DEFAULT_SENDER": "From address; default registry@localhost",
    "MAIL_MAX_ATTEMPTS": "delivery attempts per message; default 3",
    "BASE_URL": "scheme://host[:port] of every absolute link; default http://127.0.0.1:5000",
    "TRUSTED_HOSTS": "host names a request may name (comma-separated); default BASE_URL's",
    "TRUSTED_PROXIES": "reverse proxies in front (X-Forwarded-For/-Proto); default 0",
    "SQLITE_BUSY_SECONDS": "seconds a SQLite write waits for another; default 10",
    "SESSION_REDIS_URL": "Redis for server-side sessions; default none (sessions in the database)",
    "SESSION_IDLE_MINUTES": "idle minutes before a stakeholder's session ends; default 120",
    "SESSION_IDLE_MINUTES_STAFF": "idle minutes before a staff session ends; default 30",
    "SESSION_MAX_HOURS": "hours after login when every session ends, however active; default 12",
    "MFA_REQUIRED_FOR_STAFF": "staff must use an authenticator app (1/0); default 1",
    "MAIL_RETRY_SECONDS": "first wait before a failed e-mail is retried (doubling); default 60",
    "HOST": "address for `python app.py`; default 127.0.0.1",
    "PORT": "port for `python app.py`; default 5000",
    "RATELIMIT_STORAGE_URI": "flask-limiter storage; default REDIS_URL or memory (one process)",
    "LOG_LEVEL": "logging level; default INFO for the server, WARNING for commands",
    "INSTANCE_PATH": "folder for the secret key and SQLite database; default instance/",
    "DISCLOSURE_MIN_GROUP": "small-group threshold of public outputs; default 3",
    "MAX_EVIDENCE_MB": "largest evidence file of a progress update, in MB; default 10",
    "EVIDENCE_DIR": "folder of evidence files (outside the web root); default instance/evidence",
    "EVIDENCE_S3_BUCKET": "S3-compatible bucket for evidence files instead; default none",
    "EVIDENCE_S3_ENDPOINT_URL": "the S3-compatible store's address; default AWS S3",
    "EVIDENCE_S3_REGION": "the bucket's region; default boto3's (AWS_DEFAULT_REGION)",
    "EVIDENCE_S3_PREFIX": "key prefix of evidence objects in the bucket; default evidence/",
    "REPORT_CHUNKS": "render the GRF report in cached chunks (1/0); default 1",
    "REPORT_CHUNK_CACHE_DIR": "folder of the rendered chunks; default instance/report-chunks",
    "REPORT_CHUNK_CACHE_MB": "largest size of that folder, in MB (oldest used go); default 256",
    "REPORT_RENDER_PROCESSES": "processes rendering chunks at once (0: in-process); default cores",
}


def _env_bool(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int, minimum: int) -> int:
    """Read a whole-number environment variable; a value that is not one is refused at start."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise SystemExit(f"{name} must be at least {minimum}, not {number}")
    return number


def _instance_secret(instance_path: Path) -> str:
    """Return the instance's secret key, generating it on first use (never a constant in code)."""
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def uses_https(base_url: str) -> bool:
    """True when the registry is served over HTTPS (cookies then carry `Secure`; HSTS)."""
    return urlsplit(base_url).scheme == "https"


def trusted_hosts(base_url: str, listed: str | None) -> list[str]:
    """The host names a request's `Host` may carry: `TRUSTED_HOSTS` (comma-separated), else
    the host of `BASE_URL`, with the loopback names when that is a loopback address."""
    if listed:
        return [name.strip() for name in listed.split(",") if name.strip()]
    host = urlsplit(base_url).hostname or "localhost"
    loopback = {"127.0.0.1", "localhost", "::1"}
    return sorted({host} | loopback) if host in loopback else [host]


def _derived(secret_key: str, purpose: str) -> bytes:
    """A key for `purpose` derived from SECRET_KEY (so one secret is all a deployment keeps)."""
    return hashlib.sha256(f"{purpose}:{secret_key}".encode()).digest()


def load(instance_path: str) -> dict:
    """Build the configuration mapping from the environment and the instance folder."""
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    secret_key = os.environ.get("SECRET_KEY") or _instance_secret(instance)
    redis_url = os.environ.get("REDIS_URL") or None
    base_url = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    https = uses_https(base_url)
    session_redis = os.environ.get("SESSION_REDIS_URL") or None
    idle = timedelta(minutes=float(os.environ.get("SESSION_IDLE_MINUTES", "120")))
    staff_idle = timedelta(minutes=float(os.environ.get("SESSION_IDLE_MINUTES_STAFF", "30")))
    max_age = timedelta(hours=float(os.environ.get("SESSION_MAX_HOURS", "12")))
    evidence_mb = _env_int("MAX_EVIDENCE_MB", 10, minimum=1)
    salt = (
        os.environ.get("SECURITY_PASSWORD_SALT")
        or hashlib.sha256(("salt:" + secret_key).encode()).hexdigest()
    )
    return {
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL")
        or f"sqlite:///{instance / 'registry.db'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "JOBS_MODE": "rq" if redis_url else "thread",
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _env_bool("MAIL_USE_TLS"),
        "MAIL_USE_SSL": _env_bool("MAIL_USE_SSL"),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "registry@localhost"),
        "MAIL_MAX_ATTEMPTS": int(os.environ.get("MAIL_MAX_ATTEMPTS", "3")),
        "BASE_URL": base_url,
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "SQLITE_BUSY_SECONDS": float(os.environ.get("SQLITE_BUSY_SECONDS", "10")),
        "TRUSTED_HOSTS": trusted_hosts(base_url, os.environ.get("TRUSTED_HOSTS")),
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "MAIL_RETRY_SECONDS": float(os.environ.get("MAIL_RETRY_SECONDS", "60")),
        "LOG_LEVEL": (os.environ.get("LOG_LEVEL") or "").upper() or None,
        "DISCLOSURE_MIN_GROUP": _env_int("DISCLOSURE_MIN_GROUP", 3, minimum=1),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI")
        or redis_url
        or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Shared storage down: count in this process's memory (with a logged warning) until it
        # answers again, never a 500.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # An import file may be 100 MB (100,000 rows); other forms are limited by Flask's
        # MAX_FORM_MEMORY_SIZE (500 kB of fields), and uploads are spooled to disk.
        "MAX_CONTENT_LENGTH": max(101, evidence_mb + 1) * 1024 * 1024,
        "IMPORT_MAX_BYTES": 100 * 1024 * 1024,
        # Evidence files of progress updates (registry/evidence.py): a folder outside the web
        # root, or an S3-compatible bucket when one is named.
        "MAX_EVIDENCE_MB": evidence_mb,
        "EVIDENCE_DIR": os.environ.get("EVIDENCE_DIR") or str(instance / "evidence"),
        "EVIDENCE_S3_BUCKET": os.environ.get("EVIDENCE_S3_BUCKET") or None,
        "EVIDENCE_S3_ENDPOINT_URL": os.environ.get("EVIDENCE_S3_ENDPOINT_URL") or None,
        "EVIDENCE_S3_REGION": os.environ.get("EVIDENCE_S3_REGION") or None,
        "EVIDENCE_S3_PREFIX": os.environ.get("EVIDENCE_S3_PREFIX", "evidence/"),
        # The GRF report in chunks, each PDF cached under a hash of its HTML
        # (registry/reports/chunks.py).
        "REPORT_CHUNKS": _env_bool("REPORT_CHUNKS", True),
        "REPORT_CHUNK_CACHE_DIR": os.environ.get("REPORT_CHUNK_CACHE_DIR")
        or str(instance / "report-chunks"),
        "REPORT_CHUNK_CACHE_MB": _env_int("REPORT_CHUNK_CACHE_MB", 256, minimum=1),
        "REPORT_RENDER_PROCESSES": _env_int(
            "REPORT_RENDER_PROCESSES", os.cpu_count() or 1, minimum=0
        ),
        "WTF_CSRF_TIME_LIMIT": None,
        # Server-side sessions (Flask-Session): the cookie holds only a random id; logging out
        # deletes the session on the server, so a copied cookie opens nothing afterwards.
        "SESSION_TYPE": "redis" if session_redis else "database",
        "SESSION_REDIS_URL": session_redis,
        "SESSION_PERMANENT": True,
        "SESSION_USE_SIGNER": False,
        "SESSION_KEY_PREFIX": "registry-session:",
        "SESSION_IDLE": idle,
        "SESSION_IDLE_STAFF": staff_idle,
        "SESSION_MAX_AGE": max_age,
        # How long the server keeps an untouched session (the longest idle time).
        "PERMANENT_SESSION_LIFETIME": max(idle, staff_idle),
        "SESSION_COOKIE_NAME": "registry_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        # No "remember me": a login lasts one session (see SESSION_MAX_AGE).
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_DURATION": max_age,
        "BOOTSTRAP_SERVE_LOCAL": True,
        "BABEL_DEFAULT_LOCALE": "en",
        # English, French, Spanish and Arabic (right to left): registry/i18n.py, translations/.
        "LANGUAGES": ["en", "fr", "es", "ar"],
        # Flask-Security: we use its login, logout, reset and change-password flows; registration
        # is our own because it creates an organisation along with the user.
        "SECURITY_PASSWORD_SALT": salt,
        "SECURITY_PASSWORD_HASH": "argon2",  # nosec B105
        # ASVS: at least 12 characters, up to 128, no composition rules; refused when in the
        # shipped list of common and breached passwords (registry/passwords.py).
        "SECURITY_PASSWORD_LENGTH_MIN": 12,  # nosec B105
        "SECURITY_PASSWORD_LENGTH_MAX": 128,  # nosec B105
        "SECURITY_PASSWORD_COMPLEXITY_CHECKER": None,  # nosec B105
        "SECURITY_PASSWORD_CHECK_BREACHED": False,  # nosec B105
        "SECURITY_DEFAULT_REMEMBER_ME": False,
        # Multi-factor: an authenticator app (TOTP) with recovery codes; required for staff
        # (User.check_tf_required), optional for stakeholders.
        "MFA_REQUIRED_FOR_STAFF": _env_bool("MFA_REQUIRED_FOR_STAFF", True),
        "SECURITY_TWO_FACTOR": True,
        "SECURITY_TWO_FACTOR_ENABLED_METHODS": ["authenticator"],
        "SECURITY_TWO_FACTOR_ALWAYS_VALIDATE": True,
        "SECURITY_TWO_FACTOR_RESCUE_EMAIL": False,
        "SECURITY_TWO_FACTOR_POST_SETUP_VIEW": "main.home",
        "SECURITY_TOTP_SECRETS": {
            "1": base64.urlsafe_b64encode(_derived(secret_key, "totp")).decode()
        },
        "SECURITY_TOTP_ISSUER": "Pledge Registry",
        "SECURITY_MULTI_FACTOR_RECOVERY_CODES": True,
        "SECURITY_MULTI_FACTOR_RECOVERY_CODES_N": 8,
        "SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS": [
            base64.urlsafe_b64encode(_derived(secret_key, "recovery-codes"))
        ],
        "SECURITY_FRESHNESS": timedelta(minutes=15),
        "SECURITY_FRESHNESS_GRACE_PERIOD": timedelta(minutes=0),
        "SECURITY_RECOVERABLE": True,
        "SECURITY_CHANGEABLE": True,
        "SECURITY_REGISTERABLE": False,
        "SECURITY_TRACKABLE": False,
        "SECURITY_EMAIL_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "registry@localhost"),
        "SECURITY_CLI_USERS_NAME": False,
        "SECURITY_JOIN_USER_ROLES": False,
        # No DNS look-ups when checking addresses: the registry must work offline.
        "SECURITY_EMAIL_VALIDATOR_ARGS": {
            "check_deliverability": False
        },  # one role per user, a column (see RoleName)
        "SECURITY_CLI_ROLES_NAME": False,
        "SECURITY_POST_LOGIN_VIEW": "main.start",
        "SECURITY_POST_LOGOUT_VIEW": "main.home",
        "SECURITY_POST_CHANGE_VIEW": "main.start",
        "SECURITY_RESET_PASSWORD_WITHIN": timedelta(hours=2),
        "SECURITY_EMAIL_SUBJECT_PASSWORD_RESET": "Reset your Pledge Registry password",  # nosec B105
        "SECURITY_EMAIL_SUBJECT_PASSWORD_NOTICE": "Your Pledge Registry password was reset",  # nosec B105
        "SECURITY_EMAIL_SUBJECT_PASSWORD_CHANGE_NOTICE": "Your Pledge Registry password changed",  # nosec B105
        "SECURITY_SEND_PASSWORD_CHANGE_EMAIL": True,  # nosec B105
        "SECURITY_URL_PREFIX": "/account",
        "SECURITY_RETURN_GENERIC_RESPONSES": True,
        "SECURITY_EMAIL_HTML": False,
        "SECURITY_USE_REGISTER_V2": True,
        "SECURITY_MSG_LOGIN": ("Please log in to see this page.", "info"),
    }
