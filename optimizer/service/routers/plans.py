"""`/v1/plans`: submit a problem, follow its job, fetch the plan, cancel."""

from __future__ import annotations

import time
from functools import cache
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse

from optimizer.common.errors import ProblemError
from optimizer.planners import planner_for
from optimizer.service import metrics
from optimizer.service.dependencies import (
    DispatcherDep,
    Settings,
    SettingsDep,
    StoreDep,
    require_api_key,
)
from optimizer.service.jobs import CANCELLED, DONE, RUNNING
from optimizer.service.schemas import (
    UNAUTHORIZED,
    UNPARSEABLE,
    JobAccepted,
    JobStatus,
    Message,
    invalid,
    too_large,
)
from optimizer.service.workers import ODOO_REPLAN, PLAN, dispatch

# CP-SAT's random seed is a 32-bit integer.
MAX_SEED = 2**31 - 1

router = APIRouter(
    prefix="/v1/plans",
    tags=["plans"],
    dependencies=[Depends(require_api_key)],
    responses=UNAUTHORIZED,
)
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Message, "description": "No such job"}}


def unprocessable(loc: list[str], msg: str, kind: str = "value_error") -> HTTPException:
    """A 422 shaped like FastAPI's own validation errors, `loc` naming the field."""
    return HTTPException(status_code=422, detail=[{"loc": loc, "msg": msg, "type": kind}])


def checked_time_limit(
    time_limit: float | None, settings: Settings, loc: tuple[str, str] = ("query", "time_limit")
) -> float:
    if time_limit is None:
        return settings.default_time_limit
    if time_limit > settings.max_time_limit:
        raise unprocessable(
            list(loc),
            f"time_limit {time_limit:g}s exceeds the limit max_time_limit={settings.max_time_limit:g}s",
        )
    return time_limit


def accepted(request: Request, job_id: str, status: str) -> JobAccepted:
    return JobAccepted(
        id=job_id,
        status=status,  # type: ignore[arg-type]
        status_url=str(request.url_for("get_plan", job_id=job_id).path),
        result_url=str(request.url_for("get_plan_result", job_id=job_id).path),
    )


@router.post(
    "",
    status_code=202,
    response_model=JobAccepted,
    responses={
        **UNPARSEABLE,
        **too_large(
            "The body is over max_body_bytes, or the problem has more than max_tasks tasks"
        ),
        **invalid(
            "An invalid problem (the field named by its JSON path), time_limit over "
            "max_time_limit, a body that is not JSON or not an object"
        ),
    },
    summary="Submit a problem (the engine's JSON format, or a floor problem with `kind: floor`); solved in the background",
)
def submit_plan(
    request: Request,
    # The document shows the two problem formats' JSON Schemas (optimizer.service.openapi).
    problem: Annotated[dict[str, Any], Body()],
    settings: SettingsDep,
    store: StoreDep,
    dispatcher: DispatcherDep,
    time_limit: Annotated[float | None, Query(gt=0, description="solver seconds")] = None,
    seed: Annotated[int, Query(ge=0, le=MAX_SEED, description="the solver's random seed")] = 0,
) -> JobAccepted:
    tasks = problem.get("tasks")
    if isinstance(tasks, list) and len(tasks) > settings.max_tasks:
        raise HTTPException(
            status_code=413,
            detail=f"problem has {len(tasks)} tasks; the limit is max_tasks={settings.max_tasks}",
        )
    limit = checked_time_limit(time_limit, settings)
    try:
        planner_for(problem).validate(problem)
    except ProblemError as exc:
        raise unprocessable(["body", exc.path], exc.message, "problem_error") from exc
    job = store.create(
        PLAN, problem, {"time_limit": limit, "seed": seed}, max_attempts=settings.max_attempts
    )
    metrics.JOBS_SUBMITTED.labels(PLAN).inc()
    dispatch(dispatcher, job.id)
    return accepted(request, job.id, job.status)


@cache
def _status_readers() -> anyio.CapacityLimiter:
    # A few threads for status reads: twenty threads contending for the GIL and the connection
    # pool made the tail far longer than queueing on four.
    return anyio.CapacityLimiter(4)


@router.get(
    "/{job_id}",
    response_model=JobStatus,
    responses=NOT_FOUND,
    summary="Status, progress, best objective and bound so far",
)
async def get_plan(job_id: str, store: StoreDep) -> JobStatus:
    # On SQLite the read is a sub-millisecond local call, cheaper on the event loop than a hand-
    # off to the thread pool; a PostgreSQL round trip goes to the pool so that reads overlap.
    if store.backend == "sqlite":
        job = store.get(job_id)
    else:
        job = await anyio.to_thread.run_sync(store.get, job_id, limiter=_status_readers())
    if job is None:
        raise HTTPException(status_code=404, detail=f"no job {job_id}")
    return JobStatus.from_job(job, time.time())


@router.get(
    "/{job_id}/result",
    responses={
        200: {
            "description": "The checked plan (the engine's plan JSON, or a floor plan with "
            "`kind: floor_plan`), or an Odoo replan's summary",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        **NOT_FOUND,
        409: {
            "model": Message,
            "description": "The job is not done (queued, running, failed "
            "or cancelled; a failed job's error follows)",
        },
    },
    summary="The plan (or the replan summary) once the job is done",
)
def get_plan_result(job_id: str, store: StoreDep) -> Response:
    job = store.get(job_id, result=True)
    if job is None:
        raise HTTPException(status_code=404, detail=f"no job {job_id}")
    if job.status != DONE:
        reason = f": {job.error}" if job.error else ""
        raise HTTPException(status_code=409, detail=f"job is {job.status}{reason}")
    return JSONResponse(job.result)


@router.delete(
    "/{job_id}",
    response_model=JobStatus,
    responses={
        200: {"description": "Cancelled (the job was queued, or already cancelled)"},
        202: {"model": JobStatus, "description": "Running: cancel requested"},
        **NOT_FOUND,
        409: {
            "model": Message,
            "description": "Already done or failed, or a running Odoo replan (not cancellable)",
        },
    },
    summary="Cancel: a queued job at once, a running one at its next solver progress",
)
def cancel_plan(job_id: str, response: Response, store: StoreDep) -> JobStatus:
    job = store.get(job_id)
    if job is not None and job.kind == ODOO_REPLAN and job.status == RUNNING:
        raise HTTPException(
            status_code=409,
            detail="a running Odoo replan cannot be cancelled: its write-back may be under way",
        )
    status = store.cancel(job_id)
    if status is None:
        raise HTTPException(status_code=404, detail=f"no job {job_id}")
    if status not in (CANCELLED, RUNNING):
        raise HTTPException(status_code=409, detail=f"job already {status}")
    if status == RUNNING:
        response.status_code = 202
    job = store.get(job_id)
    assert job is not None
    return JobStatus.from_job(job, time.time())
