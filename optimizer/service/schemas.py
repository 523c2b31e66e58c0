"""Request and response bodies of the HTTP API (the problem itself is the engine's JSON format,
validated by `Problem.from_dict` against optimizer/schemas/problem.schema.json)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, Field

from optimizer.service.jobs import Job

JobStatusName = Literal["queued", "running", "done", "failed", "cancelled"]


def _when(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, tz=timezone.utc)


class JobAccepted(BaseModel):
    """Answer to a submission: the job is stored and queued."""

    id: str
    status: JobStatusName
    status_url: str
    result_url: str


class JobStatus(BaseModel):
    """Where a job stands; `best_objective`/`best_bound` follow the solver while it runs."""

    id: str
    kind: Literal["plan", "odoo_replan"]
    status: JobStatusName
    progress: float = Field(description="0..1: share of the time limit used; 1 once finished")
    best_objective: float | None = None
    best_bound: float | None = None
    solutions: int = 0
    attempts: int
    max_attempts: int
    cancel_requested: bool
    error: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @classmethod
    def from_job(cls, job: Job, now: float) -> JobStatus:
        if job.status in ("done", "failed", "cancelled"):
            progress = 1.0
        elif job.status == "running" and job.started_at is not None:
            limit = float(job.params.get("time_limit") or 1.0)
            progress = min(0.99, max(0.0, (now - job.started_at) / max(limit, 1e-3)))
        else:
            progress = 0.0
        return cls(
            id=job.id,
            kind=job.kind,  # type: ignore[arg-type]
            status=job.status,  # type: ignore[arg-type]
            progress=round(progress, 3),
            best_objective=job.best_objective,
            best_bound=job.best_bound,
            solutions=job.solutions,
            attempts=job.attempts,
            max_attempts=job.max_attempts,
            cancel_requested=job.cancel_requested,
            error=job.error,
            created_at=_when(job.created_at),  # type: ignore[arg-type]
            started_at=_when(job.started_at),
            finished_at=_when(job.finished_at),
        )


class ReplanRequest(BaseModel):
    """Re-plan the open orders of the configured Odoo database, or only the given projects."""

    project_ids: list[int] | None = Field(
        default=None, description="Odoo project.project ids; all open orders when omitted"
    )
    time_limit: float | None = Field(default=None, gt=0, description="seconds for the solver")
    plan_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="Odoo's planning run plan id (Re-optimize sends it): the write-back "
        "completes that run. Default: the job id.",
    )
    database: str | None = Field(
        default=None, description="Odoo database the request comes from; must be the configured one"
    )


class ErrorItem(BaseModel):
    loc: list[str]
    msg: str
    type: str


class ValidationErrorBody(BaseModel):
    """422: `loc` names the offending field, as a JSON path inside the body."""

    detail: list[ErrorItem]


class Message(BaseModel):
    detail: str


def problem_example() -> dict[str, Any]:
    return {
        "name": "two orders, one welder",
        "objective": "weighted_tardiness",
        "resources": [{"id": "welder", "capacity": 1}],
        "projects": [{"id": "SO1", "due": 6, "weight": 1}, {"id": "SO2", "due": 6, "weight": 3}],
        "tasks": [
            {"id": "SO1/weld", "project": "SO1", "duration": 4, "demands": {"welder": 1}},
            {"id": "SO2/weld", "project": "SO2", "duration": 4, "demands": {"welder": 1}},
        ],
        "precedences": [],
    }
