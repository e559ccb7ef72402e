"""Seed trainers with many bookings, quickly, for the benchmarks."""

from __future__ import annotations

import os
import random
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Europe/London", "Australia/Sydney"]
PASSWORD = "long-enough-pw"


def seed_trainers(db_url: str, count: int, bookings_each: int, *, per_day: int = 8) -> list[dict]:
    """``count`` trainers (through the services) with ``bookings_each`` one-hour bookings (bulk rows) each,
    ``per_day`` a day from tomorrow on, never overlapping; returns [{id, zone, email}]."""
    os.environ["DATABASE_URL"] = db_url
    from trainerdesk.db import session_scope
    from trainerdesk.domain.slots import WeeklyBlock
    from trainerdesk.migrations import upgrade
    from trainerdesk.models import Booking, Client
    from trainerdesk.services import availability, trainers

    upgrade(db_url)
    out, rng = [], random.Random(1)
    today = datetime.now(timezone.utc).date()
    for n in range(count):
        zone = ZONES[n % len(ZONES)]
        email = f"load{n}@example.com"
        with session_scope() as session:
            trainer, _key = trainers.signup(
                session, email=email, password=PASSWORD, name=f"Load Trainer {n}", timezone=zone
            )
            availability.replace_week(
                session,
                actor=trainer,
                trainer_id=trainer.id,
                blocks=[WeeklyBlock(d, 6 * 60, 22 * 60) for d in range(7)],
            )
            trainers.update_preferences(
                session,
                actor=trainer,
                trainer_id=trainer.id,
                changes={
                    "session_durations": (30, 60, 90),
                    "buffer_minutes": 0,
                    "min_notice_hours": 0,
                    "max_advance_days": 730,
                },
            )
            clients = [Client(trainer_id=trainer.id, email=f"c{i}@example.com", name=f"Client {i}") for i in range(200)]
            session.add_all(clients)
            session.flush()
            tz = ZoneInfo(zone)
            day, made = today + timedelta(days=1), 0
            while made < bookings_each:
                for hour in sorted(rng.sample(range(6, 22), per_day)):
                    start = datetime.combine(day, time(hour), tzinfo=tz).astimezone(timezone.utc)
                    session.add(
                        Booking(
                            trainer_id=trainer.id,
                            client_id=rng.choice(clients).id,
                            start_at=start,
                            end_at=start + timedelta(minutes=60),
                            duration_minutes=60,
                            status="CONFIRMED",
                            token_hash=f"seed-{n}-{made}",
                            client_timezone=zone,
                        )
                    )
                    made += 1
                    if made == bookings_each:
                        break
                day += timedelta(days=1)
            session.commit()
        out.append({"id": trainer.id, "zone": zone, "email": email})
    return out
