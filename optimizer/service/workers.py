"""Workers that run jobs: a thread pool inside the service (default) or Celery workers.

Both run the same `JobRunner.run(job_id)`: claim the queued row (a conditional UPDATE, so a job
delivered twice runs once), solve or replan, and store the result through the attempt-guarded
`finish`. The engine is not changed for the service: its `log` lines ("solution objective=X
bound=Y") feed the progress, and the same callback stops a cancelled solve by raising, which
unwinds out of CP-SAT's solution callback. While a job runs, a small thread beside the solve
renews its lease every `lease_seconds / 4`; if the store says the attempt lost the job (its lease
expired and the reaper took it), the solve stops at its next `should_stop` poll.

Celery: `ORDER_OPTIMIZER_WORKERS=celery`, and on each worker machine (same settings, a shared
PostgreSQL `ORDER_OPTIMIZER_DATABASE_URL`):

    celery -A optimizer.service.workers:celery_app worker --pool=solo -Q order-optimizer
"""

from __future__ import annotations

import logging
import os
import queue
import re
import socket
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from optimizer.planners import SolveRequest, planner_for
from optimizer.service import metrics
from optimizer.service.dependencies import Dispatcher, OdooReplan, Settings
from optimizer.service.jobs import CANCELLED, FAILED, Job, JobStore

logger = logging.getLogger("optimizer.service")

PLAN, ODOO_REPLAN = "plan", "odoo_replan"

_SOLUTION = re.compile(r"solution objective=(\S+) bound=(\S+)")
_HEURISTIC = re.compile(r"heuristic objective=(\S+)")


LEASE_LOST = "lease lost: the job was taken back after its lease expired"


class JobCancelled(Exception):
    """Raised from the engine's log callback to stop a cancelled solve."""


class JobReleased(Exception):
    """Raised to stop a solve because the service is shutting down, or the job was lost."""


class _Lease:
    """Renews a running attempt's lease from a daemon thread every `every` seconds, for as long
    as the `with` block runs. `lost` is set when the store answers that the attempt no longer
    owns the job; a store outage is logged and retried at the next beat."""

    def __init__(self, store: JobStore, job_id: str, attempt: int, every: float) -> None:
        self.store, self.job_id, self.attempt, self.every = store, job_id, attempt, every
        self.lost = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{job_id[:8]}", daemon=True)

    def __enter__(self) -> _Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        # Not waiting out a heartbeat stuck on an unreachable store: a late heartbeat only
        # stamps `heartbeat_at` (of a row still running under this attempt number), no status.
        self._thread.join(timeout=1.0)

    def _beat(self) -> None:
        while not self._done.wait(self.every):
            try:
                owned = self.store.heartbeat(self.job_id, self.attempt)
            except Exception as exc:  # the store is down: the lease may lapse, try again
                logger.warning("job %s: heartbeat failed (%s)", self.job_id, exc)
                continue
            if not owned:
                logger.warning(
                    "job %s attempt %d: lease lost, stopping the solve", self.job_id, self.attempt
                )
                self.lost.set()
                return


class _ProgressLog:
    """The engine's `log` callback: records objective and bound, and stops the solve when a
    cancel was requested, the worker is stopping or the attempt `lost` its lease. Writes at most
    every `interval` seconds."""

    def __init__(
        self,
        store: JobStore,
        job_id: str,
        attempt: int,
        stopping: threading.Event,
        interval: float = 0.2,
        *,
        lost: threading.Event,
    ) -> None:
        self.store, self.job_id, self.attempt = store, job_id, attempt
        self.stopping = stopping
        self.lost = lost
        self.interval = interval
        self.last_write = 0.0
        self.last_poll = 0.0
        self.stop_reason: Exception | None = None

    def should_stop(self) -> bool:
        """The engine's `should_stop`: a cancel or a shutdown stops the solve within moments,
        not only at its next improving solution. The store is polled at most every
        `interval` seconds."""
        if self.stop_reason is not None:
            return True
        if released := self._released():
            self.stop_reason = released
            return True
        now = time.monotonic()
        if now - self.last_poll < self.interval:
            return False
        self.last_poll = now
        if self.store.is_cancel_requested(self.job_id):
            self.stop_reason = JobCancelled()
            return True
        return False

    def _released(self) -> JobReleased | None:
        """Why this worker must give the job up now (shutting down, or its lease lost), if so."""
        if self.stopping.is_set():
            return JobReleased("service shutting down")
        if self.lost.is_set():
            return JobReleased(LEASE_LOST)
        return None

    def __call__(self, line: str) -> None:
        if released := self._released():
            raise released
        if m := _SOLUTION.search(line):
            objective, bound = _number(m[1]), _number(m[2])
        elif m := _HEURISTIC.search(line):
            objective, bound = _number(m[1]), None
        else:
            return
        now = time.monotonic()
        if now - self.last_write < self.interval:
            return
        self.last_write = now
        cancel = self.store.report_progress(self.job_id, self.attempt, objective, bound)
        if cancel is None:
            raise JobReleased("job no longer owned by this attempt")
        if cancel:
            raise JobCancelled()


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


class JobRunner:
    """Runs one job end to end against the store; shared by both kinds of worker."""

    def __init__(
        self,
        store: JobStore,
        settings: Settings,
        owner: str,
        odoo_replan: OdooReplan | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.owner = owner
        self.odoo_replan = odoo_replan
        self.stopping = threading.Event()

    def run(self, job_id: str, odoo_replan: OdooReplan | None = None) -> str | None:
        """Claim and run the job; returns its final status, or None if it was not ours to run."""
        attempt = self.store.claim(job_id, self.owner)
        if attempt is None:
            return None
        if self.stopping.is_set():
            self.store.release(job_id, attempt, "service shutting down")
            return None
        job = self.store.get(job_id, payload=True)
        assert job is not None
        t0 = time.perf_counter()
        secrets = self._secrets()
        try:
            with _Lease(self.store, job_id, attempt, self.settings.heartbeat_seconds) as lease:
                if job.kind == PLAN:
                    result = self._solve(job, attempt, lease.lost)
                elif job.kind == ODOO_REPLAN:
                    result = self._replan(job, attempt, lease.lost, odoo_replan or self.odoo_replan)
                else:
                    raise ValueError(f"unknown job kind {job.kind!r}")
        except JobCancelled:
            self.store.fail(job_id, attempt, "cancelled while running", status=CANCELLED)
            final: str | None = CANCELLED
        except JobReleased as exc:
            self.store.release(job_id, attempt, str(exc))
            return None
        except Exception as exc:  # any failure ends the job with its reason, secrets removed
            reason = _redact(f"{type(exc).__name__}: {exc}", secrets)
            logger.error(
                "job %s attempt %d failed: %s",
                job_id,
                attempt,
                _redact(traceback.format_exc(), secrets),
            )
            self.store.fail(job_id, attempt, reason)
            final = FAILED
        else:
            # A replan's write-back has happened by now: it ends done even if a cancel came.
            final = self.store.finish(job_id, attempt, result, honour_cancel=job.kind == PLAN)
            if final is None:
                logger.warning("job %s attempt %d finished after losing the job", job_id, attempt)
                return None
        metrics.JOB_SECONDS.labels(job.kind).observe(time.perf_counter() - t0)
        metrics.JOBS_FINISHED.labels(job.kind, final).inc()
        return final

    def _secrets(self) -> list[str]:
        try:
            secret = self.settings.odoo_secret()
        except OSError:
            return []
        return [secret.get_secret_value()] if secret else []

    def _solve(self, job: Job, attempt: int, lost: threading.Event) -> dict[str, Any]:
        log = _ProgressLog(self.store, job.id, attempt, self.stopping, lost=lost)
        if self.store.is_cancel_requested(job.id):
            raise JobCancelled()
        request = SolveRequest(
            time_limit=float(job.params.get("time_limit", self.settings.default_time_limit)),
            seed=int(job.params.get("seed", 0)),
            workers=self.settings.solver_workers,
            log=log,
            should_stop=log.should_stop,
        )
        data = planner_for(job.payload).solve_json(job.payload, request)
        if log.stop_reason is not None:
            raise log.stop_reason
        return data

    def _replan(
        self, job: Job, attempt: int, lost: threading.Event, odoo_replan: OdooReplan | None
    ) -> dict[str, Any]:
        if odoo_replan is None:
            odoo_replan = odoo_replan_from_settings(self.settings)
        log = _ProgressLog(self.store, job.id, attempt, self.stopping, lost=lost)
        request = SolveRequest(
            time_limit=float(job.params.get("time_limit", self.settings.default_time_limit)),
            workers=self.settings.solver_workers,
            should_stop=log.should_stop,
        )
        plan_id = job.payload.get("plan_id") or job.id
        try:
            result = dict(odoo_replan(plan_id, job.payload.get("project_ids"), request))
        except Exception:
            if log.stop_reason is not None:  # stopped on purpose: nothing was written
                raise log.stop_reason from None
            raise
        return result


def odoo_replan_from_settings(settings: Settings) -> OdooReplan:
    """The real replan: a JSON-RPC transport to the configured Odoo and the connector's
    `replan`, with the job id as the plan id so a repeated write-back is a no-op in Odoo."""

    def run(plan_id: str, project_ids: list[int] | None, request: SolveRequest) -> dict[str, Any]:
        from optimizer import odoo  # the connector; imported only when a replan runs

        secret = settings.odoo_secret()
        url, db, login = settings.odoo_url, settings.odoo_db, settings.odoo_login
        if secret is None or not (url and db and login):
            raise RuntimeError("Odoo connection not configured (URL, database, login, API key)")
        with odoo.JsonRpcTransport(url, db, login, secret.get_secret_value()) as transport:
            return odoo.replan(
                transport,
                project_ids,
                request.time_limit,
                plan_id=plan_id,
                seed=request.seed,
                workers=request.workers,
                should_stop=request.should_stop,
            )

    return run


def _lower_thread_priority(nice: int) -> None:
    """Run this solver thread (and the CP-SAT threads it starts, which inherit it) at a lower
    CPU priority than the threads answering HTTP, so status calls stay fast while solves use
    every core. Linux schedules threads individually; elsewhere this does nothing."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return
    try:
        tid = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, tid)
        if current < nice:
            os.setpriority(os.PRIO_PROCESS, tid, nice)
    except OSError:
        pass


class InProcessWorker:
    """Daemon threads inside the service process, fed job ids through a queue (CP-SAT releases
    the GIL while it searches). At shutdown they get `grace` seconds to stop at a progress
    line; whatever still runs goes back to the queue, so a restart neither waits for a long
    solve nor counts it as a failed attempt."""

    mode = "inprocess"

    def __init__(
        self, runner: JobRunner, concurrency: int, nice: int = 10, grace: float = 5.0
    ) -> None:
        self.runner = runner
        self.nice = nice
        self.grace = grace
        self.queue: queue.SimpleQueue[tuple[str, OdooReplan | None] | None] = queue.SimpleQueue()
        self.threads = [
            threading.Thread(target=self._loop, name=f"job-{k}", daemon=True)
            for k in range(max(1, concurrency))
        ]
        for thread in self.threads:
            thread.start()

    def submit(self, job_id: str, odoo_replan: OdooReplan | None = None) -> None:
        self.queue.put((job_id, odoo_replan))

    def _loop(self) -> None:
        _lower_thread_priority(self.nice)
        while (item := self.queue.get()) is not None:
            if self.runner.stopping.is_set():
                continue
            try:
                self.runner.run(*item)
            except Exception:  # the store itself failed: the row stays, recovery picks it up
                logger.exception("job %s could not be run", item[0])

    def shutdown(self) -> None:
        self.runner.stopping.set()
        for _ in self.threads:
            self.queue.put(None)
        deadline = time.monotonic() + self.grace
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        released = self.runner.store.release_owned(self.runner.owner, "service shutting down")
        if released:
            logger.info("shutdown: %d running job(s) back in the queue", len(released))


class CeleryDispatcher:
    """Sends job ids to Celery workers through the broker; the job itself stays in the store."""

    mode = "celery"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = make_celery(settings)

    def submit(self, job_id: str, odoo_replan: OdooReplan | None = None) -> None:
        # The fake/real replan function cannot travel: a Celery worker builds its own.
        self.app.send_task(RUN_JOB_TASK, args=[job_id], queue=self.settings.celery_queue)

    def shutdown(self) -> None:
        self.app.close()


RUN_JOB_TASK = "optimizer.service.run_job"


def service_owner() -> str:
    return f"service:{socket.gethostname()}:{os.getpid()}"


def make_celery(settings: Settings) -> Any:
    """The Celery application: JSON only, late acks, one job at a time per worker process."""
    from celery import Celery, signals

    app = Celery("order_optimizer", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_default_queue=settings.celery_queue,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
    )
    state: dict[str, JobRunner] = {}

    def runner(hostname: str) -> JobRunner:
        if "runner" not in state:
            store = JobStore(settings.database_url)
            state["runner"] = JobRunner(store, settings, owner=f"celery:{hostname}")
        return state["runner"]

    @app.task(name=RUN_JOB_TASK, bind=True)
    def run_job(self: Any, job_id: str) -> str | None:
        return runner(self.request.hostname or socket.gethostname()).run(job_id)

    @signals.worker_ready.connect(weak=False)
    def _warm_up(sender: Any = None, **_: Any) -> None:
        # Before the worker takes its first job: no solve's time limit pays for a compile.
        from optimizer.planners import warm_up_all

        warm_up_all()

    @signals.worker_ready.connect(weak=False)
    def _recover(sender: Any = None, **_: Any) -> None:
        # This worker's jobs left running by a crash of a previous run under the same name, and
        # anybody's whose lease expired (a worker killed for good, a lost machine).
        hostname = getattr(sender, "hostname", None) or socket.gethostname()
        r = runner(hostname)
        report = r.store.recover(owner=r.owner)
        reaped = r.store.reap_expired(settings.lease_seconds)
        for job_id in report.requeued + reaped.requeued:
            app.send_task(RUN_JOB_TASK, args=[job_id], queue=settings.celery_queue)

    return app


def __getattr__(name: str) -> Any:
    # `celery -A optimizer.service.workers:celery_app`: built on first use from the environment.
    if name == "celery_app":
        app = make_celery(Settings())
        globals()["celery_app"] = app
        return app
    raise AttributeError(name)


def dispatch(dispatcher: Dispatcher, job_id: str, odoo_replan: OdooReplan | None = None) -> None:
    """Hand a stored job to the workers; if the broker is unreachable the job stays queued in
    the store and the service's re-dispatch loop sends it again later."""
    try:
        dispatcher.submit(job_id, odoo_replan)
    except Exception as exc:  # a broker outage must not turn a stored job into a 500
        logger.warning("job %s stored but not dispatched (%s); it will be re-sent", job_id, exc)


def make_dispatcher(settings: Settings, runner_factory: Callable[[], JobRunner]) -> Dispatcher:
    if settings.workers == "celery":
        return CeleryDispatcher(settings)
    return InProcessWorker(runner_factory(), settings.concurrency, settings.solver_nice)
