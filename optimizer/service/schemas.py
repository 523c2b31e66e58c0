"""Request and response bodies of the HTTP API. The problem itself is one of the planners' JSON
formats (optimizer/schemas/), validated by its planner (`optimizer.planners`)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from optimizer.common.schema import load_schema
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


def _json_number(value: Any) -> Any:
    """Refuse what JSON Schema's `number` and `integer` refuse but pydantic's lax mode would
    convert: a boolean (`false` is not project 0) or a string (`"3"`). An integral float (`3.0`)
    is a JSON Schema integer and stays accepted."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("Input should be a JSON number")
    return value


JsonInt = Annotated[int, BeforeValidator(_json_number)]
JsonFloat = Annotated[float, BeforeValidator(_json_number)]


class ReplanRequest(BaseModel):
    """Re-plan the open orders of the configured Odoo database, or only the given projects.
    Every field is used; an unknown one is refused (422), so nothing a caller sends is
    silently dropped."""

    model_config = ConfigDict(extra="forbid")

    project_ids: list[JsonInt] | None = Field(
        default=None, description="Odoo project.project ids; all open orders when omitted"
    )
    time_limit: JsonFloat | None = Field(default=None, gt=0, description="seconds for the solver")
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
    """One refused field, shaped like FastAPI's own validation errors."""

    loc: list[str | int] = Field(
        description='Where: `["body", "tasks[3].duration"]` (a JSON path inside the problem), '
        '`["query", "time_limit"]`, `["body", "project_ids", 0]`; an unparseable body gives '
        '`["body", <character offset>]`'
    )
    msg: str
    type: str = Field(
        description="`problem_error` (the problem format), `value_error` (a limit, the Odoo "
        "database), `json_invalid`, or one of pydantic's error types"
    )
    input: Any = Field(default=None, description="The refused value (pydantic's errors only)")
    ctx: dict[str, Any] | None = Field(default=None, description="Details (pydantic's errors only)")


class ValidationErrorBody(BaseModel):
    """422: `loc` names the offending field, as a JSON path inside the body."""

    detail: list[ErrorItem]


class Message(BaseModel):
    detail: str


class HealthOk(BaseModel):
    status: Literal["ok"]
    store: str = Field(description="The job store's backend: sqlite or postgresql")
    workers: Literal["inprocess", "celery"]
    kernels_compiled_seconds: dict[str, float] = Field(
        description="Per planner, the seconds its compiled kernels took to build or load"
    )


class HealthStarting(BaseModel):
    status: Literal["starting"]
    kernels: str = Field(description="`compiling`, or `failed: <error>` when the compile failed")


class HealthUnavailable(BaseModel):
    status: Literal["unavailable"]
    store: str = Field(description="`unreachable: <exception type>`")


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


# Error responses, as the routes declare them (`responses=`).
UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {
        "model": Message,
        "description": "Missing or invalid API key (`Authorization: Bearer <key>`)",
        "headers": {
            "WWW-Authenticate": {
                "description": "`Bearer`",
                "required": True,
                "schema": {"type": "string"},
            }
        },
    }
}
UNPARSEABLE: dict[int | str, dict[str, Any]] = {
    400: {"model": Message, "description": "The body could not be read (not UTF-8 JSON)"}
}


def invalid(description: str) -> dict[int | str, dict[str, Any]]:
    return {422: {"model": ValidationErrorBody, "description": description}}


def too_large(description: str) -> dict[int | str, dict[str, Any]]:
    return {413: {"model": Message, "description": description}}


# The problem formats: component name in the OpenAPI document -> JSON Schema in optimizer/schemas.
PROBLEM_FORMATS = {"Problem": "problem.schema.json", "FloorProblem": "floor.schema.json"}


def problem_format_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of problem format `name` (a key of PROBLEM_FORMATS)."""
    return load_schema(PROBLEM_FORMATS[name])
