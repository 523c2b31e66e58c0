"""JSON Schema validation of the problem format, with errors that name the field and the value."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from optimizer.common.errors import ProblemError


@cache
def load_schema(name: str) -> dict[str, Any]:
    """One of the JSON Schema files shipped in optimizer/schemas."""
    text = resources.files("optimizer").joinpath("schemas", name).read_text(encoding="utf-8")
    return json.loads(text)


def _json_path(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validate_problem_json(data: Any) -> None:
    """Raise ProblemError naming the first offending field (by JSON path) and its value."""
    schema = load_schema("problem.schema.json")
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(
        validator.iter_errors(data),
        key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))),
    )
    if not errors:
        return
    err = errors[0]
    # A oneOf failure says little; name what the task actually lacks.
    if err.validator == "oneOf" and isinstance(err.instance, dict):
        message = "a task needs either 'modes' or 'duration' (not both)"
    else:
        message = f"{err.message} (value: {json.dumps(err.instance)[:80]})"
    raise ProblemError(_json_path(err.absolute_path) or "(root)", message)
