"""The durable job store on SQLite (a file) and on the local PostgreSQL (a scratch database)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from optimizer.planners import SolveRequest
from optimizer.rcpsp.generate import generate
from optimizer.service.dependencies import Settings
from optimizer.service.harness import (
    POSTGRES_HINT,
    ScratchPostgres,
    postgres_admin_url,
    truncate_jobs,
)
from optimizer.service.jobs import LEASE_REASON, RESTART_REASON, JobStore
from optimizer.service.workers import LEASE_LOST, JobReleased, JobRunner, _Lease, _ProgressLog


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """One scratch database for the module (CREATE/DROP DATABASE cost a checkpoint each)."""
    admin = postgres_admin_url()
    if admin is None:
        pytest.skip(POSTGRES_HINT)
    with ScratchPostgres(admin) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[JobStore]:
    """The same tests on both back-ends; PostgreSQL down means a skip that says so."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
        truncate_jobs(url)
    s = JobStore(url)
    yield s
    s.close()


def test_job_row_is_committed_with_its_problem_before_anyone_runs_it(store):
    job = store.create("plan", {"tasks": [1, 2]}, {"time_limit": 3}, max_attempts=2)
    again = JobStore(store.url).get(job.id, payload=True)  # a fresh connection pool sees it
    assert again is not None and again.status == "queued", "a 202 promises a stored, queued job"
    assert again.payload == {"tasks": [1, 2]} and again.params == {"time_limit": 3}
    assert again.attempts == 0 and again.created_at > 0


def test_a_job_runs_once_even_when_delivered_twice(store):
    job = store.create("plan", {})
    assert store.claim(job.id, "w1") == 1
    assert store.claim(job.id, "w2") is None, "a second delivery must not start the job again"
    assert store.finish(job.id, 1, {"objective": 5.0, "lower_bound": 4.0}) == "done"
    done = store.get(job.id, result=True)
    assert done.status == "done" and done.result == {"objective": 5.0, "lower_bound": 4.0}
    assert (done.best_objective, done.best_bound) == (5.0, 4.0)
    assert store.finish(job.id, 1, {"objective": 1.0}) is None, "never completed twice"


def test_only_one_of_many_concurrent_claims_wins(store):
    job = store.create("plan", {})
    wins: list[int | None] = []
    threads = [
        threading.Thread(target=lambda: wins.append(store.claim(job.id, "w"))) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(w for w in wins if w is not None) == [1], f"claims: {wins}"


def test_restart_requeues_an_interrupted_attempt_and_the_stale_attempt_cannot_finish(store):
    job = store.create("plan", {}, max_attempts=2)
    assert store.claim(job.id, "service:a") == 1
    report = store.recover()
    assert report.requeued == [job.id]
    assert store.claim(job.id, "service:b") == 2
    assert store.finish(job.id, 1, {"objective": 9}) is None, "attempt 1 lost the job at restart"
    assert store.report_progress(job.id, 1, 9.0, 1.0) is None
    assert store.finish(job.id, 2, {"objective": 7}) == "done"
    done_events = [e for e in store.events(job.id) if e["event"] == "done"]
    assert len(done_events) == 1 and done_events[0]["attempt"] == 2


def test_restart_fails_a_job_out_of_attempts_with_the_reason(store):
    job = store.create("plan", {}, max_attempts=1)
    store.claim(job.id, "service:a")
    report = store.recover()
    failed = store.get(job.id)
    assert report.failed == [job.id] and failed.status == "failed"
    assert failed.error.startswith(RESTART_REASON) and "attempt 1 of 1" in failed.error


def test_recover_by_owner_leaves_other_workers_jobs_running(store):
    mine, theirs = store.create("plan", {}), store.create("plan", {})
    store.claim(mine.id, "celery:w1")
    store.claim(theirs.id, "celery:w2")
    assert store.recover(owner="celery:w1").requeued == [mine.id]
    assert store.get(theirs.id).status == "running"


def test_cancel_a_queued_job_ends_it_and_a_running_one_ends_cancelled_when_it_finishes(store):
    queued, running = store.create("plan", {}), store.create("plan", {})
    assert store.cancel(queued.id) == "cancelled"
    assert store.claim(queued.id, "w") is None, "a cancelled job is never started"
    store.claim(running.id, "w")
    assert store.cancel(running.id) == "running"
    assert store.report_progress(running.id, 1, 3.0, 2.0) is True, "the worker sees the cancel"
    assert store.finish(running.id, 1, {"objective": 3.0}) == "cancelled"
    assert store.cancel(running.id) == "cancelled"
    assert store.cancel("nope") is None


def test_progress_and_counts(store):
    job = store.create("plan", {})
    store.claim(job.id, "w")
    assert store.report_progress(job.id, 1, 12.0, 3.0) is False
    assert store.report_progress(job.id, 1, 10.0, None) is False
    got = store.get(job.id)
    assert (got.best_objective, got.best_bound, got.solutions) == (10.0, 3.0, 2)
    assert store.status_counts() == {"running": 1}
    assert store.fail(job.id, 1, "boom") and store.get(job.id).error == "boom"
    assert store.ids_with_status("failed") == [job.id]


def test_graceful_release_gives_the_attempt_back(store):
    job = store.create("plan", {}, max_attempts=1)
    store.claim(job.id, "w")
    assert store.release(job.id, 1, "service shutting down")
    again = store.get(job.id)
    assert again.status == "queued" and again.attempts == 0
    assert store.claim(job.id, "w") == 1


def test_release_owned_requeues_only_that_owners_jobs(store):
    mine, theirs = store.create("plan", {}), store.create("plan", {})
    store.claim(mine.id, "service:a")
    store.claim(theirs.id, "service:b")
    assert store.release_owned("service:a", "service shutting down") == [mine.id]
    assert store.get(mine.id).status == "queued" and store.get(theirs.id).status == "running"


# ---------------------------------------------------------------------------- leases
def _expire(lease: float = 0.2) -> None:
    """Let more than `lease` seconds pass without a heartbeat."""
    time.sleep(lease + 0.1)


def test_an_expired_lease_is_requeued_with_the_reason_and_the_old_attempt_is_refused(store):
    job = store.create("plan", {}, max_attempts=2)
    assert store.claim(job.id, "celery:w1@host") == 1
    running = store.get(job.id)
    assert running.heartbeat_at is not None, "a claim starts the lease"
    assert store.reap_expired(60).requeued == [], "a fresh lease is not reaped"
    _expire()
    report = store.reap_expired(0.2)
    assert report.requeued == [job.id] and not report.failed
    again = store.get(job.id)
    assert again.status == "queued" and again.owner is None and again.attempts == 1
    detail = store.events(job.id)[-1]["detail"]
    assert detail.startswith(f"worker w1@host {LEASE_REASON} at 20"), detail
    assert detail.endswith("attempt 1 of 2"), detail
    assert store.reap_expired(0.2).requeued == [], "a queued job is not reaped again"

    # The slow worker comes back: nothing it sends is accepted, before or after the re-run.
    assert store.heartbeat(job.id, 1) is False
    assert store.report_progress(job.id, 1, 5.0, 1.0) is None
    assert store.claim(job.id, "celery:w2@host") == 2
    assert store.heartbeat(job.id, 1) is False
    assert store.report_progress(job.id, 1, 5.0, 1.0) is None
    assert store.finish(job.id, 1, {"objective": 5.0}) is None
    assert store.fail(job.id, 1, "late") is False
    assert store.release(job.id, 1, "late") is False
    assert store.get(job.id).status == "running"
    assert store.heartbeat(job.id, 2) is True
    assert store.finish(job.id, 2, {"objective": 4.0}) == "done"
    assert store.finish(job.id, 1, {"objective": 5.0}) is None
    done = [e for e in store.events(job.id) if e["event"] == "done"]
    assert len(done) == 1 and done[0]["attempt"] == 2
    assert store.get(job.id, result=True).result == {"objective": 4.0}


def test_an_expired_lease_out_of_attempts_fails_saying_which_worker_stopped_and_when(store):
    job = store.create("plan", {}, max_attempts=1)
    cancelled = store.create("plan", {}, max_attempts=2)
    store.claim(job.id, "celery:w1@host")
    store.claim(cancelled.id, "celery:w1@host")
    store.cancel(cancelled.id)
    _expire()
    report = store.reap_expired(0.2)
    assert report.failed == [job.id] and report.cancelled == [cancelled.id]
    failed = store.get(job.id)
    assert failed.status == "failed" and failed.finished_at is not None
    assert f"worker w1@host {LEASE_REASON} at " in failed.error, failed.error
    assert failed.error.endswith("(lease 0.2 s); attempt 1 of 1"), failed.error
    assert store.get(cancelled.id).status == "cancelled"
    assert store.finish(job.id, 1, {"objective": 1.0}) is None, "the dead worker cannot finish"


def test_heartbeats_and_progress_keep_the_lease(store):
    beating, reporting, silent = (store.create("plan", {}) for _ in range(3))
    for job in (beating, reporting, silent):
        store.claim(job.id, "celery:w1@host")
    for _ in range(3):
        time.sleep(0.15)
        assert store.heartbeat(beating.id, 1) is True
        assert store.report_progress(reporting.id, 1, 3.0, 1.0) is False
    report = store.reap_expired(0.3)
    assert report.requeued == [silent.id], "only the silent worker's job is taken back"
    assert store.get(beating.id).status == store.get(reporting.id).status == "running"


def test_a_store_from_before_leases_gets_the_column_and_its_running_jobs_are_reaped(store):
    job = store.create("plan", {"tasks": []}, max_attempts=2)
    store.claim(job.id, "celery:old@host")
    with store.engine.begin() as conn:  # the schema and the row as an older version left them
        conn.execute(text("ALTER TABLE optimizer_job DROP COLUMN heartbeat_at"))
    store.close()
    # Several processes upgrading at once (a service and its workers): each start succeeds.
    stores: list[JobStore] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            stores.append(JobStore(store.url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.close()
    assert not errors, errors
    upgraded = JobStore(store.url)
    try:
        old = upgraded.get(job.id, payload=True)
        assert old.status == "running" and old.heartbeat_at is None and old.payload == {"tasks": []}
        assert upgraded.reap_expired(3600).requeued == [], "the start counts as the last beat"
        time.sleep(0.3)
        assert upgraded.reap_expired(0.2).requeued == [job.id]
        assert upgraded.claim(job.id, "celery:new@host") == 2
        assert upgraded.get(job.id).heartbeat_at is not None
    finally:
        upgraded.close()


def _runner(store: JobStore, lease: float, owner: str = "service:test") -> JobRunner:
    settings = Settings(database_url=store.url, lease_seconds=lease, solver_workers=1)
    return JobRunner(store, settings, owner=owner)


def _wait_status(store: JobStore, job_id: str, status: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while store.get(job_id).status != status:
        assert time.monotonic() < deadline, f"job {job_id} not {status} after {timeout}s"
        time.sleep(0.05)


def test_a_live_worker_heart_beats_beside_the_solve_so_its_lease_never_expires(store):
    job = store.create("plan", generate(12, seed=3), {"time_limit": 2.0})
    runner = _runner(store, lease=0.4)  # a heartbeat every 0.1 s
    outcome: list[str | None] = []
    thread = threading.Thread(target=lambda: outcome.append(runner.run(job.id)))
    thread.start()
    _wait_status(store, job.id, "running")
    while thread.is_alive():  # the reaper runs all along the solve and finds nothing to take
        assert store.reap_expired(0.4).requeued == [], "a live worker's lease expired"
        time.sleep(0.1)
    assert outcome == ["done"] and store.get(job.id).attempts == 1


def test_a_worker_that_lost_its_lease_stops_solving_and_cannot_complete(store):
    job = store.create("plan", generate(20, seed=1), {"time_limit": 60.0})
    runner = _runner(store, lease=0.4)
    outcome: list[str | None] = []
    thread = threading.Thread(target=lambda: outcome.append(runner.run(job.id)))
    thread.start()
    _wait_status(store, job.id, "running")
    time.sleep(0.5)  # the solve is under way
    # As if the worker had stalled past its lease: the reaper takes the job back.
    assert store.reap_expired(0.0).requeued == [job.id]
    t0 = time.monotonic()
    thread.join(20)
    assert not thread.is_alive() and outcome == [None], "the 60 s solve must stop"
    assert time.monotonic() - t0 < 10
    again = store.get(job.id)
    assert again.status == "queued" and again.attempts == 1, "the lost attempt changed nothing"
    assert [e["event"] for e in store.events(job.id)] == ["queued", "running", "queued"]


def test_the_lease_thread_flags_a_lost_attempt_and_the_progress_log_stops_on_it(store):
    """Without waiting for an improving solution: the heartbeat thread notices the reaper took
    the attempt, and both engine hooks (should_stop and the log callback) stop the solve."""
    job = store.create("plan", {})
    assert store.claim(job.id, "service:test") == 1
    claimed_beat = store.get(job.id).heartbeat_at
    with _Lease(store, job.id, 1, every=0.05) as lease:
        time.sleep(0.2)
        assert not lease.lost.is_set(), "a live attempt keeps its lease"
        assert store.get(job.id).heartbeat_at > claimed_beat, "the thread renews the lease"
        assert store.reap_expired(0.0).requeued == [job.id]
        assert lease.lost.wait(5), "the heartbeat did not notice the lost lease"
    log = _ProgressLog(store, job.id, 1, threading.Event(), lost=lease.lost)
    assert log.should_stop() is True
    assert isinstance(log.stop_reason, JobReleased) and str(log.stop_reason) == LEASE_LOST
    with pytest.raises(JobReleased, match=LEASE_LOST):
        log("some engine line")


def test_a_replan_taken_back_mid_write_back_completes_once_and_odoo_applies_it_once(store):
    """A replan cannot be stopped once it writes: if its lease lapses meanwhile, its result is
    refused and the next attempt writes again under the same plan id, which Odoo applies once."""
    applied: dict[str, int] = {}  # Odoo's side: plan id -> run id (apply_schedule is idempotent)
    calls: list[str] = []
    writing, resume = threading.Event(), threading.Event()

    def odoo_replan(plan_id: str, project_ids: list[int] | None, request: SolveRequest) -> dict:
        calls.append(plan_id)
        if len(calls) == 1:  # the first worker stalls in the middle of its write-back
            writing.set()
            assert resume.wait(30)
        already = plan_id in applied
        applied.setdefault(plan_id, len(applied) + 1)
        return {"plan_id": plan_id, "run_id": applied[plan_id], "already_applied": already}

    job = store.create("odoo_replan", {"project_ids": [4]}, {"time_limit": 1}, max_attempts=2)
    slow = _runner(store, lease=0.4, owner="celery:w1@h")
    outcome: list[str | None] = []
    thread = threading.Thread(target=lambda: outcome.append(slow.run(job.id, odoo_replan)))
    thread.start()
    assert writing.wait(30)
    assert store.reap_expired(0.0).requeued == [job.id], "its lease lapsed: taken back"
    assert _runner(store, lease=0.4, owner="celery:w2@h").run(job.id, odoo_replan) == "done"
    resume.set()
    thread.join(30)
    assert outcome == [None], "the slow attempt's result is refused"
    assert calls == [job.id, job.id] and list(applied) == [job.id], "one write-back in Odoo"
    done = store.get(job.id, result=True)
    assert done.attempts == 2 and done.result["already_applied"] is False
    assert [e["attempt"] for e in store.events(job.id) if e["event"] == "done"] == [2]


def test_a_replan_stopped_by_a_shutdown_goes_back_to_the_queue_unwritten(store):
    """The replan gets the solve's settings and the worker's cancellation explicitly: a
    shutdown during its solve stops it, nothing is written, and the job is queued again."""
    from optimizer.odoo import ReplanStopped

    seen: list[SolveRequest] = []
    runner = _runner(store, lease=5.0)

    def odoo_replan(plan_id: str, project_ids: list[int] | None, request: SolveRequest) -> dict:
        seen.append(request)
        runner.stopping.set()  # the service is shutting down while the solve runs
        assert request.should_stop is not None and request.should_stop()
        raise ReplanStopped(f"plan {plan_id}: stopped by the caller; nothing written")

    job = store.create("odoo_replan", {"project_ids": [4]}, {"time_limit": 3}, max_attempts=2)
    assert runner.run(job.id, odoo_replan) is None, "given back, not finished"
    (request,) = seen
    assert (request.time_limit, request.workers) == (3.0, 1), (
        "the job's limit, the settings' workers"
    )
    after = store.get(job.id)
    assert after.status == "queued" and after.attempts == 0, (
        "back in the queue, the attempt not counted"
    )
