"""A floor plan: per task its start and end slot and the resources doing it, plus the figures and
the per-order, per-resource and re-planning results (JSON form in optimizer/floor/README.md).

Inside the engine times are slot edges of the problem's `Clock`; JSON carries datetimes with the
problem time zone's offset. Done tasks print their actual dates, in-progress ones their actual start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from optimizer.common.errors import ProblemError
from optimizer.floor.model import PLAN_KIND, FloorProblem, Task
from optimizer.floor.timeline import Clock


@dataclass
class FloorTaskPlan:
    id: str
    project: str
    start: int  # slot edge; negative for work before `now`
    end: int
    resources: tuple[str, ...] = ()
    status: str = "todo"
    slack_hours: float | None = None
    critical: bool | None = None


@dataclass
class FloorPlan:
    status: str  # OPTIMAL | FEASIBLE | INFEASIBLE
    tasks: list[FloorTaskPlan]
    objective: float | None = None
    weighted_tardiness: float | None = None
    moved_count: int = 0
    solve_seconds: float = 0.0
    first_solution_seconds: float | None = None
    checked: bool = False
    projects: list[dict[str, Any]] = field(default_factory=list)
    resources: list[dict[str, Any]] = field(default_factory=list)
    moved: list[dict[str, Any]] = field(default_factory=list)
    explanation: dict[str, Any] | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    precedences: list[dict[str, Any]] = field(default_factory=list)  # for pictures

    def by_id(self) -> dict[str, FloorTaskPlan]:
        return {t.id: t for t in self.tasks}

    def dated(
        self, problem: FloorProblem, clock: Clock
    ) -> list[tuple[FloorTaskPlan, Task | None, datetime, datetime]]:
        """Every planned task with its problem task (None if unknown) and its start and end in
        the problem's time zone: actual dates of done work, the actual start of work in
        progress, else its slot edges."""
        source = {t.id: t for t in problem.tasks}
        out = []
        for tp in self.tasks:
            task = source.get(tp.id)
            start, end = clock.at(tp.start), clock.at(tp.end)
            if task is not None and task.status == "done" and task.start and task.end:
                start, end = task.start.astimezone(clock.tz), task.end.astimezone(clock.tz)
            elif task is not None and task.status == "in_progress" and task.started:
                start = task.started.astimezone(clock.tz)
            out.append((tp, task, start, end))
        return out

    # ------------------------------------------------------------------ JSON
    def to_dict(self, problem: FloorProblem, clock: Clock) -> dict[str, Any]:
        tasks = []
        for tp, task, start, end in self.dated(problem, clock):
            tasks.append(
                {
                    "id": tp.id,
                    "project": tp.project,
                    "name": task.name if task is not None else "",
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "resources": list(tp.resources),
                    "status": tp.status,
                    "slack_hours": tp.slack_hours,
                    "critical": tp.critical,
                }
            )
        return {
            "kind": PLAN_KIND,
            "problem": problem.name,
            "status": self.status,
            "timezone": problem.timezone,
            "now": problem.now.astimezone(clock.tz).isoformat(),
            "slot_minutes": problem.slot_minutes,
            "objective": self.objective,
            "weighted_tardiness": self.weighted_tardiness,
            "moved_count": self.moved_count,
            "solve_seconds": round(self.solve_seconds, 3),
            "first_solution_seconds": (
                None
                if self.first_solution_seconds is None
                else round(self.first_solution_seconds, 3)
            ),
            "checked": self.checked,
            "stats": self.stats,
            "tasks": tasks,
            "projects": self.projects,
            "resources": self.resources,
            "moved": self.moved,
            "explanation": self.explanation,
            "precedences": self.precedences
            or [{"from": p.before, "to": p.after, "type": p.kind} for p in problem.precedences],
        }

    @classmethod
    def from_dict(cls, problem: FloorProblem, data: dict[str, Any], clock: Clock) -> FloorPlan:
        """Read a plan JSON back; task times become slot edges (done tasks: nearest edges)."""
        if not isinstance(data, dict) or data.get("kind") != PLAN_KIND:
            raise ProblemError("kind", f"expected a plan of kind {PLAN_KIND!r}")
        source = {t.id: t for t in problem.tasks}
        tasks = []
        for k, t in enumerate(data.get("tasks") or []):
            where = f"tasks[{k}]"
            try:
                tid = str(t["id"])
                start_dt = datetime.fromisoformat(str(t["start"]))
                end_dt = datetime.fromisoformat(str(t["end"]))
            except (KeyError, TypeError, ValueError) as exc:
                raise ProblemError(where, f"plan task needs id, start and end: {exc}") from exc
            if start_dt.tzinfo is None:
                start_dt = start_dt.replace(tzinfo=clock.tz)
            if end_dt.tzinfo is None:
                end_dt = end_dt.replace(tzinfo=clock.tz)
            task = source.get(tid)
            status = str(t.get("status") or (task.status if task else "todo"))
            # Planned times are slot edges; actual dates of done / in-progress work need not be.
            if status == "todo":
                start = _edge(clock, start_dt, f"{where}.start", tid, exact=True)
            else:
                start = clock.floor(start_dt)
            end = _edge(clock, end_dt, f"{where}.end", tid, exact=status != "done")
            tasks.append(
                FloorTaskPlan(
                    id=tid,
                    project=str(t.get("project") or (task.project if task else "")),
                    start=start,
                    end=end,
                    resources=tuple(str(x) for x in t.get("resources") or []),
                    status=status,
                    slack_hours=t.get("slack_hours"),
                    critical=t.get("critical"),
                )
            )
        return cls(
            status=str(data.get("status", "UNKNOWN")),
            tasks=tasks,
            objective=data.get("objective"),
            weighted_tardiness=data.get("weighted_tardiness"),
            moved_count=int(data.get("moved_count") or 0),
            solve_seconds=float(data.get("solve_seconds") or 0.0),
            first_solution_seconds=data.get("first_solution_seconds"),
            checked=bool(data.get("checked", False)),
            projects=list(data.get("projects") or []),
            resources=list(data.get("resources") or []),
            moved=list(data.get("moved") or []),
            explanation=data.get("explanation"),
            stats=dict(data.get("stats") or {}),
            precedences=list(data.get("precedences") or []),
        )


def _edge(clock: Clock, dt: datetime, where: str, tid: str, exact: bool) -> int:
    off = clock.offset(dt)
    rounded = round(off)
    if exact and not math.isclose(off, rounded, abs_tol=1e-6):
        raise ProblemError(
            where, f"task {tid!r}: {dt.isoformat()} is not on the {clock.slot_minutes}-minute grid"
        )
    return int(rounded)
