"""The weekly availability grid: Monday-Sunday rows, half-hour cells, drag to add, bars at exact minutes, and
one concrete week's outside busy times greyed over it."""

from __future__ import annotations

import reflex as rx

from ..domain.slots import DAY_NAMES


def _bar(state, bar) -> rx.Component:
    return rx.box(
        rx.text(bar.label, as_="span"),
        rx.el.button("×", on_click=state.remove_block(bar.id), aria_label="Remove " + bar.name, type="button"),
        class_name="td-bar",
        style={"left": bar.left, "width": bar.width},
        title=bar.name,
    )


def _busy(block) -> rx.Component:
    # Above the weekly bars, so a busy time inside working hours shows; it keeps its pointer events for the
    # tooltip, and the grid script looks through it for the cell below (a drag may start on it).
    return rx.box(
        rx.text(block.label, as_="span", aria_hidden="true"),
        class_name="td-busy",
        style={"left": block.left, "width": block.width},
        title=block.name,
        role="img",
        aria_label=block.name,
    )


def week_grid(state) -> rx.Component:
    """``state`` has ``week`` (bars per day), ``remove_block``, ``drag_done``, and for the shown week
    ``outside`` (busy blocks per date) and ``outside_dates`` (each date, under its day name)."""
    header = rx.box(
        rx.box(),
        rx.box(*[rx.box(f"{h:02d}", style={"paddingLeft": "2px"}) for h in range(24)], class_name="td-grid-hours"),
        class_name="td-grid-row",
    )
    rows = [
        rx.box(
            rx.box(
                rx.text(name, as_="span"),
                rx.text(state.outside_dates[d], as_="span", class_name="td-grid-date"),
                class_name="td-grid-day",
            ),
            rx.box(
                *[
                    rx.box(
                        class_name="td-cell",
                        custom_attrs={"data-day": str(d), "data-slot": str(s), "data-day-name": name},
                    )
                    for s in range(48)
                ],
                rx.foreach(state.week[d], lambda bar: _bar(state, bar)),
                rx.foreach(state.outside[d], _busy),
                class_name="td-grid-cells",
                role="group",
                aria_label=f"{name} hours",
            ),
            class_name="td-grid-row",
        )
        for d, name in enumerate(DAY_NAMES)
    ]
    return rx.vstack(
        rx.box(rx.box(header, *rows, class_name="td-grid"), class_name="td-grid-scroll"),
        rx.text("", id="grid-drag-label", size="2", aria_live="polite", min_height="1.25rem"),
        rx.el.input(
            id="grid-drag-result",
            type="text",
            on_change=state.drag_done,
            tab_index=-1,
            aria_hidden="true",
            style={"display": "none"},
        ),
        rx.script(src="/availability_grid.js"),
        spacing="2",
        width="100%",
    )
