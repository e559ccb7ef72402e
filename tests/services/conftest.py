"""Fixtures for the service tests (the helpers themselves live in ``svc_helpers``)."""

from __future__ import annotations

import email
import socket

import pytest
from aiosmtpd.controller import Controller
from argon2 import PasswordHasher

from tests.services.svc_helpers import make_trainer
from trainerdesk.models import Trainer
from trainerdesk.services import trainers as trainers_service

# Real argon2 hashes, at the lowest cost: these tests create many accounts and
# none of them is about password strength (the production cost stays untouched).
_cheap_hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch):
    monkeypatch.setattr(trainers_service, "hash_password", _cheap_hasher.hash)


@pytest.fixture
def trainer(db_url) -> Trainer:
    """A Berlin trainer, open 08:00-20:00 every day, 60-minute sessions, no buffer, PENDING by default."""
    return make_trainer()


class Inbox:
    def __init__(self):
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server(monkeypatch):
    inbox = Inbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("SMTP_URL", f"smtp://127.0.0.1:{port}")
    yield inbox
    controller.stop()
