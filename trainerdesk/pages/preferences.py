"""Booking preferences page: a card per section, a field per declared preference
(``domain.preferences.PREFERENCES``), drawn by its kind."""

import reflex as rx

from ..components.layout import calendar_switcher, dashboard_frame
from ..domain.preferences import PREFERENCES, SECTIONS, PreferenceSpec
from ..state.preferences import PreferencesState as P


def _error(name: str) -> rx.Component:
    return rx.cond(
        P.field_errors.contains(name),
        rx.text(P.field_errors[name], color_scheme="red", size="2", role="alert", id=f"error-{name}"),
    )


def _described_by(spec: PreferenceSpec) -> str:
    """The hint, and the error while there is one, read out with the field."""
    return rx.cond(P.field_errors.contains(spec.name), f"hint-{spec.name} error-{spec.name}", f"hint-{spec.name}")


def _hint(spec: PreferenceSpec) -> rx.Component:
    """The help text, with the allowed range where the trainer types the value."""
    typed = spec.kind == "list" or (spec.kind == "number" and not spec.choices)
    bounds = f"({spec.low} to {spec.high} {spec.unit})." if typed else ""
    return rx.text(" ".join(x for x in (spec.help, bounds) if x), size="1", color_scheme="gray", id=f"hint-{spec.name}")


def _number(spec: PreferenceSpec) -> rx.Component:
    name = spec.name
    if spec.choices:  # a few standard values: a select
        control = rx.el.select(
            *[rx.el.option(f"{v} {spec.unit}", value=str(v)) for v in spec.choices],
            id=f"pref-{name}",
            value=P.values[name],
            on_change=lambda v: P.set_value(name, v),
            class_name="td-select",
            style={"width": "12rem"},
            aria_describedby=_described_by(spec),
            aria_invalid=P.field_errors.contains(name),
        )
    else:
        control = rx.hstack(
            rx.input(
                id=f"pref-{name}",
                type="number",
                value=P.values[name],
                on_change=lambda v: P.set_value(name, v),
                width="8rem",
                aria_describedby=_described_by(spec),
                aria_invalid=P.field_errors.contains(name),
            ),
            rx.text(spec.unit, size="2"),
            align="center",
        )
    return rx.vstack(
        rx.el.label(spec.label, html_for=f"pref-{name}", class_name="td-label"),
        control,
        _hint(spec),
        _error(name),
        spacing="1",
    )


def _switch(spec: PreferenceSpec) -> rx.Component:
    name = spec.name
    return rx.hstack(
        rx.switch(id=f"pref-{name}", checked=P.switches[name], on_change=lambda v: P.set_switch(name, v)),
        rx.el.label(spec.label, html_for=f"pref-{name}"),
        align="center",
        spacing="2",
    )


def _choices(spec: PreferenceSpec) -> rx.Component:
    """A list of minutes: a checkbox per standard value, and a field for any others."""
    name = spec.name
    return rx.vstack(
        rx.el.fieldset(
            rx.el.legend(spec.label, class_name="td-label"),
            rx.hstack(
                *[
                    rx.hstack(
                        rx.checkbox(
                            id=f"pref-{name}-{v}",
                            checked=P.chosen[name].contains(v),
                            on_change=lambda checked, v=v: P.toggle_choice(name, v, checked),
                        ),
                        rx.el.label(f"{v} {_short(spec.unit)}", html_for=f"pref-{name}-{v}"),
                        align="center",
                        spacing="1",
                    )
                    for v in spec.choices
                ],
                spacing="4",
                wrap="wrap",
            ),
            style={"border": "0", "padding": "0", "margin": "0"},
        ),
        rx.el.label(
            f"Other {spec.label.lower()} ({spec.unit}, comma separated)", html_for=f"pref-{name}", class_name="td-label"
        ),
        rx.input(
            id=f"pref-{name}",
            value=P.typed[name],
            on_change=lambda v: P.set_typed(name, v),
            placeholder="e.g. 75" if spec.unit == "minutes" else "e.g. 72",
            width="12rem",
            aria_describedby=_described_by(spec),
            aria_invalid=P.field_errors.contains(name),
        ),
        _hint(spec),
        _error(name),
        spacing="2",
    )


def _option(spec: PreferenceSpec) -> rx.Component:
    name = spec.name
    return rx.vstack(
        rx.el.label(spec.label, html_for=f"pref-{name}", class_name="td-label"),
        rx.el.select(
            *[rx.el.option(words, value=value) for value, words in spec.options],
            id=f"pref-{name}",
            value=P.values[name],
            on_change=lambda v: P.set_value(name, v),
            class_name="td-select",
            style={"width": "20rem", "maxWidth": "100%"},
            aria_describedby=_described_by(spec),
            aria_invalid=P.field_errors.contains(name),
        ),
        _hint(spec),
        _error(name),
        spacing="1",
    )


def _short(unit: str) -> str:
    return {"minutes": "min", "hours": "h"}.get(unit, unit)


_DRAW = {"number": _number, "switch": _switch, "list": _choices, "option": _option}


def _section(title: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(title, size="4", as_="h2"),
            *[_DRAW[spec.kind](spec) for spec in PREFERENCES if spec.section == title],
            spacing="3",
        ),
        width="100%",
    )


def preferences_page() -> rx.Component:
    return dashboard_frame(
        P,
        rx.vstack(
            rx.hstack(
                rx.heading("Booking preferences", size="6", as_="h1"),
                rx.spacer(),
                calendar_switcher(P, allow_all=False),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            *[_section(title) for title in SECTIONS],
            _error("form"),
            rx.hstack(
                rx.button("Save preferences", on_click=P.save, size="3"),
                rx.cond(P.saved, rx.text("Saved.", color_scheme="green", role="status")),
                align="center",
            ),
            spacing="4",
            width="100%",
            max_width="48rem",
        ),
    )
