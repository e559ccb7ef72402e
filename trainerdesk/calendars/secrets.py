"""Short secrets that must be usable again (calendar URLs, CalDAV passwords, later webhook
signing secrets), encrypted at rest with a key from the environment's ``SECRET_KEY``.

Passwords and tokens that only need checking are hashed elsewhere; these must be read
back to fetch a calendar, so they are encrypted instead:

- ``cryptography``'s Fernet (AES-128-CBC + HMAC-SHA256, a random IV each time):
  authenticated, so a changed byte or a wrong key is detected, never decrypted into
  garbage; two encryptions of the same text differ.
- The Fernet key is derived from ``SECRET_KEY`` with HKDF-SHA256 (a purpose label in
  ``info``), so ``SECRET_KEY`` may be any long random string and the same
  ``SECRET_KEY`` can later feed other purposes with independent keys.
- The stored text is versioned: ``v1:<Fernet token>``. A new scheme gets ``v2:``;
  :func:`decrypt_secret` takes several keys (newest first) so a key can be rotated by
  re-encrypting with the new one while the old one still reads what is stored.

:func:`encrypt_secret` / :func:`decrypt_secret` take the key explicitly (pure, for
tests and tools); :func:`encrypt` / :func:`decrypt` read ``SECRET_KEY`` from the
environment and fail with :class:`SecretKeyMissing` when it is not set.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..config import settings

__all__ = [
    "SecretKeyMissing",
    "UndecryptableSecret",
    "decrypt",
    "decrypt_secret",
    "encrypt",
    "encrypt_secret",
    "secret_key_from_env",
]

VERSION = "v1"
_SALT = b"trainerdesk"
_INFO = b"trainerdesk stored secrets v1"


class SecretKeyMissing(RuntimeError):
    """``SECRET_KEY`` is not set: stored calendar secrets can be neither written nor read."""


class UndecryptableSecret(ValueError):
    """The stored text was changed, is not ours, or was written with another SECRET_KEY."""


def _fernet(secret_key: str) -> Fernet:
    if not secret_key or not secret_key.strip():
        raise SecretKeyMissing(
            "SECRET_KEY is not set. It encrypts the stored calendar addresses and passwords; "
            "set it to a long random string (the same on every instance)."
        )
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt_secret(plaintext: str, secret_key: str) -> str:
    """``v1:<token>``: ``plaintext`` encrypted and authenticated with a key from ``secret_key``."""
    token = _fernet(secret_key).encrypt(plaintext.encode("utf-8"))
    return f"{VERSION}:{token.decode('ascii')}"


def decrypt_secret(stored: str, secret_key: str | Sequence[str]) -> str:
    """The plaintext of ``stored``; ``secret_key`` may list several keys, newest first."""
    keys = [secret_key] if isinstance(secret_key, str) else list(secret_key)
    if not keys:
        raise SecretKeyMissing("SECRET_KEY is not set.")
    version, sep, token = (stored or "").partition(":")
    if not sep or version != VERSION:
        raise UndecryptableSecret("This stored secret has an unknown format.")
    for key in keys:
        try:
            return _fernet(key).decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            continue
    raise UndecryptableSecret("This stored secret cannot be decrypted with the SECRET_KEY in use.")


def secret_key_from_env() -> str:
    """``SECRET_KEY`` from the environment (or the one ``make run`` keeps in the data folder), or
    :class:`SecretKeyMissing`."""
    key = settings().secret_key
    if not key.strip():
        _fernet("")  # raises SecretKeyMissing with the explanation
    return key


def encrypt(plaintext: str) -> str:
    """:func:`encrypt_secret` with ``SECRET_KEY`` from the environment."""
    return encrypt_secret(plaintext, secret_key_from_env())


def decrypt(stored: str) -> str:
    """:func:`decrypt_secret` with ``SECRET_KEY`` from the environment."""
    return decrypt_secret(stored, secret_key_from_env())
