"""Times and dates in the reader's format: the locale from Accept-Language, the 12h/24h override, DST, midnight."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from hypothesis import given, strategies as st

from trainerdesk.formatting import (
    DEFAULT_LOCALE,
    MAX_HEADER,
    date_text,
    datetime_text,
    first_weekday,
    hour_cycle_for,
    locale_hour_cycle,
    month_text,
    month_weeks,
    negotiate_locale,
    range_text,
    time_text,
    weekday_names,
)

UTC = timezone.utc


def plain(text: str) -> str:
    """The text as a reader sees it (no-break spaces keep "2:30 PM" on one line)."""
    return text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ")


# 14:30 in Berlin on a winter day (UTC+1).
WINTER = datetime(2026, 11, 25, 13, 30, tzinfo=UTC)


# ------------------------------------------------------------------ locale from the header


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-US,en;q=0.9", "en_US"),
        ("de-DE,de;q=0.9,en;q=0.8", "de_DE"),
        ("de", "de"),
        ("en-GB", "en_GB"),
        ("fr-FR", "fr_FR"),
        ("fr-CA;q=0.5, ja-JP;q=0.8", "ja_JP"),  # by weight, not by position
        ("xx-YY, pt-BR", "pt_BR"),  # an unknown first choice is skipped
        ("en-US;q=0, de-AT", "de_AT"),  # q=0 means "not this one"
        ("sr-Latn-RS", "sr_Latn_RS"),
        ("", DEFAULT_LOCALE),
        (None, DEFAULT_LOCALE),
        ("*", DEFAULT_LOCALE),
        ("garbage!!; q=oops", DEFAULT_LOCALE),
        ("de-DE;q=abc", DEFAULT_LOCALE),
        ("../../etc/passwd", DEFAULT_LOCALE),
        ("en_US", DEFAULT_LOCALE),  # not a language tag (underscore)
        ("a" * 10_000, DEFAULT_LOCALE),
        (",,,;;;===", DEFAULT_LOCALE),
    ],
)
def test_locale_from_accept_language(header, expected):
    assert negotiate_locale(header) == expected


def test_only_the_start_of_a_long_header_is_read():
    assert negotiate_locale("x" * MAX_HEADER + ",de-DE") == DEFAULT_LOCALE
    assert negotiate_locale("de-DE," + "x" * 100_000) == "de_DE"


@given(st.text(max_size=400))
def test_any_header_gives_a_usable_locale(header):
    locale = negotiate_locale(header)
    assert time_text(WINTER, "Europe/Berlin", locale)


def test_the_default_reads_as_before_24_hours():
    assert time_text(WINTER, "Europe/Berlin", DEFAULT_LOCALE) == "14:30"
    assert locale_hour_cycle(DEFAULT_LOCALE) == "24"


# ------------------------------------------------------------------ times


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en_US", "2:30 PM"), ("de_DE", "14:30"), ("en_GB", "14:30"), ("fr_FR", "14:30"), ("ko_KR", "PM 2:30")],
)
def test_time_in_the_readers_format(locale, expected):
    assert plain(time_text(WINTER, "Europe/Berlin", locale)) == expected


def test_am_pm_stays_on_the_line_of_its_time():
    assert time_text(WINTER, "Europe/Berlin", "en_US") == "2:30\u00a0PM"


@pytest.mark.parametrize(
    ("locale", "cycle", "expected"),
    [
        ("en_US", "24", "14:30"),
        ("en_US", "12", "2:30 PM"),
        ("de_DE", "12", "2:30 PM"),
        ("de_DE", "24", "14:30"),
        ("en_GB", "12", "2:30 pm"),
        ("en_US", None, "2:30 PM"),
        ("en_US", "", "2:30 PM"),  # no choice made: the locale's convention
        ("en_US", "13", "2:30 PM"),  # nonsense: the locale's convention
    ],
)
def test_hour_cycle_overrides_the_locale(locale, cycle, expected):
    assert plain(time_text(WINTER, "Europe/Berlin", locale, cycle)) == expected


def test_hour_cycle_for():
    assert hour_cycle_for("en_US") == "12" and hour_cycle_for("de_DE") == "24"
    assert hour_cycle_for("en_US", "24") == "24" and hour_cycle_for("de_DE", "12") == "12"
    assert hour_cycle_for("not a locale") == "24"


def test_the_time_is_read_in_the_given_zone():
    assert plain(time_text(WINTER, "America/Chicago", "en_US")) == "7:30 AM"
    assert time_text(WINTER, "Asia/Tokyo", "de_DE") == "22:30"
    assert plain(time_text(WINTER, "Asia/Kathmandu", "en_US")) == "7:15 PM"


def test_a_naive_instant_is_utc():
    assert time_text(datetime(2026, 11, 25, 13, 30), "Europe/Berlin", "de_DE") == "14:30"


@pytest.mark.parametrize(
    ("locale", "cycle", "expected"),
    [("en_US", None, "12:00 AM"), ("de_DE", None, "00:00"), ("de_DE", "12", "12:00 AM"), ("en_US", "24", "00:00")],
)
def test_midnight(locale, cycle, expected):
    midnight = datetime(2026, 11, 25, 23, 0, tzinfo=UTC)  # 00:00 on the 26th in Berlin
    assert plain(time_text(midnight, "Europe/Berlin", locale, cycle)) == expected
    assert date_text(midnight, "en_GB", zone="Europe/Berlin") == "Thursday, 26 November 2026"


def test_noon():
    noon = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
    assert plain(time_text(noon, "Europe/Berlin", "en_US")) == "12:00 PM"
    assert time_text(noon, "Europe/Berlin", "de_DE") == "12:00"


# ------------------------------------------------------------------ daylight saving


def test_new_york_across_the_spring_change():
    # 8 March 2026: clocks go from 2:00 to 3:00. 06:30 UTC is 1:30 EST, 07:30 UTC is 3:30 EDT.
    before = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)
    after = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert plain(time_text(before, "America/New_York", "en_US")) == "1:30 AM"
    assert plain(time_text(after, "America/New_York", "en_US")) == "3:30 AM"
    assert plain(range_text(before, after, "America/New_York", "en_US")) == "1:30 – 3:30 AM"


def test_new_york_across_the_autumn_change():
    # 1 November 2026: 1:30 happens twice (EDT then EST); both read 1:30 AM, an hour apart in UTC.
    first = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    second = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert plain(time_text(first, "America/New_York", "en_US")) == "1:30 AM"
    assert plain(time_text(second, "America/New_York", "en_US")) == "1:30 AM"
    assert plain(datetime_text(second, "America/New_York", "en_US")) == "Sun, Nov 1, 2026, 1:30 AM"


def test_berlin_across_the_spring_and_autumn_changes():
    # 29 March 2026: 02:00 CET -> 03:00 CEST. 25 October 2026: 03:00 CEST -> 02:00 CET.
    assert time_text(datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "Europe/Berlin", "de_DE") == "01:30"
    assert time_text(datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "Europe/Berlin", "de_DE") == "03:30"
    assert time_text(datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "Europe/Berlin", "de_DE") == "02:30"
    assert time_text(datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "Europe/Berlin", "de_DE") == "02:30"
    summer = datetime(2026, 7, 1, 12, 30, tzinfo=UTC)
    assert plain(datetime_text(summer, "Europe/Berlin", "de_DE")) == "Mi., 1. Juli 2026, 14:30"
    assert plain(datetime_text(summer, "Europe/Berlin", "de_DE", "12")) == "Mi., 1. Juli 2026, 2:30 PM"


# ------------------------------------------------------------------ dates, ranges, months


@pytest.mark.parametrize(
    ("locale", "long", "short"),
    [
        ("en_US", "Wednesday, November 25, 2026", "Wed, Nov 25, 2026"),
        ("de_DE", "Mittwoch, 25. November 2026", "Mi., 25. Nov. 2026"),
        ("en_GB", "Wednesday, 25 November 2026", "Wed, 25 Nov 2026"),
        ("fr_FR", "mercredi 25 novembre 2026", "mer. 25 nov. 2026"),
    ],
)
def test_dates(locale, long, short):
    assert date_text(date(2026, 11, 25), locale) == long
    assert date_text(date(2026, 11, 25), locale, long=False) == short


def test_an_instant_is_dated_in_its_zone():
    late = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    assert date_text(late, "en_US", zone="America/New_York") == "Wednesday, November 25, 2026"
    assert date_text(late, "en_US", zone="Asia/Tokyo") == "Thursday, November 26, 2026"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en_US", "Wed, Nov 25, 2026, 2:30 PM"),
        ("de_DE", "Mi., 25. Nov. 2026, 14:30"),
        ("en_GB", "Wed, 25 Nov 2026, 14:30"),
    ],
)
def test_datetime_text(locale, expected):
    assert plain(datetime_text(WINTER, "Europe/Berlin", locale)) == expected


@pytest.mark.parametrize(
    ("locale", "cycle", "expected"),
    [
        ("en_US", None, "2:30 – 3:30 PM"),
        ("en_US", "24", "14:30 – 15:30"),
        ("de_DE", None, "14:30–15:30 Uhr"),
        ("en_GB", None, "14:30–15:30"),
    ],
)
def test_range_text(locale, cycle, expected):
    end = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)
    assert plain(range_text(WINTER, end, "Europe/Berlin", locale, cycle)) == expected


def test_range_text_falls_back_where_babel_cannot_split_day_periods():
    end = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)
    assert range_text(WINTER, end, "Europe/Berlin", "zh_Hant_TW", "12")


def test_month_and_weekdays():
    assert month_text(date(2026, 11, 1), "en_US") == "November 2026"
    assert month_text(date(2026, 11, 1), "fr_FR") == "novembre 2026"
    assert first_weekday("en_US") == 6 and first_weekday("de_DE") == 0
    assert weekday_names("en_US") == ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    assert weekday_names("de_DE") == ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"]


def test_month_weeks_start_on_the_locales_first_day_and_label_days_in_its_words():
    us = month_weeks(2026, 11, {"2026-11-25"}, date(2026, 11, 20), "en_US")
    de = month_weeks(2026, 11, {"2026-11-25"}, date(2026, 11, 20), "de_DE")
    assert us[0][0]["iso"] == "2026-11-01"  # a Sunday opens the US week
    assert de[0][0]["iso"] == "2026-10-26"  # a Monday opens the German one
    cells = {c["iso"]: c for week in us for c in week}
    assert cells["2026-11-25"]["label"] == "Wednesday, November 25, 2026, available"
    assert cells["2026-11-24"]["label"] == "Tuesday, November 24, 2026, no free times"
    assert cells["2026-11-20"]["today"] == "1" and cells["2026-11-25"]["available"] == "1"
    assert all(len(week) == 7 for week in us + de)


def test_an_unknown_locale_formats_as_the_default():
    assert datetime_text(WINTER, "Europe/Berlin", "xx") == datetime_text(WINTER, "Europe/Berlin", DEFAULT_LOCALE)
