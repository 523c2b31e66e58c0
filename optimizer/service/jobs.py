"""Durable job store: SQLite by default, PostgreSQL by URL (SQLAlchemy Core, one code path).

A job row holds the request (problem JSON or replan arguments), its status, result or error, the
number of attempts and timestamps; it is committed before the API answers 202. Every status change
is one conditional UPDATE, so two workers (or a worker from before a restart and one after it) can
never both move the same attempt: only the attempt that holds `status='running' AND attempts=n`
may finish the job, which is what keeps an Odoo write-back from being recorded twice. Each
transition also appends a row to `optimizer_job_event`, an audit trail the restart test reads.

A running attempt holds a lease: its worker heart-beats (`heartbeat`, from a thread beside the
solve) by stamping `heartbeat_at` with the database's clock, so skewed worker clocks do not
matter. `reap_expired` re-queues (attempts left) or fails, with the reason, every running job whose
lease expired: a worker killed for good, or a lost machine, no longer leaves its jobs `running`
forever. The reaper's UPDATE is guarded like every other transition, so a worker that was only
slow finds its attempt gone and can neither report progress nor finish the job.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Connection,
    Engine,
    Float,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Text,
    and_,
    bindparam,
    case,
    cast,
    create_engine,
    event,
    false,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

logger = logging.getLogger("optimizer.service")

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINAL_STATUSES = (DONE, FAILED, CANCELLED)
RESTART_REASON = "interrupted by service restart"
LEASE_REASON = "stopped heart-beating"

metadata = MetaData()

job_table = Table(
    "optimizer_job",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("status", String(12), nullable=False, index=True),
    Column("payload", Text, nullable=False),
    Column("params", Text, nullable=False),
    Column("result", Text),
    Column("error", Text),
    Column("attempts", Integer, nullable=False, default=0),
    Column("max_attempts", Integer, nullable=False),
    Column("cancel_requested", Boolean, nullable=False, default=False),
    Column("best_objective", Float),
    Column("best_bound", Float),
    Column("solutions", Integer, nullable=False, default=0),
    Column("owner", String(200)),
    Column("created_at", Float, nullable=False),
    Column("started_at", Float),
    Column("finished_at", Float),
    # The lease: the database's clock (epoch seconds) at the running attempt's last heartbeat.
    Column("heartbeat_at", Float),
)

# Columns added after the first release: `create_all` creates missing tables but never alters an
# existing one, so a store created by an older version gets them with ALTER TABLE at start-up.
_ADDED_COLUMNS = ("heartbeat_at",)

event_table = Table(
    "optimizer_job_event",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", String(32), nullable=False, index=True),
    Column("attempt", Integer, nullable=False),
    Column("event", String(20), nullable=False),
    Column("detail", Text),
    Column("at", Float, nullable=False),
)


def _get_statement(payload: bool, result: bool) -> Select[Any]:
    c = job_table.c
    columns = [col for col in job_table.columns if col.name not in ("payload", "result")]
    columns += [c.payload] if payload else []
    columns += [c.result] if result else []
    return select(*columns).where(c.id == bindparam("job_id"))


# Built once: the status read is the hot path of the API (SQLAlchemy then skips re-compiling).
_GET = {(p, r): _get_statement(p, r) for p in (False, True) for r in (False, True)}


@dataclass
class Job:
    """One row of the job table, decoded."""

    id: str
    kind: str
    status: str
    payload: dict[str, Any]
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    attempts: int
    max_attempts: int
    cancel_requested: bool
    best_objective: float | None
    best_bound: float | None
    solutions: int
    owner: str | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    heartbeat_at: float | None = None


@dataclass
class Recovery:
    """What start-up recovery (or the lease reaper) did with jobs left running by a process that
    died."""

    requeued: list[str]
    failed: list[str]
    cancelled: list[str]


def normalize_url(url: str) -> str:
    """`postgresql://` and `postgres://` URLs use psycopg 3; anything else goes as given."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str) -> Engine:
    """An engine for the store URL; SQLite gets WAL, a busy timeout and full fsync on commit."""
    url = normalize_url(url)
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit (the job row before its 202) survives power loss, not just a crash.
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    return engine


class JobStore:
    """Jobs in one SQL database; safe to share between threads and processes."""

    def __init__(self, url: str, engine: Engine | None = None) -> None:
        self.url = normalize_url(url)
        self.engine = engine or make_engine(self.url)
        metadata.create_all(self.engine)
        migrate(self.engine)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    def _now(self) -> ColumnElement[float]:
        """The database server's clock in epoch seconds: every worker stamps its heartbeats, and
        the reaper judges them, by this one clock."""
        if self.backend == "postgresql":
            return cast(func.extract("epoch", func.clock_timestamp()), Float)
        return (func.julianday("now") - 2440587.5) * 86400.0

    def db_time(self) -> float:
        """The database's clock now (epoch seconds)."""
        with self.engine.connect() as conn:
            return float(conn.execute(select(self._now())).scalar_one())

    @staticmethod
    def _event(conn: Connection, job_id: str, attempt: int, name: str, detail: str = "") -> None:
        conn.execute(
            insert(event_table).values(
                job_id=job_id, attempt=attempt, event=name, detail=detail or None, at=time.time()
            )
        )

    # ------------------------------------------------------------------ reads
    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(select(1)).scalar()

    def get(self, job_id: str, *, payload: bool = False, result: bool = False) -> Job | None:
        """The job, without its (possibly large) payload and result unless asked for."""
        with self.engine.connect() as conn:
            row = conn.execute(_GET[payload, result], {"job_id": job_id}).mappings().first()
        return _decode(row) if row else None

    def status_counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(job_table.c.status, func.count()).group_by(job_table.c.status)
            ).all()
        return {status: int(n) for status, n in rows}

    def ids_with_status(self, status: str) -> list[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(job_table.c.id)
                .where(job_table.c.status == status)
                .order_by(job_table.c.created_at)
            ).all()
        return [r[0] for r in rows]

    def queued_before(self, cutoff: float) -> list[str]:
        """Queued jobs created (or re-queued from) before `cutoff`, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(job_table.c.id)
                .where(and_(job_table.c.status == QUEUED, job_table.c.created_at < cutoff))
                .order_by(job_table.c.created_at)
            ).all()
        return [r[0] for r in rows]

    def events(self, job_id: str | None = None) -> list[dict[str, Any]]:
        query = select(event_table).order_by(event_table.c.id)
        if job_id is not None:
            query = query.where(event_table.c.job_id == job_id)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def is_cancel_requested(self, job_id: str) -> bool:
        with self.engine.connect() as conn:
            return bool(
                conn.execute(
                    select(job_table.c.cancel_requested).where(job_table.c.id == job_id)
                ).scalar()
            )

    # ------------------------------------------------------------------ transitions
    def create(
        self,
        kind: str,
        payload: dict[str, Any],
        params: dict[str, Any] | None = None,
        max_attempts: int = 2,
    ) -> Job:
        """Insert a queued job and commit it; the caller answers 202 only after this returns."""
        job_id = uuid.uuid4().hex
        now = time.time()
        with self._tx() as conn:
            conn.execute(
                insert(job_table).values(
                    id=job_id,
                    kind=kind,
                    status=QUEUED,
                    payload=json.dumps(payload, separators=(",", ":")),
                    params=json.dumps(params or {}),
                    attempts=0,
                    max_attempts=max_attempts,
                    cancel_requested=False,
                    solutions=0,
                    created_at=now,
                )
            )
            self._event(conn, job_id, 0, QUEUED)
        job = self.get(job_id)
        assert job is not None
        return job

    def claim(self, job_id: str, owner: str) -> int | None:
        """Move a queued job to running; returns the attempt number, or None if it was not
        queued (cancelled meanwhile, or already claimed by another worker)."""
        c = job_table.c
        with self._tx() as conn:
            claimed = conn.execute(
                update(job_table)
                .where(and_(c.id == job_id, c.status == QUEUED))
                .values(
                    status=RUNNING,
                    attempts=c.attempts + 1,
                    owner=owner,
                    started_at=time.time(),
                    heartbeat_at=self._now(),
                    best_objective=None,
                    best_bound=None,
                    solutions=0,
                )
            ).rowcount
            if claimed != 1:
                return None
            attempt = int(conn.execute(select(c.attempts).where(c.id == job_id)).scalar_one())
            self._event(conn, job_id, attempt, RUNNING, owner)
        return attempt

    def report_progress(
        self, job_id: str, attempt: int, objective: float | None, bound: float | None
    ) -> bool | None:
        """Record the best objective and bound so far. Returns whether a cancel was requested,
        or None when this attempt no longer owns the job."""
        c = job_table.c
        values: dict[str, Any] = {"solutions": c.solutions + 1, "heartbeat_at": self._now()}
        if objective is not None:
            values["best_objective"] = objective
        if bound is not None:
            values["best_bound"] = bound
        guard = and_(c.id == job_id, c.status == RUNNING, c.attempts == attempt)
        with self._tx() as conn:
            if conn.execute(update(job_table).where(guard).values(**values)).rowcount != 1:
                return None
            return bool(conn.execute(select(c.cancel_requested).where(c.id == job_id)).scalar())

    def heartbeat(self, job_id: str, attempt: int) -> bool:
        """Renew `attempt`'s lease. False when the attempt no longer owns the job (the reaper
        took it after the lease expired, a restart, or it ended): the worker must stop."""
        c = job_table.c
        guard = and_(c.id == job_id, c.status == RUNNING, c.attempts == attempt)
        with self._tx() as conn:
            moved = conn.execute(update(job_table).where(guard).values(heartbeat_at=self._now()))
            return moved.rowcount == 1

    def release(self, job_id: str, attempt: int, reason: str) -> bool:
        """Give a running job back to the queue (graceful shutdown); the attempt is not counted."""
        c = job_table.c
        with self._tx() as conn:
            moved = conn.execute(
                update(job_table)
                .where(and_(c.id == job_id, c.status == RUNNING, c.attempts == attempt))
                .values(status=QUEUED, attempts=c.attempts - 1, owner=None)
            ).rowcount
            if moved == 1:
                self._event(conn, job_id, attempt, QUEUED, reason)
        return moved == 1

    def release_owned(self, owner: str, reason: str) -> list[str]:
        """Give every job `owner` is running back to the queue (graceful shutdown)."""
        c = job_table.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(c.id, c.attempts).where(and_(c.status == RUNNING, c.owner == owner))
            ).all()
        return [job_id for job_id, attempt in rows if self.release(job_id, attempt, reason)]

    def finish(
        self, job_id: str, attempt: int, result: dict[str, Any], honour_cancel: bool = True
    ) -> str | None:
        """Store the result of `attempt`: the job ends done (or cancelled, if a cancel came in
        while it ran and `honour_cancel`). Returns the final status, or None if this attempt no
        longer owns the job: a job is never completed twice."""
        c = job_table.c
        cancelled = c.cancel_requested if honour_cancel else false()
        with self._tx() as conn:
            moved = conn.execute(
                update(job_table)
                .where(and_(c.id == job_id, c.status == RUNNING, c.attempts == attempt))
                .values(
                    status=case((cancelled, CANCELLED), else_=DONE),
                    result=json.dumps(result, separators=(",", ":")),
                    error=case((cancelled, "cancelled while running"), else_=None),
                    best_objective=result.get("objective", c.best_objective),
                    best_bound=result.get("lower_bound", c.best_bound),
                    finished_at=time.time(),
                )
            ).rowcount
            if moved != 1:
                return None
            status = str(conn.execute(select(c.status).where(c.id == job_id)).scalar_one())
            self._event(conn, job_id, attempt, status)
        return status

    def fail(self, job_id: str, attempt: int, error: str, status: str = FAILED) -> bool:
        """End `attempt` as failed (or cancelled) with a reason; False if it lost the job."""
        c = job_table.c
        with self._tx() as conn:
            moved = conn.execute(
                update(job_table)
                .where(and_(c.id == job_id, c.status == RUNNING, c.attempts == attempt))
                .values(status=status, error=error, finished_at=time.time())
            ).rowcount
            if moved == 1:
                self._event(conn, job_id, attempt, status, error)
        return moved == 1

    def cancel(self, job_id: str) -> str | None:
        """Cancel: a queued job ends cancelled now; a running one is flagged and ends cancelled
        when its worker sees the flag or finishes. Returns the status after the call."""
        c = job_table.c
        with self._tx() as conn:
            if conn.execute(
                update(job_table)
                .where(and_(c.id == job_id, c.status == QUEUED))
                .values(
                    status=CANCELLED,
                    cancel_requested=True,
                    error="cancelled before it started",
                    finished_at=time.time(),
                )
            ).rowcount:
                self._event(conn, job_id, 0, CANCELLED)
                return CANCELLED
            conn.execute(
                update(job_table)
                .where(and_(c.id == job_id, c.status == RUNNING))
                .values(cancel_requested=True)
            )
            status = conn.execute(select(c.status).where(c.id == job_id)).scalar()
        return None if status is None else str(status)

    def recover(self, owner: str | None = None) -> Recovery:
        """After a crash: every job still `running` (of `owner`, or of anyone) was interrupted.
        It goes back to the queue while it has attempts left, else ends failed with the reason."""
        c = job_table.c
        with self._tx() as conn:
            query = select(c.id, c.attempts, c.max_attempts, c.cancel_requested).where(
                c.status == RUNNING
            )
            if owner is not None:
                query = query.where(c.owner == owner)
            rows = [
                (job_id, attempts, top, cancel, f"{RESTART_REASON} (attempt {attempts} of {top})")
                for job_id, attempts, top, cancel in conn.execute(query).all()
            ]
            return self._interrupt(conn, rows, None)

    def reap_expired(self, lease_seconds: float) -> Recovery:
        """Every running job whose worker has not heart-beaten for `lease_seconds` (by the
        database's clock) lost its worker: it goes back to the queue while it has attempts left,
        else ends failed, saying which worker stopped heart-beating and when. A row from before
        heartbeats existed counts from its start."""
        c = job_table.c
        last_beat = func.coalesce(c.heartbeat_at, c.started_at)
        expired = last_beat < self._now() - float(lease_seconds)
        with self._tx() as conn:
            query = select(
                c.id, c.attempts, c.max_attempts, c.cancel_requested, c.owner, last_beat
            ).where(and_(c.status == RUNNING, expired))
            rows = []
            for job_id, attempts, top, cancel, owner, beat in conn.execute(query).all():
                worker = (owner or "?").removeprefix("celery:")
                when = _iso(beat) if beat is not None else "?"
                reason = (
                    f"worker {worker} {LEASE_REASON} at {when} (lease {lease_seconds:g} s); "
                    f"attempt {attempts} of {top}"
                )
                rows.append((job_id, attempts, top, cancel, reason))
            report = self._interrupt(conn, rows, expired)
        for status, ids in (
            (QUEUED, report.requeued),
            (FAILED, report.failed),
            (CANCELLED, report.cancelled),
        ):
            for job_id in ids:
                logger.warning("job %s: its worker's lease expired; now %s", job_id, status)
        return report

    def _interrupt(
        self,
        conn: Connection,
        rows: list[tuple[str, int, int, bool, str]],
        still: ColumnElement[bool] | None,
    ) -> Recovery:
        """End interrupted attempts, given as `(job id, attempt, max attempts, cancel requested,
        reason)`: re-queued with attempts left, else failed (cancelled if a cancel was
        requested). Each UPDATE is guarded by the attempt (and by `still`: the lease is still
        expired), so an attempt that moved on meanwhile is left alone."""
        c = job_table.c
        report = Recovery([], [], [])
        for job_id, attempts, max_attempts, cancel_requested, reason in rows:
            guard = and_(c.id == job_id, c.status == RUNNING, c.attempts == attempts)
            if still is not None:
                guard = and_(guard, still)
            if cancel_requested:
                values: dict[str, Any] = {
                    "status": CANCELLED,
                    "error": f"cancelled; {reason}",
                    "finished_at": time.time(),
                }
                bucket = report.cancelled
            elif attempts >= max_attempts:
                values = {"status": FAILED, "error": reason, "finished_at": time.time()}
                bucket = report.failed
            else:
                values = {"status": QUEUED, "owner": None}
                bucket = report.requeued
            if conn.execute(update(job_table).where(guard).values(**values)).rowcount:
                self._event(conn, job_id, attempts, str(values["status"]), reason)
                bucket.append(job_id)
        return report


def migrate(engine: Engine) -> list[str]:
    """Add the columns a store created by an older version lacks (`_ADDED_COLUMNS`); returns the
    columns added. Safe when several processes start at once: PostgreSQL's `ADD COLUMN IF NOT
    EXISTS`, and on SQLite a "duplicate column" error from a concurrent start is ignored."""
    present = {col["name"] for col in inspect(engine).get_columns(job_table.name)}
    added = []
    for name in _ADDED_COLUMNS:
        if name in present:
            continue
        column = job_table.c[name]
        ddl = column.type.compile(dialect=engine.dialect)
        exists = "IF NOT EXISTS " if engine.dialect.name == "postgresql" else ""
        try:
            with engine.begin() as conn:
                conn.execute(text(f"ALTER TABLE {job_table.name} ADD COLUMN {exists}{name} {ddl}"))
        except (OperationalError, ProgrammingError) as exc:
            if "duplicate column" not in str(exc).lower():
                raise
        added.append(name)
        logger.info("job store: added column %s.%s", job_table.name, name)
    return added


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(float(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _decode(row: Any) -> Job:
    return Job(
        id=row["id"],
        kind=row["kind"],
        status=row["status"],
        payload=json.loads(row["payload"]) if row.get("payload") else {},
        params=json.loads(row["params"] or "{}"),
        result=json.loads(row["result"]) if row.get("result") else None,
        error=row["error"],
        attempts=int(row["attempts"]),
        max_attempts=int(row["max_attempts"]),
        cancel_requested=bool(row["cancel_requested"]),
        best_objective=row["best_objective"],
        best_bound=row["best_bound"],
        solutions=int(row["solutions"] or 0),
        owner=row["owner"],
        created_at=float(row["created_at"]),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        heartbeat_at=row.get("heartbeat_at"),
    )
