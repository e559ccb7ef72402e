"""Webhooks over the API (docs/api.md, "Webhooks and reminders"): register (the secret once), list
(no secrets), ping (202), the deliveries log newest first, remove; bad input and other tenants."""

from __future__ import annotations

from trainerdesk.services import webhooks

from .helpers import add_sub_trainer, assert_error, book, future_day, local, open_trainer


def test_register_list_ping_deliveries_and_remove(client, receiver):
    trainer = open_trainer(client)
    base = f"/api/trainers/{trainer.id}/webhooks"
    r = client.post(
        base, json={"url": receiver.url(), "events": ["booking.cancelled", "booking.created"]}, headers=trainer.headers
    )
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["secret"].startswith("whsec_") and made["active"] is True
    assert made["events"] == ["booking.created", "booking.cancelled"]
    listed = client.get(base, headers=trainer.headers).json()
    assert [w["id"] for w in listed] == [made["id"]] and "secret" not in listed[0]

    booked = book(client, trainer.id, local(future_day(5), 10))
    r = client.post(f"{base}/{made['id']}/ping", headers=trainer.headers)
    assert r.status_code == 202 and r.json()["eventId"].startswith("evt_")
    webhooks.deliver_due()
    log = client.get(f"{base}/{made['id']}/deliveries", headers=trainer.headers)
    assert log.status_code == 200, log.text
    assert [(d["type"], d["status"], d["attempts"], d["lastStatusCode"]) for d in log.json()] == [
        ("ping", "delivered", 1, 200),
        ("booking.created", "delivered", 1, 200),
    ]
    assert booked["token"] not in b"".join(r.body for r in receiver.received).decode()

    assert client.delete(f"{base}/{made['id']}", headers=trainer.headers).status_code == 204
    assert client.get(base, headers=trainer.headers).json() == []
    assert_error(client.get(f"{base}/{made['id']}/deliveries", headers=trainer.headers), 404, "not_found")


def test_bad_input_is_a_422_naming_the_field_and_nothing_is_stored(client, receiver, monkeypatch):
    trainer = open_trainer(client)
    base = f"/api/trainers/{trainer.id}/webhooks"
    for body, field in [
        ({"events": ["booking.created"]}, "url"),
        ({"url": "ftp://example.com", "events": ["booking.created"]}, "url"),
        ({"url": receiver.url()}, "events"),
        ({"url": receiver.url(), "events": ["booking.exploded"]}, "events"),
        ({"url": receiver.url(), "events": "booking.created"}, "events"),
    ]:
        assert_error(client.post(base, json=body, headers=trainer.headers), 422, "validation", field)
    monkeypatch.delenv("CALENDAR_ALLOW_PRIVATE_NETWORKS")
    assert_error(
        client.post(base, json={"url": receiver.url(), "events": ["booking.created"]}, headers=trainer.headers),
        422,
        "validation",
        "url",
    )
    assert client.get(base, headers=trainer.headers).json() == []


def test_another_tenant_reaches_no_webhook(client, receiver):
    ann, bob = open_trainer(client), open_trainer(client)
    sub = add_sub_trainer(client, ann)
    made = client.post(
        f"/api/trainers/{ann.id}/webhooks",
        json={"url": receiver.url(), "events": ["booking.created"]},
        headers=ann.headers,
    ).json()
    for intruder in (bob, sub):
        assert client.get(f"/api/trainers/{ann.id}/webhooks", headers=intruder.headers).status_code in (403, 404)
        for method, path in [
            ("POST", f"/api/trainers/{intruder.id}/webhooks/{made['id']}/ping"),
            ("GET", f"/api/trainers/{intruder.id}/webhooks/{made['id']}/deliveries"),
            ("DELETE", f"/api/trainers/{intruder.id}/webhooks/{made['id']}"),
        ]:
            assert client.request(method, path, headers=intruder.headers).status_code == 404
    assert client.get(f"/api/trainers/{ann.id}/webhooks", headers={}).status_code == 401
    assert [w["id"] for w in client.get(f"/api/trainers/{ann.id}/webhooks", headers=ann.headers).json()] == [made["id"]]
