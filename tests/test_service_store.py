"""The durable job store on SQLite (a file) and on the local PostgreSQL (a scratch database)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from optimizer.service.harness import (
    POSTGRES_HINT,
    ScratchPostgres,
    postgres_admin_url,
    truncate_jobs,
)
from optimizer.service.jobs import RESTART_REASON, JobStore


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
