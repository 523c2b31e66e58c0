"""Validation of the ``apply_schedule`` payload, without the ORM.

The contract is ``schemas/apply_schedule.schema.json``; this module checks the same
rules by hand (Odoo does not ship ``jsonschema``) and returns plain, normalised data.
Every error names the field, and for a task the task id, so the optimizer's log says
exactly what to fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from numbers import Real
from typing import Any

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_TASKS = 100_000
TOP_LEVEL_KEYS = {
    "plan_id",
    "status",
    "objective",
    "lower_bound",
    "solver",
    "figures",
    "tasks",
    "projects",
    "summary",
}
TASK_KEYS = {
    "task_id",
    "write_date",
    "planned_start",
    "planned_end",
    "user_ids",
    "slack_hours",
    "critical",
}
PROJECT_KEYS = {
    "project_id",
    "forecast_end",
    "lateness_hours",
    "late",
    "reason",
    "bottleneck",
    "critical_task_ids",
    "reason_details",
}
PERSON_KEYS = {"name", "user_id", "employee_id"}
SUMMARY_KEYS = {"late_orders", "orders", "weighted_tardiness", "bottlenecks"}
FAILURE_CONFLICT_KEYS = {"kind", "project_id", "order", "task_ids", "resources", "text", "details"}
MAX_TEXT = 4000
MAX_FAILURE_CONFLICTS = 50
MAX_FAILURE_DETAILS = 12
MAX_DETAIL_CHARS = 64


class PayloadError(ValueError):
    """The payload breaks the contract; ``field`` is a JSON path like ``tasks[3].planned_end``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def parse_datetime(value: Any, field: str) -> datetime:
    """Parse ``YYYY-MM-DD HH:MM:SS`` (UTC, Odoo's own format); fractions of a second are cut."""
    if not isinstance(value, str):
        raise PayloadError(field, "must be a string 'YYYY-MM-DD HH:MM:SS' (UTC)")
    try:
        return datetime.strptime(value[:19], DATETIME_FORMAT)
    except ValueError:
        raise PayloadError(field, f"{value!r} is not a 'YYYY-MM-DD HH:MM:SS' datetime") from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _check_ids(ids: Any, field: str) -> None:
    if not isinstance(ids, list) or not all(_is_int(i) and i > 0 for i in ids):
        raise PayloadError(field, "must be a list of positive integers")


def _check_keys(data: Mapping[str, Any], allowed: set[str], field: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise PayloadError(field or "payload", f"unknown key(s) {', '.join(unknown)}")


def _validate_task(task: Any, field: str) -> dict[str, Any]:
    if not isinstance(task, Mapping):
        raise PayloadError(field, "must be an object")
    _check_keys(task, TASK_KEYS, field)
    for key in ("task_id", "write_date", "planned_start", "planned_end"):
        if key not in task:
            raise PayloadError(f"{field}.{key}", "is required")
    if not _is_int(task["task_id"]) or task["task_id"] <= 0:
        raise PayloadError(f"{field}.task_id", "must be a positive integer")
    where = f"{field} (task {task['task_id']})"
    result = {
        "task_id": task["task_id"],
        "write_date": parse_datetime(task["write_date"], f"{where}.write_date"),
        "planned_start": parse_datetime(task["planned_start"], f"{where}.planned_start"),
        "planned_end": parse_datetime(task["planned_end"], f"{where}.planned_end"),
    }
    if result["planned_end"] < result["planned_start"]:
        raise PayloadError(f"{where}.planned_end", "is before planned_start")
    if "user_ids" in task:
        users = task["user_ids"]
        _check_ids(users, f"{where}.user_ids")
        result["user_ids"] = list(dict.fromkeys(users))
    if "slack_hours" in task:
        if not _is_number(task["slack_hours"]) or task["slack_hours"] < 0:
            raise PayloadError(f"{where}.slack_hours", "must be a number >= 0")
        result["slack_hours"] = float(task["slack_hours"])
    if "critical" in task:
        if not isinstance(task["critical"], bool):
            raise PayloadError(f"{where}.critical", "must be true or false")
        result["critical"] = task["critical"]
    return result


def _validate_project(project: Any, field: str) -> dict[str, Any]:
    if not isinstance(project, Mapping):
        raise PayloadError(field, "must be an object")
    _check_keys(project, PROJECT_KEYS, field)
    project_id = project.get("project_id")
    if not _is_int(project_id) or project_id <= 0:
        raise PayloadError(f"{field}.project_id", "must be a positive integer")
    if "forecast_end" not in project:
        raise PayloadError(f"{field}.forecast_end", "is required")
    result = {
        "project_id": project_id,
        "forecast_end": parse_datetime(project["forecast_end"], f"{field}.forecast_end"),
    }
    if "late" in project:
        result.update(_validate_explanation(project, f"{field} (project {project_id})"))
    return result


def _validate_explanation(project: Mapping[str, Any], field: str) -> dict[str, Any]:
    """Why an order ends when it does: all keys present, empty when the optimizer sent none."""
    if not isinstance(project["late"], bool):
        raise PayloadError(f"{field}.late", "must be true or false")
    lateness = project.get("lateness_hours", 0.0)
    if not _is_number(lateness) or lateness < 0:
        raise PayloadError(f"{field}.lateness_hours", "must be a number >= 0")
    reason = project.get("reason") or ""
    if not isinstance(reason, str) or len(reason) > MAX_TEXT:
        raise PayloadError(f"{field}.reason", f"must be a string of at most {MAX_TEXT} characters")
    task_ids = project.get("critical_task_ids") or []
    _check_ids(task_ids, f"{field}.critical_task_ids")
    bottleneck = project.get("bottleneck")
    return {
        "late": project["late"],
        "lateness_hours": float(lateness),
        "reason": reason,
        "bottleneck": None
        if bottleneck is None
        else _validate_person(bottleneck, f"{field}.bottleneck", PERSON_KEYS),
        "critical_task_ids": list(dict.fromkeys(task_ids)),
        "reason_details": _validate_details(
            project.get("reason_details") or {}, f"{field}.reason_details"
        ),
    }


def _validate_person(person: Any, field: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(person, Mapping):
        raise PayloadError(field, "must be an object or null")
    _check_keys(person, allowed, field)
    if not isinstance(person.get("name"), str) or not person["name"]:
        raise PayloadError(f"{field}.name", "is required: a non-empty string")
    result = {"name": person["name"]}
    for key in ("user_id", "employee_id"):
        value = person.get(key)
        if value is not None and (not _is_int(value) or value <= 0):
            raise PayloadError(f"{field}.{key}", "must be a positive integer or null")
        result[key] = value
    return result


def _validate_summary(summary: Any) -> dict[str, Any] | None:
    if summary is None:
        return None
    if not isinstance(summary, Mapping):
        raise PayloadError("summary", "must be an object")
    _check_keys(summary, SUMMARY_KEYS, "summary")
    for key in ("late_orders", "orders"):
        value = summary.get(key, 0)
        if not _is_int(value) or value < 0:
            raise PayloadError(f"summary.{key}", "must be an integer >= 0")
    tardiness = summary.get("weighted_tardiness")
    if not _is_number(tardiness) or tardiness < 0:
        raise PayloadError("summary.weighted_tardiness", "is required: a number >= 0")
    bottlenecks = summary.get("bottlenecks") or []
    if not isinstance(bottlenecks, list):
        raise PayloadError("summary.bottlenecks", "must be a list")
    people = []
    for index, row in enumerate(bottlenecks):
        where = f"summary.bottlenecks[{index}]"
        person = _validate_person(row, where, PERSON_KEYS | {"orders"})
        if not _is_int(row.get("orders")) or row["orders"] < 1:
            raise PayloadError(f"{where}.orders", "must be an integer >= 1")
        people.append(dict(person, orders=row["orders"]))
    return {
        "late_orders": summary.get("late_orders", 0),
        "orders": summary.get("orders", 0),
        "weighted_tardiness": float(tardiness),
        "bottlenecks": people,
    }


def _validate_details(details: Any, where: str) -> dict[str, Any]:
    """A failure conflict's dates and hours: short names to short strings, numbers or null."""
    if not isinstance(details, Mapping) or len(details) > MAX_FAILURE_DETAILS:
        raise PayloadError(where, f"must be an object of at most {MAX_FAILURE_DETAILS} entries")
    for key, value in details.items():
        if not isinstance(key, str) or len(key) > MAX_DETAIL_CHARS:
            raise PayloadError(where, f"names must be strings of at most {MAX_DETAIL_CHARS}")
        text = isinstance(value, str) and len(value) <= MAX_DETAIL_CHARS
        if value is not None and not text and not _is_number(value):
            raise PayloadError(
                f"{where}.{key}",
                f"must be a string of at most {MAX_DETAIL_CHARS} characters, a number or null",
            )
    return dict(details)


def validate_failure(plan_id: Any, message: Any, conflicts: Any) -> dict[str, Any]:
    """Check the arguments of ``mark_failed`` (``$defs/failure`` of the schema)."""
    if not isinstance(plan_id, str) or not plan_id.strip() or len(plan_id) > 128:
        raise PayloadError("plan_id", "is required: a non-empty string of at most 128 characters")
    if not isinstance(message, str) or not message.strip() or len(message) > MAX_TEXT:
        raise PayloadError("message", f"is required: a string of at most {MAX_TEXT} characters")
    conflicts = conflicts or []
    if not isinstance(conflicts, list) or len(conflicts) > MAX_FAILURE_CONFLICTS:
        raise PayloadError("conflicts", f"must be a list of at most {MAX_FAILURE_CONFLICTS}")
    clean = []
    for index, conflict in enumerate(conflicts):
        where = f"conflicts[{index}]"
        if not isinstance(conflict, Mapping):
            raise PayloadError(where, "must be an object")
        _check_keys(conflict, FAILURE_CONFLICT_KEYS, where)
        for key in ("kind", "text"):
            if not isinstance(conflict.get(key), str):
                raise PayloadError(f"{where}.{key}", "is required: a string")
        project_id = conflict.get("project_id")
        if project_id is not None and (not _is_int(project_id) or project_id <= 0):
            raise PayloadError(f"{where}.project_id", "must be a positive integer or null")
        task_ids = conflict.get("task_ids") or []
        _check_ids(task_ids, f"{where}.task_ids")
        resources = conflict.get("resources") or []
        if not isinstance(resources, list) or not all(isinstance(r, str) for r in resources):
            raise PayloadError(f"{where}.resources", "must be a list of names")
        clean.append(
            {
                "kind": conflict["kind"],
                "project_id": project_id,
                "order": str(conflict.get("order") or ""),
                "task_ids": task_ids,
                "resources": resources,
                "text": conflict["text"][:MAX_TEXT],
                "details": _validate_details(conflict.get("details") or {}, f"{where}.details"),
            }
        )
    return {"plan_id": plan_id.strip(), "message": message.strip(), "conflicts": clean}


def validate_payload(payload: Any) -> dict[str, Any]:
    """Check an ``apply_schedule`` payload and return it normalised (datetimes parsed).

    Raises PayloadError naming the first offending field.
    """
    if not isinstance(payload, Mapping):
        raise PayloadError("payload", "must be a JSON object")
    _check_keys(payload, TOP_LEVEL_KEYS, "payload")
    plan_id = payload.get("plan_id")
    if not isinstance(plan_id, str) or not plan_id.strip() or len(plan_id) > 128:
        raise PayloadError("plan_id", "is required: a non-empty string of at most 128 characters")
    for key in ("status", "solver"):
        if payload.get(key) is not None and not isinstance(payload[key], str):
            raise PayloadError(key, "must be a string")
    for key in ("objective", "lower_bound"):
        if payload.get(key) is not None and not _is_number(payload[key]):
            raise PayloadError(key, "must be a number or null")
    figures = payload.get("figures") or {}
    if not isinstance(figures, Mapping):
        raise PayloadError("figures", "must be an object")
    tasks = payload.get("tasks")
    if not isinstance(tasks, list):
        raise PayloadError("tasks", "is required: a list of task schedules")
    if len(tasks) > MAX_TASKS:
        raise PayloadError("tasks", f"holds {len(tasks)} tasks, more than the {MAX_TASKS} allowed")
    clean_tasks = [_validate_task(task, f"tasks[{index}]") for index, task in enumerate(tasks)]
    seen: set[int] = set()
    for index, task in enumerate(clean_tasks):
        if task["task_id"] in seen:
            raise PayloadError(f"tasks[{index}].task_id", f"task {task['task_id']} appears twice")
        seen.add(task["task_id"])
    projects = payload.get("projects") or []
    if not isinstance(projects, list):
        raise PayloadError("projects", "must be a list")
    clean_projects = [
        _validate_project(project, f"projects[{index}]") for index, project in enumerate(projects)
    ]
    return {
        "plan_id": plan_id.strip(),
        "status": payload.get("status") or "",
        "objective": payload.get("objective"),
        "lower_bound": payload.get("lower_bound"),
        "solver": payload.get("solver") or "",
        "figures": dict(figures),
        "tasks": clean_tasks,
        "projects": clean_projects,
        "summary": _validate_summary(payload.get("summary")),
    }


def split_conflicts(
    tasks: list[dict[str, Any]],
    current_write_dates: Mapping[int, datetime],
    pinned_ids: set[int],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Split validated tasks into those to write and the conflicts to report.

    A task is stale when its ``write_date`` now differs from the one the optimizer read
    (compared to the second, the precision of the contract); a pinned task is the
    planner's decision and is never moved by the optimizer.
    """
    to_write, conflicts = [], []
    for task in tasks:
        now = current_write_dates[task["task_id"]].replace(microsecond=0)
        read = task["write_date"].replace(microsecond=0)
        reason = "pinned" if task["task_id"] in pinned_ids else ("stale" if now != read else None)
        if reason:
            conflicts.append(
                {
                    "task_id": task["task_id"],
                    "reason": reason,
                    "write_date_read": read.strftime(DATETIME_FORMAT),
                    "write_date_now": now.strftime(DATETIME_FORMAT),
                }
            )
        else:
            to_write.append(task)
    return to_write, conflicts
