"""Seed a demo trainer once (idempotent) and print how to use it; ``make run`` calls this."""

from __future__ import annotations

from sqlmodel import select

from . import routes
from .config import settings
from .db import session_scope
from .domain.slots import WeeklyBlock
from .models import Trainer
from .services import availability, trainers

DEMO_EMAIL = "demo@trainerdesk.localhost"
DEMO_PASSWORD = "kettlebell-sunrise"


def seed_demo() -> Trainer:
    with session_scope() as session:
        trainer = session.exec(select(Trainer).where(Trainer.email == DEMO_EMAIL)).first()
        if trainer is not None:
            return trainer
        trainer, _key = trainers.signup(
            session, email=DEMO_EMAIL, password=DEMO_PASSWORD, name="Demo Trainer", timezone="Europe/London"
        )
        week = [WeeklyBlock(day, start * 60, end * 60) for day in range(6) for start, end in ((7, 12), (14, 20))]
        availability.replace_week(session, actor=trainer, trainer_id=trainer.id, blocks=week)
        trainers.update_preferences(
            session,
            actor=trainer,
            trainer_id=trainer.id,
            changes={
                "session_durations": (30, 60, 90),
                "buffer_minutes": 15,
                "min_notice_hours": 2,
                "auto_confirm": False,
            },
        )
        return trainer


def main() -> None:
    trainer = seed_demo()
    base = settings().public_url
    print("\n  TrainerDesk demo")
    print(f"  Booking page : {routes.book_url(trainer.slug, base)}")
    print(f"  Dashboard    : {base}{routes.LOGIN}  (log in as {DEMO_EMAIL} / {DEMO_PASSWORD})\n")


if __name__ == "__main__":
    main()
