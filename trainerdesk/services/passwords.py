"""The password rule of sign-ups: long enough, storable, and not easy to guess.

A password is refused, with a sentence that says what to do instead, when it is

- not a string of 8 to 1024 characters that every database can store;
- only whitespace, or mostly one repeated character (``aaaaaaaa``, ``xxxxxxx1``);
- built from the account's own email address or name (``ann.lee@...`` with
  ``annlee2024``): the first thing a targeted guesser tries;
- one of the most common passwords (zxcvbn's list of the 30,000 most frequent
  ones in leaked password sets), or guessable in under a million tries by
  zxcvbn's estimate (score 0 or 1: dictionary words with obvious
  substitutions, keyboard walks, repeats, sequences, dates, the user's own
  details).

zxcvbn (the maintained Python port of Dropbox's estimator, pinned in
requirements.txt) is loaded once, on first use. Its estimate is computed on
the first :data:`ESTIMATE_CHARS` characters only: its matching grows
quadratically with the length, and a prefix that long is either strong
already or the password is weak anyway.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import cache
from typing import Any

from ..domain.errors import ValidationFailed
from ..domain.preferences import unstorable

MIN_LENGTH = 8
MAX_LENGTH = 1024
MIN_SCORE = 2  # zxcvbn: 0-1 fall to an online attacker or a quick offline one; 2+ needs 10^6+ guesses
ESTIMATE_CHARS = 100  # zxcvbn runs on this prefix (~0.1 s at worst; the whole 1024 would take seconds)
SITE_WORDS = ("trainerdesk",)  # the site's own name counts as a user input, as zxcvbn advises

TOO_SHORT = "Choose a password of at least 8 characters."
TOO_LONG = "That password is too long."
BLANK = "A password can't be only spaces; use a few words or other characters."
REPEATED = "This password is mostly one repeated character and easy to guess; add a few unrelated words."
PERSONAL = (
    "This password contains your email address or name, which is the first thing others guess; "
    "use a few unrelated words instead."
)
COMMON = "This password is among the most common ones and easy to guess; add a few unrelated words."
WEAK = (
    "This password is easy to guess (a common word, name, date, sequence or keyboard pattern); "
    "add a few unrelated words."
)


def _fail(message: str) -> ValidationFailed:
    return ValidationFailed(message, {"field": "password"})


@cache
def _zxcvbn():
    """zxcvbn's estimator and its set of common passwords, loaded on first use and kept."""
    from zxcvbn import zxcvbn
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return zxcvbn, frozenset(FREQUENCY_LISTS["passwords"])


def _fold(text: str) -> str:
    """Lower case, accents dropped: how two spellings of a name are compared."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


def _compact(text: str) -> str:
    """Letters and digits only, folded: ``Ann.Lee-2`` and ``ann lee 2`` become ``annlee2``."""
    return re.sub(r"[^a-z0-9]+", "", _fold(text))


def _personal_parts(email: Any, name: Any) -> list[str]:
    """What of the account's own details must not appear in its password (folded, compacted)."""
    parts: list[str] = []
    for text in (email.split("@", 1)[0] if isinstance(email, str) else "", name if isinstance(name, str) else ""):
        whole = _compact(text)
        if len(whole) >= 3:  # the whole local part or name, however it is punctuated
            parts.append(whole)
        # and each word of it from 4 characters on ("lee" is in too many unrelated words; "maria" is not)
        parts += [word for word in re.split(r"[^a-z0-9]+", _fold(text)) if len(word) >= 4]
    return parts


def check_password(password: Any, *, email: Any = None, name: Any = None) -> str:
    """The password if a new account may have it; otherwise :class:`ValidationFailed` on ``password``.

    ``email`` and ``name`` are the account's (as given; anything that is not a
    string is ignored): a password built from them is refused.
    """
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise _fail(TOO_SHORT)
    if len(password) > MAX_LENGTH or unstorable(password):
        raise _fail(TOO_LONG)
    if not password.strip():
        raise _fail(BLANK)
    if Counter(password).most_common(1)[0][1] * 2 > len(password):
        raise _fail(REPEATED)
    compact = _compact(password)
    personal = _personal_parts(email, name)
    if any(part in compact for part in personal):
        raise _fail(PERSONAL)
    estimate, common = _zxcvbn()
    if password.casefold() in common or password.strip().casefold() in common:
        raise _fail(COMMON)
    user_inputs = [text for text in (email, name) if isinstance(text, str)] + personal + list(SITE_WORDS)
    prefix = password[:ESTIMATE_CHARS]
    if estimate(prefix, user_inputs=user_inputs, max_length=ESTIMATE_CHARS)["score"] < MIN_SCORE:
        raise _fail(WEAK)
    return password
