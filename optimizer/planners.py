"""The two planners and which one a problem belongs to; the command line and the service ask here
instead of telling the formats apart themselves.

- `floor` (optimizer/floor/): the shop floor a company on Odoo plans, on real calendars, skills,
  leaves and work in progress (`"kind": "floor"`).
- `rcpsp` (optimizer/rcpsp/): resource-constrained project scheduling in integer periods, the
  PSPLIB / MMLIB / MPLIB benchmark formats and their JSON form.

Each planner compiles its kernels once per process (`warm_up`), outside any solve's clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LogFn = Callable[[str], None]


@dataclass(frozen=True)
class SolveRequest:
    """What a caller asks of a solve, passed explicitly to either planner."""

    time_limit: float = 10.0
    seed: int = 0
    workers: int = 2  # threads: CP-SAT workers, or a floor plan's parallel local searches
    log: LogFn | None = None
    should_stop: Callable[[], bool] | None = None


class Planner:
    """One planner as the entry points see it."""

    name = ""

    def matches(self, data: Any) -> bool:
        raise NotImplementedError

    def validate(self, data: Any) -> None:
        """Raise ProblemError naming the field when `data` is not a valid problem."""
        raise NotImplementedError

    def solve_json(self, data: Any, request: SolveRequest) -> dict[str, Any]:
        """Solve a problem given as JSON data; the checked plan as JSON data. A plan that fails
        the independent checker raises RuntimeError (a bug: such a plan must not be used)."""
        raise NotImplementedError

    def warm_up(self) -> float:
        """Compile the planner's kernels (or load them from numba's on-disk cache) once per
        process; the seconds the first call took."""
        raise NotImplementedError


class FloorPlanner(Planner):
    name = "floor"

    def matches(self, data: Any) -> bool:
        from optimizer.floor.model import is_floor

        return is_floor(data)

    def validate(self, data: Any) -> None:
        from optimizer.floor.model import FloorProblem

        FloorProblem.load(data)

    def solve_json(self, data: Any, request: SolveRequest) -> dict[str, Any]:
        from optimizer.floor.api import plan_floor
        from optimizer.floor.model import FloorProblem

        problem = FloorProblem.from_dict(data)
        plan, timeline, violations = plan_floor(
            problem,
            time_limit=request.time_limit,
            seed=request.seed,
            workers=request.workers,
            should_stop=request.should_stop,
            on_solution=None
            if request.log is None
            else lambda _elapsed, objective, log=request.log: log(
                f"heuristic objective={objective}"
            ),
        )
        if violations and plan.status != "INFEASIBLE":
            raise RuntimeError(f"plan failed the independent check: {'; '.join(violations[:5])}")
        return plan.to_dict(problem, timeline.clock)

    def warm_up(self) -> float:
        from optimizer.floor.solver import warm_up

        return warm_up()


class RcpspPlanner(Planner):
    name = "rcpsp"

    def matches(self, data: Any) -> bool:
        return not FLOOR.matches(data)

    def validate(self, data: Any) -> None:
        from optimizer.rcpsp.model import Problem

        Problem.from_dict(data)

    def solve_json(self, data: Any, request: SolveRequest) -> dict[str, Any]:
        from optimizer.rcpsp.checker import check
        from optimizer.rcpsp.model import Problem
        from optimizer.rcpsp.solver import solve

        problem = Problem.from_dict(data)
        plan = solve(
            problem,
            time_limit=request.time_limit,
            workers=request.workers,
            seed=request.seed,
            log=request.log,
            should_stop=request.should_stop,
        )
        violations = check(problem, plan)
        if violations:
            raise RuntimeError(f"plan failed the independent check: {'; '.join(violations[:5])}")
        result = plan.to_dict()
        result["checked"] = True
        return result

    def warm_up(self) -> float:
        from optimizer.rcpsp.heuristic import warm_up

        return warm_up()


FLOOR = FloorPlanner()
RCPSP = RcpspPlanner()
PLANNERS: tuple[Planner, ...] = (FLOOR, RCPSP)


def planner_for(data: Any) -> Planner:
    """The planner of a problem given as JSON data: a floor problem (`"kind": "floor"`) is the
    floor planner's, anything else the benchmark planner's (whose validation names what is
    wrong with it)."""
    return FLOOR if FLOOR.matches(data) else RCPSP


def planner_for_file(path: str | Path) -> Planner:
    """The planner of a problem file: a `.json` file holding a floor problem is the floor
    planner's; every other file (JSON, PSPLIB .sm, MMLIB .mm, MPLIB) the benchmark planner's."""
    path = Path(path)
    if path.suffix.lower() == ".json" and path.is_file():
        try:
            if FLOOR.matches(json.loads(path.read_text(encoding="utf-8"))):
                return FLOOR
        except (json.JSONDecodeError, UnicodeDecodeError):
            pass
    return RCPSP


def warm_up_all() -> dict[str, float]:
    """Every planner's kernels compiled; the seconds each took in this process."""
    return {planner.name: planner.warm_up() for planner in PLANNERS}
