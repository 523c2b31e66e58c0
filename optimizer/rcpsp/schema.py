"""JSON Schema validation of the benchmark planner's problem format, with errors that name the
field and the value."""

from __future__ import annotations

from typing import Any

from optimizer.common.schema import first_error, schema_error

SCHEMA = "problem.schema.json"


def validate_problem_json(data: Any) -> None:
    """Raise ProblemError naming the first offending field (by JSON path) and its value."""
    err = first_error(SCHEMA, data)
    if err is None:
        return
    # A oneOf failure says little; name what the task actually lacks.
    if err.validator == "oneOf" and isinstance(err.instance, dict):
        message = "a task needs either 'modes' or 'duration' (not both)"
    else:
        message = err.message
    raise schema_error(data, err, message)
