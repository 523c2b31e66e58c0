"""Reading the delivery portfolio from Odoo in pages, as plain JSON records.

Every read is a ``search_read`` with ``limit``/``offset`` and ``order='id'`` (stable pages),
by domain or by chunks of ids; never one call per record. The result is a `Snapshot`: the
raw records as Odoo returned them, which `optimizer.odoo.problem` turns into a problem
without any I/O.

Besides projects, tasks and lags, it reads what the shop floor needs: the companies'
calendars (``res.company.resource_calendar_id``), the people involved (``hr.employee.public``
— every internal user may read it, the bot included, while ``hr.employee`` is for HR
officers — for the tasks' assignees and for the employees having a skill a task needs, with
their ``hr.employee.skill`` rows and the ``hr.skill.level`` of the tasks), their calendars
with the attendances, and the ``resource.calendar.leaves`` of type ``leave`` ending after
``now`` (and starting before ``now + horizon_days``): those of these people, and the
calendar-wide and company-wide ones.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from optimizer.odoo.transport import Transport

logger = logging.getLogger(__name__)

PAGE_SIZE = 1000

PROJECT_FIELDS = [
    "id",
    "name",
    "order_code",
    "order_sale_order_id",
    "order_commitment_date",
    "order_priority",
    "company_id",
    "date_start",
]
TASK_FIELDS = [
    "id",
    "name",
    "project_id",
    "parent_id",
    "is_wbs_phase",
    "wbs_code",
    "duration_hours",
    "allocated_hours",
    "headcount",
    "depend_on_ids",
    "user_ids",
    "planning_pinned",
    "planning_non_interruptible",
    "planning_not_before",
    "planned_start",
    "planned_end",
    "state",
    "write_date",
    "company_id",
    "skill_id",
    "skill_level_id",
    "effective_hours",
    "date_deadline",
]
LAG_FIELDS = ["id", "task_id", "depend_on_id", "dependency_type", "lag_hours"]

COMPANY_FIELDS = ["id", "name", "resource_calendar_id"]
CALENDAR_FIELDS = ["id", "name", "tz", "two_weeks_calendar", "company_id", "flexible_hours"]
ATTENDANCE_FIELDS = [
    "id",
    "calendar_id",
    "dayofweek",
    "hour_from",
    "hour_to",
    "day_period",
    "week_type",
    "date_from",
    "date_to",
    "display_type",
    "resource_id",
]
LEAVE_FIELDS = ["id", "name", "date_from", "date_to", "resource_id", "calendar_id", "company_id"]
EMPLOYEE_MODEL = "hr.employee.public"
EMPLOYEE_FIELDS = ["id", "name", "user_id", "resource_id", "resource_calendar_id", "tz"]
EMPLOYEE_FIELDS += ["company_id"]
EMPLOYEE_SKILL_FIELDS = ["id", "employee_id", "skill_id", "skill_level_id", "skill_type_id"]
EMPLOYEE_SKILL_FIELDS += ["level_progress"]
LEVEL_FIELDS = ["id", "name", "level_progress", "skill_type_id"]
ODOO_DATETIME = "%Y-%m-%d %H:%M:%S"
HORIZON_DAYS = 730

# The open delivery projects: the addon's own "all open orders" scope
# (order.planning.run._open_projects_domain): a confirmed order's project with a task, not a
# phase, neither done nor cancelled (a delivered order's sale order stays confirmed).
OPEN_PROJECTS_DOMAIN: list[Any] = [
    ("order_sale_order_id", "!=", False),
    ("order_sale_order_id.state", "=", "sale"),
    ("active", "=", True),
    (
        "task_ids",
        "any",
        [("is_wbs_phase", "=", False), ("state", "not in", ["1_done", "1_canceled"])],
    ),
]


@dataclass
class Snapshot:
    """What the optimizer read: projects, their tasks, dependency lags, and the tasks outside
    the scope that scoped tasks depend on (read so their dates can bound the plan)."""

    projects: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    lags: list[dict[str, Any]] = field(default_factory=list)
    external_tasks: list[dict[str, Any]] = field(default_factory=list)
    companies: list[dict[str, Any]] = field(default_factory=list)
    calendars: list[dict[str, Any]] = field(default_factory=list)
    attendances: list[dict[str, Any]] = field(default_factory=list)
    leaves: list[dict[str, Any]] = field(default_factory=list)
    employees: list[dict[str, Any]] = field(default_factory=list)
    employee_skills: list[dict[str, Any]] = field(default_factory=list)
    levels: list[dict[str, Any]] = field(default_factory=list)
    calls: int = 0  # RPC calls made, for the figures


def search_read_all(
    transport: Transport,
    model: str,
    domain: Sequence[Any],
    fields: Sequence[str],
    *,
    page_size: int = PAGE_SIZE,
    context: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Every record of `model` matching `domain`, page by page; returns (records, calls)."""
    records: list[dict[str, Any]] = []
    calls = 0
    offset = 0
    while True:
        kwargs: dict[str, Any] = {
            "domain": [list(term) if isinstance(term, tuple) else term for term in domain],
            "fields": list(fields),
            "offset": offset,
            "limit": page_size,
            "order": "id",
        }
        if context:
            kwargs["context"] = context
        page = transport.call(model, "search_read", [], kwargs)
        calls += 1
        records.extend(page)
        if len(page) < page_size:
            return records, calls
        offset += page_size


def read_by_ids(
    transport: Transport,
    model: str,
    ids: Iterable[int],
    fields: Sequence[str],
    *,
    field_name: str = "id",
    page_size: int = PAGE_SIZE,
    context: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Records whose `field_name` is in `ids`, one paged search_read per chunk of ids."""
    id_list = sorted(set(ids))
    records: list[dict[str, Any]] = []
    calls = 0
    for start in range(0, len(id_list), page_size):
        chunk = id_list[start : start + page_size]
        page, n = search_read_all(
            transport,
            model,
            [(field_name, "in", chunk)],
            fields,
            page_size=page_size,
            context=context,
        )
        records.extend(page)
        calls += n
    return records, calls


def _m2o(value: Any) -> int | None:
    if isinstance(value, list | tuple):
        return int(value[0]) if value else None
    return int(value) if value else None


def read_snapshot(
    transport: Transport,
    project_ids: Sequence[int] | None = None,
    *,
    now: datetime | None = None,
    horizon_days: int = HORIZON_DAYS,
    page_size: int = PAGE_SIZE,
) -> Snapshot:
    """The open delivery projects (or `project_ids`), their tasks, lags and outside
    predecessors, and the calendars, leaves, people and skills they need. `now` (naive UTC,
    default the current time) bounds the leaves read."""
    snap = Snapshot()
    if project_ids:
        snap.projects, n = read_by_ids(
            transport, "project.project", project_ids, PROJECT_FIELDS, page_size=page_size
        )
        missing = sorted(set(project_ids) - {p["id"] for p in snap.projects})
        if missing:
            # archived, deleted, or hidden from the bot by a record rule
            logger.warning("projects %s not found or not readable: not planned", missing)
    else:
        snap.projects, n = search_read_all(
            transport, "project.project", OPEN_PROJECTS_DOMAIN, PROJECT_FIELDS, page_size=page_size
        )
    snap.calls += n
    ids = [p["id"] for p in snap.projects]
    if not ids:
        return snap
    snap.tasks, n = read_by_ids(
        transport, "project.task", ids, TASK_FIELDS, field_name="project_id", page_size=page_size
    )
    snap.calls += n
    task_ids = {t["id"] for t in snap.tasks}
    snap.lags, n = read_by_ids(
        transport, "order.task.lag", task_ids, LAG_FIELDS, field_name="task_id", page_size=page_size
    )
    snap.calls += n
    outside = {d for t in snap.tasks for d in t.get("depend_on_ids") or ()} - task_ids
    if outside:
        snap.external_tasks, n = read_by_ids(
            transport, "project.task", outside, TASK_FIELDS, page_size=page_size
        )
        snap.calls += n
    _read_floor(transport, snap, now, horizon_days, page_size)
    return snap


def _read_floor(
    transport: Transport, snap: Snapshot, now: datetime | None, horizon_days: int, page_size: int
) -> None:
    """Companies, calendars, people, skills and leaves of the tasks read into `snap`."""
    if now is None:
        now = datetime.now(timezone.utc).replace(tzinfo=None)
    elif now.tzinfo is not None:
        now = now.astimezone(timezone.utc).replace(tzinfo=None)
    no_archive = {"active_test": False}
    companies = {_m2o(r.get("company_id")) for r in snap.projects + snap.tasks} - {None}
    if companies:
        snap.companies, n = read_by_ids(
            transport, "res.company", companies, COMPANY_FIELDS, page_size=page_size
        )
    else:  # projects shared by every company: the companies the bot may read
        snap.companies, n = search_read_all(
            transport, "res.company", [], COMPANY_FIELDS, page_size=page_size
        )
    snap.calls += n
    open_tasks = [t for t in snap.tasks if t.get("state") not in ("1_done", "1_canceled")]
    users = {int(u) for t in open_tasks for u in t.get("user_ids") or ()}
    skills = {_m2o(t.get("skill_id")) for t in open_tasks if not t.get("user_ids")} - {None}
    levels = {_m2o(t.get("skill_level_id")) for t in open_tasks} - {None}
    employees: list[dict[str, Any]] = []
    if users:
        employees, n = read_by_ids(
            transport,
            EMPLOYEE_MODEL,
            users,
            EMPLOYEE_FIELDS,
            field_name="user_id",
            page_size=page_size,
        )
        snap.calls += n
    if skills:
        snap.employee_skills, n = read_by_ids(
            transport,
            "hr.employee.skill",
            skills,
            EMPLOYEE_SKILL_FIELDS,
            field_name="skill_id",
            page_size=page_size,
        )
        snap.calls += n
        known = {int(e["id"]) for e in employees}
        wanted = {_m2o(r.get("employee_id")) for r in snap.employee_skills} - {None} - known
        if wanted:
            more, n = read_by_ids(
                transport, EMPLOYEE_MODEL, wanted, EMPLOYEE_FIELDS, page_size=page_size
            )
            snap.calls += n
            employees += more
        active = {int(e["id"]) for e in employees}
        # archived employees are not read: their skills go too
        snap.employee_skills = [
            r for r in snap.employee_skills if _m2o(r.get("employee_id")) in active
        ]
        levels |= {_m2o(r.get("skill_level_id")) for r in snap.employee_skills} - {None}
    snap.employees = sorted(employees, key=lambda e: int(e["id"]))
    if levels:
        snap.levels, n = read_by_ids(
            transport, "hr.skill.level", levels, LEVEL_FIELDS, page_size=page_size
        )
        snap.calls += n
    calendars = {_m2o(c.get("resource_calendar_id")) for c in snap.companies}
    calendars |= {_m2o(e.get("resource_calendar_id")) for e in snap.employees}
    calendars -= {None}
    if calendars:
        snap.calendars, n = read_by_ids(
            transport,
            "resource.calendar",
            calendars,
            CALENDAR_FIELDS,
            page_size=page_size,
            context=no_archive,
        )
        snap.calls += n
        snap.attendances, n = read_by_ids(
            transport,
            "resource.calendar.attendance",
            calendars,
            ATTENDANCE_FIELDS,
            field_name="calendar_id",
            page_size=page_size,
        )
        snap.calls += n
    resources = sorted({r for e in snap.employees if (r := _m2o(e.get("resource_id")))})
    calendar_ids = sorted(calendars)
    start = now.strftime(ODOO_DATETIME)
    end = (now + timedelta(days=horizon_days)).strftime(ODOO_DATETIME)
    # personal leaves of our people | public holidays of our calendars | company-wide ones
    domain: list[Any] = [
        ("time_type", "=", "leave"),
        ("date_to", ">", start),
        ("date_from", "<", end),
        "|",
        ("resource_id", "in", resources),
        "&",
        ("resource_id", "=", False),
        "|",
        ("calendar_id", "=", False),
        ("calendar_id", "in", calendar_ids),
    ]
    snap.leaves, n = search_read_all(
        transport, "resource.calendar.leaves", domain, LEAVE_FIELDS, page_size=page_size
    )
    snap.calls += n
