"""Integrations page: the trainer's outside calendars, the subscribe feed and webhooks."""

import reflex as rx

from ..components.layout import calendar_switcher, dashboard_frame
from ..state.integrations import EVENT_WORDS, CalendarRow, DeliveryRow, IntegrationsState as S, WebhookRow


def _error(name: str) -> rx.Component:
    return rx.cond(
        S.errors.contains(name),
        rx.text(S.errors[name], color_scheme="red", size="2", role="alert", id=f"error-{name}"),
    )


def _connect_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.fieldset(
                rx.el.legend("What to connect", class_name="td-label"),
                rx.radio_group.root(
                    rx.hstack(
                        *[
                            rx.el.label(
                                rx.hstack(rx.radio_group.item(value=value), rx.text(words, size="2"), spacing="1"),
                            )
                            for value, words in (("ics", "An iCal address"), ("caldav", "A CalDAV account"))
                        ],
                        spacing="4",
                    ),
                    value=S.kind,
                    on_change=S.set_kind,
                ),
                style={"border": "0", "padding": "0", "margin": "0"},
            ),
            rx.el.label(
                rx.cond(S.kind == "caldav", "CalDAV server address", "Calendar address (iCal format)"),
                html_for="calendar-url",
                class_name="td-label",
            ),
            rx.input(
                id="calendar-url",
                name="url",
                type="url",
                value=S.url_value,
                on_change=S.set_url_value,
                placeholder=rx.cond(
                    S.kind == "caldav",
                    "https://cloud.example.com/remote.php/dav/",
                    "https://calendar.google.com/calendar/ical/…/basic.ics",
                ),
                width="100%",
                aria_invalid=S.errors.contains("url"),
                aria_describedby=rx.cond(S.errors.contains("url"), "calendar-url-hint error-url", "calendar-url-hint"),
            ),
            rx.text(
                rx.cond(
                    S.kind == "caldav",
                    "Your calendar server's address, e.g. https://cloud.example.com/remote.php/dav/ for Nextcloud, "
                    "https://caldav.icloud.com/ for iCloud or https://caldav.fastmail.com/ for Fastmail. Use an app "
                    "password. You choose which of its calendars block bookings.",
                    "The secret address from Google Calendar (Settings → Integrate calendar), Apple iCloud (Share → "
                    "Public calendar), Outlook (Publish calendar → ICS), Nextcloud or Fastmail. Its events block "
                    "bookings; TrainerDesk never changes that calendar.",
                ),
                size="1",
                color_scheme="gray",
                id="calendar-url-hint",
            ),
            _error("url"),
            rx.cond(
                S.kind == "caldav",
                rx.vstack(
                    rx.el.label("Username", html_for="calendar-username", class_name="td-label"),
                    rx.input(
                        id="calendar-username",
                        name="username",
                        auto_complete="off",
                        width="16rem",
                        aria_invalid=S.errors.contains("username"),
                        aria_describedby=rx.cond(S.errors.contains("username"), "error-username", ""),
                    ),
                    _error("username"),
                    rx.el.label("App password", html_for="calendar-password", class_name="td-label"),
                    rx.input(
                        id="calendar-password",
                        name="password",
                        type="password",
                        auto_complete="new-password",
                        width="16rem",
                        aria_invalid=S.errors.contains("password"),
                        aria_describedby=rx.cond(S.errors.contains("password"), "error-password", ""),
                    ),
                    _error("password"),
                    spacing="2",
                ),
            ),
            rx.el.label("Name (optional)", html_for="calendar-name", class_name="td-label"),
            rx.input(
                id="calendar-name",
                name="name",
                value=S.name_value,
                on_change=S.set_name_value,
                placeholder="e.g. Family",
                width="16rem",
            ),
            _error("name"),
            _error("form"),
            rx.button(
                rx.cond(S.working == "connect", "Connecting…", "Connect calendar"),
                type="submit",
                loading=S.working == "connect",
                disabled=S.working != "",
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=S.connect,
        no_validate=True,
        key=S.form_round,
        aria_label="Connect a calendar",
        width="100%",
    )


def _account_calendars(c: CalendarRow) -> rx.Component:
    """A CalDAV account's calendars, each ticked when its events block bookings."""
    return rx.el.fieldset(
        rx.el.legend("Block bookings with", class_name="td-label", style={"fontSize": "var(--font-size-1)"}),
        rx.foreach(
            c.calendars,
            lambda cal: rx.hstack(
                rx.checkbox(
                    checked=cal.checked,
                    disabled=S.working != "",
                    on_change=lambda checked: S.choose(c.id, cal.href, checked),
                    aria_label="Block bookings with " + cal.name,
                ),
                rx.text(cal.name, size="1"),
                align="center",
                spacing="1",
            ),
        ),
        style={"border": "0", "padding": "0", "margin": "0"},
    )


def _write_into(c: CalendarRow) -> rx.Component:
    """Which of the account's calendars gets a copy of every session (created, moved, cancelled)."""
    return rx.vstack(
        rx.el.label(
            "Write my sessions into",
            rx.el.select(
                rx.el.option("No calendar", value=""),
                rx.foreach(c.calendars, lambda cal: rx.el.option(cal.name, value=cal.href)),
                value=c.writes_into,
                on_change=lambda href: S.write_into(c.id, href),
                disabled=S.working != "",
                class_name="td-select",
                style={"maxWidth": "14rem", "marginLeft": "0.5rem"},
            ),
            class_name="td-label",
            style={"fontSize": "var(--font-size-1)"},
        ),
        rx.cond(c.write_error != "", rx.text(c.write_error, size="1", color_scheme="red", role="alert")),
        spacing="1",
    )


def _calendar_row(c: CalendarRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(
                rx.text(c.name, weight="medium"),
                rx.text(c.url_hint, size="1"),
                rx.cond(c.account, _account_calendars(c)),
                rx.cond(c.account, _write_into(c)),
            )
        ),
        rx.table.cell(
            rx.cond(
                c.ok,
                rx.badge("Up to date", color_scheme="green"),
                rx.vstack(rx.badge("Error", color_scheme="red"), rx.text(c.status, size="1", color_scheme="red")),
            )
        ),
        rx.table.cell(rx.cond(c.synced != "", c.synced, "never")),
        rx.table.cell(c.busy),
        rx.table.cell(
            rx.hstack(
                rx.button(
                    "Sync now",
                    size="1",
                    variant="soft",
                    loading=S.working == c.id,
                    disabled=S.working != "",
                    on_click=S.sync(c.id),
                    aria_label="Sync now: " + c.name,
                ),
                rx.button(
                    "Remove",
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=S.remove(c.id),
                    aria_label="Remove " + c.name,
                ),
                spacing="2",
            )
        ),
    )


def _calendars() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Your other calendars", size="4", as_="h2"),
            rx.text(
                "Times that are busy in these calendars are never offered to clients (with your buffer). "
                "They are read again every few minutes.",
                size="2",
            ),
            rx.cond(
                S.calendars.length() > 0,
                rx.table.root(
                    rx.el.caption("Connected calendars", class_name="td-sr-only"),
                    rx.table.header(
                        rx.table.row(
                            *[rx.table.column_header_cell(h) for h in ("Calendar", "Status", "Last read", "Busy")],
                            rx.table.column_header_cell(rx.el.span("Actions", class_name="td-sr-only")),
                        )
                    ),
                    rx.table.body(rx.foreach(S.calendars, _calendar_row)),
                    width="100%",
                ),
                rx.text("No calendar connected yet.", size="2", color_scheme="gray"),
            ),
            _connect_form(),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _feed() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Your bookings in your calendar app", size="4", as_="h2"),
            rx.text(
                "Subscribe to this address in Google Calendar, Apple Calendar or Outlook to see your sessions "
                "there. Keep it private: anyone with it can read your bookings.",
                size="2",
            ),
            rx.el.label("Calendar feed address", html_for="feed-url", class_name="td-label"),
            rx.hstack(
                rx.input(id="feed-url", value=S.feed_url, read_only=True, width="100%"),
                rx.button(
                    "Copy",
                    variant="soft",
                    on_click=[rx.set_clipboard(S.feed_url), rx.toast.info("Feed address copied.")],
                ),
                width="100%",
            ),
            rx.button("Make a new address", variant="outline", color_scheme="red", on_click=S.rotate_feed),
            rx.text("The old address stops working at once.", size="1", color_scheme="gray"),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _webhook_error(name: str) -> rx.Component:
    return rx.cond(
        S.webhook_errors.contains(name),
        rx.text(S.webhook_errors[name], color_scheme="red", size="2", role="alert", id=f"webhook-error-{name}"),
    )


_STATUS_COLOURS = {"delivered": "green", "failed": "red", "pending": "amber"}


def _delivery_row(d: DeliveryRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(d.when),
        rx.table.cell(d.type),
        rx.table.cell(
            rx.match(
                d.status,
                *[(status, rx.badge(status.capitalize(), color_scheme=c)) for status, c in _STATUS_COLOURS.items()],
                rx.badge(d.status),
            )
        ),
        rx.table.cell(d.attempts),
        rx.table.cell(rx.cond(d.code != "", d.code, "–")),
        rx.table.cell(rx.text(d.error, size="1")),
    )


def _webhook(w: WebhookRow) -> rx.Component:
    return rx.box(
        rx.vstack(
            rx.hstack(
                rx.vstack(
                    rx.text(w.url, weight="medium", style={"wordBreak": "break-all"}),
                    rx.text(w.events, size="1", color_scheme="gray"),
                    spacing="0",
                ),
                rx.spacer(),
                rx.cond(w.active, rx.badge("On", color_scheme="green"), rx.badge("Turned off", color_scheme="red")),
                rx.button("Ping", size="1", variant="soft", on_click=S.ping_webhook(w.id), aria_label="Ping " + w.url),
                rx.button(
                    "Remove",
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=S.remove_webhook(w.id),
                    aria_label="Remove webhook " + w.url,
                ),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            rx.cond(
                w.disabled_reason != "",
                rx.text(
                    w.disabled_reason + " Ping it to turn it on again.", size="1", color_scheme="red", role="alert"
                ),
            ),
            rx.cond(
                w.deliveries.length() > 0,
                rx.table.root(
                    rx.el.caption("Deliveries to " + w.url, class_name="td-sr-only"),
                    rx.table.header(
                        rx.table.row(
                            *[
                                rx.table.column_header_cell(h)
                                for h in ("When", "Event", "Status", "Attempts", "Last answer", "Last error")
                            ]
                        )
                    ),
                    rx.table.body(rx.foreach(w.deliveries, _delivery_row)),
                    size="1",
                    width="100%",
                ),
                rx.text("Nothing sent yet.", size="1", color_scheme="gray"),
            ),
            spacing="2",
            width="100%",
        ),
        padding="0.75rem",
        border="1px solid var(--gray-a5)",
        border_radius="var(--radius-3)",
        width="100%",
    )


def _add_webhook() -> rx.Component:
    return rx.vstack(
        rx.el.label("Webhook address", html_for="webhook-url", class_name="td-label"),
        rx.input(
            id="webhook-url",
            type="url",
            value=S.webhook_url,
            on_change=S.set_webhook_url,
            placeholder="https://crm.example.com/hooks/trainerdesk",
            width="100%",
            aria_invalid=S.webhook_errors.contains("url"),
            aria_describedby=rx.cond(S.webhook_errors.contains("url"), "webhook-error-url", ""),
        ),
        _webhook_error("url"),
        rx.el.fieldset(
            rx.el.legend("Send these events", class_name="td-label"),
            rx.hstack(
                *[
                    rx.hstack(
                        rx.checkbox(
                            id=f"webhook-event-{event}",
                            checked=S.webhook_events.contains(event),
                            on_change=lambda checked, e=event: S.toggle_webhook_event(e, checked),
                        ),
                        rx.el.label(words, html_for=f"webhook-event-{event}"),
                        align="center",
                        spacing="1",
                    )
                    for event, words in EVENT_WORDS.items()
                ],
                spacing="4",
                wrap="wrap",
            ),
            style={"border": "0", "padding": "0", "margin": "0"},
        ),
        _webhook_error("events"),
        rx.button("Add webhook", on_click=S.add_webhook),
        spacing="2",
        width="100%",
    )


def _new_secret() -> rx.Component:
    return rx.cond(
        S.new_secret != "",
        rx.callout.root(
            rx.callout.text(
                "Signing secret of the new webhook, shown only now. Check each delivery's "
                "TrainerDesk-Signature header with it (see the README)."
            ),
            rx.hstack(
                rx.el.label("Signing secret", html_for="webhook-secret", class_name="td-sr-only"),
                rx.input(id="webhook-secret", value=S.new_secret, read_only=True, width="100%"),
                rx.button(
                    "Copy secret",
                    variant="soft",
                    on_click=[rx.set_clipboard(S.new_secret), rx.toast.info("Signing secret copied.")],
                ),
                rx.button("Done", variant="outline", on_click=S.forget_secret),
                width="100%",
            ),
            color_scheme="amber",
            width="100%",
        ),
    )


def _webhooks() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Webhooks", size="4", as_="h2"),
                rx.spacer(),
                rx.button("Refresh log", size="1", variant="ghost", on_click=S.refresh_webhooks),
                width="100%",
                align="center",
            ),
            rx.text(
                "Tell your other tools (a CRM, a payments tool, a chat bot) about bookings: each event is POSTed "
                "as JSON to your address, signed, and retried for 24 hours until it gets a 2xx answer.",
                size="2",
            ),
            _new_secret(),
            rx.foreach(S.webhooks, _webhook),
            _add_webhook(),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def integrations_page() -> rx.Component:
    return dashboard_frame(
        S,
        rx.vstack(
            rx.hstack(
                rx.heading("Integrations", size="6", as_="h1"),
                rx.spacer(),
                calendar_switcher(S, allow_all=False),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            _calendars(),
            _feed(),
            _webhooks(),
            spacing="4",
            width="100%",
            max_width="56rem",
        ),
    )
