"""The dashboard calendar's drawing: the time grid (day and week), the month, and the session blocks.

Positions, words and accessible names come ready from the presenters (``state/calendar_layout.py``);
status colours are the bookings table's (``components/status.py``); dragging is ``assets/calendar_drag.js``.
"""

from __future__ import annotations

import reflex as rx

from .status import STATUS_COLORS


def status_styles() -> rx.Component:
    """A session's colours by status, from the same table as the badges, so both always agree."""
    rules = "".join(
        f".td-st-{code}{{--st-line:var(--{color}-9);--st-bg:var(--{color}-3);--st-fg:var(--{color}-12)}}"
        for code, color in STATUS_COLORS.items()
    )
    return rx.el.style(rules)


def _session(C, D, s) -> rx.Component:
    return rx.el.button(
        rx.el.span(s.client, class_name="td-cal-client"),
        rx.el.span(s.time, class_name="td-cal-time"),
        rx.cond(s.trainer != "", rx.el.span(s.trainer, class_name="td-cal-trainer")),
        type="button",
        class_name="td-cal-session td-st-" + s.status,
        on_click=D.show_details(s.id),
        aria_label=s.name,
        title=s.name,
        style={
            "top": s.top,
            "height": s.height,
            "left": s.left,
            "width": s.width,
            "borderRightColor": rx.cond(s.trainer_color != "", s.trainer_color, "transparent"),
        },
        custom_attrs={
            "data-session": s.id,
            "data-movable": rx.cond(s.movable, "1", "0"),
            "data-minutes": s.minutes,
            "data-trainer": s.trainer_id,
            "data-h12": rx.cond(C.hour12, "1", "0"),
        },
    )


def _column(C, D, col) -> rx.Component:
    return rx.box(
        rx.foreach(
            col.shades,
            lambda sh: rx.box(class_name="td-cal-hours", style={"top": sh.top, "height": sh.height}),
        ),
        rx.foreach(col.sessions, lambda s: _session(C, D, s)),
        rx.cond(
            col.now_top != "",
            rx.box(class_name="td-cal-now", style={"top": col.now_top}, role="img", aria_label="Now"),
        ),
        class_name=rx.cond(col.kind == "closed", "td-cal-col td-cal-closed", "td-cal-col"),
        role="group",
        aria_label=rx.cond(col.note != "", col.long + ", " + col.note, col.long),
        custom_attrs={
            "data-cal-col": col.key,
            "data-day": col.day,
            "data-trainer": col.trainer_id,
            "data-first": C.grid.first,
            "data-span": C.grid.span,
            "data-label": col.label,
        },
    )


def _column_head(C, col) -> rx.Component:
    return rx.box(
        rx.cond(
            col.trainer_id != "",
            rx.text(col.label, weight="bold", size="2"),
            rx.el.button(
                col.label,
                type="button",
                class_name=rx.cond(col.today, "td-cal-day td-cal-today", "td-cal-day"),
                on_click=C.show_day(col.day),
                aria_label="Show " + col.long,
            ),
        ),
        rx.cond(
            col.note != "",
            rx.text(col.note, size="1", class_name=rx.cond(col.kind == "closed", "td-cal-note-closed", "td-cal-note")),
        ),
        class_name="td-cal-head-cell",
    )


def time_grid(C, D) -> rx.Component:
    """``C`` is the calendar state (``grid``, ``show_day``, ``hour12``), ``D`` the bookings dialogs."""
    g = C.grid
    return rx.box(
        rx.box(
            rx.box(class_name="td-cal-gutter"),
            rx.foreach(g.columns, lambda col: _column_head(C, col)),
            class_name="td-cal-head",
        ),
        rx.box(
            rx.box(
                rx.foreach(g.hours, lambda h: rx.el.span(h.label, class_name="td-cal-hour", style={"top": h.top})),
                class_name="td-cal-gutter",
                aria_hidden="true",
            ),
            rx.foreach(g.columns, lambda col: _column(C, D, col)),
            class_name="td-cal-body",
            style={"height": g.height},
        ),
        class_name="td-cal",
    )


def month_grid(C, D) -> rx.Component:
    def day_cell(d) -> rx.Component:
        return rx.el.td(
            rx.el.button(
                d.number,
                type="button",
                class_name=rx.cond(d.today, "td-cal-day td-cal-today", "td-cal-day"),
                on_click=C.show_day(d.iso),
                aria_label="Show " + d.long,
            ),
            rx.cond(d.note != "", rx.text(d.note, size="1", class_name="td-cal-note")),
            rx.foreach(
                d.sessions,
                lambda s: rx.el.button(
                    rx.el.span(s.time, class_name="td-cal-time"),
                    " ",
                    rx.el.span(s.client, class_name="td-cal-client"),
                    type="button",
                    class_name="td-cal-item td-st-" + s.status,
                    on_click=D.show_details(s.id),
                    aria_label=s.name,
                    title=s.name,
                    style={"borderRightColor": rx.cond(s.trainer_color != "", s.trainer_color, "transparent")},
                ),
            ),
            rx.cond(
                d.more != "",
                rx.el.button(
                    d.more,
                    type="button",
                    class_name="td-cal-more",
                    on_click=C.show_day(d.iso),
                    aria_label=d.more + " on " + d.long,
                ),
            ),
            class_name=rx.cond(d.in_month, "td-cal-mday", "td-cal-mday td-cal-outside"),
        )

    return rx.el.table(
        rx.el.caption(C.heading, class_name="td-sr-only"),
        rx.el.thead(rx.el.tr(rx.foreach(C.weekdays, lambda w: rx.el.th(w, scope="col")))),
        rx.el.tbody(rx.foreach(C.month, lambda week: rx.el.tr(rx.foreach(week, day_cell)))),
        class_name="td-cal-month",
    )
