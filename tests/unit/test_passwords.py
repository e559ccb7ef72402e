"""The sign-up password rule (services/passwords.py): common, weak and personal passwords are refused, helpfully."""

from __future__ import annotations

import pytest

from trainerdesk.domain.errors import ValidationFailed
from trainerdesk.services import passwords
from trainerdesk.services.passwords import check_password

EMAIL, NAME = "maria.gonzalez@example.com", "María Gonzalez"


def refusal(password, *, email=EMAIL, name=NAME) -> str:
    with pytest.raises(ValidationFailed) as caught:
        check_password(password, email=email, name=name)
    assert caught.value.details == {"field": "password"}
    assert caught.value.code == "validation"
    return caught.value.message


@pytest.mark.parametrize(
    "password",
    [
        "correct-horse",
        "correct-horse-battery",
        "correct horse battery",
        "long-enough",
        "long enough",
        "long-enough-pw",
        "pw-0123456789abcdef0123456789abcdef",
        "kettlebell-sunrise",
        "Tr0ub4dor&3",
        "vq8-Lm2z",
        "ünïcödé-wörds-ärë-fïnë",
        "  spaced   out   passphrase  ",
        "x" * 7 + "-meadow-lantern",
        "a-much-longer-passphrase-with-many-unrelated-words " * 20,  # 1020 characters
    ],
)
def test_reasonable_passwords_are_accepted(password):
    assert check_password(password, email=EMAIL, name=NAME) == password


def test_the_passwords_the_tests_helpers_and_seed_use_are_accepted():
    from tests.api.helpers import PASSWORD as API_PASSWORD
    from tests.services.svc_helpers import PASSWORD as SERVICE_PASSWORD
    from trainerdesk.seed import DEMO_EMAIL, DEMO_PASSWORD

    check_password(DEMO_PASSWORD, email=DEMO_EMAIL, name="Demo Trainer")
    for password in (API_PASSWORD, SERVICE_PASSWORD, "correct-horse", "long-enough", "long enough"):
        check_password(password, email="someone@example.com", name="Kim Coach")


@pytest.mark.parametrize(
    "password",
    [
        "password",
        "12345678",
        "123456789",
        "qwertyuiop",
        "iloveyou",
        "sunshine",
        "Password",
        "PASSWORD1",
        "football",
        "baseball",
        "trustno1",
        "letmein1",
        "starwars",
        "superman",
        "passw0rd",
        "11111111",
    ],
)
def test_the_most_common_passwords_are_refused_with_advice(password):
    message = refusal(password)
    assert "most common" in message or "easy to guess" in message
    assert "add a few unrelated words" in message


def test_a_listed_password_gets_the_common_message():
    assert refusal("iloveyou") == passwords.COMMON
    assert refusal("  password1 ") == passwords.COMMON


@pytest.mark.parametrize(
    "password",
    [
        "qwerty123456",
        "abcdefghij",
        "1234567890ab",
        "Summer2020",
        "p@ssw0rd!",
        "abcabcabcabc",
        "asdfghjkl;",
        "01/02/1990",
        "zxcvbnm,./",
        "monkey123!",
    ],
)
def test_weak_patterns_are_refused(password):
    message = refusal(password)
    assert "easy to guess" in message and "add a few unrelated words" in message


@pytest.mark.parametrize("password", ["        ", "\t\t\t\t\t\t\t\t", " \u00a0 \u2003    "])
def test_blank_passwords_are_refused(password):
    assert refusal(password) == passwords.BLANK


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaa",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1",
        "zzzzzz1!",
        "x" * 600 + "-meadow-lantern-river",
    ],
)
def test_mostly_one_character_is_refused(password):
    assert refusal(password) == passwords.REPEATED


@pytest.mark.parametrize(
    "password",
    [
        "maria.gonzalez",
        "MariaGonzalez!",
        "mariagonzalez-2024",
        "gonzalez-kettlebell",
        "Xq7!maria#Lp9",
        "maria gonzalez 1987",
    ],
)
def test_the_email_or_name_in_the_password_is_refused(password):
    assert refusal(password) == passwords.PERSONAL


def test_personal_details_count_in_their_own_spelling():
    assert refusal("coach-kim-1987", email="kim@example.com", name="Kim Coach") == passwords.PERSONAL
    assert refusal("sunny-kettlebell-zeta", email="zeta.sunny@example.com", name="Z") == passwords.PERSONAL
    # A local part or name word too short to say much is not looked for inside other words.
    check_password("channel-surfing-42", email="an@example.com", name="Ann Li")


@pytest.mark.parametrize("password", ["1234567", "", None, 12345678, ["12345678"]])
def test_short_or_not_text_is_refused(password):
    assert refusal(password) == passwords.TOO_SHORT


@pytest.mark.parametrize("password", ["x" * 1025, "long-enough\x00", "long-enough\ud800"])
def test_too_long_or_unstorable_is_refused(password):
    assert refusal(password) == passwords.TOO_LONG


def test_only_a_prefix_of_a_long_password_is_estimated(monkeypatch):
    """zxcvbn's cost grows with length, so it sees ESTIMATE_CHARS characters at most (speed is a benchmark's
    business, not a test's: this checks the cap that keeps it cheap)."""
    seen = []
    real, common = passwords._zxcvbn()
    monkeypatch.setattr(
        passwords, "_zxcvbn", lambda: (lambda text, **kw: seen.append(text) or real(text, **kw), common)
    )
    for password in ("Zq!8" * 256, "f7#Kp2@vL9" * 102, "correct horse battery staple " * 35):
        try:
            check_password(password[:1024], email=EMAIL, name=NAME)
        except ValidationFailed:
            pass
    assert seen and all(len(text) <= passwords.ESTIMATE_CHARS for text in seen)


def test_the_lists_are_loaded_once():
    assert passwords._zxcvbn() is passwords._zxcvbn()
    _, common = passwords._zxcvbn()
    assert len(common) > 10_000 and "password" in common


def test_sign_ups_and_sub_trainers_go_through_the_rule():
    """``_check_account_fields`` (signup and sub-trainers) applies it, with the account's email and name."""
    from trainerdesk.services.trainers import _check_account_fields

    assert _check_account_fields("Ann@Example.com", "vq8-Lm2z", "Ann Trainer", "UTC") == (
        "ann@example.com",
        "Ann Trainer",
        "UTC",
    )
    for password, message in [
        ("aaaaaaaa", passwords.REPEATED),
        ("        ", passwords.BLANK),
        ("password1", passwords.COMMON),
        ("ann-trainer-2024", passwords.PERSONAL),
    ]:
        with pytest.raises(ValidationFailed) as caught:
            _check_account_fields("ann@example.com", password, "Ann Trainer", "UTC")
        assert (caught.value.message, caught.value.details) == (message, {"field": "password"})
