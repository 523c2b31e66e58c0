"""The HTTP API in process (FastAPI TestClient, real SQLite store, real in-process solves); the
Odoo replan function is swapped for a fake through `dependency_overrides`."""

from __future__ import annotations

import sys
import threading
import time
import types
from typing import Any

import pytest
from fastapi.testclient import TestClient

import optimizer
from optimizer.planners import SolveRequest
from optimizer.rcpsp.checker import check
from optimizer.rcpsp.generate import generate
from optimizer.rcpsp.model import Plan, Problem
from optimizer.rcpsp.readers import read_psplib_sm
from optimizer.service import main as service_main
from optimizer.service.dependencies import Settings, get_odoo_replan, hash_api_key
from optimizer.service.main import create_app
from optimizer.service.workers import odoo_replan_from_settings
from tests.conftest import psplib_file

KEY = "test-key-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {KEY}"}
ODOO_SECRET = "odoo-secret-key-never-shown"


def make_client(tmp_path, **overrides: Any) -> TestClient:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
        api_key_sha256=f"{hash_api_key('other-key')},{hash_api_key(KEY)}",
        concurrency=1,
        default_time_limit=1.0,
        max_time_limit=30.0,
        max_body_bytes=200_000,
        max_tasks=100,
        **overrides,
    )
    return TestClient(create_app(settings))


@pytest.fixture
def client(tmp_path):
    with make_client(tmp_path) as c:
        yield c


def wait_ready(client: TestClient, timeout: float = 120) -> Any:
    """/healthz once the service is ready (503 "starting" while its kernels compile)."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get("/healthz")
        if response.status_code != 503 or time.monotonic() > deadline:
            return response
        assert response.json() == {"status": "starting", "kernels": "compiling"}
        time.sleep(0.05)


def wait_status(client: TestClient, job_id: str, *statuses: str, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        doc = client.get(f"/v1/plans/{job_id}", headers=AUTH).json()
        if doc["status"] in statuses or time.monotonic() > deadline:
            return doc
        time.sleep(0.05)


def test_health_needs_no_key_but_everything_else_does(client):
    health = wait_ready(client)
    assert health.status_code == 200
    doc = health.json()
    assert set(doc.pop("kernels_compiled_seconds")) == {"floor", "rcpsp"}
    assert doc == {"status": "ok", "store": "sqlite", "workers": "inprocess"}
    for method, path in [
        ("post", "/v1/plans"),
        ("get", "/v1/plans/x"),
        ("get", "/v1/plans/x/result"),
        ("delete", "/v1/plans/x"),
        ("post", "/v1/odoo/replan"),
        ("get", "/metrics"),
    ]:
        response = client.request(method, path, json={})
        assert response.status_code == 401, f"{method} {path} must need the API key"
        assert response.headers["www-authenticate"] == "Bearer"
    wrong = client.get("/v1/plans/x", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert client.get("/v1/plans/x", headers=AUTH).status_code == 404


def test_a_problem_is_solved_and_its_plan_passes_the_independent_checker(client):
    data = generate(4, seed=3)
    response = client.post("/v1/plans?time_limit=1", json=data, headers=AUTH)
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["status"] == "queued" and job["status_url"] == f"/v1/plans/{job['id']}"
    doc = wait_status(client, job["id"], "done", "failed")
    assert doc["status"] == "done", doc
    assert doc["progress"] == 1.0 and doc["attempts"] == 1 and doc["best_objective"] is not None
    result = client.get(job["result_url"], headers=AUTH).json()
    assert result["checked"] is True
    problem = Problem.from_dict(data)
    assert check(problem, Plan.from_dict(problem, result)) == []
    assert doc["best_objective"] == result["objective"]


def test_a_floor_problem_is_solved_with_calendars_and_checked(client):
    """A shop-floor problem (kind floor) goes through the floor pipeline: the plan carries
    datetimes, the chosen people and per-order results, and passes the floor checker."""
    import json
    from pathlib import Path

    from optimizer.floor.checker import check_floor
    from optimizer.floor.model import FloorProblem

    path = Path(optimizer.__file__).parent / "examples" / "floor_small.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    response = client.post("/v1/plans?time_limit=1", json=data, headers=AUTH)
    assert response.status_code == 202, response.text
    doc = wait_status(client, response.json()["id"], "done", "failed", timeout=60)
    assert doc["status"] == "done", doc
    result = client.get(response.json()["result_url"], headers=AUTH).json()
    assert result["kind"] == "floor_plan" and result["checked"] is True
    welding = next(t for t in result["tasks"] if t["id"] == "a1")
    # Two welders, p2 on leave on Tuesday 24 November: 8 h Monday, pause, 2 h Wednesday.
    assert sorted(welding["resources"]) == ["p1", "p2"]
    assert welding["start"] == "2026-11-23T08:00:00+08:00"
    assert welding["end"] == "2026-11-25T10:00:00+08:00"
    assert result["projects"][0]["late"] is False
    assert check_floor(FloorProblem.from_dict(data), result) == []
    broken = dict(data, tasks=[dict(data["tasks"][0], demands=[{"skill": "paint", "count": 1}])])
    refused = client.post("/v1/plans", json=broken, headers=AUTH)
    assert refused.status_code == 422
    assert "paint" in refused.json()["detail"][0]["msg"]


def test_invalid_problem_is_a_422_naming_the_field(client):
    data = generate(2, seed=1)
    data["tasks"][1]["duration"] = -4
    response = client.post("/v1/plans", json=data, headers=AUTH)
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", "tasks[1].duration"], detail
    assert "-4" in detail["msg"]
    not_json = client.post(
        "/v1/plans", content=b"{oops", headers={**AUTH, "content-type": "application/json"}
    )
    assert not_json.status_code == 422


def test_limits_answer_413_or_422_naming_the_limit(client):
    big = client.post("/v1/plans", content=b"x" * 300_000, headers=AUTH)
    assert big.status_code == 413
    assert "max_body_bytes=200000" in big.json()["detail"]

    def chunks():
        for _ in range(30):
            yield b" " * 10_000

    streamed = client.post(
        "/v1/plans", content=chunks(), headers={**AUTH, "content-type": "application/json"}
    )
    assert streamed.status_code == 413, "a body without Content-Length is counted as it arrives"

    many = generate(30, seed=1)  # 30 orders, more than 100 tasks
    response = client.post("/v1/plans", json=many, headers=AUTH)
    assert response.status_code == 413
    assert f"{len(many['tasks'])} tasks" in response.json()["detail"]
    assert "max_tasks=100" in response.json()["detail"]

    slow = client.post("/v1/plans?time_limit=31", json=generate(2), headers=AUTH)
    assert slow.status_code == 422
    assert slow.json()["detail"][0]["loc"] == ["query", "time_limit"]
    assert "max_time_limit=30" in slow.json()["detail"][0]["msg"]


def test_result_is_409_until_done_and_cancel_stops_queued_and_running_jobs(client):
    # j6041_1 is never proven optimal within 20 s, so the first solve is surely still running
    # when it is cancelled (a small portfolio can be solved to optimality before the DELETE).
    hard = read_psplib_sm(psplib_file("j60/j6041_1.sm")).to_dict()
    first = client.post("/v1/plans?time_limit=20", json=hard, headers=AUTH).json()
    second = client.post("/v1/plans", json=generate(2), headers=AUTH).json()
    running = wait_status(client, first["id"], "running")
    assert running["status"] == "running"
    assert client.get(first["result_url"], headers=AUTH).status_code == 409
    # Concurrency 1: the second job waits in the queue; cancelling it ends it at once.
    cancelled = client.delete(f"/v1/plans/{second['id']}", headers=AUTH)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    late = client.get(second["result_url"], headers=AUTH)
    assert late.status_code == 409 and "cancelled" in late.json()["detail"]

    t0 = time.monotonic()
    response = client.delete(f"/v1/plans/{first['id']}", headers=AUTH)
    assert response.status_code == 202 and response.json()["cancel_requested"] is True
    doc = wait_status(client, first["id"], "cancelled", "done", "failed", timeout=25)
    assert doc["status"] == "cancelled", doc
    assert time.monotonic() - t0 < 5, "a running solve stops within moments, not at its limit"
    assert client.delete(f"/v1/plans/{first['id']}", headers=AUTH).status_code == 200
    assert client.delete("/v1/plans/unknown", headers=AUTH).status_code == 404


def test_cancel_of_a_finished_job_is_409(client):
    job = client.post("/v1/plans?time_limit=0.5", json=generate(2), headers=AUTH).json()
    assert wait_status(client, job["id"], "done")["status"] == "done"
    response = client.delete(f"/v1/plans/{job['id']}", headers=AUTH)
    assert response.status_code == 409 and response.json()["detail"] == "job already done"


def test_odoo_replan_runs_the_connector_with_the_job_id_as_plan_id(client):
    calls: list[tuple] = []

    def fake_replan(job_id: str, project_ids: list[int] | None, request: SolveRequest) -> dict:
        calls.append((job_id, project_ids, request.time_limit, request.workers))
        return {"plan_id": job_id, "applied": 3, "conflicts": []}

    client.app.dependency_overrides[get_odoo_replan] = lambda: fake_replan
    response = client.post(
        "/v1/odoo/replan", json={"project_ids": [4, 7], "time_limit": 2}, headers=AUTH
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    assert wait_status(client, job_id, "done")["kind"] == "odoo_replan"
    assert client.get(f"/v1/plans/{job_id}/result", headers=AUTH).json()["plan_id"] == job_id
    assert calls == [(job_id, [4, 7], 2.0, 1)], "one write-back, carrying the job id"


def test_odoo_replan_completes_the_planning_run_odoo_queued(tmp_path):
    """Odoo's Re-optimize sends the plan id of the run it queued (and its database); the
    write-back must carry that plan id so the very run the planner sees is completed."""
    calls: list[tuple] = []

    def fake_replan(plan_id: str, project_ids: list[int] | None, request: SolveRequest) -> dict:
        calls.append((plan_id, project_ids))
        return {"plan_id": plan_id, "applied": 1, "conflicts": []}

    with make_client(tmp_path, odoo_db="prod") as client:
        client.app.dependency_overrides[get_odoo_replan] = lambda: fake_replan
        request = {"database": "prod", "plan_id": "odoo-prod-12", "project_ids": [4]}
        dropped = client.post("/v1/odoo/replan", json={**request, "run_id": 12}, headers=AUTH)
        assert dropped.status_code == 422, "a field the service would not use is refused"
        assert dropped.json()["detail"][0]["loc"] == ["body", "run_id"]
        response = client.post("/v1/odoo/replan", json=request, headers=AUTH)
        assert response.status_code == 202, response.text
        assert wait_status(client, response.json()["id"], "done")["status"] == "done"
        assert calls == [("odoo-prod-12", [4])]

        wrong = client.post("/v1/odoo/replan", json={**request, "database": "other"}, headers=AUTH)
        assert wrong.status_code == 422
        assert wrong.json()["detail"][0]["loc"] == ["body", "database"]
        assert len(calls) == 1, "a request for another database writes nothing"


def test_odoo_replan_without_configuration_is_503(client):
    response = client.post("/v1/odoo/replan", json={}, headers=AUTH)
    assert response.status_code == 503
    assert "ORDER_OPTIMIZER_ODOO_URL" in response.json()["detail"]


def test_the_odoo_api_key_never_appears_in_a_job_error(tmp_path, caplog):
    with make_client(
        tmp_path,
        odoo_url="http://127.0.0.1:1",
        odoo_db="db",
        odoo_login="bot",
        odoo_api_key=ODOO_SECRET,
    ) as client:

        def leaky_replan(job_id: str, project_ids: Any, request: SolveRequest) -> dict:
            raise ConnectionError(f"could not log in with key {ODOO_SECRET}")

        client.app.dependency_overrides[get_odoo_replan] = lambda: leaky_replan
        job_id = client.post("/v1/odoo/replan", json={}, headers=AUTH).json()["id"]
        doc = wait_status(client, job_id, "failed")
        assert doc["status"] == "failed" and "***" in doc["error"]
        assert ODOO_SECRET not in str(doc)
        assert ODOO_SECRET not in caplog.text, "the key must not reach the logs"
        assert ODOO_SECRET not in repr(client.app.state.settings)


def test_metrics_and_openapi(client):
    client.post("/v1/plans", json={"tasks": "no"}, headers=AUTH)
    text = client.get("/metrics", headers=AUTH).text
    assert 'optimizer_jobs{status="queued"}' in text
    assert (
        'optimizer_http_request_duration_seconds_count{method="POST",route="/v1/plans",status="422"}'
        in text
    )
    spec = client.get("/openapi.json").json()
    assert {
        "/v1/plans",
        "/v1/plans/{job_id}",
        "/v1/plans/{job_id}/result",
        "/v1/odoo/replan",
        "/healthz",
        "/metrics",
    } <= set(spec["paths"])
    assert client.get("/docs").status_code == 200


def test_a_running_odoo_replan_cannot_be_cancelled_and_ends_done(client):
    started, release = threading.Event(), threading.Event()

    def slow_replan(job_id: str, project_ids: Any, request: SolveRequest) -> dict:
        started.set()
        release.wait(10)
        return {"plan_id": job_id, "applied": 1, "conflicts": []}

    client.app.dependency_overrides[get_odoo_replan] = lambda: slow_replan
    job_id = client.post("/v1/odoo/replan", json={}, headers=AUTH).json()["id"]
    assert started.wait(10)
    response = client.delete(f"/v1/plans/{job_id}", headers=AUTH)
    assert response.status_code == 409 and "write-back" in response.json()["detail"]
    release.set()
    assert wait_status(client, job_id, "done", "failed", "cancelled")["status"] == "done"


def test_the_real_replan_gets_a_json_rpc_transport_the_key_file_and_the_job_id(
    tmp_path, monkeypatch
):
    """Wiring only: `optimizer.odoo` is replaced by a stand-in module recording its calls."""
    key_file = tmp_path / "odoo.key"
    key_file.write_text(ODOO_SECRET + "\n")
    calls: dict[str, Any] = {}

    class StandInTransport:
        def __init__(self, url: str, db: str, login: str, api_key: str) -> None:
            calls["transport"] = (url, db, login, api_key)

        def __enter__(self) -> StandInTransport:
            return self

        def __exit__(self, *exc: object) -> None:
            calls["closed"] = True

    def stand_in_replan(
        transport, project_ids, time_limit, *, plan_id, seed, workers, should_stop
    ):  # the connector's keywords, every one passed explicitly
        calls["replan"] = (project_ids, time_limit, plan_id, seed, workers, should_stop())
        return {"plan_id": plan_id, "applied": 2, "conflicts": []}

    stand_in = types.ModuleType("optimizer.odoo")
    stand_in.JsonRpcTransport = StandInTransport  # type: ignore[attr-defined]
    stand_in.replan = stand_in_replan  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "optimizer.odoo", stand_in)
    monkeypatch.setattr(optimizer, "odoo", stand_in, raising=False)
    settings = Settings(
        odoo_url="http://127.0.0.1:8069",
        odoo_db="prod",
        odoo_login="optimizer-bot",
        odoo_api_key_file=key_file,
        solver_workers=1,
    )
    assert settings.odoo_configured() and ODOO_SECRET not in repr(settings)
    request = SolveRequest(time_limit=5.0, seed=3, workers=1, should_stop=lambda: False)
    result = odoo_replan_from_settings(settings)("job-1", [3], request)
    assert calls["transport"] == ("http://127.0.0.1:8069", "prod", "optimizer-bot", ODOO_SECRET)
    assert calls["replan"] == ([3], 5.0, "job-1", 3, 1, False), "the job id is the plan id"
    assert result["plan_id"] == "job-1"
    assert calls["closed"], "the transport's session is closed after the replan"


def test_docs_can_be_closed(tmp_path):
    with make_client(tmp_path, public_docs=False) as client:
        assert client.get("/docs").status_code == 404
        assert client.get("/openapi.json").status_code == 404


class FlakyBroker:
    """A dispatcher standing in for Celery whose broker is down for the first send."""

    mode = "celery"

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.down = True

    def submit(self, job_id: str, odoo_replan: Any = None) -> None:
        if self.down:
            self.down = False
            raise ConnectionError("broker unreachable")
        self.sent.append(job_id)

    def shutdown(self) -> None:
        pass


def test_a_job_whose_dispatch_failed_is_stored_and_sent_again(tmp_path, monkeypatch):
    broker = FlakyBroker()
    monkeypatch.setattr(service_main, "make_dispatcher", lambda settings, factory: broker)
    with make_client(tmp_path, workers="celery", redispatch_seconds=0.3) as client:
        response = client.post("/v1/plans", json=generate(2), headers=AUTH)
        assert response.status_code == 202, "the job is stored even when the broker is down"
        job_id = response.json()["id"]
        deadline = time.monotonic() + 10
        while job_id not in broker.sent and time.monotonic() < deadline:
            time.sleep(0.05)
        assert job_id in broker.sent, "the re-dispatch loop sends the queued job again"
        assert client.get(f"/v1/plans/{job_id}", headers=AUTH).json()["status"] == "queued"


def test_a_key_configured_in_place_of_its_digest_is_refused_without_echoing_it(tmp_path):
    with pytest.raises(ValueError, match="not a SHA-256 hex digest") as caught:
        Settings(api_key_sha256="my-plain-secret-key").api_key_digests()
    assert "my-plain-secret-key" not in str(caught.value)
    keys = tmp_path / "keys"
    keys.write_text(f"# planners\n{hash_api_key(KEY).upper()}\n")
    assert Settings(api_key_sha256_file=keys).api_key_digests() == [hash_api_key(KEY)]


def test_the_real_connector_unreachable_odoo_fails_the_job_with_a_reason_and_no_key(tmp_path):
    """The real `optimizer.odoo` behind the endpoint, pointed at a closed loopback port."""
    from optimizer.service.harness import free_port

    with make_client(
        tmp_path,
        odoo_url=f"http://127.0.0.1:{free_port()}",
        odoo_db="prod",
        odoo_login="optimizer-bot",
        odoo_api_key=ODOO_SECRET,
    ) as client:
        job_id = client.post("/v1/odoo/replan", json={"time_limit": 1}, headers=AUTH).json()["id"]
        doc = wait_status(client, job_id, "done", "failed", timeout=60)
        assert doc["status"] == "failed" and doc["error"], doc
        assert "Odoo" in doc["error"] or "onnect" in doc["error"], doc["error"]
        assert ODOO_SECRET not in doc["error"]


# Regressions found by schemathesis against the exact OpenAPI document (tests/test_service_openapi.py).
def test_a_405_names_every_method_of_the_path(client):
    """Starlette's `Allow` named only the first route of the path: GET for /v1/plans/{id}."""
    response = client.options("/v1/plans/x", headers=AUTH)
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET"
    assert client.put("/v1/plans", headers=AUTH).headers["allow"] == "POST"


def test_odoo_replan_refuses_what_its_schema_refuses(client):
    """`project_ids: [false]` was accepted as project 0 (pydantic's lax mode), `"2"` as 2; an
    integral float is a JSON Schema integer and stays accepted."""
    calls: list[Any] = []
    client.app.dependency_overrides[get_odoo_replan] = lambda: (
        lambda job_id, project_ids, request: calls.append(project_ids) or {"plan_id": job_id}
    )
    for body, loc in [
        ({"project_ids": [False]}, ["body", "project_ids", 0]),
        ({"project_ids": ["2"]}, ["body", "project_ids", 0]),
        ({"time_limit": True}, ["body", "time_limit"]),
        ({"time_limit": "1"}, ["body", "time_limit"]),
        ({"time_limit": 31}, ["body", "time_limit"]),  # was ["query", "time_limit"]
    ]:
        response = client.post("/v1/odoo/replan", json=body, headers=AUTH)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["detail"][0]["loc"] == loc, body
    accepted = client.post("/v1/odoo/replan", json={"project_ids": [4.0]}, headers=AUTH)
    assert accepted.status_code == 202, accepted.text
    assert wait_status(client, accepted.json()["id"], "done")["status"] == "done"
    assert calls == [[4]]


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"stability": []}, "stability"),  # found by schemathesis: an AttributeError, a 500
        ({"stability": 5}, "stability"),
        ({"slot_minutes": None}, "slot_minutes"),
        ({"calendars": [{"id": "std", "attendances": ["8-12"]}]}, "calendars[0].attendances[0]"),
        ({"tasks": [{"id": "a1", "project": "A", "demands": 5}]}, "tasks[0].demands"),
        ({"tasks": [{"id": "a1", "project": "A", "resources": 5}]}, "tasks[0].resources"),
        (
            {
                "tasks": [
                    {"id": "a1", "project": "A", "demands": [{"resource": "p1", "skill": "w"}]}
                ]
            },
            "tasks[0].demands[0]",
        ),
    ],
)
def test_a_floor_problem_its_schema_refuses_is_a_422_naming_the_field_not_a_500(
    client, change, loc
):
    """FloorProblem.from_dict reads the JSON without checking the types of nested values; the
    service now validates a floor problem against optimizer/schemas/floor.schema.json first."""
    import json
    from pathlib import Path

    path = Path(optimizer.__file__).parent / "examples" / "floor_small.json"
    data = {**json.loads(path.read_text(encoding="utf-8")), **change}
    response = client.post("/v1/plans", json=data, headers=AUTH)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", loc] and detail["type"] == "problem_error", detail


def test_a_seed_over_32_bits_is_refused_not_failed_later(client):
    """CP-SAT's seed is a 32-bit integer: a larger one was accepted and then failed the job."""
    refused = client.post("/v1/plans?seed=2147483648", json=generate(2), headers=AUTH)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["query", "seed"]
    job = client.post("/v1/plans?seed=2147483647&time_limit=0.5", json=generate(2), headers=AUTH)
    assert job.status_code == 202
    assert wait_status(client, job.json()["id"], "done", "failed")["status"] == "done"
