"""Problem and plan data: plain, validated data classes that know nothing about OR-Tools.

Time is an integer number of periods (hours, days, PSPLIB periods): the engine never interprets
the unit. A problem is a portfolio of projects; each task belongs to one project and runs in one of
its modes; renewable resources have a capacity per period, non-renewable ones a total budget.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from optimizer.common.errors import ProblemError
from optimizer.common.graph import find_cycle, topological_order, unique_ids

OBJECTIVES = ("makespan", "weighted_tardiness")
PrecedenceKind = Literal["FS", "SS"]


@dataclass(frozen=True)
class Mode:
    """One way to execute a task: a duration and the amount used of each resource."""

    duration: int
    demands: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Task:
    id: str
    project: str
    modes: tuple[Mode, ...]
    name: str = ""


@dataclass(frozen=True)
class Precedence:
    """`FS`: successor starts >= predecessor end + lag; `SS`: >= predecessor start + lag."""

    before: str
    after: str
    kind: PrecedenceKind = "FS"
    lag: int = 0


@dataclass(frozen=True)
class Resource:
    id: str
    capacity: int
    renewable: bool = True


@dataclass(frozen=True)
class Project:
    id: str
    release: int = 0
    due: int | None = None
    weight: float = 1.0


@dataclass
class Problem:
    """A validated scheduling problem; build it with `Problem.from_dict` or `Problem.create`."""

    name: str
    projects: tuple[Project, ...]
    tasks: tuple[Task, ...]
    precedences: tuple[Precedence, ...]
    resources: tuple[Resource, ...]
    objective: str = "makespan"
    horizon: int | None = None
    # PSPLIB-family inputs: task ids are job numbers, printed as integers in plan JSON.
    int_ids: bool = False
    # Derived indexes, filled by validate().
    task_index: dict[str, int] = field(default_factory=dict, repr=False)
    resource_index: dict[str, int] = field(default_factory=dict, repr=False)
    project_index: dict[str, int] = field(default_factory=dict, repr=False)

    @classmethod
    def create(cls, **kwargs: Any) -> Problem:
        problem = cls(**kwargs)
        problem.validate()
        return problem

    # ------------------------------------------------------------------ validation
    def validate(self) -> None:
        """Check ids, references, capacities and acyclicity; raise ProblemError naming the field."""
        if self.objective not in OBJECTIVES:
            raise ProblemError(
                "objective", f"unknown objective {self.objective!r}, expected one of {OBJECTIVES}"
            )
        self.resource_index = unique_ids(self.resources, "resources")
        self.project_index = unique_ids(self.projects, "projects")
        self.task_index = unique_ids(self.tasks, "tasks")
        for i, res in enumerate(self.resources):
            if res.capacity < 0:
                raise ProblemError(
                    f"resources[{i}].capacity",
                    f"resource {res.id!r} has negative capacity {res.capacity}",
                )
        for i, proj in enumerate(self.projects):
            if proj.release < 0:
                raise ProblemError(
                    f"projects[{i}].release",
                    f"project {proj.id!r} has negative release {proj.release}",
                )
            if proj.weight < 0:
                raise ProblemError(
                    f"projects[{i}].weight",
                    f"project {proj.id!r} has negative weight {proj.weight}",
                )
        for i, task in enumerate(self.tasks):
            self._validate_task(i, task)
        for i, prec in enumerate(self.precedences):
            for attr, ref in (("from", prec.before), ("to", prec.after)):
                if ref not in self.task_index:
                    raise ProblemError(f"precedences[{i}].{attr}", f"unknown task {ref!r}")
            if prec.kind not in ("FS", "SS"):
                raise ProblemError(
                    f"precedences[{i}].type",
                    f"unknown precedence type {prec.kind!r}, expected FS or SS",
                )
            if prec.before == prec.after:
                raise ProblemError(
                    f"precedences[{i}]", f"task {prec.before!r} cannot precede itself"
                )
        self._check_acyclic()
        self._check_nonrenewable_budgets()
        if self.horizon is not None and self.horizon < 0:
            raise ProblemError("horizon", f"negative horizon {self.horizon}")

    def _validate_task(self, i: int, task: Task) -> None:
        if task.project not in self.project_index:
            raise ProblemError(
                f"tasks[{i}].project", f"task {task.id!r} names unknown project {task.project!r}"
            )
        if not task.modes:
            raise ProblemError(f"tasks[{i}].modes", f"task {task.id!r} has no mode")
        for m, mode in enumerate(task.modes):
            where = f"tasks[{i}].modes[{m}]"
            if mode.duration < 0:
                raise ProblemError(
                    f"{where}.duration", f"task {task.id!r} has negative duration {mode.duration}"
                )
            for res_id, amount in mode.demands.items():
                if res_id not in self.resource_index:
                    raise ProblemError(
                        f"{where}.demands.{res_id}",
                        f"task {task.id!r} uses unknown resource {res_id!r}",
                    )
                if amount < 0:
                    raise ProblemError(
                        f"{where}.demands.{res_id}",
                        f"task {task.id!r} demands negative amount {amount}",
                    )
        # A task none of whose modes fits the renewable capacities can never be scheduled.
        if all(self._mode_exceeds_capacity(mode) for mode in task.modes):
            mode = task.modes[0]
            res_id = self._mode_exceeds_capacity(mode) or ""
            raise ProblemError(
                f"tasks[{i}].modes[0].demands.{res_id}",
                f"task {task.id!r} demands {mode.demands[res_id]} of resource {res_id!r} "
                f"whose capacity is {self.resources[self.resource_index[res_id]].capacity}",
            )

    def _mode_exceeds_capacity(self, mode: Mode) -> str | None:
        for res_id, amount in mode.demands.items():
            res = self.resources[self.resource_index[res_id]]
            if res.renewable and amount > res.capacity and mode.duration > 0:
                return res_id
        return None

    def _check_acyclic(self) -> None:
        order = self.topological_order()
        if len(order) < len(self.tasks):
            remaining = {t.id for t in self.tasks} - {self.tasks[i].id for i in order}
            cycle = find_cycle(remaining, [(p.before, p.after) for p in self.precedences])
            raise ProblemError("precedences", "dependency cycle: " + " -> ".join(cycle))

    def _check_nonrenewable_budgets(self) -> None:
        for r, res in enumerate(self.resources):
            if res.renewable:
                continue
            minimum = sum(min(m.demands.get(res.id, 0) for m in t.modes) for t in self.tasks)
            if minimum > res.capacity:
                raise ProblemError(
                    f"resources[{r}].capacity",
                    f"non-renewable resource {res.id!r} has budget {res.capacity} but the tasks need "
                    f"at least {minimum} even in their cheapest modes",
                )

    # ------------------------------------------------------------------ graph helpers
    def topological_order(self) -> list[int]:
        """Task indexes in a topological order of the precedence graph (Kahn, stable)."""
        return topological_order(
            len(self.tasks),
            ((self.task_index[p.before], self.task_index[p.after]) for p in self.precedences),
        )

    def release_of(self, task_idx: int) -> int:
        return self.projects[self.project_index[self.tasks[task_idx].project]].release

    @property
    def is_multi_mode(self) -> bool:
        return any(len(t.modes) > 1 for t in self.tasks)

    def default_horizon(self) -> int:
        """A horizon no optimal schedule exceeds: releases + every task in its longest mode + lags."""
        if self.horizon is not None:
            return self.horizon
        longest = sum(max(m.duration for m in t.modes) for t in self.tasks)
        lags = sum(max(0, p.lag) for p in self.precedences)
        release = max((p.release for p in self.projects), default=0)
        return release + longest + lags

    # ------------------------------------------------------------------ JSON
    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        """Build and validate a problem from its JSON form (see optimizer/schemas/problem.schema.json)."""
        from optimizer.rcpsp.schema import validate_problem_json

        validate_problem_json(data)
        projects = tuple(
            Project(
                id=str(p["id"]),
                release=int(p.get("release", 0)),
                # JSON Schema integers include 47.0: every integer is made an int here.
                due=None if p.get("due") is None else int(p["due"]),
                weight=float(p.get("weight", 1.0)),
            )
            for p in data["projects"]
        )
        tasks = tuple(_task_from_dict(t) for t in data["tasks"])
        precedences = tuple(
            Precedence(
                before=str(p["from"]),
                after=str(p["to"]),
                kind=p.get("type", "FS"),
                lag=int(p.get("lag", 0)),
            )
            for p in data.get("precedences", [])
        )
        resources = tuple(
            Resource(
                id=str(r["id"]),
                capacity=int(r["capacity"]),
                renewable=bool(r.get("renewable", True)),
            )
            for r in data.get("resources", [])
        )
        return cls.create(
            name=str(data.get("name", "problem")),
            projects=projects,
            tasks=tasks,
            precedences=precedences,
            resources=resources,
            objective=data.get("objective", "makespan"),
            horizon=None if data.get("horizon") is None else int(data["horizon"]),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "objective": self.objective,
            **({"horizon": self.horizon} if self.horizon is not None else {}),
            "resources": [
                {"id": r.id, "capacity": r.capacity, "renewable": r.renewable}
                for r in self.resources
            ],
            "projects": [
                {
                    "id": p.id,
                    "release": p.release,
                    **({"due": p.due} if p.due is not None else {}),
                    "weight": p.weight,
                }
                for p in self.projects
            ],
            "tasks": [
                {
                    "id": t.id,
                    "project": t.project,
                    **({"name": t.name} if t.name else {}),
                    "modes": [
                        {"duration": m.duration, "demands": dict(m.demands)} for m in t.modes
                    ],
                }
                for t in self.tasks
            ],
            "precedences": [
                {"from": p.before, "to": p.after, "type": p.kind, "lag": p.lag}
                for p in self.precedences
            ],
        }


def _task_from_dict(t: dict[str, Any]) -> Task:
    if "modes" in t:
        modes = tuple(
            Mode(int(m["duration"]), {str(k): int(v) for k, v in m.get("demands", {}).items()})
            for m in t["modes"]
        )
    else:
        modes = (
            Mode(int(t["duration"]), {str(k): int(v) for k, v in t.get("demands", {}).items()}),
        )
    return Task(
        id=str(t["id"]), project=str(t["project"]), modes=modes, name=str(t.get("name", ""))
    )


# ---------------------------------------------------------------------- plan


@dataclass
class TaskPlan:
    id: str
    start: int
    end: int
    mode: int  # 0-based mode index inside the engine; 1-based in JSON


@dataclass
class Plan:
    """A solve result: status, figures, and the start/end/mode of every task."""

    status: str
    makespan: int | None
    objective: float | None
    lower_bound: float | None
    solve_seconds: float
    tasks: list[TaskPlan]
    problem_name: str = ""
    objective_kind: str = "makespan"
    first_solution_seconds: float | None = None
    heuristic_makespan: int | None = None
    projects: list[dict[str, Any]] = field(default_factory=list)
    int_ids: bool = False  # print task ids as integers (PSPLIB job numbers)

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.lower_bound is None:
            return None
        if self.objective == 0:
            return 0.0
        return max(0.0, (self.objective - self.lower_bound) / abs(self.objective))

    @classmethod
    def from_dict(cls, problem: Problem, data: dict[str, Any]) -> Plan:
        """Read a plan written by `to_dict` back (task ids as printed, modes 1-based)."""
        tasks = []
        for k, t in enumerate(data.get("tasks", [])):
            try:
                mode = int(t.get("mode", 1)) - 1
                tasks.append(TaskPlan(str(t["id"]), int(t["start"]), int(t["end"]), mode))
            except (KeyError, TypeError, ValueError) as exc:
                raise ProblemError(
                    f"tasks[{k}]", f"task entry needs integer id/start/end: {exc}"
                ) from exc
        return cls(
            status=str(data.get("status", "UNKNOWN")),
            makespan=data.get("makespan"),
            objective=data.get("objective"),
            lower_bound=data.get("lower_bound"),
            solve_seconds=float(data.get("solve_seconds", 0.0)),
            tasks=tasks,
            problem_name=problem.name,
            objective_kind=problem.objective,
            int_ids=problem.int_ids,
            projects=list(data.get("projects", [])),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "problem": self.problem_name,
            "status": self.status,
            "objective_kind": self.objective_kind,
            "makespan": self.makespan,
            "objective": self.objective,
            "lower_bound": self.lower_bound,
            "gap": self.gap,
            "solve_seconds": round(self.solve_seconds, 3),
            "first_solution_seconds": (
                None
                if self.first_solution_seconds is None
                else round(self.first_solution_seconds, 3)
            ),
            "heuristic_makespan": self.heuristic_makespan,
            "projects": self.projects,
            "tasks": [
                {
                    "id": int(t.id) if self.int_ids else t.id,
                    "start": t.start,
                    "end": t.end,
                    "mode": t.mode + 1,
                }
                for t in self.tasks
            ],
        }


def load_problem(path: str | Path) -> Problem:
    """Read our JSON problem format; errors name the file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ProblemError(f"{path}:{exc.lineno}", f"invalid JSON: {exc.msg}") from exc
    try:
        return Problem.from_dict(data)
    except ProblemError as exc:
        raise ProblemError(f"{path}: {exc.path}", exc.message) from exc
