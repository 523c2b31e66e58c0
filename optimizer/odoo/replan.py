"""One re-plan: read the portfolio from Odoo, map, solve, check, and write back in ONE call."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from optimizer.checker import check
from optimizer.engine import solve
from optimizer.odoo.mapping import plan_to_payload, records_to_problem
from optimizer.odoo.reader import read_snapshot
from optimizer.odoo.transport import Transport

logger = logging.getLogger(__name__)

APPLY_MODEL, APPLY_METHOD = "order.planning.run", "apply_schedule"


class ReplanError(RuntimeError):
    """The plan could not be made (infeasible, or it failed the independent check)."""


def _solver_name() -> str:
    try:
        from importlib.metadata import version

        return f"order-optimizer {version('order-optimizer')} / cp-sat {version('ortools')}"
    except Exception:  # noqa: BLE001 - a name is only informative
        return "order-optimizer / cp-sat"


def _utc_now_hour() -> datetime:
    """Now, naive UTC, rounded up to the next whole hour (the plan's clock origin)."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    floor = now.replace(minute=0, second=0, microsecond=0)
    return floor if floor == now else floor + timedelta(hours=1)


def replan(
    transport: Transport,
    project_ids: Sequence[int] | None = None,
    time_limit: float = 10.0,
    *,
    plan_id: str | None = None,
    start: datetime | None = None,
    team_capacity: int | None = None,
    workers: int = 2,
) -> dict[str, Any]:
    """Re-plan the open delivery projects (or `project_ids`) of the Odoo behind `transport`.

    Reads projects, tasks and lags in pages, maps them to a problem from `start` (default:
    the next whole UTC hour), solves within `time_limit` seconds, re-checks the plan with
    the independent checker, and writes it back with one ``apply_schedule`` call carrying
    `plan_id` (default: a new uuid) so that Odoo applies it once. Returns that call's result
    (``plan_id, run_id, already_applied, applied, conflicts``) plus ``figures``.
    """
    t0 = time.perf_counter()
    plan_id = plan_id or f"optimizer-{uuid.uuid4()}"
    start = start or _utc_now_hour()
    snapshot = read_snapshot(transport, project_ids)
    read_seconds = time.perf_counter() - t0
    problem, context = records_to_problem(
        snapshot, start, team_capacity=team_capacity, name=f"odoo-{plan_id}"
    )
    logger.info(
        "plan %s: %d projects, %d tasks read in %d calls (%.1fs); %d tasks to schedule",
        plan_id,
        len(snapshot.projects),
        len(snapshot.tasks),
        snapshot.calls,
        read_seconds,
        len(context.task_odoo_ids),
    )
    if not context.task_odoo_ids:
        return {"plan_id": plan_id, "applied": 0, "conflicts": [], "skipped": "nothing to plan"}
    plan = solve(problem, time_limit=time_limit, workers=workers)
    if plan.status == "INFEASIBLE":
        raise ReplanError(f"plan {plan_id}: the problem has no feasible schedule")
    violations = check(problem, plan)
    if violations:
        raise ReplanError(
            f"plan {plan_id} failed the independent check: {'; '.join(violations[:5])}"
        )
    figures = {"read_calls": snapshot.calls, "read_seconds": round(read_seconds, 3)}
    payload = plan_to_payload(plan, context, plan_id, solver=_solver_name(), figures=figures)
    result = transport.call(APPLY_MODEL, APPLY_METHOD, [], {"payload": payload})
    logger.info(
        "plan %s applied: %s tasks, %d conflicts",
        plan_id,
        result.get("applied"),
        len(result.get("conflicts") or ()),
    )
    return {**result, "figures": payload["figures"]}
