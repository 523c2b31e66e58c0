"""The OpenAPI document tells the truth: the body of `POST /v1/plans` is the two problem formats'
JSON Schemas, every error a route answers is documented with its model, and schemathesis, run
against the live service with every check, finds nothing the document does not say."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from importlib import resources
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from optimizer.floor.model import FloorProblem
from optimizer.service.dependencies import Settings, hash_api_key
from optimizer.service.harness import ServiceProcess, free_port
from optimizer.service.main import create_app
from optimizer.service.schemas import problem_example, problem_format_schema

KEY = "openapi-test-key-8c41"
AUTH = {"Authorization": f"Bearer {KEY}"}
KEYED = [
    ("post", "/v1/plans"),
    ("get", "/v1/plans/{job_id}"),
    ("delete", "/v1/plans/{job_id}"),
    ("get", "/v1/plans/{job_id}/result"),
    ("post", "/v1/odoo/replan"),
    ("get", "/metrics"),
]


def example(name: str) -> dict[str, Any]:
    text = resources.files("optimizer").joinpath("examples", name).read_text(encoding="utf-8")
    return json.loads(text)


@pytest.mark.parametrize("name", ["floor_small.json", "floor_portfolio.json"])
def test_the_floor_examples_pass_the_floor_schema_and_from_dict(name):
    data = example(name)
    schema = problem_format_schema("FloorProblem")
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _validator(schema).iter_errors(data)]
    assert errors == []
    problem = FloorProblem.from_dict(data)
    assert problem.tasks and problem.calendars
    # What from_dict writes back is a floor problem too.
    assert list(_validator(schema).iter_errors(problem.to_dict())) == []


def _validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema, format_checker=None)


@pytest.fixture
def client(tmp_path):
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
        api_key_sha256=hash_api_key(KEY),
        max_time_limit=30.0,
        max_tasks=100,
    )
    with TestClient(create_app(settings)) as c:
        yield c


def component(doc: dict[str, Any], name: str) -> dict[str, Any]:
    """A JSON Schema for `#/components/schemas/<name>` of `doc`, its references resolvable."""
    return {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}


def documented(doc: dict[str, Any], method: str, path: str, status: int) -> dict[str, Any]:
    response = doc["paths"][path][method]["responses"][str(status)]
    return response["content"]["application/json"]["schema"] | {"components": doc["components"]}


def test_the_body_of_post_plans_is_either_problem_format_with_every_reference_resolved(client):
    doc = client.get("/openapi.json").json()
    body = doc["paths"]["/v1/plans"]["post"]["requestBody"]
    assert body["required"] is True
    media = body["content"]["application/json"]
    assert media["schema"] == {
        "oneOf": [
            {"$ref": "#/components/schemas/Problem"},
            {"$ref": "#/components/schemas/FloorProblem"},
        ]
    }
    text = json.dumps(doc)
    assert "#/$defs/" not in text and '"$id"' not in text and '"$schema"' not in text
    refs = {ref for ref in _refs(doc)}
    assert refs <= {f"#/components/schemas/{name}" for name in doc["components"]["schemas"]}
    assert doc["components"]["schemas"]["Problem"]["required"] == ["projects", "tasks"]

    body_schema = media["schema"] | {"components": doc["components"]}
    jsonschema.Draft202012Validator.check_schema(body_schema)
    validator = _validator(body_schema)
    floor = example("floor_portfolio.json")
    for name, value in [("engine", problem_example()), ("floor", floor)]:
        assert list(validator.iter_errors(value)) == [], name
    for sample in media["examples"].values():
        assert list(validator.iter_errors(sample["value"])) == []
    assert not validator.is_valid({}), "projects and tasks are required"
    assert not validator.is_valid({**floor, "stability": []})
    assert not validator.is_valid({**problem_example(), "kind": "floor"})

    limit = doc["paths"]["/v1/plans"]["post"]["parameters"][0]
    assert limit["name"] == "time_limit" and limit["schema"]["maximum"] == 30.0


def _refs(node: Any):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_every_error_a_route_answers_is_documented_with_its_model(client):
    doc = client.get("/openapi.json").json()
    statuses = {
        (method, path): set(map(int, operation["responses"]))
        for path, operations in doc["paths"].items()
        for method, operation in operations.items()
    }
    assert statuses == {
        ("get", "/healthz"): {200, 503},
        ("get", "/metrics"): {200, 401},
        ("post", "/v1/plans"): {202, 400, 401, 413, 422},
        ("get", "/v1/plans/{job_id}"): {200, 401, 404},
        ("delete", "/v1/plans/{job_id}"): {200, 202, 401, 404, 409},
        ("get", "/v1/plans/{job_id}/result"): {200, 401, 404, 409},
        ("post", "/v1/odoo/replan"): {202, 400, 401, 413, 422, 503},
    }

    def check(response, method: str, path: str) -> None:
        schema = documented(doc, method, path, response.status_code)
        errors = [e.message for e in _validator(schema).iter_errors(response.json())]
        assert errors == [], f"{method} {path} {response.status_code}: {response.text}"

    for method, path in KEYED:
        response = client.request(method, path.replace("{job_id}", "x"))
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert doc["paths"][path][method]["responses"]["401"]["headers"]["WWW-Authenticate"]
        check(response, method, path)

    not_utf8 = client.post(
        "/v1/plans",
        content=b'{"tasks": "\xff"}',
        headers={**AUTH, "content-type": "application/json"},
    )
    assert not_utf8.status_code == 400
    check(not_utf8, "post", "/v1/plans")
    not_json = client.post(
        "/v1/plans", content=b"{oops", headers={**AUTH, "content-type": "application/json"}
    )
    assert not_json.status_code == 422 and not_json.json()["detail"][0]["loc"] == ["body", 1]
    check(not_json, "post", "/v1/plans")
    for response in (
        client.post("/v1/plans", json={"projects": []}, headers=AUTH),
        client.post("/v1/plans", json=[], headers=AUTH),
        client.post("/v1/plans?time_limit=31", json=problem_example(), headers=AUTH),
        client.post("/v1/plans?seed=-1", json=problem_example(), headers=AUTH),
    ):
        assert response.status_code == 422, response.text
        check(response, "post", "/v1/plans")
    unconfigured = client.post("/v1/odoo/replan", json={}, headers=AUTH)
    assert unconfigured.status_code == 503
    check(unconfigured, "post", "/v1/odoo/replan")
    for method, path in [("get", "/v1/plans/{job_id}"), ("get", "/v1/plans/{job_id}/result")]:
        missing = client.request(method, path.replace("{job_id}", "nope"), headers=AUTH)
        assert missing.status_code == 404
        check(missing, method, path)
    health = client.get("/healthz")
    check(health, "get", "/healthz")
    metrics = client.get("/metrics", headers=AUTH)
    assert metrics.headers["content-type"].startswith("text/plain")
    assert "text/plain" in doc["paths"]["/metrics"]["get"]["responses"]["200"]["content"]


# Generated problems start real solves: keep them small and short, one at a time.
LIVE_SETTINGS = {
    "ORDER_OPTIMIZER_CONCURRENCY": "1",
    "ORDER_OPTIMIZER_SOLVER_WORKERS": "1",
    "ORDER_OPTIMIZER_DEFAULT_TIME_LIMIT": "0.2",
    "ORDER_OPTIMIZER_MAX_TIME_LIMIT": "1",
    "ORDER_OPTIMIZER_MAX_TASKS": "20",
    "ORDER_OPTIMIZER_MAX_BODY_BYTES": "200000",
    "ORDER_OPTIMIZER_MAX_ATTEMPTS": "1",
    "ORDER_OPTIMIZER_ODOO_DB": "prod",
    "ORDER_OPTIMIZER_ODOO_LOGIN": "optimizer-bot",
    "ORDER_OPTIMIZER_ODOO_API_KEY": "not-a-real-key",
}

# schemathesis.toml: every check, on a bounded and deterministic run. Two settings say what the
# document cannot: a problem that passes its JSON Schema can still be refused (422: an unknown
# reference, a duplicate id, a cycle; 413: more than max_tasks tasks), and so can a replan for
# a database other than the configured one (422). `use_after_free` assumes that a successful
# DELETE removes the resource; here it cancels the job, which stays readable (status
# `cancelled`), as documented.
SCHEMATHESIS_CONFIG = """
workers = 1
request-timeout = 15

[generation]
deterministic = true
max-examples = {max_examples}

[checks.use_after_free]
enabled = false

[[operations]]
include-path = "/v1/plans"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = ["202", "413", "422"]

[[operations]]
include-path = "/v1/odoo/replan"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = ["202", "422"]
"""


def test_schemathesis_with_every_check_finds_the_live_service_as_documented(tmp_path):
    """The real service on a loopback port (Odoo configured, on a closed loopback port: replans
    are accepted and fail in the background), schemathesis's examples, coverage, fuzzing and
    stateful phases against its /openapi.json."""
    config = tmp_path / "schemathesis.toml"
    config.write_text(SCHEMATHESIS_CONFIG.format(max_examples=20), encoding="utf-8")
    env = {**LIVE_SETTINGS, "ORDER_OPTIMIZER_ODOO_URL": f"http://127.0.0.1:{free_port()}"}
    database_url = f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    with ServiceProcess(database_url, KEY, tmp_path / "service.log", env=env) as service:
        command = [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(config),
            "--no-color",
            "run",
            f"{service.base_url}/openapi.json",
            "--checks",
            "all",
            "--exclude-checks",  # `--checks all` turns the config's `enabled = false` back on
            "use_after_free",
            "--header",
            f"Authorization: Bearer {KEY}",
        ]
        t0 = time.monotonic()
        run = subprocess.run(
            command, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
        )
        seconds = time.monotonic() - t0
    output = run.stdout + run.stderr
    summary = output.strip().splitlines()[-1] if output.strip() else ""
    cases = next((line.strip() for line in output.splitlines() if " generated, " in line), "")
    print(f"schemathesis: {cases}; {summary} ({seconds:.1f} s)")
    assert run.returncode == 0, output[-20000:]
    assert "No issues found" in summary, output[-5000:]
    assert "Server error" not in output
