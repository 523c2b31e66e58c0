"""`/v1/odoo/replan`: read the open orders from Odoo, solve, write the plan back, as one job."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request

from optimizer.service import metrics
from optimizer.service.dependencies import (
    DispatcherDep,
    OdooReplanDep,
    SettingsDep,
    StoreDep,
    require_api_key,
)
from optimizer.service.routers.plans import accepted, checked_time_limit
from optimizer.service.schemas import (
    UNAUTHORIZED,
    UNPARSEABLE,
    JobAccepted,
    Message,
    ReplanRequest,
    invalid,
    too_large,
)
from optimizer.service.workers import ODOO_REPLAN, dispatch

router = APIRouter(
    prefix="/v1/odoo",
    tags=["odoo"],
    dependencies=[Depends(require_api_key)],
    responses=UNAUTHORIZED,
)


@router.post(
    "/replan",
    status_code=202,
    response_model=JobAccepted,
    responses={
        **UNPARSEABLE,
        **too_large("The body is over max_body_bytes"),
        **invalid(
            "A field of the request (time_limit over max_time_limit), or a database other than "
            "the configured one"
        ),
        503: {"model": Message, "description": "The Odoo connection is not configured"},
    },
    summary="Re-plan the open orders (or the given projects) of the configured Odoo database",
)
def replan(
    request: Request,
    body: ReplanRequest,
    settings: SettingsDep,
    store: StoreDep,
    dispatcher: DispatcherDep,
    odoo_replan: OdooReplanDep,
) -> JobAccepted:
    """The plan id of the write-back is the one Odoo sent (its queued planning run), else the
    job id, so Odoo applies one job's plan once.
    Follow the job at `/v1/plans/{id}`; its result is the connector's summary."""
    limit = checked_time_limit(body.time_limit, settings, ("body", "time_limit"))
    if body.database and settings.odoo_db and body.database != settings.odoo_db:
        # A service serves one Odoo database: never write a plan into another one.
        raise HTTPException(
            status_code=422,
            detail=[
                {
                    "loc": ["body", "database"],
                    "msg": f"this service plans Odoo database {settings.odoo_db!r}, "
                    f"not {body.database!r}",
                    "type": "value_error",
                }
            ],
        )
    job = store.create(
        ODOO_REPLAN,
        {"project_ids": body.project_ids, "plan_id": body.plan_id},
        {"time_limit": limit},
        max_attempts=settings.max_attempts,
    )
    metrics.JOBS_SUBMITTED.labels(ODOO_REPLAN).inc()
    dispatch(dispatcher, job.id, odoo_replan)
    return accepted(request, job.id, job.status)
