"""Schemathesis against `/api/v1/openapi.json`: every operation, inputs generated from the
document (valid ones, then invalid ones), on the crafted dataset; no answer is a 500 and every
answer matches the document (status, content type, headers, body schema). Slow (about a
minute): CI runs it with `pytest -m slow`.

Schemathesis' own pytest loader does not run on this pytest, so each operation's cases are
drawn here with Hypothesis from the operation's strategy."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode

from tests.disclosure.crafted import build

HOST = {"Host": "registry.test"}
EXAMPLES = 100


@pytest.mark.slow
def test_every_operation_answers_as_documented(app, db, pledge, make_user):
    build(db, pledge, make_user)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers=HOST)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 5
    ran = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def answers_as_documented(case):
                case.call_and_validate(headers=HOST)

            try:
                answers_as_documented()
            except Unsatisfiable:
                # No invalid input exists for an operation without query parameters (every
                # string is a slug): only its valid inputs are drawn.
                assert mode is GenerationMode.NEGATIVE, operation.label
                ran.append(f"{operation.label} (valid inputs only)")
            else:
                ran.append(f"{operation.label} ({mode.value})")
    assert len(ran) == 10
