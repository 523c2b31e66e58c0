"""Pure mapping between Odoo records and the engine: no I/O, no Odoo, no OR-Tools.

`records_to_problem` turns a `Snapshot` (raw ``search_read`` records) into a `Problem` and
the `Context` needed to map the engine's plan back; `plan_to_payload` builds the
``order.planning.run.apply_schedule`` payload (``addons/order_project/schemas/
apply_schedule.schema.json`` is the contract).

Modelling decisions (what the ``order_project`` addon stores, and how it is used):

- **Time** is one unit per hour on a *continuous* clock from ``start`` (a naive UTC
  datetime): nights, weekends and leaves are not skipped yet. Working calendars come with
  another issue; until then the plan is an optimistic, round-the-clock one.
- **Tasks**: the leaf tasks of a project. WBS phases (``is_wbs_phase``) are summaries, left
  out (the addon recomputes their dates from their tasks in ``apply_schedule``); a
  dependency on or of a phase stands for the same dependency on each of its leaf tasks.
  Done or cancelled tasks are left out and their dependencies count as satisfied.
- **Duration**: ``duration_hours`` (the WBS working hours of the addon), else
  ``allocated_hours / headcount``; rounded up to whole hours.
- **Dependencies**: ``depend_on_ids`` as finish-to-start links, with the lag of the
  addon's ``order.task.lag`` row (hours, rounded up).
- **Fixed tasks**: a pinned task (``planning_pinned``) keeps its dates: it is not in the
  payload (the addon would refuse to move it anyway) and its successors start after its
  ``planned_end``; so do the successors of tasks outside the scope that have a
  ``planned_end``. Such an end is a zero-resource "anchor" task of that length from
  ``start``. The resources a pinned task uses are not reserved (known limitation).
- **Resources**: a task with assignees (``user_ids``) needs each of them (one resource of
  capacity 1 per person, shared by every project, so a person is never double-booked) and
  the plan proposes them as its ``user_ids``; a task nobody is assigned to needs
  ``headcount`` people of a single shared ``team`` resource when ``team_capacity`` is given,
  and is limited by its dependencies only otherwise (the addon stores no crew sizes yet:
  skills and crews come with another issue).
- **Projects**: due date from the sales order's commitment date (``order_commitment_date``),
  weight from the delivery priority (Normal 1, High 2, Urgent 4). The objective is the
  weighted tardiness when some project has a due date, the makespan otherwise.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from optimizer.model import Mode, Plan, Precedence, Problem, Project, Resource, Task
from optimizer.odoo.reader import Snapshot

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
CLOSED_STATES = frozenset({"1_done", "1_canceled"})
PRIORITY_WEIGHTS = {"0": 1.0, "1": 2.0, "2": 4.0}
TEAM = "team"
FIXED_PROJECT = "fixed"  # holds the anchors of fixed tasks; no due date, weight 0


@dataclass
class Context:
    """What `plan_to_payload` needs besides the plan: the clock origin, and per engine task
    id its Odoo id, its ``write_date`` as read and the people it needs."""

    start: datetime
    problem: Problem
    task_odoo_ids: dict[str, int] = field(default_factory=dict)
    write_dates: dict[str, str] = field(default_factory=dict)
    task_users: dict[str, list[int]] = field(default_factory=dict)
    project_odoo_ids: dict[str, int] = field(default_factory=dict)
    # Odoo project id -> latest planned end among its fixed (pinned) tasks.
    fixed_ends: dict[int, datetime] = field(default_factory=dict)
    # Odoo task id -> why it is not in the plan ("phase", "closed", "pinned").
    skipped: dict[int, str] = field(default_factory=dict)


def parse_datetime(value: Any) -> datetime | None:
    """Odoo's ``'YYYY-MM-DD HH:MM:SS'`` (UTC) as a naive datetime; False/None/'' as None."""
    if not value:
        return None
    return datetime.strptime(str(value)[:19], DATETIME_FORMAT)


def format_datetime(moment: datetime) -> str:
    return moment.strftime(DATETIME_FORMAT)


def _m2o_id(value: Any) -> int | None:
    """The id of a many2one as search_read returns it: ``[id, name]``, an int, or False."""
    if isinstance(value, list | tuple):
        return int(value[0]) if value else None
    return int(value) if value else None


def _hours_from(start: datetime, moment: datetime) -> float:
    return (moment - start).total_seconds() / 3600.0


def _ceil_hours(hours: float) -> int:
    # 1e-9 keeps 2.0000000001 (float noise of Odoo's Float fields) at 2
    return max(0, math.ceil(hours - 1e-9))


def task_duration(task: Mapping[str, Any]) -> int:
    """Whole working hours: the WBS duration, else the allocated hours per head."""
    hours = float(task.get("duration_hours") or 0.0)
    if hours <= 0:
        heads = max(1, int(task.get("headcount") or 1))
        hours = float(task.get("allocated_hours") or 0.0) / heads
    return _ceil_hours(hours)


def _task_key(odoo_id: int) -> str:
    return f"t{odoo_id}"


def _project_key(odoo_id: int) -> str:
    return f"p{odoo_id}"


def _classify_tasks(
    tasks: Iterable[Mapping[str, Any]],
) -> tuple[dict[int, Mapping[str, Any]], dict[int, datetime], dict[int, str]]:
    """Split read tasks into schedulable ones, fixed ends, and skipped ids with a reason."""
    schedulable: dict[int, Mapping[str, Any]] = {}
    fixed: dict[int, datetime] = {}
    skipped: dict[int, str] = {}
    for task in tasks:
        tid = int(task["id"])
        if task.get("state") in CLOSED_STATES:
            skipped[tid] = "closed"
        elif task.get("is_wbs_phase"):
            skipped[tid] = "phase"
        elif task.get("planning_pinned"):
            skipped[tid] = "pinned"
            end = parse_datetime(task.get("planned_end"))
            if end is not None:
                fixed[tid] = end
        else:
            schedulable[tid] = task
    return schedulable, fixed, skipped


def _leaves(tasks: list[dict[str, Any]], skipped: Mapping[int, str]) -> dict[int, list[int]]:
    """Leaf (non-phase) descendants of every phase, from ``parent_id``."""
    children: dict[int, list[int]] = defaultdict(list)
    for task in tasks:
        parent = _m2o_id(task.get("parent_id"))
        if parent:
            children[parent].append(int(task["id"]))
    result: dict[int, list[int]] = {}
    for phase in (tid for tid, why in skipped.items() if why == "phase"):
        out: list[int] = []
        stack = list(children.get(phase, ()))
        seen = {phase}
        while stack:
            tid = stack.pop()
            if tid in seen:
                continue
            seen.add(tid)
            if skipped.get(tid) == "phase":
                stack.extend(children.get(tid, ()))
            else:
                out.append(tid)
        result[phase] = sorted(out)
    return result


def records_to_problem(
    snapshot: Snapshot,
    start: datetime,
    *,
    team_capacity: int | None = None,
    objective: str | None = None,
    name: str = "odoo",
) -> tuple[Problem, Context]:
    """The engine problem for `snapshot`, planned from `start` (naive UTC), and its `Context`.

    See the module docstring for what is modelled and how. Raises `ProblemError` (naming
    the task) for a dependency cycle among the read tasks.
    """
    all_tasks = list(snapshot.tasks)
    schedulable, fixed, skipped = _classify_tasks(all_tasks)
    # Outside the scope, any open task with a planned end bounds its successors here.
    outside = {
        int(t["id"]): end
        for t in snapshot.external_tasks
        if t.get("state") not in CLOSED_STATES and (end := parse_datetime(t.get("planned_end")))
    }
    leaves = _leaves(all_tasks, skipped)

    projects: dict[int, Project] = {}
    for proj in snapshot.projects:
        pid = int(proj["id"])
        commitment = parse_datetime(proj.get("order_commitment_date"))
        due = None if commitment is None else max(0, math.floor(_hours_from(start, commitment)))
        weight = PRIORITY_WEIGHTS.get(str(proj.get("order_priority") or "0"), 1.0)
        projects[pid] = Project(_project_key(pid), due=due, weight=weight)

    problem_tasks: list[Task] = []
    task_odoo_ids: dict[str, int] = {}
    write_dates: dict[str, str] = {}
    task_users: dict[str, list[int]] = {}
    people: set[int] = set()
    use_team = False
    for tid, task in schedulable.items():
        project_id = _m2o_id(task.get("project_id"))
        if project_id is None or project_id not in projects:
            continue
        key = _task_key(tid)
        assigned = task.get("user_ids")
        users = sorted({int(u) for u in assigned}) if assigned else []
        demands: dict[str, int] = {}
        if users:
            demands = {f"user:{u}": 1 for u in users}
            people.update(users)
            task_users[key] = users
        elif team_capacity:
            demands = {TEAM: min(max(1, int(task.get("headcount") or 1)), team_capacity)}
            use_team = True
        problem_tasks.append(
            Task(
                key,
                projects[project_id].id,
                (Mode(task_duration(task), demands),),
                str(task["name"]),
            )
        )
        task_odoo_ids[key] = tid
        write_dates[key] = str(task["write_date"])[:19]
    fixed_ends: dict[int, datetime] = {}
    project_of_task = {int(t["id"]): _m2o_id(t.get("project_id")) for t in all_tasks}
    for tid, end in fixed.items():
        owner = project_of_task.get(tid)
        if owner is not None:
            fixed_ends[owner] = max(end, fixed_ends.get(owner, end))
    fixed_all = {**outside, **fixed}

    lag_of = {
        (_m2o_id(lag["depend_on_id"]), _m2o_id(lag["task_id"])): float(lag.get("lag_hours") or 0)
        for lag in snapshot.lags
    }
    precedences, anchors = _precedences(
        all_tasks, fixed_all, leaves, lag_of, set(task_odoo_ids.values()), start
    )
    tasks_out = problem_tasks + [
        Task(key, FIXED_PROJECT, (Mode(hours, {}),), f"fixed until task {tid}")
        for key, (tid, hours) in sorted(anchors.items())
    ]
    project_list = [projects[pid] for pid in sorted(projects)]
    if anchors:
        project_list.append(Project(FIXED_PROJECT, weight=0.0))
    resources = [Resource(f"user:{u}", 1) for u in sorted(people)]
    if use_team and team_capacity:
        resources.append(Resource(TEAM, team_capacity))
    if objective is None:
        objective = (
            "weighted_tardiness" if any(p.due is not None for p in project_list) else "makespan"
        )
    problem = Problem.create(
        name=name,
        projects=tuple(project_list),
        tasks=tuple(tasks_out),
        precedences=tuple(precedences),
        resources=tuple(resources),
        objective=objective,
    )
    context = Context(
        start=start,
        problem=problem,
        task_odoo_ids=task_odoo_ids,
        write_dates=write_dates,
        task_users=task_users,
        project_odoo_ids={projects[pid].id: pid for pid in projects},
        fixed_ends=fixed_ends,
        skipped=skipped,
    )
    return problem, context


def _precedences(
    all_tasks: list[dict[str, Any]],
    fixed: Mapping[int, datetime],
    leaves: Mapping[int, list[int]],
    lag_of: Mapping[tuple[int | None, int | None], float],
    in_plan: set[int],
    start: datetime,
) -> tuple[list[Precedence], dict[str, tuple[int, int]]]:
    """Finish-to-start links among scheduled tasks, and anchors for fixed predecessors."""
    links: dict[tuple[str, str], int] = {}
    anchors: dict[str, tuple[int, int]] = {}
    for task in all_tasks:
        succ_id = int(task["id"])
        succs = leaves.get(succ_id, [succ_id])
        for pred_id in task.get("depend_on_ids") or ():
            lag = _ceil_hours(lag_of.get((pred_id, succ_id), 0.0))
            for pred in leaves.get(pred_id, [pred_id]):
                for succ in succs:
                    if succ not in in_plan or pred == succ:
                        continue
                    if pred in in_plan:
                        before = _task_key(pred)
                    elif pred in fixed:
                        hours = _ceil_hours(_hours_from(start, fixed[pred]))
                        if hours + lag <= 0:
                            continue  # already satisfied at the origin
                        before = f"fixed{pred}"
                        anchors[before] = (pred, hours)
                    else:
                        continue  # closed, or outside the scope without dates
                    pair = (before, _task_key(succ))
                    links[pair] = max(lag, links.get(pair, 0))
    precedences = [Precedence(a, b, "FS", lag) for (a, b), lag in links.items()]
    return precedences, anchors


def _slack_hours(
    problem: Problem, ends: Mapping[str, int], starts: Mapping[str, int]
) -> dict[str, int]:
    """Total float of each task *within the plan*: how many hours it could finish later
    without moving a successor or its project's end; resources are ignored."""
    succ: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for prec in problem.precedences:
        succ[prec.before].append((prec.after, prec.lag))
    project_end: dict[str, int] = {}
    for task in problem.tasks:
        if task.id in ends:
            project_end[task.project] = max(project_end.get(task.project, 0), ends[task.id])
    latest_finish: dict[str, int] = {}
    for i in reversed(problem.topological_order()):
        task = problem.tasks[i]
        if task.id not in ends:
            continue
        lf = project_end[task.project]
        for after, lag in succ.get(task.id, ()):
            if after in latest_finish:
                dur = ends[after] - starts[after]
                lf = min(lf, latest_finish[after] - dur - lag)
        latest_finish[task.id] = lf
    return {tid: max(0, latest_finish[tid] - ends[tid]) for tid in latest_finish}


def plan_to_payload(
    plan: Plan,
    context: Context,
    plan_id: str,
    *,
    solver: str = "order-optimizer",
    figures: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``apply_schedule`` payload of `plan`: every scheduled task with its dates (UTC
    ``YYYY-MM-DD HH:MM:SS``), the ``write_date`` it had when read, its slack and critical
    flag, the people it needs, and each project's forecast end."""
    start = context.start
    text_at: dict[int, str] = {}

    def at(hours: int) -> str:
        # many tasks share an hour: format each distinct hour once
        text = text_at.get(hours)
        if text is None:
            text = text_at[hours] = format_datetime(start + timedelta(hours=hours))
        return text

    starts = {t.id: t.start for t in plan.tasks if t.id in context.task_odoo_ids}
    ends = {t.id: t.end for t in plan.tasks if t.id in context.task_odoo_ids}
    slack = _slack_hours(context.problem, ends, starts)
    tasks = []
    project_end: dict[int, int] = {}
    project_of = {t.id: t.project for t in context.problem.tasks}
    for key, odoo_id in context.task_odoo_ids.items():
        row: dict[str, Any] = {
            "task_id": odoo_id,
            "write_date": context.write_dates[key],
            "planned_start": at(starts[key]),
            "planned_end": at(ends[key]),
            "slack_hours": float(slack.get(key, 0)),
            "critical": slack.get(key, 0) == 0,
        }
        users = context.task_users.get(key)
        if users:
            row["user_ids"] = users
        tasks.append(row)
        pid = context.project_odoo_ids[project_of[key]]
        project_end[pid] = max(project_end.get(pid, 0), ends[key])
    projects = []
    for pid in sorted(set(project_end) | set(context.fixed_ends)):
        candidates = [context.fixed_ends[pid]] if pid in context.fixed_ends else []
        if pid in project_end:
            candidates.append(start + timedelta(hours=project_end[pid]))
        projects.append({"project_id": pid, "forecast_end": format_datetime(max(candidates))})
    all_figures: dict[str, Any] = {
        "makespan_hours": plan.makespan,
        "objective_kind": plan.objective_kind,
        "solve_seconds": round(plan.solve_seconds, 3),
        "gap": plan.gap,
        "tasks_planned": len(tasks),
        "tasks_fixed": sum(1 for why in context.skipped.values() if why == "pinned"),
        "clock": "continuous hours from " + format_datetime(start) + " UTC",
    }
    all_figures.update(figures or {})
    return {
        "plan_id": plan_id,
        "status": plan.status,
        "objective": plan.objective,
        "lower_bound": plan.lower_bound,
        "solver": solver,
        "figures": all_figures,
        "tasks": tasks,
        "projects": projects,
    }
