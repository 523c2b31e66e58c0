"""JSON Schema validation of the floor problem format (optimizer/schemas/floor.schema.json), with
errors that name the field and the value; `FloorProblem.from_dict` reads only what passes."""

from __future__ import annotations

from typing import Any

import jsonschema

from optimizer.common.schema import first_error, schema_error

SCHEMA = "floor.schema.json"


def validate_floor_json(data: Any) -> None:
    """Raise ProblemError naming the first field of floor problem `data` that its JSON Schema
    refuses (by JSON path), and the value."""
    err = first_error(SCHEMA, data)
    if err is None:
        return
    if err.validator == "oneOf":  # the only oneOf: a demand
        message = "a demand names either a resource or a skill (not both)"
    elif err.validator == "anyOf" and err.context:  # a value or null
        message = f"{jsonschema.exceptions.best_match(err.context).message} or null"
    else:
        message = err.message
    raise schema_error(data, err, message)
