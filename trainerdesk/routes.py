"""Route constants and URL builders, so pages, emails and the API agree on every address."""

from __future__ import annotations

import re
from urllib.parse import quote

HOME = "/"
LOGIN = "/login"
SIGNUP = "/signup"
DASHBOARD = "/dashboard"
DASHBOARD_BOOKINGS = "/dashboard/bookings"
DASHBOARD_CALENDAR = "/dashboard/calendar"
DASHBOARD_AVAILABILITY = "/dashboard/availability"
DASHBOARD_PREFERENCES = "/dashboard/preferences"
DASHBOARD_TEAM = "/dashboard/team"
DASHBOARD_INTEGRATIONS = "/dashboard/integrations"
BOOK = "/book/[slug]"
EMBED = "/embed/[slug]"
RESCHEDULE = "/reschedule/[booking_id]"
CANCEL = "/cancel/[booking_id]"

# The one page other sites may frame: the booking widget, exactly /embed/<slug> (one segment of plain
# characters, as embed_url builds it; an optional trailing slash). Every other path may not be framed,
# also one that only normalises to an embed page (/embed/..%2Fdashboard, /embed//x, %2e%2e, backslashes):
# http.py matches this against the path both as sent and as decoded. The widget's scripts, styles and
# socket are subresources, to which frame-ancestors does not apply, so none of them needs to be listed.
FRAMEABLE_PATH = re.compile(r"/embed/[A-Za-z0-9_-]+/?")


def book_url(slug: str, base: str = "") -> str:
    return f"{base}/book/{quote(slug)}"


def embed_url(slug: str, base: str = "") -> str:
    return f"{base}/embed/{quote(slug)}"


def reschedule_url(booking_id: str, token: str, base: str = "") -> str:
    return f"{base}/reschedule/{quote(booking_id)}?token={quote(token)}"


def cancel_url(booking_id: str, token: str, base: str = "") -> str:
    return f"{base}/cancel/{quote(booking_id)}?token={quote(token)}"


FEED = "/feeds/{token}.ics"


def feed_url(token: str, base: str = "") -> str:
    return base + FEED.format(token=token)


def ics_url(booking_id: str, token: str, base: str = "") -> str:
    return f"{base}/api/bookings/{quote(booking_id)}/ics?token={quote(token)}"


# The dashboard's login cookie (HttpOnly: set and cleared only by these two HTTP endpoints, never by script).
SESSION_COOKIE = "td_session"
SESSION_START = "/auth/session"
SESSION_END = "/auth/logout"
