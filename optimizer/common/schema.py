"""The problem formats' JSON Schemas (optimizer/schemas/), and the first error a schema finds, by
JSON path, for a planner to word."""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema
import jsonschema

from optimizer.common.errors import ProblemError


@cache
def load_schema(name: str) -> dict[str, Any]:
    """One of the JSON Schema files shipped in optimizer/schemas."""
    text = resources.files("optimizer").joinpath("schemas", name).read_text(encoding="utf-8")
    return json.loads(text)


@cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(load_schema(name))


@cache
def _gate(name: str) -> Any:
    # Compiled to Python code: 15x faster than jsonschema on a valid 480-task floor problem
    # (20 ms against 300 ms); jsonschema then words the error of the rare invalid one. The
    # schemas use only keywords both read alike (type, const, enum, required, anyOf, oneOf,
    # minItems, minimum, additionalProperties, $ref to $defs).
    return fastjsonschema.compile(copy.deepcopy(load_schema(name)))  # it rewrites $refs


def json_path(path: Any) -> str:
    """`tasks[3].duration` for the path ("tasks", 3, "duration")."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def first_error(name: str, data: Any) -> jsonschema.ValidationError | None:
    """The error of schema `name` nearest the root of `data` (ties by path), or None."""
    try:
        _gate(name)(data)
        return None
    except fastjsonschema.JsonSchemaException:
        pass
    errors = sorted(
        _validator(name).iter_errors(data),
        key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))),
    )
    return errors[0] if errors else None


def value_text(value: Any) -> str:
    """A value as the error message quotes it (JSON, at most 80 characters)."""
    return json.dumps(value)[:80]


def record_id(data: Any, path: Any) -> str | None:
    """The id of the innermost record (a list item with an "id") on `path` in `data`, so that an
    error names the calendar or task a planner knows it by, not only its position."""
    found, node = None, data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(part, int) and isinstance(node, dict) and isinstance(node.get("id"), str):
            found = node["id"]
    return found


def schema_error(data: Any, err: jsonschema.ValidationError, message: str) -> ProblemError:
    """A ProblemError at the error's JSON path: `message`, the value, and the record's id."""
    rid = record_id(data, err.absolute_path)
    named = f" [id {rid!r}]" if rid is not None else ""
    return ProblemError(
        json_path(err.absolute_path) or "(root)",
        f"{message} (value: {value_text(err.instance)}){named}",
    )
