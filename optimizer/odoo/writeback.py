"""The shop-floor plan back to Odoo (the outbound direction): no I/O, no Odoo, no solver.

`plan_to_payload` builds the ``order.planning.run.apply_schedule`` payload from the floor plan
object and its problem's datetimes (no plan JSON in between;
``addons/order_project/schemas/apply_schedule.schema.json`` is the contract);
`explanation_to_failure` the arguments of ``order.planning.run.mark_failed``.

- **Write-back.** Dates as UTC ``YYYY-MM-DD HH:MM:SS``; ``user_ids`` are the users of the
  people the plan chose (assignees stay); a task done by an employee without a user keeps
  its planned people unchanged (omitted ``user_ids``) and the figures say so; slack and
  critical flag of the plan's annotation; each project's forecast end and why: lateness,
  late flag, the reason sentence, the bottleneck person (name, user, employee) and the
  critical chain as Odoo task ids; the run's summary (orders late, weighted tardiness, top
  bottlenecks). The engine names tasks, orders and people by their floor ids (``t42``,
  ``p7``, ``e3``); every sentence sent to Odoo names them as planners know them (task name,
  with its project's name when it belongs to another order; project name; person's name).
- **Failure.** `explanation_to_failure` turns an infeasible plan's explanation (or, when the
  explainer finds nothing, the solver's own conflict sentences) into the arguments of
  ``order.planning.run.mark_failed``: a message and conflicts with Odoo project, task ids and
  people's names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from optimizer.floor.plan import FloorPlan
from optimizer.floor.timeline import Clock
from optimizer.odoo.problem import UTC, Context, format_datetime, task_key


def _odoo_utc(moment: datetime) -> datetime:
    """An aware datetime as Odoo keeps it: naive UTC, to the second."""
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)


def plan_to_payload(
    plan: FloorPlan,
    clock: Clock,
    context: Context,
    plan_id: str,
    *,
    solver: str = "order-optimizer",
    figures: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``apply_schedule`` payload of floor plan `plan` of ``context.problem`` on the time
    grid `clock`: every planned task with its dates (UTC ``YYYY-MM-DD HH:MM:SS``), the
    ``write_date`` it had when read, its slack and critical flag, the users of the people
    doing it; each project's forecast end and, for the orders the plan explains, why it ends
    then (lateness, late flag, reason, bottleneck, critical chain as Odoo task ids); the run's
    summary."""
    problem = context.problem
    rows = []
    without_user: dict[int, list[str]] = {}
    project_end: dict[int, datetime] = {}
    for tp, _, start_at, end_at in plan.dated(problem, clock):
        odoo_id = context.task_odoo_ids.get(tp.id)
        if odoo_id is None:
            continue  # lag tasks
        start = _odoo_utc(start_at)
        end = max(start, _odoo_utc(end_at))
        row: dict[str, Any] = {
            "task_id": odoo_id,
            "write_date": context.write_dates[tp.id],
            "planned_start": format_datetime(start),
            "planned_end": format_datetime(end),
        }
        if tp.slack_hours is not None:
            row["slack_hours"] = max(0.0, float(tp.slack_hours))
        if tp.critical is not None:
            row["critical"] = bool(tp.critical)
        chosen = list(tp.resources)
        if chosen:
            users = [context.resource_users.get(r) for r in chosen]
            if all(users):
                row["user_ids"] = sorted({int(u) for u in users if u})
            else:
                without_user[odoo_id] = [
                    context.resource_names.get(r, r)
                    for r, u in zip(chosen, users, strict=True)
                    if not u
                ]
        rows.append(row)
        pid = context.project_odoo_ids[tp.project]
        project_end[pid] = max(end, project_end.get(pid, end))
    rows.sort(key=lambda r: r["task_id"])
    labels = _Labels(context)
    plan_projects = {str(p.get("id")): p for p in plan.projects}
    dues = {p.id: p.due for p in problem.projects}
    keys = {pid: key for key, pid in context.project_odoo_ids.items()}
    projects = []
    for pid in sorted(set(project_end) | set(context.fixed_ends)):
        forecast = max(d for d in (project_end.get(pid), context.fixed_ends.get(pid)) if d)
        entry: dict[str, Any] = {"project_id": pid, "forecast_end": format_datetime(forecast)}
        key = keys.get(pid, "")
        info = plan_projects.get(key)
        if info is not None and info.get("forecast_end"):
            entry.update(_project_why(info, dues.get(key), forecast, labels))
        projects.append(entry)
    late = [p for p in plan.projects if p.get("late")]
    first = plan.first_solution_seconds
    all_figures: dict[str, Any] = {
        "objective_kind": "weighted_tardiness_hours",
        "weighted_tardiness": plan.weighted_tardiness,
        "late_orders": len(late),
        "solve_seconds": round(plan.solve_seconds, 3),
        "first_solution_seconds": None if first is None else round(first, 3),
        "tasks_planned": len(rows),
        "tasks_in_progress": len(context.started),
        "tasks_fixed": sum(1 for why in context.skipped.values() if why == "pinned"),
        "people": len(context.resource_users),
        "clock": (
            f"working calendars, {problem.slot_minutes}-minute slots from "
            f"{format_datetime(context.now)} UTC, time zone {problem.timezone}"
        ),
    }
    if without_user:
        names = sorted({n for ns in without_user.values() for n in ns})
        all_figures["people_without_user"] = (
            f"{len(without_user)} task(s) planned with employees who have no user "
            f"({', '.join(names[:10])}{', ...' if len(names) > 10 else ''}): their planned "
            f"people are left unchanged (tasks {', '.join(map(str, sorted(without_user)[:20]))})"
        )
    all_figures.update(figures or {})
    return {
        "plan_id": plan_id,
        "status": plan.status,
        "objective": plan.objective,
        "lower_bound": None,
        "solver": solver,
        "figures": {k: v for k, v in all_figures.items() if _figure(v)},
        "tasks": rows,
        "projects": projects,
        "summary": _summary(plan, projects, labels),
    }


_FLOOR_KEY = re.compile(r"\b(?:lag\d+-\d+|[tpeu]\d+)\b")


class _Labels:
    """Names planners know for the floor ids of a problem mapped from Odoo."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.projects = {p.id: p.name or p.id for p in context.problem.projects}
        self.tasks = {t.id: t for t in context.problem.tasks}

    def task(self, key: str, own: str | None = None) -> str:
        """The task's name; with its project's name when it is not of order `own`."""
        row = self.tasks.get(key)
        if row is None:
            return key
        lag = re.fullmatch(r"lag(\d+)-(\d+)", key)
        if lag:
            pred = task_key(int(lag.group(1)))
            before = self.task(pred, own) if pred in self.tasks else f"task {lag.group(1)}"
            return f"the lag after {before}"
        name = row.name or key
        return (
            name
            if row.project == own
            else f"{name} ({self.projects.get(row.project, row.project)})"
        )

    def text(self, text: str, own: str | None = None) -> str:
        """`text` with every known floor id replaced by its name (one pass: names inserted
        are never read again)."""

        def name(match: re.Match[str]) -> str:
            key = match.group(0)
            if key in self.tasks:
                return self.task(key, own)
            if key in self.projects:
                return self.projects[key]
            return self.context.resource_names.get(key, key)

        return _FLOOR_KEY.sub(name, text)

    def person(self, rid: Any) -> dict[str, Any] | None:
        """A floor resource as ``{name, user_id, employee_id}`` (ids None when unknown)."""
        if not rid:
            return None
        rid = str(rid)
        employee = re.fullmatch(r"e(\d+)", rid)
        return {
            "name": self.context.resource_names.get(rid, rid),
            "user_id": self.context.resource_users.get(rid) or None,
            "employee_id": int(employee.group(1)) if employee else None,
        }

    def solver_conflict(self, text: str) -> dict[str, Any]:
        """A solver conflict sentence as a ``mark_failed`` conflict: the tasks it names, the
        order of the first one."""
        keys = [k for k in _FLOOR_KEY.findall(text) if k in self.tasks]
        order = self.tasks[keys[0]].project if keys else ""
        return {
            "kind": "solver",
            "project_id": self.context.project_odoo_ids.get(order),
            "order": self.projects.get(order, ""),
            "task_ids": self.task_ids(keys),
            "resources": [],
            "text": self.text(text),
        }

    def hold(self, raw: Any) -> dict[str, Any] | None:
        """What held an order (the floor's ``hold``) as Odoo ids and names, the reason's data
        for a reader in another language; None without one."""
        if not isinstance(raw, Mapping) or not raw.get("cause"):
            return None

        def one(key: Any) -> int | None:
            ids = self.task_ids([key]) if key else []
            return ids[0] if ids else None

        def name(rid: Any) -> str | None:
            if not rid:
                return None
            return self.context.resource_names.get(str(rid), str(rid))[:MAX_DETAIL_CHARS]

        details: dict[str, Any] = {
            "cause": str(raw["cause"])[:MAX_DETAIL_CHARS],
            "task_id": one(raw.get("task")),
            "other_task_id": one(raw.get("other")),
            "resource": name(raw.get("resource")),
            "until": raw.get("until"),
        }
        leave = raw.get("leave")
        if isinstance(leave, Mapping):
            details["leave_resource"] = name(leave.get("resource"))
            details["leave_name"] = str(leave.get("name") or "")[:MAX_DETAIL_CHARS]
            details["leave_until"] = leave.get("until")
        return details

    def task_ids(self, keys: Iterable[Any]) -> list[int]:
        ids = (self.context.task_odoo_ids.get(str(k)) for k in keys)
        return list(dict.fromkeys(i for i in ids if i is not None))


def _project_why(
    info: Mapping[str, Any], due: datetime | None, forecast: datetime, labels: _Labels
) -> dict[str, Any]:
    """Lateness, late flag, reason, bottleneck and critical chain of one planned order (`info`,
    the plan's annotation of it; `due`, its due date in the problem).

    The forecast written to Odoo may be later than the plan's (a pinned task ends the
    order), so lateness is measured on it as well and the larger one is kept."""
    lateness = max(0.0, float(info.get("lateness_hours") or 0.0))
    if due is not None:
        due_utc = due.astimezone(UTC).replace(tzinfo=None)
        lateness = max(lateness, (forecast - due_utc).total_seconds() / 3600.0)
    return {
        "lateness_hours": round(lateness, 2),
        "late": bool(info.get("late")) or lateness > 1e-9,
        "reason": labels.text(str(info.get("reason") or ""), own=str(info.get("id"))),
        "bottleneck": labels.person(info.get("bottleneck")),
        "critical_task_ids": labels.task_ids(info.get("critical_chain") or ()),
        "reason_details": labels.hold(info.get("hold")),
    }


TOP_BOTTLENECKS = 3
MAX_FAILURE_CONFLICTS = 10
# A failure conflict's dates and hours (``details``): at most this many, names this long.
MAX_FAILURE_DETAILS = 12
MAX_DETAIL_CHARS = 64


def _summary(plan: FloorPlan, projects: list[dict[str, Any]], labels: _Labels) -> dict[str, Any]:
    """Orders late, weighted tardiness and the people most often the bottleneck (of the late
    orders, else of all orders), most orders first."""
    late = [p for p in projects if p.get("late")]
    counts: dict[str, list[Any]] = {}
    for entry in late or projects:
        person = entry.get("bottleneck")
        if person:
            key = f"{person['employee_id']}/{person['user_id']}/{person['name']}"
            counts.setdefault(key, [person, 0])[1] += 1
    top = sorted(counts.values(), key=lambda pc: (-pc[1], pc[0]["name"]))[:TOP_BOTTLENECKS]
    return {
        "late_orders": len(late),
        "orders": len(projects),
        "weighted_tardiness": round(float(plan.weighted_tardiness or 0.0), 2),
        "bottlenecks": [{**person, "orders": n} for person, n in top],
    }


def explanation_to_failure(
    explanation: Mapping[str, Any] | None,
    context: Context,
    solver_conflicts: Iterable[str] = (),
) -> dict[str, Any]:
    """The ``mark_failed`` arguments (``message``, ``conflicts``) of an infeasible plan.

    `explanation` is the floor explanation (``{message, conflicts: [{kind, order, tasks,
    resources, dates, text}]}``); without one, the solver's own conflict sentences stand in
    (kind ``solver``). Floor ids become Odoo ids and names; ``dates`` become ``details``."""
    labels = _Labels(context)
    conflicts: list[dict[str, Any]] = []
    for raw in list((explanation or {}).get("conflicts") or ())[:MAX_FAILURE_CONFLICTS]:
        order = str(raw.get("order") or "")
        conflicts.append(
            {
                "kind": str(raw.get("kind") or "conflict"),
                "project_id": context.project_odoo_ids.get(order),
                "order": labels.projects.get(order, order) if order else "",
                "task_ids": labels.task_ids(raw.get("tasks") or ()),
                "resources": [
                    context.resource_names.get(str(r), str(r)) for r in raw.get("resources") or ()
                ],
                "text": labels.text(str(raw.get("text") or "")),
                "details": _failure_details(raw.get("dates")),
            }
        )
    if explanation and explanation.get("message"):
        message = labels.text(str(explanation["message"]))
    else:
        texts = [str(text) for text in solver_conflicts][:MAX_FAILURE_CONFLICTS]
        conflicts = [labels.solver_conflict(text) for text in texts]
        texts = [c["text"] for c in conflicts]
        message = "No plan keeps every hard constraint" + (f": {texts[0]}" if texts else ".")
    return {"message": message, "conflicts": conflicts}


def _failure_details(dates: Any) -> dict[str, str | float | None]:
    """The dates (ISO 8601 with their UTC offset) and hours of a floor conflict, which Odoo
    words in the reader's language; anything else is left out."""
    if not isinstance(dates, Mapping):
        return {}
    details: dict[str, str | float | None] = {}
    for key, value in dates.items():
        if len(details) == MAX_FAILURE_DETAILS or len(str(key)) > MAX_DETAIL_CHARS:
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            details[str(key)] = round(float(value), 2)
        elif value is None or (isinstance(value, str) and len(value) <= MAX_DETAIL_CHARS):
            details[str(key)] = value
    return details


def _figure(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)
