"""Configuration: safe embedded defaults, overridden only by environment variables."""

import hashlib
import os
import secrets
from datetime import timedelta
from pathlib import Path

#: Every environment variable the registry reads, with its meaning (the README mirrors this list).
ENVIRONMENT = {
    "DATABASE_URL": "SQLAlchemy URL; default SQLite at instance/registry.db",
    "SECRET_KEY": "session signing key; default generated once into instance/secret_key",
    "SECURITY_PASSWORD_SALT": "salt for reset tokens; default derived from SECRET_KEY",
    "REDIS_URL": "Redis for RQ jobs and shared rate limits; default none (in-process)",
    "MAIL_SERVER": "SMTP host; default none (e-mail is logged and kept in the outbox)",
    "MAIL_PORT": "SMTP port; default 25",
    "MAIL_USERNAME": "SMTP user; default none",
    "MAIL_PASSWORD": "SMTP password; default none",
    "MAIL_USE_TLS": "STARTTLS (1/0); default 0",
    "MAIL_USE_SSL": "SMTP over TLS (1/0); default 0",
    "MAIL_DEFAULT_SENDER": "From address; default registry@localhost",
    "MAIL_MAX_ATTEMPTS": "delivery attempts per message; default 3",
    "BASE_URL": "public address used in links in e-mails sent from the shell; default http://127.0.0.1:5000",
    "HOST": "address for `python app.py`; default 127.0.0.1",
    "PORT": "port for `python app.py`; default 5000",
    "RATELIMIT_STORAGE_URI": "flask-limiter storage; default REDIS_URL or memory",
    "LOG_LEVEL": "logging level; default INFO for the server, WARNING for commands",
    "INSTANCE_PATH": "folder for the secret key and SQLite database; default instance/",
}


def _env_bool(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _instance_secret(instance_path: Path) -> str:
    """Return the instance's secret key, generating it on first use (never a constant in code)."""
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def load(instance_path: str) -> dict:
    """Build the configuration mapping from the environment and the instance folder."""
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    secret_key = os.environ.get("SECRET_KEY") or _instance_secret(instance)
    redis_url = os.environ.get("REDIS_URL") or None
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
        "MAIL_RETRY_DELAY": 2.0,
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000"),
        "LOG_LEVEL": (os.environ.get("LOG_LEVEL") or "").upper() or None,
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI")
        or redis_url
        or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "BOOTSTRAP_SERVE_LOCAL": True,
        "BABEL_DEFAULT_LOCALE": "en",
        "LANGUAGES": ["en"],
        # Flask-Security: we use its login, logout, reset and change-password flows; registration
        # is our own because it creates an organisation along with the user.
        "SECURITY_PASSWORD_SALT": salt,
        "SECURITY_PASSWORD_HASH": "argon2",
        "SECURITY_PASSWORD_LENGTH_MIN": 10,
        "SECURITY_PASSWORD_COMPLEXITY_CHECKER": "zxcvbn",
        "SECURITY_ZXCVBN_MINIMUM_SCORE": 3,
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
        "SECURITY_EMAIL_SUBJECT_PASSWORD_RESET": "Reset your Pledge Registry password",
        "SECURITY_EMAIL_SUBJECT_PASSWORD_NOTICE": "Your Pledge Registry password was reset",
        "SECURITY_EMAIL_SUBJECT_PASSWORD_CHANGE_NOTICE": "Your Pledge Registry password changed",
        "SECURITY_SEND_PASSWORD_CHANGE_EMAIL": True,
        "SECURITY_URL_PREFIX": "/account",
        "SECURITY_RETURN_GENERIC_RESPONSES": True,
        "SECURITY_EMAIL_HTML": False,
        "SECURITY_USE_REGISTER_V2": True,
        "SECURITY_MSG_LOGIN": ("Please log in to see this page.", "info"),
    }
