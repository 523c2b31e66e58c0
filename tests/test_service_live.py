"""The real service: `order-optimizer serve` under uvicorn on 127.0.0.1 in a child process, with
its job store on SQLite and on the local PostgreSQL, and a SIGKILL in the middle of 20 jobs."""

from __future__ import annotations

import json
import sqlite3
import time
from collections import Counter

import httpx
import pytest

from optimizer.rcpsp.checker import check
from optimizer.rcpsp.generate import generate
from optimizer.rcpsp.model import Plan, Problem
from optimizer.service.harness import ServiceProcess, wait_for
from optimizer.service.jobs import RESTART_REASON, JobStore

from .conftest import ROOT

KEY = "live-test-key-5b0e"
FINAL = ("done", "failed", "cancelled")


def test_a_cold_service_is_ready_only_once_its_kernels_are_compiled(tmp_path):
    """With an empty kernel cache the service answers /healthz at once but 503 "starting" until
    both planners' kernels are compiled; then 200, and a job's time limit is all search."""
    cache = tmp_path / "numba-cache"
    env = {"NUMBA_CACHE_DIR": str(cache)}
    url = f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    with ServiceProcess(url, KEY, tmp_path / "service.log", env=env) as service:
        starting = [h for h in service.health_seen if h["status_code"] == 503]
        assert starting, f"a cold start answers 503 while compiling: {service.health_seen}"
        assert all(h == {"status_code": 503, "status": "starting", "kernels": "compiling"}
                   for h in starting)  # fmt: skip
        ready = service.health_seen[-1]
        assert ready["status_code"] == 200 and set(ready["kernels_compiled_seconds"]) == {
            "floor",
            "rcpsp",
        }
        assert {p.parent.name.split("_")[0] for p in cache.rglob("*.nbi")} >= {"floor", "rcpsp"}
        with service.client() as client:
            floor = json.loads((ROOT / "optimizer/examples/floor_small.json").read_text())
            job = client.post("/v1/plans?time_limit=2", json=floor).json()["id"]
            assert wait_for(client, [job], FINAL, timeout=30)[job]["status"] == "done"
            plan = client.get(f"/v1/plans/{job}/result").json()
        assert plan["first_solution_seconds"] < 0.2, "no compile inside the solve"


def test_service_over_loopback_solves_and_guards_every_route(database_url, tmp_path):
    env = {"ORDER_OPTIMIZER_CONCURRENCY": "2"}
    with ServiceProcess(database_url, KEY, tmp_path / "service.log", env=env) as service:
        health = httpx.get(service.base_url + "/healthz").json()
        assert health["status"] == "ok" and health["store"] == database_url.split(":")[0]
        anonymous = httpx.post(service.base_url + "/v1/plans", json=generate(2))
        assert anonymous.status_code == 401
        problems = [generate(5, seed=s) for s in (1, 2)]
        with service.client() as client:
            ids = []
            for data in problems:
                response = client.post("/v1/plans?time_limit=1", json=data)
                assert response.status_code == 202, response.text
                ids.append(response.json()["id"])
            docs = wait_for(client, ids, FINAL, timeout=30)
            for job_id, data in zip(ids, problems):
                assert docs[job_id]["status"] == "done", docs[job_id]
                result = client.get(f"/v1/plans/{job_id}/result").json()
                problem = Problem.from_dict(data)
                assert check(problem, Plan.from_dict(problem, result)) == []
            assert "optimizer_jobs_submitted_total" in client.get("/metrics").text


@pytest.mark.parametrize(("max_attempts", "jobs"), [(2, 20), (1, 4)])
def test_sigkill_in_the_middle_of_20_jobs_loses_none_and_completes_none_twice(
    tmp_path, max_attempts, jobs
):
    """max_attempts=2: the interrupted solves re-run; 1: they end failed, saying why."""
    path = tmp_path / "jobs.sqlite3"
    url = f"sqlite:///{path}"
    env = {"ORDER_OPTIMIZER_CONCURRENCY": "2", "ORDER_OPTIMIZER_MAX_ATTEMPTS": str(max_attempts)}
    log = tmp_path / "service.log"
    # The first two jobs (claimed first: the queue is first in, first out) search their whole
    # 3 s, so both are still running when the kill comes; the 8-activity ones are proven optimal
    # in a tenth of a second and would slip out of "running" between the poll and the kill.
    problems = [generate(30 if s < 2 else 8, seed=s) for s in range(jobs)]
    service = ServiceProcess(url, KEY, log, env=env).start()
    try:
        with service.client() as client:
            ids = [
                client.post(f"/v1/plans?time_limit={3 if n < 2 else 0.6}", json=p).json()["id"]
                for n, p in enumerate(problems)
            ]
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                statuses = Counter(client.get(f"/v1/plans/{i}").json()["status"] for i in ids)
                if statuses["running"] == 2 and statuses["done"] == 0:
                    break
                time.sleep(0.05)
        service.kill()
    finally:
        service.kill()
    with sqlite3.connect(path) as db:
        interrupted = {
            r[0] for r in db.execute("select id from optimizer_job where status='running'")
        }
    assert interrupted == set(ids[:2]), "the kill should hit the two running solves"

    with ServiceProcess(url, KEY, log, env=env) as again, again.client() as client:
        docs = wait_for(client, ids, FINAL, timeout=60)

    store = JobStore(url)
    done_events = Counter(e["job_id"] for e in store.events() if e["event"] == "done")
    assert max(done_events.values()) == 1, "no job is completed twice"
    for job_id, data in zip(ids, problems):
        doc = docs[job_id]
        if job_id in interrupted and max_attempts == 1:
            assert doc["status"] == "failed", doc
            assert doc["error"].startswith(RESTART_REASON), doc
            continue
        assert doc["status"] == "done", doc
        assert done_events[job_id] == 1
        if job_id in interrupted:
            assert doc["attempts"] == 2, "an interrupted job re-runs as its second attempt"
        job = store.get(job_id, result=True)
        problem = Problem.from_dict(data)
        assert check(problem, Plan.from_dict(problem, job.result)) == []
    store.close()
    assert json.dumps(docs)  # every status document is plain JSON


def test_sigterm_stops_promptly_and_gives_the_running_solve_back_to_the_queue(tmp_path):
    url = f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    log = tmp_path / "service.log"
    service = ServiceProcess(url, KEY, log).start()
    try:
        with service.client() as client:
            job_id = client.post("/v1/plans?time_limit=60", json=generate(30, seed=2)).json()["id"]
            wait_for(client, [job_id], ("running",), timeout=30)
        t0 = time.monotonic()
        service.stop(timeout=30)
        stopped_in = time.monotonic() - t0
    finally:
        service.kill()
    assert stopped_in < 15, f"a graceful stop waited {stopped_in:.1f}s for a 60 s solve"
    store = JobStore(url)
    job = store.get(job_id)
    assert job.status == "queued" and job.attempts == 0, "a graceful stop costs no attempt"
    assert any(e["detail"] == "service shutting down" for e in store.events(job_id))
    with ServiceProcess(url, KEY, log) as again, again.client() as client:
        doc = wait_for(client, [job_id], ("running",), timeout=30)[job_id]
        assert doc["attempts"] == 1, "the next start runs it again"
        again.kill()
    store.close()
