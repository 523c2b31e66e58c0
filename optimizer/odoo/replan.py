"""One re-plan: read the portfolio from Odoo, map it to a shop-floor problem, solve, check, and
write back in ONE call.

read (`read_snapshot`) -> map (`records_to_problem`) -> `plan_floor` (``solve_floor``, then
``annotate``, ``explain_infeasible`` for an infeasible plan, and the independent
``check_floor``) -> `plan_to_payload` -> one ``order.planning.run.apply_schedule`` call. Nothing
is written when the plan is infeasible or fails the check: `ReplanError` says why, and one
``order.planning.run.mark_failed`` call ends the planning run Odoo queued in a failed state
showing that explanation (best effort: a failure to report is logged, the error stands).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from optimizer.common.errors import ProblemError
from optimizer.odoo.problem import records_to_problem
from optimizer.odoo.reader import read_snapshot
from optimizer.odoo.transport import Transport
from optimizer.odoo.writeback import explanation_to_failure, plan_to_payload

logger = logging.getLogger(__name__)

APPLY_MODEL, APPLY_METHOD = "order.planning.run", "apply_schedule"
FAIL_METHOD = "mark_failed"


class ReplanStopped(RuntimeError):
    """The caller's `should_stop` answered True during the solve: nothing was written, and
    nothing is reported to Odoo (the caller, e.g. a worker giving its job back, runs it again
    or reports it itself)."""


class ReplanError(RuntimeError):
    """The plan could not be made (unmappable data, infeasible, or it failed the check);
    nothing was written.

    `explanation` is the floor explanation of an infeasible plan (``{message, conflicts}``,
    floor ids) or None; `failure` the ``mark_failed`` arguments (``message``, ``conflicts``
    in Odoo ids and names); `reported` whether Odoo recorded the failure."""

    def __init__(
        self,
        message: str,
        *,
        explanation: Mapping[str, Any] | None = None,
        failure: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.explanation = explanation
        self.failure = dict(failure or {"message": message, "conflicts": []})
        self.reported = False


def _solver_name() -> str:
    try:
        from importlib.metadata import version

        return f"order-optimizer {version('order-optimizer')} / floor"
    except Exception:  # noqa: BLE001 - a name is only informative
        return "order-optimizer / floor"


def _utc_now_hour() -> datetime:
    """Now, naive UTC, rounded up to the next whole hour (the plan's clock origin)."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    floor = now.replace(minute=0, second=0, microsecond=0)
    return floor if floor == now else floor + timedelta(hours=1)


def explanation_text(explanation: Any) -> str:
    """The explanation of an infeasible floor plan as one readable text."""
    if not explanation:
        return "the problem has no feasible schedule"
    if isinstance(explanation, str):
        return explanation
    message = str(explanation.get("message") or "").strip()
    parts = [message]
    for conflict in explanation.get("conflicts") or ():
        text = str(conflict.get("text") or "") if isinstance(conflict, dict) else str(conflict)
        if text and text not in message:
            parts.append(text)
    return "; ".join(p for p in parts if p) or "the problem has no feasible schedule"


def replan(
    transport: Transport,
    project_ids: Sequence[int] | None = None,
    time_limit: float = 10.0,
    *,
    plan_id: str | None = None,
    start: datetime | None = None,
    slot_minutes: int = 60,
    seed: int = 0,
    workers: int = 2,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Re-plan the open delivery projects (or `project_ids`) of the Odoo behind `transport`.

    Reads projects, tasks, lags, calendars, leaves, people and skills in pages, maps them to a
    floor problem planned from `start` (naive UTC; default: the next whole UTC hour), solves
    within `time_limit` seconds, re-checks the plan with the independent checker, and writes
    it back with one ``apply_schedule`` call carrying `plan_id` (default: a new uuid) so that
    Odoo applies it once. Returns that call's result (``plan_id, run_id, already_applied,
    applied, conflicts``) plus ``figures``. Raises `ReplanError` (nothing written) when the
    data cannot be planned, the plan is infeasible (with the explanation) or fails the check;
    `ReplanStopped` (nothing written, nothing reported) when `should_stop` stopped the solve.
    `workers`: CP-SAT threads of the solve.
    """
    plan_id = plan_id or f"optimizer-{uuid.uuid4()}"
    try:
        return _replan(
            transport,
            project_ids,
            time_limit,
            plan_id=plan_id,
            start=start or _utc_now_hour(),
            slot_minutes=slot_minutes,
            seed=seed,
            workers=workers,
            should_stop=should_stop,
        )
    except ReplanError as exc:
        exc.reported = report_failure(transport, plan_id, exc.failure)
        raise
    except ReplanStopped:
        raise
    except Exception as exc:
        # anything else (Odoo refused a read, a bug) ends the job too: the run Odoo queued
        # must say so, or its planners watch a run "running" for ever
        report_failure(
            transport, plan_id, {"message": f"The optimizer failed: {type(exc).__name__}: {exc}"}
        )
        raise


def report_failure(transport: Transport, plan_id: str, failure: Mapping[str, Any]) -> bool:
    """Tell Odoo that plan `plan_id` failed (one ``mark_failed`` call); True when recorded.

    Best effort: the caller raises the original error either way, so a failure to report
    (Odoo unreachable, an addon without ``mark_failed``) is only logged."""
    kwargs = {
        "plan_id": plan_id,
        "message": str(failure.get("message") or "no plan")[:4000],
        "conflicts": list(failure.get("conflicts") or ()),
    }
    try:
        transport.call(APPLY_MODEL, FAIL_METHOD, [], kwargs)
    except Exception as exc:  # noqa: BLE001 - reporting must not hide the real error
        logger.warning("plan %s: could not report the failure to Odoo: %s", plan_id, exc)
        return False
    return True


def _replan(
    transport: Transport,
    project_ids: Sequence[int] | None,
    time_limit: float,
    *,
    plan_id: str,
    start: datetime,
    slot_minutes: int,
    seed: int,
    workers: int,
    should_stop: Callable[[], bool] | None,
) -> dict[str, Any]:
    from optimizer.floor.api import plan_floor

    t0 = time.perf_counter()
    snapshot = read_snapshot(transport, project_ids, now=start)
    read_seconds = time.perf_counter() - t0
    try:
        problem, context = records_to_problem(
            snapshot, start, slot_minutes=slot_minutes, name=f"odoo-{plan_id}"
        )
    except ProblemError as exc:
        raise ReplanError(f"plan {plan_id}: {exc}", failure={"message": str(exc)}) from exc
    logger.info(
        "plan %s: %d projects, %d tasks, %d people read in %d calls (%.1fs); %d tasks to plan",
        plan_id,
        len(snapshot.projects),
        len(snapshot.tasks),
        len(snapshot.employees),
        snapshot.calls,
        read_seconds,
        len(context.task_odoo_ids),
    )
    if not context.task_odoo_ids:
        return {"plan_id": plan_id, "applied": 0, "conflicts": [], "skipped": "nothing to plan"}
    try:
        plan, timeline, violations = plan_floor(
            problem, time_limit=time_limit, seed=seed, should_stop=should_stop, workers=workers
        )
    except ProblemError as exc:  # e.g. a calendar without any working time
        raise ReplanError(f"plan {plan_id}: {exc}", failure={"message": str(exc)}) from exc
    if should_stop is not None and should_stop():
        raise ReplanStopped(f"plan {plan_id}: stopped by the caller; nothing written")
    if plan.status == "INFEASIBLE":
        failure = explanation_to_failure(
            plan.explanation, context, plan.stats.get("conflicts") or ()
        )
        raise ReplanError(
            f"plan {plan_id}: no feasible schedule: {explanation_text(failure)}",
            explanation=plan.explanation,
            failure=failure,
        )
    if violations:
        found = "; ".join(violations[:5])
        raise ReplanError(
            f"plan {plan_id} failed the independent check: {found}",
            failure={"message": f"The plan failed the independent check: {found}"},
        )
    figures = {"read_calls": snapshot.calls, "read_seconds": round(read_seconds, 3)}
    payload = plan_to_payload(
        plan,
        timeline.clock,
        context,
        plan_id,
        solver=_solver_name(),
        figures=figures,
    )
    result = transport.call(APPLY_MODEL, APPLY_METHOD, [], {"payload": payload})
    logger.info(
        "plan %s applied: %s tasks, %d conflicts",
        plan_id,
        result.get("applied"),
        len(result.get("conflicts") or ()),
    )
    return {**result, "figures": payload["figures"]}
