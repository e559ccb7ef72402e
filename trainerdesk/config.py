"""Settings read from the environment, in one place (documented in the README)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'data' / 'trainerdesk.db'}"
# Where `make run` keeps a generated SECRET_KEY when the environment has none (one machine only:
# several instances must share one SECRET_KEY from the environment).
SECRET_KEY_FILE = PROJECT_ROOT / "data" / "secret.key"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


@dataclass(frozen=True)
class Settings:
    database_url: str
    public_url: str
    rate_limit_per_minute: int
    smtp_url: str
    mail_from: str
    secret_key: str  # derives and encrypts stored secrets (feed addresses, calendar passwords)
    calendar_refresh_seconds: int
    calendar_allow_private_networks: bool  # tests serve calendars on this machine; never in production

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=database_url(),
            public_url=public_url(),
            rate_limit_per_minute=rate_limit_per_minute(),
            smtp_url=smtp_url(),
            mail_from=mail_from(),
            secret_key=os.environ.get("SECRET_KEY", "").strip() or _key_from_file(),
            calendar_refresh_seconds=max(30, _int("CALENDAR_REFRESH_SECONDS", 300)),
            calendar_allow_private_networks=os.environ.get("CALENDAR_ALLOW_PRIVATE_NETWORKS", "") == "1",
        )


def _key_from_file() -> str:
    try:
        return SECRET_KEY_FILE.read_text().strip()
    except OSError:
        return ""


def ensure_secret_key() -> None:
    """Give a single-machine install a SECRET_KEY (``make run``): kept in the data folder, readable by
    its owner only. Never replaces one: a new key would orphan every secret made with the old."""
    if os.environ.get("SECRET_KEY", "").strip() or SECRET_KEY_FILE.exists():
        return
    SECRET_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(SECRET_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(48) + "\n")


def settings() -> Settings:
    """Fresh settings each call, and tests can change the environment (it reads the key file when
    ``SECRET_KEY`` is unset: the request path uses the single-setting readers below)."""
    return Settings.from_env()


def database_url() -> str:
    """``settings().database_url``, read alone (the engine is found by it on every request)."""
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def public_url() -> str:
    """``settings().public_url``, read alone (every booking's answer and email links to it)."""
    return (os.environ.get("PUBLIC_URL") or f"http://localhost:{os.environ.get('PORT', '3000')}").rstrip("/")


def rate_limit_per_minute() -> int:
    """``settings().rate_limit_per_minute``, read alone (every public write checks it)."""
    return _int("RATE_LIMIT_PER_MINUTE", 60)


def smtp_url() -> str:
    """``settings().smtp_url``, read alone (every round of the email sender)."""
    return os.environ.get("SMTP_URL", "")


def mail_from() -> str:
    """``settings().mail_from``, read alone (every round of the email sender)."""
    return os.environ.get("MAIL_FROM", "TrainerDesk <bookings@trainerdesk.localhost>")
