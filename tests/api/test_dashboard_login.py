"""The dashboard's session cookie: a one-time ticket traded over HTTP for an HttpOnly cookie."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.helpers import assert_error, signup
from trainerdesk import routes
from trainerdesk.db import session_scope
from trainerdesk.domain.errors import Unauthorized
from trainerdesk.models import utcnow
from trainerdesk.services import trainers


def _ticket(trainer_id: str, **kw) -> str:
    with session_scope() as session:
        return trainers.issue_login_ticket(session, trainer_id=trainer_id, **kw)


def _session_trainer(token: str):
    with session_scope() as session:
        return trainers.trainer_for_login_session(session, token)


def test_a_ticket_becomes_an_http_only_strict_cookie_once(client):
    me = signup(client)
    ticket = _ticket(me.id)
    r = client.post(routes.SESSION_START, json={"ticket": ticket})
    assert r.status_code == 204
    header = r.headers["set-cookie"]
    assert header.startswith(f"{routes.SESSION_COOKIE}=") and "HttpOnly" in header
    assert "SameSite=strict" in header and "Secure" not in header
    token = header.split(";")[0].split("=", 1)[1]
    assert token != ticket and _session_trainer(token).id == me.id
    # The ticket is spent.
    assert_error(client.post(routes.SESSION_START, json={"ticket": ticket}), 401, "unauthorized")


def test_the_cookie_is_secure_when_the_public_address_is_https(client, monkeypatch):
    monkeypatch.setenv("PUBLIC_URL", "https://book.example-studio.com")
    r = client.post(
        routes.SESSION_START,
        json={"ticket": _ticket(signup(client).id)},
        headers={"Origin": "https://book.example-studio.com"},
    )
    assert r.status_code == 204 and "Secure" in r.headers["set-cookie"]


@pytest.mark.parametrize(
    "body", [None, {}, {"ticket": ""}, {"ticket": 12}, {"ticket": "x" * 43}, {"ticket": "y" * 5000}, ["ticket"]]
)
def test_no_cookie_without_a_real_ticket(client, body):
    signup(client)
    r = client.post(routes.SESSION_START, json=body)
    assert_error(r, 401, "unauthorized")
    assert "set-cookie" not in r.headers


def test_an_expired_ticket_is_refused(client):
    me = signup(client)
    old = _ticket(me.id, now=utcnow() - timedelta(seconds=trainers.LOGIN_TICKET_SECONDS + 1))
    assert_error(client.post(routes.SESSION_START, json={"ticket": old}), 401)
    with session_scope() as session, pytest.raises(Unauthorized):
        trainers.redeem_login_ticket(session, old)


def test_another_site_cannot_log_a_browser_in_or_out(client):
    """Login CSRF: a page elsewhere posting its own ticket would log the visitor into the attacker's account."""
    ticket = _ticket(signup(client).id)
    r = client.post(routes.SESSION_START, json={"ticket": ticket}, headers={"Origin": "https://evil.example"})
    assert_error(r, 403, "forbidden")
    assert "set-cookie" not in r.headers
    assert client.post(routes.SESSION_START, json={"ticket": ticket}).status_code == 204  # still unspent
    assert_error(client.post(routes.SESSION_END, headers={"Origin": "https://evil.example"}), 403)


def test_logging_out_ends_the_session_and_clears_the_cookie(client):
    me = signup(client)
    r = client.post(routes.SESSION_START, json={"ticket": _ticket(me.id)})
    token = r.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    client.cookies.clear()
    out = client.post(routes.SESSION_END, cookies={routes.SESSION_COOKIE: token})
    assert out.status_code == 204
    assert f'{routes.SESSION_COOKIE}=""' in out.headers["set-cookie"] and "Max-Age=0" in out.headers["set-cookie"]
    assert _session_trainer(token) is None
    assert client.post(routes.SESSION_END).status_code == 204  # no cookie: nothing to do, still fine
