"""Celery mode on the local Redis: the service (uvicorn, loopback) only stores and sends job ids;
a real `celery worker` started here as a child process runs the solves against the same store."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from optimizer.rcpsp.generate import generate
from optimizer.service.dependencies import Settings
from optimizer.service.harness import REDIS_HINT, ServiceProcess, redis_reachable, wait_for
from optimizer.service.jobs import LEASE_REASON, JobStore
from optimizer.service.workers import RUN_JOB_TASK, make_celery

KEY = "celery-test-key-77"
BROKER = "redis://127.0.0.1:6379/15"
FINAL = ("done", "failed", "cancelled")


class CeleryWorker:
    """`celery -A optimizer.service.workers:celery_app worker` with the test's settings."""

    def __init__(self, env: dict[str, str], name: str, log: Path) -> None:
        self.env, self.name, self.log = env, name, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> CeleryWorker:
        offset = self.log.stat().st_size if self.log.exists() else 0
        cmd = [
            sys.executable, "-m", "celery", "-A", "optimizer.service.workers:celery_app",
            "worker", "--pool=solo", "-Q", self.env["ORDER_OPTIMIZER_CELERY_QUEUE"],
            "-n", self.name, "--loglevel=INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(cmd, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"celery worker exited: {self.log.read_text()[-3000:]}")
            if b" ready." in self.log.read_bytes()[offset:]:
                return self
            time.sleep(0.2)
        raise RuntimeError(f"celery worker not ready in {timeout}s: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def celery_env(tmp_path):
    if not redis_reachable():
        pytest.skip(REDIS_HINT)
    queue = f"order-optimizer-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "ORDER_OPTIMIZER_WORKERS": "celery",
        "ORDER_OPTIMIZER_BROKER_URL": BROKER,
        "ORDER_OPTIMIZER_CELERY_QUEUE": queue,
        "ORDER_OPTIMIZER_DATABASE_URL": f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
        "ORDER_OPTIMIZER_SOLVER_WORKERS": "1",
    }
    return env


def test_celery_worker_on_redis_runs_each_job_once_and_re_runs_it_after_a_crash(
    celery_env, tmp_path
):
    url = celery_env["ORDER_OPTIMIZER_DATABASE_URL"]
    queue = celery_env["ORDER_OPTIMIZER_CELERY_QUEUE"]
    name = f"w1-{uuid.uuid4().hex[:6]}@%h"
    log = tmp_path / "worker.log"
    worker = CeleryWorker(celery_env, name, log).start()
    try:
        with ServiceProcess(url, KEY, tmp_path / "service.log", env=celery_env) as service:
            with service.client() as client:
                assert client.get("/healthz").json()["workers"] == "celery"
                ids = [
                    client.post("/v1/plans?time_limit=1", json=generate(4, seed=s)).json()["id"]
                    for s in range(2)
                ]
                docs = wait_for(client, ids, FINAL, timeout=60)
                assert [docs[i]["status"] for i in ids] == ["done"] * 2, docs
                assert client.get(f"/v1/plans/{ids[0]}/result").json()["checked"] is True

                # A second delivery of a job id (a broker redelivery) must not run it again.
                app = make_celery(Settings(**_settings(celery_env)))
                app.send_task(RUN_JOB_TASK, args=[ids[0]], queue=queue)
                app.close()

                # SIGKILL the worker mid-solve; started again under its name, it re-runs the job.
                long = client.post("/v1/plans?time_limit=2", json=generate(20, seed=1)).json()
                wait_for(client, [long["id"]], ("running",), timeout=30)
                worker.kill()
                assert client.get(f"/v1/plans/{long['id']}").json()["status"] == "running"
                worker = CeleryWorker(celery_env, name, log).start()
                doc = wait_for(client, [long["id"]], FINAL, timeout=60)[long["id"]]
                assert doc["status"] == "done" and doc["attempts"] == 2, doc
        store = JobStore(url)
        for job_id in ids:
            job = store.get(job_id)
            assert job.owner.startswith("celery:w1-"), "the worker, not the service, ran it"
            runs = [e for e in store.events(job_id) if e["event"] == "running"]
            assert len(runs) == 1, f"job {job_id} ran {len(runs)} times"
        store.close()
    finally:
        worker.stop()


LEASE = 3.0  # seconds; a heartbeat every 0.75 s


def _node(name: str) -> str:
    """The worker's node name as Celery expands `-n name@%h`."""
    return name.replace("%h", socket.gethostname())


def _wait_store(store: JobStore, job_id: str, statuses: tuple[str, ...], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while (status := store.get(job_id).status) not in statuses:
        assert time.monotonic() < deadline, f"job {job_id} still {status} after {timeout}s"
        time.sleep(0.1)
    return status


def test_a_worker_killed_for_good_loses_its_job_to_another_worker_once_its_lease_expires(
    celery_env,
    database_url,
    tmp_path,
):
    """SIGKILL mid-solve, never restarted under its name: the service's reaper takes the job
    back when the lease expires and a worker with another name finishes it, once. The store is
    the Celery env's SQLite file (the same tmp_path file) or a scratch PostgreSQL database."""
    url = database_url
    env = {
        **celery_env,
        "ORDER_OPTIMIZER_LEASE_SECONDS": str(LEASE),
        "ORDER_OPTIMIZER_DATABASE_URL": url,
    }
    tag = uuid.uuid4().hex[:6]
    w1 = CeleryWorker(env, f"w1-{tag}@%h", tmp_path / "w1.log").start()
    w2 = CeleryWorker(env, f"w2-{tag}@%h", tmp_path / "w2.log")
    try:
        with ServiceProcess(url, KEY, tmp_path / "service.log", env=env) as service:
            with service.client() as client:
                job_id = client.post("/v1/plans?time_limit=4", json=generate(20, seed=1)).json()[
                    "id"
                ]
                wait_for(client, [job_id], ("running",), timeout=30)
                time.sleep(1.0)  # mid-solve: a heartbeat or two have gone out
                w1.kill()
                w2.start()
                doc = wait_for(client, [job_id], FINAL, timeout=90)[job_id]
                assert doc["status"] == "done" and doc["attempts"] == 2, doc
                assert client.get(f"/v1/plans/{job_id}/result").json()["checked"] is True
        store = JobStore(url)
        job = store.get(job_id)
        assert job.owner == f"celery:{_node(w2.name)}", "the second worker finished it"
        events = store.events(job_id)
        assert [e["event"] for e in events] == ["queued", "running", "queued", "running", "done"]
        assert [e["attempt"] for e in events if e["event"] == "done"] == [2], "one completion"
        assert events[1]["detail"] == f"celery:{_node(w1.name)}"
        reason = events[2]["detail"]
        assert reason.startswith(f"worker {_node(w1.name)} {LEASE_REASON} at "), reason
        assert reason.endswith("; attempt 1 of 2"), reason
        store.close()
    finally:
        w1.kill()
        w2.stop()


def test_a_worker_that_was_only_paused_past_its_lease_cannot_complete_the_job_again(
    celery_env, tmp_path
):
    """No service: the second worker's start-up reaper takes the job back from a worker frozen
    (SIGSTOP) past its lease; thawed, the first worker's heartbeat and result are refused."""
    env = {**celery_env, "ORDER_OPTIMIZER_LEASE_SECONDS": str(LEASE)}
    url, queue = env["ORDER_OPTIMIZER_DATABASE_URL"], env["ORDER_OPTIMIZER_CELERY_QUEUE"]
    tag = uuid.uuid4().hex[:6]
    store = JobStore(url)
    w1 = CeleryWorker(env, f"w1-{tag}@%h", tmp_path / "w1.log").start()
    w2 = CeleryWorker(env, f"w2-{tag}@%h", tmp_path / "w2.log")
    try:
        # 40 orders: not proven optimal within the freeze, so the job is still running when frozen
        job = store.create("plan", generate(40, seed=2), {"time_limit": 3}, max_attempts=2)
        app = make_celery(Settings(**_settings(env)))
        app.send_task(RUN_JOB_TASK, args=[job.id], queue=queue)
        app.close()
        _wait_store(store, job.id, ("running",), timeout=30)
        time.sleep(0.5)
        assert w1.proc is not None
        w1.proc.send_signal(signal.SIGSTOP)
        time.sleep(LEASE + 1.0)
        assert store.get(job.id).status == "running", "no reaper has run yet"
        w2.start()  # its start-up reaper re-queues the job and sends it again
        assert _wait_store(store, job.id, FINAL, timeout=60) == "done"
        w1.proc.send_signal(signal.SIGCONT)
        deadline = time.monotonic() + 20
        late = ("lease lost", "finished after losing the job")
        while not any(s in w1.log.read_text() for s in late):
            assert time.monotonic() < deadline, w1.log.read_text()[-3000:]
            time.sleep(0.2)
        time.sleep(1.0)
        assert w1.proc.poll() is None, "the thawed worker carries on"
        done = store.get(job.id, result=True)
        assert done.status == "done" and done.attempts == 2
        assert done.owner == f"celery:{_node(w2.name)}" and done.result["checked"] is True
        events = store.events(job.id)
        assert [e["event"] for e in events] == ["queued", "running", "queued", "running", "done"]
        assert f"worker {_node(w1.name)} {LEASE_REASON}" in events[2]["detail"]
    finally:
        if w1.proc is not None and w1.proc.poll() is None:
            w1.proc.send_signal(signal.SIGCONT)
        w1.stop()
        w2.stop()
        store.close()


def _settings(env: dict[str, str]) -> dict[str, str]:
    prefix = "ORDER_OPTIMIZER_"
    return {k[len(prefix) :].lower(): v for k, v in env.items() if k.startswith(prefix)}
