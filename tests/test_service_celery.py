"""Celery mode on the local Redis: the service (uvicorn, loopback) only stores and sends job ids;
a real `celery worker` started here as a child process runs the solves against the same store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from optimizer.portfolio import generate
from optimizer.service.dependencies import Settings
from optimizer.service.harness import REDIS_HINT, ServiceProcess, redis_reachable, wait_for
from optimizer.service.jobs import JobStore
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


def _settings(env: dict[str, str]) -> dict[str, str]:
    prefix = "ORDER_OPTIMIZER_"
    return {k[len(prefix) :].lower(): v for k, v in env.items() if k.startswith(prefix)}
