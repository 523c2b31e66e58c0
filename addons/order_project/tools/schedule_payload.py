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
PROJECT_KEYS = {"project_id", "forecast_end"}


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
        if not isinstance(users, list) or not all(_is_int(u) and u > 0 for u in users):
            raise PayloadError(f"{where}.user_ids", "must be a list of positive integers")
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
    return {
        "project_id": project_id,
        "forecast_end": parse_datetime(project["forecast_end"], f"{field}.forecast_end"),
    }


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
