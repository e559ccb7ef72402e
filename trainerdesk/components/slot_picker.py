"""The month-and-times picker (month grid, zone and length selectors, time buttons), for any SlotPicker state."""

from __future__ import annotations

import reflex as rx

from .. import live
from ..state.common import ZONES
from ..state.slot_picker import HOUR_CYCLE_CHOICES


def _day(S, cell) -> rx.Component:
    return rx.cond(
        cell["day"] == "",
        rx.box(role="gridcell"),
        rx.el.button(
            cell["day"],
            on_click=S.pick_date(cell["iso"]),
            disabled=cell["available"] == "",
            aria_label=cell["label"],
            aria_pressed=rx.cond(S.selected_date == cell["iso"], "true", "false"),
            class_name=rx.cond(
                S.selected_date == cell["iso"],
                "td-day td-day-selected",
                rx.cond(cell["available"] == "1", "td-day td-day-open", "td-day"),
            ),
            role="gridcell",
        ),
    )


def month_view(S) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.icon_button(
                rx.icon("chevron-left"), on_click=S.previous_month, variant="soft", aria_label="Previous month"
            ),
            rx.heading(S.month_label, size="4", as_="h2", id="month-label", aria_live="polite"),
            rx.icon_button(rx.icon("chevron-right"), on_click=S.next_month, variant="soft", aria_label="Next month"),
            justify="between",
            align="center",
            width="100%",
        ),
        rx.box(
            rx.box(
                rx.foreach(S.weekday_names, lambda d: rx.box(d, class_name="td-weekday", role="columnheader")),
                class_name="td-week",
                role="row",
            ),
            rx.foreach(
                S.weeks,
                lambda week: rx.box(rx.foreach(week, lambda cell: _day(S, cell)), class_name="td-week", role="row"),
            ),
            role="grid",
            aria_labelledby="month-label",
        ),
        width="100%",
    )


def zone_picker(S) -> rx.Component:
    return rx.vstack(
        rx.el.label("Your time zone", html_for="client-zone", class_name="td-label"),
        # A search box over every IANA zone: type "tok" or "new_y" and pick; other text is ignored.
        rx.el.input(
            id="client-zone",
            list="zone-options",
            default_value=S.client_zone,
            key=S.client_zone,
            on_change=S.set_client_zone,
            auto_complete="off",
            spell_check=False,
            class_name="td-select",
            aria_describedby="client-zone-now",
        ),
        rx.el.datalist(*[rx.el.option(value=z) for z in ZONES], id="zone-options"),
        rx.text(S.client_zone_label, size="1", color_scheme="gray", id="client-zone-now"),
        rx.text("Trainer's time zone: ", S.trainer_zone_label, size="1", color_scheme="gray"),
        spacing="1",
        width="100%",
    )


def duration_picker(S) -> rx.Component:
    return rx.cond(
        S.durations.length() > 1,
        rx.vstack(
            rx.el.label("Session length", html_for="duration", class_name="td-label"),
            rx.el.select(
                rx.foreach(S.durations, lambda d: rx.el.option(d.to_string() + " minutes", value=d.to_string())),
                id="duration",
                value=S.duration.to_string(),
                on_change=S.set_duration,
                class_name="td-select",
            ),
            spacing="1",
            width="100%",
        ),
    )


def trainer_picker(S) -> rx.Component:
    """A team's page: choose a trainer, or any trainer (the union of everyone's times)."""
    return rx.cond(
        S.team_id != "",
        rx.vstack(
            rx.el.label("Trainer", html_for="trainer-choice", class_name="td-label"),
            rx.el.select(
                rx.el.option("Any trainer", value=""),
                rx.foreach(S.team_members, lambda m: rx.el.option(m["name"], value=m["id"])),
                id="trainer-choice",
                value=S.chosen_trainer,
                on_change=S.set_trainer,
                class_name="td-select",
            ),
            spacing="1",
            width="100%",
        ),
    )


def slot_list(S, action: str = "Book") -> rx.Component:
    return rx.cond(
        S.selected_date != "",
        rx.vstack(
            rx.heading(S.selected_date_label, size="3", as_="h3"),
            rx.text("Times in ", S.client_zone, size="1", color_scheme="gray"),
            rx.cond(
                S.slots.length() > 0,
                rx.box(
                    rx.foreach(
                        S.slot_choices,
                        lambda s: rx.button(
                            s["label"],
                            on_click=S.pick_slot(s["start"]),
                            variant="outline",
                            aria_label=action + " " + s["aria"],
                            class_name="td-slot",
                        ),
                    ),
                    class_name="td-slots",
                    role="list",
                    aria_label="Available times",
                ),
                rx.text("No free times on this day. Please pick another date."),
            ),
            spacing="2",
            width="100%",
        ),
        rx.text("Pick a highlighted date to see its free times.", color_scheme="gray"),
    )


def hour_cycle_switch(S) -> rx.Component:
    """12-hour or 24-hour times; starts at the reader's locale convention, remembered for the visit."""
    return rx.el.fieldset(
        rx.el.legend("Time format", class_name="td-label", id="hour-cycle-label"),
        rx.radio_group(
            list(HOUR_CYCLE_CHOICES),
            value=S.hour_cycle_choice,
            on_change=S.set_hour_cycle,
            direction="row",
            spacing="4",
            aria_labelledby="hour-cycle-label",
        ),
        style={"border": "0", "padding": "0", "margin": "0"},
    )


def live_ticker(S) -> rx.Component:
    """Invisible: the page's keep-alive. Changes are pushed the moment they commit (``trainerdesk.live``)
    and the server's safety poll catches up a missed one; every 20 min the page also asks, which keeps
    its state and its registration alive (an idle page costs the server nothing in between)."""
    return rx.moment(interval=live.CLIENT_POLL_MS, on_change=S.tick, display="none", aria_hidden="true")


def picker(S, action: str = "Book") -> rx.Component:
    """Zone, length, month and the chosen date's times, side by side on wide screens."""
    return rx.flex(
        rx.vstack(
            trainer_picker(S),
            zone_picker(S),
            duration_picker(S),
            hour_cycle_switch(S),
            month_view(S),
            spacing="3",
            width="100%",
            max_width="24rem",
        ),
        rx.box(slot_list(S, action), width="100%"),
        live_ticker(S),
        direction=rx.breakpoints(initial="column", sm="row"),
        spacing="5",
        width="100%",
    )
