"""Settings read from the environment, in one place (documented in the README)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'data' / 'trainerdesk.db'}"


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

    @classmethod
    def from_env(cls) -> Settings:
        port = os.environ.get("PORT", "3000")
        return cls(
            database_url=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            public_url=(os.environ.get("PUBLIC_URL") or f"http://localhost:{port}").rstrip("/"),
            rate_limit_per_minute=_int("RATE_LIMIT_PER_MINUTE", 60),
            smtp_url=os.environ.get("SMTP_URL", ""),
            mail_from=os.environ.get("MAIL_FROM", "TrainerDesk <bookings@trainerdesk.localhost>"),
        )


def settings() -> Settings:
    """Fresh settings each call: cheap, and tests can change the environment."""
    return Settings.from_env()
