"""Every Reflex event handler is a public endpoint: call each one as an attacker would.

The browser can send any event of any state with any arguments over its websocket. This test finds
every event handler of every ``rx.State`` subclass by introspection (so a handler added later is
covered without editing this file) and calls each one over a real websocket of a running production
server, speaking Reflex's own event protocol, as:

- another tenant (a free sign-up) against a victim trainer,
- a sub-trainer against its primary trainer,
- an anonymous visitor (no login cookie),
- a trainer whose session was ended by logging out in another tab,

with the victim's trainer id, booking id and "all" as arguments, twice over (so vars set by one
handler, such as the viewed trainer or a selected booking, feed the next). It then asserts that no
message the server sent contains anything of the victim's clients, and that the victim's rows in the
database are exactly as before.
"""

from __future__ import annotations

import inspect
import json
import threading
import typing
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
import socketio
from sqlalchemy import text
from sqlmodel import Session

from tests.calendar_server import CalendarServer, ics, vevent
from tests.e2e.helpers import first_slot, make_trainer
from tests.live import running_server
from trainerdesk import routes
from trainerdesk.db import engine_for

# What only the victim's clients typed, and what the victim's own calendar says: none of it may ever
# reach the attacker.
SECRETS = {
    "name": "Zed Victimclient",
    "email": "zed.victim@secret.example",
    "phone": "+49 1555 0009 876",
    "notes": "VICTIM-PRIVATE-NOTE knee surgery",
    "busy time": "VICTIM-PRIVATE-BUSY oncologist",
}
# Rows that belong to the victim (a trainer id is bound as :t), compared before and after.
VICTIM_ROWS = {
    "trainer": "SELECT * FROM trainer WHERE id = :t",
    "booking": "SELECT * FROM booking WHERE trainer_id = :t",
    "client": "SELECT c.* FROM client c JOIN booking b ON b.client_id = c.id WHERE b.trainer_id = :t",
    "booking_event": "SELECT e.* FROM booking_event e JOIN booking b ON b.id = e.booking_id WHERE b.trainer_id = :t",
    "availability": "SELECT * FROM availability_block WHERE trainer_id = :t",
    "overrides": "SELECT * FROM date_override WHERE trainer_id = :t",
    "preferences": "SELECT * FROM booking_preferences WHERE trainer_id = :t",
    "api_keys": "SELECT * FROM api_key WHERE trainer_id = :t",
    "sessions": "SELECT * FROM login_session WHERE trainer_id = :t",
    # without what a background refresh rewrites (sync status, caching headers, row ids)
    "calendars": "SELECT id, kind, name, url_hint, calendars FROM calendar_connection WHERE trainer_id = :t",
    "busy_times": "SELECT start_at, end_at, summary FROM busy_time WHERE trainer_id = :t",
    # the victim's team, but for the attacker itself (a sub-trainer may change its own rows)
    "sub_trainers": "SELECT * FROM trainer WHERE primary_trainer_id = :t AND id != :me",
}


@dataclass(frozen=True)
class Handler:
    state: str  # the state's full name, as events address it
    name: str
    signature: inspect.Signature
    chain: tuple[str, ...]  # the state and its ancestors: their handlers set the vars this one reads

    @property
    def takes_arguments(self) -> bool:
        return len(self.signature.parameters) > 1


# Not used to prime: they hash passwords (slow, and would lock the victim's account) or end the session;
# Reflex's generic ``setvar`` only calls a var's own setter (none here: auto setters are off), which is
# itself a handler and primes already.
NOT_PRIMERS = ("login", "signup", "logout", "setvar")


def all_event_handlers() -> list[Handler]:
    """Every event handler of every state in the app (Reflex's own included), found by introspection."""
    import reflex as rx

    import trainerdesk.trainerdesk  # noqa: F401 - registers every page and state

    found, stack = [], [rx.State]
    while stack:
        cls = stack.pop()
        chain, owner = [], cls
        while owner is not None:
            chain.append(owner.get_full_name())
            owner = owner.get_parent_state()
        for name, handler in cls.event_handlers.items():
            found.append(Handler(cls.get_full_name(), name, inspect.signature(handler.fn), tuple(chain)))
        stack.extend(cls.get_substates())
    return sorted(found, key=lambda h: (h.state, h.name))


def targets(victim: dict) -> tuple[str, ...]:
    return victim["trainerId"], victim["bookingId"], "all"


def primers(handler: Handler, handlers: list[Handler]) -> list[Handler]:
    """Before each call, every handler with arguments of the same state or an ancestor runs first with the
    victim's ids, as a browser could send them: that is how the viewed trainer, the selected bookings or the
    booking in a dialog would be pointed at the victim before the handler under test reads them."""
    return [
        h
        for h in handlers
        if h.state in handler.chain and h.takes_arguments and h != handler and h.name not in NOT_PRIMERS
    ]


def payload(handler: Handler, target: str, victim: dict) -> dict:
    """The handler's own arguments aimed at the victim: strings the target, forms full of its ids."""
    form = {
        "email": victim["email"],
        "password": "wrong-password-123",
        "name": "Mallory",
        "timezone": "UTC",
        "trainer_id": victim["trainerId"],
        "booking_id": victim["bookingId"],
        "day": "0",
        "start": "09:00",
        "end": "10:00",
        "date": victim["date"],
        "kind": "block",
        "token": "x",
        "reason": "hacked",
        "id": target,
    }
    if "var_name" in handler.signature.parameters:
        return {"var_name": "viewing", "value": target}
    out = {}
    for p in list(handler.signature.parameters.values())[1:]:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        kind = typing.get_origin(p.annotation) or p.annotation
        text_ = str(p.annotation)
        if kind is dict or "dict" in text_:
            out[p.name] = form
        elif kind is bool or text_ == "bool":
            out[p.name] = True
        elif kind is int or text_ == "int":
            out[p.name] = 0
        elif kind is list or text_.startswith("list"):
            out[p.name] = [target]
        else:
            out[p.name] = target
    return out


EVENTS = "/_event"  # Reflex's socket.io path and namespace
AUTH_STATE = "reflex___state____state.trainerdesk___state___auth____auth_state"
PROBE_ZONES = ("Europe/Oslo", "America/Lima")


class Tab:
    """A browser tab reduced to its websocket: sends events, collects everything the server sends."""

    def __init__(self, base: str, cookie: str | None):
        self.messages: list[str] = []
        self._probe = ""
        self._done = threading.Event()
        self.client = socketio.Client(reconnection=False)
        self.client.on("event", self._on_event, namespace=EVENTS)
        headers = {"Cookie": f"{routes.SESSION_COOKIE}={cookie}"} if cookie else {}
        self.client.connect(
            f"{base}?token={uuid.uuid4()}",
            headers=headers,
            transports=["websocket"],
            socketio_path=EVENTS,
            namespaces=[EVENTS],
            wait_timeout=10,
        )

    def _on_event(self, update):
        message = json.dumps(update)
        self.messages.append(message)
        if f'"browser_zone_rx_state_": "{self._probe}"' in message:
            self._done.set()

    def emit(self, event: str, payload: dict, path: str = "/dashboard/bookings") -> None:
        self.client.emit(
            "event",
            {"name": event, "payload": payload, "router_data": {"pathname": path, "asPath": path, "query": {}}},
            namespace=EVENTS,
        )

    def sync(self) -> None:
        """Wait until every event sent so far is processed.

        Not every handler answers, so a probe follows them: Reflex runs one tab's events in order, and
        the probe (the time-zone setter, flipped between two zones) always changes a var.
        """
        self._done.clear()
        self._probe = PROBE_ZONES[PROBE_ZONES[0] == self._probe]
        self.emit(f"{AUTH_STATE}.set_browser_zone", {"zone": self._probe})
        assert self._done.wait(timeout=30), "the server stopped answering"

    def send(self, event: str, payload: dict, path: str = "/dashboard/bookings") -> None:
        self.emit(event, payload, path)
        self.sync()

    def close(self) -> None:
        self.client.disconnect()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A live server of its own (attacks should not throttle other tests) with a victim and attackers."""
    # The victim's outside calendar is served on this machine.
    with running_server(tmp_path_factory, "matrix", CALENDAR_ALLOW_PRIVATE_NETWORKS="1") as (server, db_url):
        calendar = CalendarServer()
        try:
            yield from _populate(server, db_url, calendar)
        finally:
            calendar.httpd.shutdown()


def _populate(server, db_url, calendar: CalendarServer):
    base = server.base
    victim = make_trainer(base, "victim-primary@example.com", name="Vera Victim")
    slot = first_slot(base, victim["trainerId"])
    booked = httpx.post(
        f"{base}/api/bookings",
        timeout=10,
        json={
            "trainerId": victim["trainerId"],
            "startTime": slot["startTime"],
            "duration": 60,
            "name": SECRETS["name"],
            "email": SECRETS["email"],
            "phone": SECRETS["phone"],
            "notes": SECRETS["notes"],
            "clientTimezone": "UTC",
            "privacyAccepted": True,
        },
    )
    assert booked.status_code == 201, booked.text
    sub = httpx.post(
        f"{base}/api/trainers/{victim['trainerId']}/sub-trainers",
        headers=victim["headers"],
        timeout=10,
        json={
            "email": "sub-of-victim@example.com",
            "password": "a different horse",
            "name": "Sam Sub",
            "timezone": "Europe/Berlin",
        },
    )
    assert sub.status_code == 201, sub.text
    # A busy time on the coming week's Wednesday, the week the availability page shows first: weeks counted
    # in the trainer's zone, as the page counts them (late on a Sunday in UTC it is already Monday in Berlin).
    today = datetime.now(ZoneInfo("Europe/Berlin")).date()
    stamp = (today + timedelta(days=9 - today.weekday())).strftime("%Y%m%d")
    calendar.files["/victim.ics"] = (
        200,
        ics(vevent("victim-busy@test", f"{stamp}T100000Z", f"{stamp}T110000Z", SECRETS["busy time"])),
    )
    connected = httpx.post(
        f"{base}/api/trainers/{victim['trainerId']}/calendars",
        headers=victim["headers"],
        timeout=15,
        json={"kind": "ics", "url": calendar.url("/victim.ics"), "name": "Victim private"},
    )
    assert connected.status_code == 201 and connected.json()["status"] == "ok", connected.text
    other = make_trainer(base, "mallory@example.com", name="Mallory Other")
    engine = engine_for(db_url)
    yield {
        "base": base,
        "engine": engine,
        "server": server,
        "victim": {
            **victim,
            "bookingId": booked.json()["id"],
            "email": "victim-primary@example.com",
            "slug": victim.get("slug") or "vera-victim",
            "date": slot["date"],
        },
        "sub": sub.json()["trainerId"],
        "other": other["trainerId"],
    }


def login_cookie(engine, trainer_id: str) -> str:
    from trainerdesk.services import trainers

    with Session(engine) as session:
        return trainers.start_login_session(session, trainer_id=trainer_id)


def snapshot(engine, trainer_id: str, attacker_id: str = "") -> dict:
    with engine.connect() as conn:
        return {
            name: sorted(map(repr, conn.execute(text(sql), {"t": trainer_id, "me": attacker_id}).all()))
            for name, sql in VICTIM_ROWS.items()
        }


def page_loads(victim: dict) -> list[tuple[str, str, str]]:
    """(path, state, handler) of every page's on_load, with the victim's slug and booking in the path:
    what a browser runs when it opens a page, before the attacker's own events."""
    from trainerdesk.trainerdesk import app

    loads = []
    for route, handlers in app._load_events.items():
        path = "/" + route.replace("[slug]", victim["slug"]).replace("[booking_id]", victim["bookingId"])
        loads += [(path.replace("/index", "/"), h.state_full_name, h.fn.__name__) for h in handlers]
    return loads


def attack(base: str, cookie: str | None, victim: dict, *, skip: tuple[str, ...] = ()) -> list[str]:
    """Every handler, alone and after each of its primers, with the victim's ids and with empty text
    (an empty search lists everything). Each run is a fresh tab that first opens the handler's page (its
    on_load), so one primer's nonsense (a view named like a trainer id) cannot hide what another would
    expose. Returns every message the server sent."""
    handlers = all_event_handlers()
    assert len(handlers) > 40, "introspection found too few handlers"
    loads = page_loads(victim)
    runs = []
    for handler in handlers:
        if handler.name in skip:
            continue
        opened = [(path, f"{state}.{name}") for path, state, name in loads if state in handler.chain] or [
            (routes.DASHBOARD_BOOKINGS, None)
        ]
        for primer in [None, *primers(handler, handlers)]:
            for path, load in opened:
                runs.append((handler, primer, path, load))

    def run(job) -> list[str]:
        handler, primer, path, load = job
        tab = Tab(base, cookie)
        try:
            if load:
                tab.emit(load, {}, path)
            for target in targets(victim):
                if primer is not None:
                    tab.emit(f"{primer.state}.{primer.name}", payload(primer, target, victim), path)
                calls = [payload(handler, "", victim), payload(handler, target, victim)]
                for call in calls[:1] if calls[0] == calls[1] else calls:
                    tab.emit(f"{handler.state}.{handler.name}", call, path)
            tab.sync()
        finally:
            tab.close()
        return tab.messages

    with ThreadPoolExecutor(max_workers=6) as pool:
        return [m for messages in pool.map(run, runs) for m in messages]


def assert_nothing_leaked(messages: list[str]) -> None:
    assert messages, "the server answered nothing: the attack did not run"
    for message in messages:
        for label, secret in SECRETS.items():
            assert secret not in message, f"the victim's client {label} reached the attacker: {message[:500]}"


@pytest.mark.parametrize("who", ["other tenant", "sub-trainer", "anonymous"])
def test_no_handler_reads_or_changes_another_tenants_data(world, who):
    victim_id = world["victim"]["trainerId"]
    attacker = {"other tenant": world["other"], "sub-trainer": world["sub"], "anonymous": ""}[who]
    before = snapshot(world["engine"], victim_id, attacker)
    cookie = {
        "other tenant": lambda: login_cookie(world["engine"], world["other"]),
        "sub-trainer": lambda: login_cookie(world["engine"], world["sub"]),
        "anonymous": lambda: None,
    }[who]()
    assert_nothing_leaked(attack(world["base"], cookie, world["victim"], skip=("logout",)))
    assert snapshot(world["engine"], victim_id, attacker) == before


def test_after_logout_in_another_tab_no_handler_acts(world):
    """The victim's own session, ended in one tab: the other tab's open websocket can do nothing more."""
    victim_id = world["victim"]["trainerId"]
    cookie = login_cookie(world["engine"], victim_id)
    open_tab = Tab(world["base"], cookie)
    leaving = httpx.post(f"{world['base']}{routes.SESSION_END}", cookies={routes.SESSION_COOKIE: cookie}, timeout=10)
    assert leaving.status_code == 204
    before = snapshot(world["engine"], victim_id)
    try:
        for handler in all_event_handlers():
            for target in ("", *targets(world["victim"])):
                open_tab.emit(f"{handler.state}.{handler.name}", payload(handler, target, world["victim"]))
            open_tab.sync()
    finally:
        open_tab.close()
    assert_nothing_leaked(open_tab.messages)
    # ... and a fresh page with the ended session's cookie is no better.
    assert_nothing_leaked(attack(world["base"], cookie, world["victim"]))
    assert snapshot(world["engine"], victim_id) == before


def test_the_matrix_sees_what_a_logged_in_owner_sees(world):
    """The same harness, as the victim itself, does reach the data: proof the matrix would catch a leak."""
    tab = Tab(world["base"], login_cookie(world["engine"], world["victim"]["trainerId"]))
    try:
        bookings_state = next(h.state for h in all_event_handlers() if h.state.endswith("bookings_state"))
        tab.send(f"{bookings_state}.load", {})
        availability_state = next(h.state for h in all_event_handlers() if h.state.endswith("availability_state"))
        tab.send(f"{availability_state}.load", {}, path=routes.DASHBOARD_AVAILABILITY)
    finally:
        tab.close()
    assert any(SECRETS["name"] in m for m in tab.messages)
    assert any(SECRETS["busy time"] in m for m in tab.messages)
