"""The API against its own OpenAPI document: schemathesis with every check, on SQLite and PostgreSQL.

Generated requests (schema-valid ones and deliberately broken ones) go to the ASGI app of
``build_api()`` with a signed-up trainer's Bearer key; schema-valid requests use that trainer's id and
its one booking's id, so they reach the services (and real answers are checked against the document).
Every response must be documented (status, content type, headers, body schema), no request may give a
500, broken requests must be refused, and schema-valid ones must not be refused by the framework.

The per-operation tests use a fixed seed (so runs are reproducible), printed with the test's output;
another one: ``SCHEMATHESIS_SEED=123 python -m pytest tests/api/test_contract.py``. More examples per
operation: ``SCHEMATHESIS_MAX_EXAMPLES=200``. ``test_linked_calls_match_the_document`` follows the
document's links (stateful) with Hypothesis derandomized, so it replays the same sequences on every run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from trainerdesk.api import build_api

from .helpers import Trainer, book, future_day, local, open_trainer

SEED = int(os.environ.get("SCHEMATHESIS_SEED", "20261125"))
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "12"))

# A schema-valid request may still break a business rule the schema cannot express (an unknown IANA zone, a
# date outside the supported range, a policy): docs/api.md answers those with 422 from the services. So 422 counts
# as an acceptable answer to positive data, but only the services' own 422 (see ``no_framework_rejection``).
POSITIVE_OK = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]


def _config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {"max-examples": MAX_EXAMPLES},
            "checks": {"positive_data_acceptance": {"expected-statuses": POSITIVE_OK}},
        }
    )


@schemathesis.check
def no_framework_rejection(ctx, response, case):
    """A schema-valid request is never refused by FastAPI's own request validation (only by the services)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    details = (response.json().get("error") or {}).get("details") or {}
    if isinstance(details, dict) and "problems" in details:
        raise AssertionError(f"A schema-valid request was refused by request parsing: {response.text}")
    return None


@dataclass
class Scene:
    trainer: Trainer
    booking_id: str

    def aim(self, case) -> None:
        """Point a schema-valid request at the real trainer and booking, so it reaches the services' happy paths."""
        if case.meta is not None and not case.meta.generation.mode.is_positive:
            return
        real = {"trainer_id": self.trainer.id, "booking_id": self.booking_id, "trainerId": self.trainer.id}
        for params in (case.path_parameters, case.query):
            for name in set(params or {}) & set(real):
                params[name] = real[name]
        if isinstance(case.body, dict) and "trainerId" in case.body:
            case.body["trainerId"] = self.trainer.id


@pytest.fixture
def trainer(db_url) -> Scene:
    """On this test's database (sqlite or postgres): a bookable trainer and one booking, made through the API."""
    print(
        f"schemathesis {schemathesis.SCHEMATHESIS_VERSION}: seed {SEED}, up to {MAX_EXAMPLES} examples an "
        f"operation (replay with SCHEMATHESIS_SEED={SEED})"
    )
    client = TestClient(build_api())
    someone = open_trainer(client)
    return Scene(someone, book(client, someone.id, local(future_day(9), 10))["id"])


# The app reads DATABASE_URL on each request, so one app serves both databases (``db_url`` picks one per test).
# schemathesis' ``pytest.from_fixture`` does not run under pytest 9 (it sets ``Function._nodeid``), hence a
# schema loaded at import and ``db_url`` as an ordinary fixture: one test per operation and database.
schema = schemathesis.openapi.from_asgi("/api/openapi.json", build_api(), config=_config())


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api_matches_its_openapi_document(case, trainer):
    trainer.aim(case)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {trainer.trainer.key}"}, additional_checks=[no_framework_rejection]
    )


class LinkedCalls(schema.as_state_machine()):
    """Sequences of calls that follow the document's links (a new block -> its DELETE; a booking -> its endpoints)."""

    scene: Scene

    def before_call(self, case):
        if "trainer_id" in (case.path_parameters or {}):
            case.path_parameters["trainer_id"] = self.scene.trainer.id

    def get_call_kwargs(self, case):
        return {"headers": {"Authorization": f"Bearer {self.scene.trainer.key}"}}

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        super().validate_response(response, case, additional_checks=[no_framework_rejection], **kwargs)


def test_linked_calls_match_the_document(trainer):
    # Hypothesis runs the state machine itself: derandomized, so every run replays the same sequences.
    LinkedCalls.scene = trainer
    LinkedCalls.run(
        settings=settings(
            max_examples=max(3, MAX_EXAMPLES // 2),
            stateful_step_count=4,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )


def test_the_preferences_schema_follows_their_declaration():
    """The API's field names, types and bounds come from domain/preferences.py (no second list)."""
    from pydantic.alias_generators import to_camel

    from trainerdesk.api.schemas import PREFERENCES_PATCH_SCHEMA, PreferencesOut
    from trainerdesk.domain.preferences import PREFERENCES

    properties = PREFERENCES_PATCH_SCHEMA["properties"]
    assert set(properties) == {"timezone"} | {to_camel(s.name) for s in PREFERENCES}
    out = PreferencesOut.model_json_schema(by_alias=True)["properties"]
    for spec in PREFERENCES:
        schema = properties[to_camel(spec.name)]
        assert out[to_camel(spec.name)]["type"] == schema["type"]
        if spec.kind == "number":
            assert (schema["minimum"], schema["maximum"]) == (spec.low, spec.high)
            assert schema.get("multipleOf", 1) == spec.step
