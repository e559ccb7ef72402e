"""The Reflex app: pages registered here; the JSON API and the security headers mounted via api_transformer."""

import functools

import redis.utils
import reflex as rx

from . import heap, heartbeat, live, routes
from .api import build_api, fastpath
from .domain.errors import DomainError
from .http import response_security_headers, security_headers
from .pages.auth import login_page, signup_page
from .pages.availability import availability_page
from .pages.book import book_page, embed_page
from .pages.bookings import bookings_page
from .pages.calendar import calendar_page
from .pages.dashboard import dashboard_page
from .pages.integrations import integrations_page
from .pages.landing import landing
from .pages.manage import cancel_page, reschedule_page
from .pages.preferences import preferences_page
from .pages.team import team_page
from .services.calendar_writes import run_writer
from .services.calendars import run_refresher
from .services.notifications import run_sender
from .services.webhooks import run_webhook_sender
from .state.auth import AuthState, NotLoggedIn
from .state.availability import AvailabilityState
from .state.booking import BookingPageState
from .state.bookings import BookingsState
from .state.calendar import CalendarState
from .state.dashboard import DashboardState
from .state.integrations import IntegrationsState
from .state.manage import ManageBookingState
from .state.preferences import PreferencesState
from .state.team import TeamState

# redis-py 7 reads its own version from the installed package metadata for every new connection
# (about 1 ms: a scan of site-packages); a burst of page events growing Reflex's Redis pool spent 40%
# of its CPU there. redis-py 8 caches it the same way, but Reflex 0.10 requires redis < 8.
if not hasattr(redis.utils.get_lib_version, "cache_info"):
    redis.utils.get_lib_version = functools.cache(redis.utils.get_lib_version)

# Runs before Reflex's own scripts: in an iframe on another site, browsers
# that block third-party storage throw on any touch of localStorage, which
# would crash the widget; an in-memory stand-in keeps it working.
STORAGE_GUARD = """
(function () {
  function memory() {
    var data = {};
    return {getItem: function (k) { return k in data ? data[k] : null; },
            setItem: function (k, v) { data[k] = String(v); },
            removeItem: function (k) { delete data[k]; },
            clear: function () { data = {}; },
            key: function (i) { return Object.keys(data)[i] || null; },
            get length() { return Object.keys(data).length; }};
  }
  ["localStorage", "sessionStorage"].forEach(function (name) {
    try { window[name].getItem("td"); }
    catch (e) {
      Object.defineProperty(window, name, {value: memory(), configurable: true});
      window.__trainerdeskStorageShim = true;
    }
  });
})();
"""


def handler_error(exception: Exception):
    """What the browser gets when an event handler raises.

    No login session: back to the log-in page. A refused action (another tenant's id, a rule): its
    sentence, as a toast, without a stack trace in the log. Anything else: Reflex's own handling.
    """
    if isinstance(exception, NotLoggedIn):
        return rx.redirect(routes.LOGIN)
    if isinstance(exception, DomainError):
        return rx.toast.error(exception.message, id="refused")
    return rx.app.default_backend_exception_handler(exception)


class TrainerDeskApp(rx.App):
    """Reflex's app, with public slot reads and bookings answered in front of its ASGI stack (``api/fastpath.py``)."""

    def __call__(self):
        served = super().__call__()
        return fastpath.in_front(served, headers=response_security_headers) if fastpath.enabled() else served


app = TrainerDeskApp(
    api_transformer=[build_api(), security_headers],
    backend_exception_handler=handler_error,
    stylesheets=["/styles.css"],
    head_components=[rx.script(STORAGE_GUARD)],
)

app.add_page(landing, route=routes.HOME, title="TrainerDesk: booking for personal trainers")
app.add_page(signup_page, route=routes.SIGNUP, title="Sign up | TrainerDesk", on_load=AuthState.detect_zone)
app.add_page(login_page, route=routes.LOGIN, title="Log in | TrainerDesk")
app.add_page(dashboard_page, route=routes.DASHBOARD, title="Dashboard | TrainerDesk", on_load=DashboardState.load)
app.add_page(bookings_page, route=routes.DASHBOARD_BOOKINGS, title="Bookings | TrainerDesk", on_load=BookingsState.load)
app.add_page(calendar_page, route=routes.DASHBOARD_CALENDAR, title="Calendar | TrainerDesk", on_load=CalendarState.load)
app.add_page(
    availability_page,
    route=routes.DASHBOARD_AVAILABILITY,
    title="Availability | TrainerDesk",
    on_load=AvailabilityState.load,
)
app.add_page(
    preferences_page,
    route=routes.DASHBOARD_PREFERENCES,
    title="Preferences | TrainerDesk",
    on_load=PreferencesState.load,
)
app.add_page(team_page, route=routes.DASHBOARD_TEAM, title="Team | TrainerDesk", on_load=TeamState.load)
app.add_page(
    integrations_page,
    route=routes.DASHBOARD_INTEGRATIONS,
    title="Integrations | TrainerDesk",
    on_load=IntegrationsState.load,
)
app.add_page(book_page, route=routes.BOOK, title="Book a session | TrainerDesk", on_load=BookingPageState.load)
app.add_page(embed_page, route=routes.EMBED, title="Book a session", on_load=BookingPageState.load)
app.add_page(
    reschedule_page,
    route=routes.RESCHEDULE,
    title="Reschedule | TrainerDesk",
    on_load=ManageBookingState.load_reschedule,
)
app.add_page(cancel_page, route=routes.CANCEL, title="Cancel | TrainerDesk", on_load=ManageBookingState.load_cancel)

# Delivers the notification outbox in the background of every backend process.
app.register_lifespan_task(run_sender)
# Refreshes the trainers' outside calendars (each claimed by one process at a time).
app.register_lifespan_task(run_refresher)
# Writes bookings into the CalDAV calendars trainers chose (a task of its own: a slow calendar
# server never delays emails).
app.register_lifespan_task(run_writer)
# Sends webhook deliveries (its own task and threads: a dead receiver delays nothing else).
app.register_lifespan_task(run_webhook_sender)
# Pushes committed schedule changes to the open pages that show them (trainerdesk.live).
app.register_lifespan_task(live.run_live)
# Keeps the cycle collector off the open pages' states (trainerdesk.heap).
app.register_lifespan_task(heap.run_heap_keeper)
# Sends engine.io's pings of the open pages on a shared beat, so idle pages wake the server together
# (trainerdesk.heartbeat).
heartbeat.install()
