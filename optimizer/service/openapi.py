"""The service's OpenAPI document, as exact as the service: what FastAPI derives from the routes,
completed with what it cannot see.

- The body of `POST /v1/plans` is one of the two problem formats, the JSON Schemas shipped in
  optimizer/schemas (problem.schema.json, floor.schema.json), each with its `$defs` moved into
  the document's components and its `$ref`s re-pointed there (OpenAPI 3.1 schemas are JSON
  Schema 2020-12, the draft of both files).
- `time_limit` states the configured `max_time_limit` as its maximum.
- The 422 that FastAPI lists on every route with parameters is dropped where nothing can be
  refused (a path's `job_id` is any string).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from optimizer.service.dependencies import Settings
from optimizer.service.schemas import PROBLEM_FORMATS, problem_example, problem_format_schema

_COMPONENTS = "#/components/schemas/"


def embed_json_schema(schema: dict[str, Any], name: str, components: dict[str, Any]) -> None:
    """Put JSON Schema `schema` into `components` as `name`, each of its `$defs` beside it as
    `name` + the def's name (capitalised), and every `#/$defs/...` reference re-pointed there;
    `$schema` and `$id` go (inside an OpenAPI document they would change how `$ref` resolves)."""

    def component(def_name: str) -> str:
        return name + def_name[:1].upper() + def_name[1:]

    def rewrite(node: Any) -> Any:
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for key, value in node.items():
            if key in ("$schema", "$id", "$defs"):
                continue
            if key == "$ref":
                if not (isinstance(value, str) and value.startswith("#/$defs/")):
                    raise ValueError(f"{name}: cannot embed the reference {value!r}")
                value = _COMPONENTS + component(value.removeprefix("#/$defs/"))
                out[key] = value
            else:
                out[key] = rewrite(value)
        return out

    for def_name, definition in schema.get("$defs", {}).items():
        components[component(def_name)] = rewrite(definition)
    components[name] = rewrite(schema)


def _floor_example() -> dict[str, Any]:
    text = resources.files("optimizer").joinpath("examples", "floor_small.json").read_text("utf-8")
    return json.loads(text)


def _problem_body(components: dict[str, Any]) -> dict[str, Any]:
    for name in PROBLEM_FORMATS:
        embed_json_schema(problem_format_schema(name), name, components)
    return {
        "required": True,
        "description": "A problem: the engine's JSON format (integer periods), or a shop-floor "
        'problem (`"kind": "floor"`: datetimes, calendars, skills; optimizer/floor/README.md). '
        "A problem that passes its schema can still be refused with a 422 naming the field: a "
        "reference to an unknown record, a duplicate id, a dependency cycle, a task nobody can "
        "do, an unknown time zone...",
        "content": {
            "application/json": {
                "schema": {"oneOf": [{"$ref": _COMPONENTS + name} for name in PROBLEM_FORMATS]},
                "examples": {
                    "engine": {"summary": "two orders, one welder", "value": problem_example()},
                    "floor": {"summary": "a floor problem", "value": _floor_example()},
                },
            }
        },
    }


def _time_limit_schema(settings: Settings) -> dict[str, Any]:
    return {
        "type": "number",
        "exclusiveMinimum": 0,
        "maximum": settings.max_time_limit,
        "description": f"Solver seconds; default {settings.default_time_limit:g}, at most "
        f"max_time_limit={settings.max_time_limit:g}",
    }


def build_openapi(app: FastAPI, settings: Settings) -> dict[str, Any]:
    """The document served at /openapi.json (built once, then cached on the app)."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    submit = doc["paths"]["/v1/plans"]["post"]
    submit["requestBody"] = _problem_body(components)
    for param in submit["parameters"]:
        if param["name"] == "time_limit":
            param["schema"] = _time_limit_schema(settings)
            param["description"] = param["schema"]["description"]
    replan = components["ReplanRequest"]["properties"]["time_limit"]
    replan["anyOf"][0] = {
        k: v for k, v in _time_limit_schema(settings).items() if k != "description"
    }
    for operations in doc["paths"].values():
        for operation in operations.values():
            params = operation.get("parameters", [])
            if "requestBody" not in operation and all(p["in"] == "path" for p in params):
                operation["responses"].pop("422", None)
    for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's own 422 model
        if f'"{_COMPONENTS}{unused}"' not in json.dumps(doc):
            components.pop(unused, None)
    app.openapi_schema = doc
    return doc
