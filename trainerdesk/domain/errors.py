"""Typed domain errors: each carries the API's error code and a sentence for people.

The API maps them to HTTP statuses in one handler (``api/errors.py``) and the
UI shows ``message`` as is, so the wording is written for trainers and clients.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class; ``code`` is one of the error codes of docs/api.md."""

    code = "error"

    def __init__(self, message: str, details: Any = None):
        super().__init__(message)
        self.message = message
        self.details = details


class ValidationFailed(DomainError):
    code = "validation"


class Unauthorized(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    """Base of the 409s."""


class Overlap(Conflict):
    code = "overlap"


class SlotUnavailable(Conflict):
    code = "slot_unavailable"


class EmailTaken(Conflict):
    code = "email_taken"


class PolicyViolation(DomainError):
    code = "policy"


class LateCancellation(PolicyViolation):
    code = "late_cancellation"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class Unreachable(DomainError):
    """An outside address (a calendar) could not be fetched; nothing was changed."""

    code = "unreachable"


class RateLimited(DomainError):
    code = "rate_limited"
