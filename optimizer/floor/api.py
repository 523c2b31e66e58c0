"""One call for a floor plan, used by the CLI, the service and the Odoo connector: read, solve,
annotate (per-order and per-resource results, what moved and why), explain what cannot hold, and
re-check the plan with the independent checker.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from optimizer.common.errors import ProblemError
from optimizer.floor.model import FloorProblem
from optimizer.floor.plan import FloorPlan
from optimizer.floor.timeline import Timeline, build_timeline


def read_json(path: str | Path) -> Any:
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ProblemError(f"{path}:{exc.lineno}", f"invalid JSON: {exc.msg}") from exc


def load_floor_problem(path: str | Path) -> FloorProblem:
    """Read a floor problem file; errors name the file and the field."""
    try:
        return FloorProblem.load(read_json(path))
    except ProblemError as exc:
        if str(path) in exc.path:
            raise
        raise ProblemError(f"{path}: {exc.path}", exc.message) from exc


def plan_floor(
    problem: FloorProblem,
    time_limit: float = 10.0,
    seed: int = 0,
    log: Callable[[str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_solution: Callable[[float, float], None] | None = None,
    workers: int = 2,
) -> tuple[FloorPlan, Timeline, list[str]]:
    """Solve (on `workers` threads), annotate, explain and check. Returns the plan,
    its time grid and the checker's violations (for a FEASIBLE plan always []: a violation is a
    bug and the plan must not be used; an INFEASIBLE plan lists the hard dates it misses)."""
    from optimizer.floor.checker import check_floor
    from optimizer.floor.explain import explain_infeasible
    from optimizer.floor.results import annotate
    from optimizer.floor.solver import solve_floor

    solution = solve_floor(
        problem,
        time_limit=time_limit,
        seed=seed,
        log=log,
        should_stop=should_stop,
        on_solution=on_solution,
        workers=workers,
    )
    plan, timeline = solution.plan, solution.timeline
    annotate(problem, timeline, plan)
    if plan.status == "INFEASIBLE":
        plan.explanation = explain_infeasible(problem, timeline, plan)
    violations = check_floor(problem, plan, timeline.clock)
    plan.checked = not violations
    return plan, timeline, violations


def read_floor_plan(problem: FloorProblem, path: str | Path) -> tuple[FloorPlan, Timeline]:
    """A floor plan file read against its problem (with the problem's own time grid)."""
    data = read_json(path)
    timeline = build_timeline(problem)
    return FloorPlan.from_dict(problem, data, timeline.clock), timeline
