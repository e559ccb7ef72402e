"""Fuzzing every operation of /api/openapi.json: no input gives a 500, every 4xx is docs/api.md's error format.

Two passes per database:
- a fixed pass: a valid request for every operation (valid key, real ids) with
  one body field, query parameter or path parameter at a time replaced by a
  nasty value (NUL and a lone surrogate, a huge number, a nested list), so
  each value reaches the code behind the earlier checks; then dates, months,
  instants and whole numbers at the ends of what Python holds (9999-12-31,
  0001-01-01, an offset of +14:00, a number of more than 4,300 digits) in every
  query parameter, path parameter and body field; plus bodies that are not
  JSON, too deep, or not UTF-8 (about 750 requests);
- a hypothesis-driven pass of random operations, credentials, query strings
  and bodies (JSON of any shape, or arbitrary bytes, extreme dates and huge
  numbers among the values): 80 requests.
"""

from __future__ import annotations

import itertools
import json
from datetime import timedelta, timezone
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.api.helpers import add_sub_trainer, book, future_day, local, open_trainer

METHODS = ("get", "post", "put", "patch", "delete")
PREFERENCE_NAMES = [
    "timezone",
    "sessionDurations",
    "bufferMinutes",
    "minNoticeHours",
    "maxAdvanceDays",
    "cancellationNoticeHours",
    "rescheduleNoticeHours",
    "maxReschedules",
    "allowClientCancel",
    "allowClientReschedule",
    "autoConfirm",
]
EXTRA_NAMES = ["token", "trainerId", "teamId", "blocks", "startTime", "endTime", "dayOfWeek", "status"]

# Put one at a time into an otherwise valid request, so each reaches the code behind the earlier checks.
# "a\x00\ud800b" holds both a NUL (PostgreSQL refuses it in text) and a lone surrogate (not encodable as UTF-8).
BAD_TEXT = "a\x00\ud800b"
FIELD_NASTY: list[Any] = [BAD_TEXT, 10**40, [["x"]]]
QUERY_NASTY = [BAD_TEXT, "9" * 40]
PATH_NASTY = [BAD_TEXT]
# Beyond domain.inputs.SUPPORTED_DATES and Python's datetime (years 1..9999), or past int()'s 4,300 digits.
HUGE_DIGITS = "9" * 5000
EXTREME_DATES = ["9999-12-31", "0001-01-01", "9999-12", "0001-01"]
EXTREME_INSTANTS = [
    "9999-12-31T23:59:59+14:00",
    "9999-12-31T23:00:00Z",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-12:00",
]
QUERY_EXTREME = EXTREME_DATES + [EXTREME_INSTANTS[0], HUGE_DIGITS]
PATH_EXTREME = ["9999-12-31", "0001-01-01"]
TEXT_EXTREME = EXTREME_INSTANTS[:3] + ["9999-12-31", HUGE_DIGITS]  # in place of a text field (a time, a date)
HUGE_LITERAL = "__huge_int_literal__"  # replaced by 5,000 digits in the encoded body (json.dumps refuses them)
ANY_EXTREME: list[Any] = [10**4000, HUGE_LITERAL]  # in place of any field
RAW_BODIES = [
    b"\xff\xfe{",
    b'{"a": "\\ud800", "b": NaN}',
    b"[" * 50_000 + b"]" * 50_000,
    b'{"a": 1' + b"0" * 5000 + b"}",
]
NASTY_STRINGS = [
    BAD_TEXT,
    "\x00",
    "a\x00b",
    "\ud800",
    "\udfff tail",
    "\U0001f4a5" * 50,
    "x" * 5000,
    "",
    " ",
    "null",
    "-1",
    "1e309",
    "2027-02-30",
    "24:00",
    "' OR 1=1 --",
    "../../../etc/passwd",
    "%00",
    "<script>alert(1)</script>",
]


def quoted(value: str) -> str:
    return quote(value, safe="", errors="surrogatepass")


class Target:
    """The app's operations (from its own OpenAPI document) and real ids to aim at."""

    def __init__(self, client):
        self.client = client
        doc = client.get("/api/openapi.json").json()
        schemas = doc.get("components", {}).get("schemas", {})
        self.ops = []
        for path, item in sorted(doc["paths"].items()):
            for method in METHODS:
                op = item.get(method)
                if op is None:
                    continue
                params = op.get("parameters", [])
                body_schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
                self.ops.append(
                    {
                        "method": method.upper(),
                        "path": path,
                        "path_params": [p["name"] for p in params if p["in"] == "path"],
                        "query": [p["name"] for p in params if p["in"] == "query"],
                        "has_body": body_schema is not None,
                        "fields": self._fields(body_schema, schemas, path),
                    }
                )
        assert len(self.ops) >= 22, [(o["method"], o["path"]) for o in self.ops]
        self.trainer = open_trainer(client)
        self.sub = add_sub_trainer(client, self.trainer)
        self.booking = book(client, self.trainer.id, local(future_day(9), 10))
        block = client.get(f"/api/trainers/{self.trainer.id}/availability", headers=self.trainer.headers).json()[0]
        self.hours = itertools.count()
        self.sent = 0
        feed = client.get(f"/api/trainers/{self.trainer.id}/feed", headers=self.trainer.headers).json()["url"]
        self.real = {
            "trainer_id": [self.trainer.id, self.sub.id],
            "booking_id": [self.booking["id"]],
            "block_id": [block["id"]],
            "day": [future_day(20).isoformat()],
            "connection_id": [self._connection(self.trainer.id)],
            "token": [feed.rsplit("/", 1)[-1].removesuffix(".ics")],
            "webhook_id": [self._webhook(self.trainer.id)],
        }

    @staticmethod
    def _connection(trainer_id: str) -> str:
        """A connected calendar whose address is refused when fetched (no network needed to fuzz it)."""
        import json as _json

        from trainerdesk.calendars.secrets import encrypt
        from trainerdesk.db import session_scope
        from trainerdesk.models import CalendarConnection

        with session_scope() as s:
            row = CalendarConnection(
                trainer_id=trainer_id,
                kind="ics",
                name="Fuzzed",
                secret=encrypt(_json.dumps({"url": "http://127.0.0.1:9/x.ics"})),
                url_hint="127.0.0.1/…x.ics",
            )
            s.add(row)
            s.commit()
            return row.id

    @staticmethod
    def _webhook(trainer_id: str) -> str:
        """A webhook whose address is refused when sent to (port 9 on this machine: nothing listens)."""
        from trainerdesk.calendars.secrets import encrypt
        from trainerdesk.db import session_scope
        from trainerdesk.models import WebhookEndpoint

        with session_scope() as s:
            row = WebhookEndpoint(
                trainer_id=trainer_id, url="http://127.0.0.1:9/hook", events=["booking.created"], secret=encrypt("x")
            )
            s.add(row)
            s.commit()
            return row.id

    @staticmethod
    def _fields(schema, schemas, path) -> list[str]:
        if schema is None:
            return []
        if "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
        names = list(schema.get("properties", {}))
        if path.endswith("/preferences"):
            names += PREFERENCE_NAMES
        return names or PREFERENCE_NAMES

    def url(self, op, path_values: dict[str, str], query: dict[str, str]) -> str:
        path = op["path"]
        for name in op["path_params"]:
            path = path.replace("{" + name + "}", quoted(path_values[name]))
        if query:
            path += "?" + "&".join(f"{quoted(k)}={quoted(v)}" for k, v in query.items())
        return path

    def send(self, op, *, path_values, query, body: bytes | None, headers) -> None:
        url = self.url(op, path_values, query)
        all_headers = dict(headers)
        if body is not None:
            all_headers["Content-Type"] = "application/json"
        r = self.client.request(op["method"], url, content=body, headers=all_headers)
        self.sent += 1
        where = f"{op['method']} {url} body={body[:300] if body else body!r} -> {r.status_code} {r.text[:300]}"
        assert r.status_code < 500, where
        if 400 <= r.status_code < 500:
            try:
                error = r.json()["error"]
            except Exception as exc:  # noqa: BLE001 - any shape problem is the failure we report
                raise AssertionError(f"not the error format ({exc!r}): {where}") from None
            assert isinstance(error, dict), where
            assert isinstance(error.get("code"), str) and error["code"], where
            assert isinstance(error.get("message"), str) and error["message"], where
            if r.status_code in (400, 422) and error["code"] == "validation":
                assert isinstance(error.get("details"), dict) and isinstance(error["details"].get("field"), str), where
            elif r.status_code == 400:
                raise AssertionError(f"a 400 must be a 'validation' error: {where}")


def encode(value: Any) -> bytes:
    return (
        json.dumps(value, ensure_ascii=True).encode("ascii").replace(f'"{HUGE_LITERAL}"'.encode(), HUGE_DIGITS.encode())
    )


@pytest.fixture
def target(client):
    t = Target(client)
    yield t
    print(f"fuzz: {t.sent} requests")  # shown with -s


_emails = itertools.count(1)


def baseline(target: Target, op) -> tuple[dict, dict, Any]:
    """A valid (path values, query, body) for ``op``, aimed at real rows (fresh bookings for the changes)."""
    t, path = target, op["path"]
    day = future_day(9)
    path_values = {n: t.real[n][0] for n in op["path_params"]}
    booking = t.booking
    if path.startswith("/api/bookings/{booking_id}") and op["method"] != "GET":
        n = next(t.hours)
        booking = book(t.client, t.trainer.id, local(future_day(40 + n // 8), 9 + n % 8))
        path_values["booking_id"] = booking["id"]
    defaults = {
        "trainerId": t.trainer.id,
        "teamId": t.trainer.id,
        "date": day.isoformat(),
        "duration": "60",
        "clientTimezone": "Europe/Berlin",
        "month": day.strftime("%Y-%m"),
        "from": day.isoformat(),
        "to": day.isoformat(),
        "view": "all",
        "status": "PENDING",
        "q": "client",
        "page": "1",
        "pageSize": "20",
        "sort": "startTime",
        "ids": t.booking["id"],
        "token": booking["token"],
    }
    query = {n: defaults[n] for n in op["query"] if n != "teamId"}
    if path.startswith("/api/bookings/{booking_id}"):
        query["token"] = booking["token"]
    account = {
        "email": f"fuzz{next(_emails)}@example.com",
        "password": "long enough",
        "name": "Fuzz",
        "timezone": "UTC",
    }
    body = {
        "/api/auth/signup": account,
        "/api/auth/login": {"email": t.trainer.email, "password": t.trainer.password},
        "/api/trainers/{trainer_id}/sub-trainers": account,
        "/api/trainers/{trainer_id}/preferences": {"bufferMinutes": 15},
        "/api/trainers/{trainer_id}/availability": {"dayOfWeek": 0, "startTime": "18:00", "endTime": "19:00"},
        "/api/trainers/{trainer_id}/overrides/{day}": {"blocks": [{"startTime": "10:00", "endTime": "12:00"}]},
        "/api/bookings": {
            "trainerId": t.trainer.id,
            "startTime": local(day, 9).isoformat(),
            "duration": 60,
            "name": "Fuzzy",
            "email": "fuzzy@example.org",
            "phone": "123",
            "notes": "n",
            "clientTimezone": "Europe/Berlin",
            "privacyAccepted": True,
        },
        "/api/bookings/{booking_id}/status": {"status": "CONFIRMED", "notes": "ok"},
        "/api/bookings/{booking_id}/cancel": {"reason": "r", "acknowledgeLateCancellation": True},
        "/api/bookings/{booking_id}/reschedule": {"startTime": local(future_day(30), 9).isoformat()},
        "/api/trainers/{trainer_id}/bookings/bulk-status": {"bookingIds": [t.booking["id"]], "status": "CONFIRMED"},
    }.get(path, {})
    if op["method"] == "PUT" and path == "/api/trainers/{trainer_id}/availability":
        body = {"blocks": [{"dayOfWeek": 0, "startTime": "09:00", "endTime": "17:00"}]}
    return path_values, query, (dict(body) if op["has_body"] else None)


def leaves(body: Any, prefix: tuple = ()) -> list[tuple]:
    """Paths to every value of a JSON body, containers included (("blocks",), ("blocks", 0, "startTime"), ...)."""
    out = []
    items = body.items() if isinstance(body, dict) else enumerate(body) if isinstance(body, list) else ()
    for key, value in items:
        out.append(prefix + (key,))
        out.extend(leaves(value, prefix + (key,)))
    return out


def value_at(body: Any, where: tuple) -> Any:
    node = body
    for key in where:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def replaced(body: Any, where: tuple, value: Any) -> Any:
    body = json.loads(json.dumps(body))
    node = body
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    return body


def test_nasty_values_everywhere(target):
    key = target.trainer.headers
    for op in target.ops:
        path_values, query, body = baseline(target, op)
        if body is not None:
            spots = leaves(body) + [(name,) for name in op["fields"] if name not in body]
            for i, where in enumerate(spots):
                for value in (FIELD_NASTY[0], FIELD_NASTY[1 + i % 2]):  # the text, then a huge number or a nesting
                    path_values, query, body = baseline(target, op)
                    target.send(
                        op, path_values=path_values, query=query, body=encode(replaced(body, where, value)), headers=key
                    )
            for where in spots:  # extreme dates and instants for text, huge numbers (as JSON, too long to parse)
                for value in (TEXT_EXTREME if isinstance(value_at(body, where), str) else []) + ANY_EXTREME:
                    path_values, query, body = baseline(target, op)
                    target.send(
                        op, path_values=path_values, query=query, body=encode(replaced(body, where, value)), headers=key
                    )
        for raw in RAW_BODIES if op["has_body"] else RAW_BODIES[2:3]:  # a body where none is expected, too
            target.send(op, path_values=path_values, query=query, body=raw, headers=key)
        for name in op["query"]:
            for value in QUERY_NASTY + QUERY_EXTREME:
                path_values, query, body = baseline(target, op)
                target.send(
                    op,
                    path_values=path_values,
                    query={**query, name: value},
                    body=None if body is None else encode(body),
                    headers=key,
                )
        for name in op["path_params"]:
            for value in PATH_NASTY + PATH_EXTREME:
                path_values, query, body = baseline(target, op)
                target.send(
                    op,
                    path_values={**path_values, name: value},
                    query=query,
                    body=None if body is None else encode(body),
                    headers=key,
                )


# ---------------------------------------------------------------- random requests

text_values = st.one_of(
    st.text(max_size=30),
    st.text(st.characters(exclude_categories=()), max_size=10),  # lone surrogates, controls, anything
    st.sampled_from(NASTY_STRINGS),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(
        [
            "2027-03",
            "2027-03-14T09:00:00+01:00",
            "Europe/Berlin",
            "60",
            "30",
            "CONFIRMED",
            "upcoming",
            "-startTime",
            "1",
            "200",
        ]
    ),
    # The ends of the calendar and of int(): any instant with any offset up to +-14:00 (years 1..9999), months,
    # the fixed extremes, and digit strings around Python's 4,300-digit limit.
    st.datetimes(timezones=st.builds(lambda m: timezone(timedelta(minutes=m)), st.integers(-14 * 60, 14 * 60))).map(
        lambda d: d.isoformat()
    ),
    st.dates().map(lambda d: d.isoformat()[:7]),
    st.sampled_from(EXTREME_DATES + EXTREME_INSTANTS),
    st.integers(min_value=4290, max_value=6000).map(lambda n: "9" * n),
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    text_values,
    st.just(HUGE_LITERAL),
    st.just(10**4000),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_random_requests(target, data):
    op = data.draw(st.sampled_from(target.ops), label="operation")
    path_values = {}
    for name in op["path_params"]:
        path_values[name] = data.draw(
            st.one_of(st.sampled_from(target.real[name]), text_values.filter(bool)), label=name
        )
    query_names = op["query"] + ["token", "junk"]
    query = data.draw(
        st.dictionaries(st.sampled_from(query_names), text_values, max_size=len(query_names)), label="query"
    )
    if "token" in query and data.draw(st.booleans(), label="real token"):
        query["token"] = target.booking["token"]
    body = None
    if op["has_body"] or data.draw(st.integers(0, 9), label="body anyway") == 0:
        kind = data.draw(st.sampled_from(["fields", "fields", "fields", "any", "bytes"]), label="body kind")
        if kind == "fields":
            names = op["fields"] + EXTRA_NAMES
            body = encode(data.draw(st.dictionaries(st.sampled_from(names), json_values, max_size=6), label="body"))
        elif kind == "any":
            body = encode(data.draw(json_values, label="body"))
        else:
            body = data.draw(st.binary(max_size=40), label="body")
    headers = data.draw(
        st.sampled_from(
            [
                {},
                target.trainer.headers,
                target.sub.headers,
                {"Authorization": "Bearer td_nope"},
                {"Authorization": "Bearer"},
                {"Authorization": "Token abc"},
            ]
        ),
        label="headers",
    )
    target.send(op, path_values=path_values, query=query, body=body, headers=headers)
