"""Route constants and URL builders, so pages, emails and the API agree on every address."""

from __future__ import annotations

from urllib.parse import quote

HOME = "/"
LOGIN = "/login"
SIGNUP = "/signup"
DASHBOARD = "/dashboard"
DASHBOARD_BOOKINGS = "/dashboard/bookings"
DASHBOARD_AVAILABILITY = "/dashboard/availability"
DASHBOARD_PREFERENCES = "/dashboard/preferences"
DASHBOARD_TEAM = "/dashboard/team"
BOOK = "/book/[slug]"
EMBED = "/embed/[slug]"
RESCHEDULE = "/reschedule/[booking_id]"
CANCEL = "/cancel/[booking_id]"

# Pages that may be framed by other sites (the booking widget); all others may not.
FRAMEABLE_PREFIXES = ("/embed/",)


def book_url(slug: str, base: str = "") -> str:
    return f"{base}/book/{quote(slug)}"


def embed_url(slug: str, base: str = "") -> str:
    return f"{base}/embed/{quote(slug)}"


def reschedule_url(booking_id: str, token: str, base: str = "") -> str:
    return f"{base}/reschedule/{quote(booking_id)}?token={quote(token)}"


def cancel_url(booking_id: str, token: str, base: str = "") -> str:
    return f"{base}/cancel/{quote(booking_id)}?token={quote(token)}"


def ics_url(booking_id: str, token: str, base: str = "") -> str:
    return f"{base}/api/bookings/{quote(booking_id)}/ics?token={quote(token)}"
