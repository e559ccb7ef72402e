"""Calendar URLs and CalDAV passwords encrypted at rest with a key from SECRET_KEY."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings, strategies as st

from trainerdesk.calendars.secrets import (
    SecretKeyMissing,
    UndecryptableSecret,
    decrypt,
    decrypt_secret,
    encrypt,
    encrypt_secret,
)

KEY = "test-secret-key-0123456789abcdef0123456789"
OTHER_KEY = "another-secret-key-fedcba9876543210fedcba"
URL = "https://calendar.example/calendar/ical/anna%40example.com/private-0123456789abcdef/basic.ics"


def test_round_trip():
    stored = encrypt_secret(URL, KEY)
    assert stored.startswith("v1:")
    assert decrypt_secret(stored, KEY) == URL


def test_each_encryption_differs():
    assert encrypt_secret(URL, KEY) != encrypt_secret(URL, KEY)


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=1, max_size=300))
def test_round_trip_and_the_ciphertext_never_holds_the_plaintext(plaintext):
    stored = encrypt_secret(plaintext, KEY)
    assert decrypt_secret(stored, KEY) == plaintext
    if len(plaintext) >= 12:  # shorter strings could appear by chance (tokens start "gAAAAA")
        assert plaintext not in stored
        token = base64.urlsafe_b64decode(stored.split(":", 1)[1])
        assert plaintext.encode() not in token


def test_ciphertext_does_not_contain_the_url_or_its_parts():
    stored = encrypt_secret(URL, KEY)
    for part in ("calendar.example", "private-0123456789abcdef", "anna", "basic.ics"):
        assert part not in stored


def test_tampering_is_detected():
    stored = encrypt_secret(URL, KEY)
    prefix, token = stored.split(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(token))
    raw[40] ^= 0x01
    with pytest.raises(UndecryptableSecret):
        decrypt_secret(f"{prefix}:{base64.urlsafe_b64encode(bytes(raw)).decode()}", KEY)
    with pytest.raises(UndecryptableSecret):
        decrypt_secret(stored[:-4], KEY)
    with pytest.raises(UndecryptableSecret):
        decrypt_secret("v2:" + token, KEY)  # an unknown version
    with pytest.raises(UndecryptableSecret):
        decrypt_secret(URL, KEY)  # plaintext stored by mistake


def test_a_wrong_key_fails():
    with pytest.raises(UndecryptableSecret):
        decrypt_secret(encrypt_secret(URL, KEY), OTHER_KEY)


def test_rotation_reads_with_old_keys_listed_after_the_new_one():
    old = encrypt_secret(URL, OTHER_KEY)
    assert decrypt_secret(old, [KEY, OTHER_KEY]) == URL
    assert decrypt_secret(encrypt_secret(URL, KEY), [KEY, OTHER_KEY]) == URL


@pytest.mark.parametrize("key", ["", "   "])
def test_a_missing_key_is_a_clear_error(key):
    with pytest.raises(SecretKeyMissing) as info:
        encrypt_secret(URL, key)
    assert "SECRET_KEY" in str(info.value)


def test_environment_helpers(monkeypatch, tmp_path):
    from trainerdesk import config

    monkeypatch.setattr(config, "SECRET_KEY_FILE", tmp_path / "secret.key")  # none on disk either
    monkeypatch.setenv("SECRET_KEY", KEY)
    stored = encrypt(URL)
    assert decrypt(stored) == URL
    assert decrypt_secret(stored, KEY) == URL
    monkeypatch.delenv("SECRET_KEY")
    with pytest.raises(SecretKeyMissing):
        encrypt(URL)
    with pytest.raises(SecretKeyMissing):
        decrypt(stored)


def test_make_run_creates_one_key_readable_by_its_owner_only_and_never_replaces_it(monkeypatch, tmp_path):
    from trainerdesk import config

    monkeypatch.setattr(config, "SECRET_KEY_FILE", tmp_path / "data" / "secret.key")
    monkeypatch.delenv("SECRET_KEY")
    config.ensure_secret_key()
    key = config.settings().secret_key
    assert len(key) >= 48 and (tmp_path / "data" / "secret.key").stat().st_mode & 0o777 == 0o600
    stored = encrypt(URL)
    config.ensure_secret_key()
    assert config.settings().secret_key == key and decrypt(stored) == URL
    monkeypatch.setenv("SECRET_KEY", KEY)  # the environment wins over the file
    assert config.settings().secret_key == KEY
