"""Odoo records to the shop-floor planner's problem (the inbound direction): no I/O, no Odoo,
no solver. `records_to_problem` turns a `Snapshot` (raw ``search_read`` records) into a floor
problem (``optimizer/floor/README.md``) and the `Context` that `writeback.py` needs to map its
plan back.

Modelling decisions (Odoo 18 models as they are; what ``order_project`` adds):

- **Clock.** Odoo datetimes are naive UTC; the problem's are aware. ``now`` is the caller's
  (the replan uses the next whole UTC hour); the grid is 60-minute slots by default
  (``slot_minutes``: 30 suits time zones with half-hour offsets). The problem's time zone is
  the ``tz`` of the company calendar (``res.company.resource_calendar_id``) of the first
  project's company; it only decides how the plan prints dates.
- **Calendars** are ``resource.calendar`` as Odoo's ``_attendance_intervals_batch`` reads
  them: section lines (``display_type``) and breaks (``day_period`` ``lunch``) are not
  working time; ``two_weeks_calendar`` with ``week_type`` (an empty week type counts as
  week 0, as ``int(False)`` does in Odoo); ``date_from``/``date_to``; ``hour_to`` 24 is the
  end of the day. Attendances that belong to one resource (``resource_id``) are left out
  (known limitation). Odoo reads attendances in the *resource's* time zone, so a person whose
  ``tz`` differs from the calendar's gets a copy of that calendar in their zone
  (``cal<id>@<tz>``). A calendar with no working attendance (e.g. flexible hours) and a person
  without a calendar (Odoo's "fully flexible") work on their company's calendar.
- **Leaves** are ``resource.calendar.leaves`` of type ``leave`` (``time_type`` ``other``
  is working time in Odoo): with a ``resource_id`` they belong to that person; without one
  they are public holidays of their ``calendar_id``; without either they are company-wide
  and go into every calendar of that company (and calendars without a company).
- **People** are employees (``hr.employee.public``, readable by every internal user: same
  ids and fields as ``hr.employee`` for what is needed), capacity 1, on their own
  calendar, with their leaves and their skills as ``{"skill:<id>": level_progress}``
  (``hr.employee.skill`` via ``hr.skill.level.level_progress``, 0-100). A task assignee
  who has no employee is a person of their own on the company calendar. An employee
  appears once however many projects use them, so nobody is double-booked within a plan.
- **Demands.** A task with assignees (``user_ids``) needs each of them; otherwise, with a
  ``skill_id``, ``headcount`` distinct people having that skill at the task's minimum
  ``skill_level_id`` progress or above (no level: any); otherwise nobody, and the task runs
  in the working time of its company calendar. Too few qualified employees for a task is a
  `ProblemError` naming every such task (the plan would be fiction).
- **Tasks**: the leaf tasks of the projects; WBS phases are summaries (the addon
  recomputes their dates), a dependency on or of a phase stands for the same dependency
  on each of its leaf tasks. Work: ``duration_hours`` (working hours per person), else
  ``allocated_hours / headcount``. Done and cancelled tasks are left out and their
  dependencies count as satisfied.
- **Work in progress**: an open task with a ``planned_start`` before ``now`` has started when
  there is evidence of it: time spent (``effective_hours`` > 0) or a stage a person set
  (``02_changes_requested``, ``03_approved``). Odoo 18 gives every new task the state
  ``01_in_progress``, so that state says nothing, and a past ``planned_start`` alone is only a
  plan that did not happen (the addon dates the tasks of an order when it is confirmed): such a
  task is planned again from ``now``. A started task keeps ``planned_start`` as its start and
  has ``max(work - effective_hours / people, one slot)`` hours left. It holds its people from
  its start on, so a person carries one started task: by start date, each keeps its
  assignees, or takes qualified people no other started task holds, or else goes back to the
  queue with its remaining hours. Dependencies *into* a started task are dropped: the work
  has begun, whatever its predecessors say. Time spent on a task that has not started by
  these rules only shortens it.
- **Timing of a task** (``order_project`` fields): ``planning_non_interruptible`` (copied
  from the WBS line's "Run in one stretch" when the order's project is created) becomes
  ``interruptible: false``: the task runs in one stretch of the joint working time of its
  people (or of its company calendar), so it cannot straddle a night, a weekend or a lunch
  break; work longer than the longest such stretch (6 h on an 8-12/13-17 calendar) makes
  the plan infeasible, with the engine's explanation. ``planning_not_before`` (e.g. the
  material's arrival, UTC) becomes ``not_before``, a hard earliest start of a task still to
  do; a started task keeps its start whatever its not-before date says.
- **Pinned tasks** keep their dates in Odoo (the addon never moves them), so they are not
  planned: ``[planned_start, planned_end)`` is busy time (a leave) of their assignees and
  their successors start after ``planned_end`` (SS: ``planned_start``) plus the lag, as
  do the successors of open tasks outside the scope that have dates. This holds for a pin
  on a weekend, off the grid or in the past, which a floor ``pinned`` task (start on a
  working slot of its people, end computed) would refuse. Pinned tasks without dates bound
  nothing.
- **Dependencies** are Odoo's ``depend_on_ids``: finish to start (FS), unless the link's
  ``order.task.lag`` row says start to start (``dependency_type`` ``SS``: the successor
  starts no earlier than the predecessor starts). When both join the same two tasks (through
  phases), FS wins. **Lags** (``lag_hours`` of that row) are *working* hours in the addon:
  each lagged link becomes a lag task of that many hours on the successor's company calendar
  that follows the predecessor (SS from its start, FS from its end) and that the successor
  follows (FS): exact, not an elapsed-hours lag.
- **Dates.** Odoo's ``date_deadline`` is not a hard deadline (one late task would make the
  whole portfolio infeasible): an order is due (soft: weighted tardiness) at its sales
  order's commitment date, or else at the latest ``date_deadline`` of its open tasks;
  weight from the delivery priority (Normal 1, High 2, Urgent 4).
Not modelled (known limitations): resources used by projects outside the scope, resource
calendar validity periods (contract changes), per-company skill pools when a portfolio spans
several companies, and attendances of a single resource.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from optimizer.common.errors import ProblemError
from optimizer.floor.model import (
    Attendance,
    Calendar,
    Demand,
    FloorProblem,
    Leave,
    Precedence,
    Project,
    Resource,
    Task,
)
from optimizer.odoo.reader import Snapshot

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
CLOSED_STATES = frozenset({"1_done", "1_canceled"})
# stages a person sets once work is under way (01_in_progress is every new task's default)
WORKED_STATES = frozenset({"02_changes_requested", "03_approved"})
PRIORITY_WEIGHTS = {"0": 1.0, "1": 2.0, "2": 4.0}
UTC = timezone.utc


@dataclass
class Context:
    """What `plan_to_payload` needs besides the plan: per floor task id its Odoo id and
    ``write_date`` as read, per floor resource its user, per floor project its Odoo id.
    The problem's JSON form, when one is wanted (a dump, a test), is ``problem.to_dict()``."""

    now: datetime  # aware UTC
    problem: FloorProblem
    task_odoo_ids: dict[str, int] = field(default_factory=dict)
    write_dates: dict[str, str] = field(default_factory=dict)
    project_odoo_ids: dict[str, int] = field(default_factory=dict)
    # floor resource id -> res.users id (None: an employee without a user)
    resource_users: dict[str, int | None] = field(default_factory=dict)
    resource_names: dict[str, str] = field(default_factory=dict)
    # Odoo project id -> latest planned end (naive UTC) among its pinned tasks.
    fixed_ends: dict[int, datetime] = field(default_factory=dict)
    # Odoo task id -> why it is not planned ("phase", "closed", "pinned").
    skipped: dict[int, str] = field(default_factory=dict)
    started: set[int] = field(default_factory=set)  # Odoo ids of tasks in progress
    notes: list[str] = field(default_factory=list)

    @property
    def start(self) -> datetime:
        """``now`` as Odoo writes it: naive UTC."""
        return self.now.astimezone(UTC).replace(tzinfo=None)


# ---------------------------------------------------------------------- small helpers
def parse_datetime(value: Any) -> datetime | None:
    """Odoo's ``'YYYY-MM-DD HH:MM:SS'`` (UTC) as a naive datetime; False/None/'' as None."""
    if not value:
        return None
    return datetime.strptime(str(value)[:19], DATETIME_FORMAT)


def _aware(value: Any) -> datetime | None:
    moment = parse_datetime(value)
    return None if moment is None else moment.replace(tzinfo=UTC)


def format_datetime(moment: datetime) -> str:
    """A naive UTC or an aware datetime as Odoo's UTC ``YYYY-MM-DD HH:MM:SS``."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime(DATETIME_FORMAT)


def _m2o_id(value: Any) -> int | None:
    """The id of a many2one as search_read returns it: ``[id, name]``, an int, or False."""
    if isinstance(value, list | tuple):
        return int(value[0]) if value else None
    return int(value) if value else None


def _m2o_name(value: Any) -> str:
    return str(value[1]) if isinstance(value, list | tuple) and len(value) > 1 else ""


def task_hours(task: Mapping[str, Any]) -> float:
    """Working hours per person: the WBS duration, else the allocated hours per head."""
    hours = float(task.get("duration_hours") or 0.0)
    if hours <= 0:
        heads = max(1, int(task.get("headcount") or 1))
        hours = float(task.get("allocated_hours") or 0.0) / heads
    return max(0.0, round(hours, 6))


def task_key(odoo_id: int) -> str:
    return f"t{odoo_id}"


def _project_key(odoo_id: int) -> str:
    return f"p{odoo_id}"


def _skill_key(skill_id: int) -> str:
    return f"skill:{skill_id}"


def _known_tz(name: Any) -> bool:
    if not name:
        return False
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _day(attendance: Mapping[str, Any], name: str) -> date | None:
    """A date field of an attendance (``YYYY-MM-DD``); False as None."""
    value = attendance.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise ProblemError(
            f"resource.calendar.attendance.{name}",
            f"attendance {attendance.get('id')} of calendar "
            f"{_m2o_id(attendance.get('calendar_id'))}: invalid date {value!r}",
        ) from exc


# ---------------------------------------------------------------------- calendars
class _Calendars:
    """The floor calendars actually used, built on demand from the Odoo calendars read:
    one per (Odoo calendar, time zone), plus their public holidays."""

    def __init__(self, snapshot: Snapshot, now: datetime) -> None:
        self.now = now
        self.records = {int(c["id"]): c for c in snapshot.calendars}
        self.attendances: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for att in snapshot.attendances:
            cal = _m2o_id(att.get("calendar_id"))
            if cal is not None:
                self.attendances[cal].append(att)
        self.company_calendar = {
            int(c["id"]): _m2o_id(c.get("resource_calendar_id")) for c in snapshot.companies
        }
        self.calendar_leaves: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self.company_leaves: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
        for leave in snapshot.leaves:
            if _m2o_id(leave.get("resource_id")):
                continue
            cal = _m2o_id(leave.get("calendar_id"))
            if cal is not None:
                self.calendar_leaves[cal].append(leave)
            else:
                self.company_leaves[_m2o_id(leave.get("company_id"))].append(leave)
        self.built: dict[str, Calendar] = {}
        self.working_times: dict[int, tuple[Attendance, ...]] = {}

    def tz_of(self, cal_id: int | None) -> str | None:
        record = self.records.get(cal_id) if cal_id is not None else None
        tz = record.get("tz") if record else None
        return str(tz) if _known_tz(tz) else None

    def working(self, cal_id: int | None) -> bool:
        """Read, and with at least one working attendance."""
        return cal_id in self.records and bool(self._attendances(cal_id))  # type: ignore[arg-type]

    def for_company(self, company_id: int | None) -> int | None:
        return self.company_calendar.get(company_id) if company_id is not None else None

    def _attendances(self, cal_id: int) -> tuple[Attendance, ...]:
        """The working attendances of calendar `cal_id`, read once (every task asks whether
        its company's calendar works)."""
        if cal_id not in self.working_times:
            self.working_times[cal_id] = self._read_attendances(cal_id)
        return self.working_times[cal_id]

    def _read_attendances(self, cal_id: int) -> tuple[Attendance, ...]:
        two_weeks = bool(self.records[cal_id].get("two_weeks_calendar"))
        out = []
        for att in sorted(self.attendances.get(cal_id, ()), key=lambda a: int(a["id"])):
            if att.get("display_type") or att.get("day_period") == "lunch":
                continue
            if _m2o_id(att.get("resource_id")):
                continue
            hour_from = max(0.0, float(att.get("hour_from") or 0.0))
            hour_to = min(24.0, float(att.get("hour_to") or 0.0))
            if hour_to <= hour_from:
                continue
            week_type = att.get("week_type")
            out.append(
                Attendance(
                    dayofweek=int(att["dayofweek"]),
                    hour_from=hour_from,
                    hour_to=hour_to,
                    date_from=_day(att, "date_from"),
                    date_to=_day(att, "date_to"),
                    week_type=int(week_type or 0) if two_weeks else None,
                )
            )
        return tuple(out)

    def _leaves(self, cal_id: int) -> tuple[Leave, ...]:
        company = _m2o_id(self.records[cal_id].get("company_id"))
        rows = list(self.calendar_leaves.get(cal_id, ()))
        if company is None:
            for leaves in self.company_leaves.values():
                rows.extend(leaves)
        else:
            rows.extend(self.company_leaves.get(company, ()))
            rows.extend(self.company_leaves.get(None, ()))
        return _leaves(rows)

    def use(self, cal_id: int, tz: str | None = None) -> str:
        """The floor id of Odoo calendar `cal_id` read in time zone `tz` (default its own)."""
        own = self.tz_of(cal_id) or "UTC"
        tz = tz if _known_tz(tz) else own
        key = f"cal{cal_id}" if tz == own else f"cal{cal_id}@{tz}"
        if key not in self.built:
            record = self.records[cal_id]
            self.built[key] = Calendar(
                id=key,
                name=str(record.get("name") or key) + ("" if tz == own else f" ({tz})"),
                timezone=tz,
                two_weeks=bool(record.get("two_weeks_calendar")),
                attendances=self._attendances(cal_id),
                leaves=self._leaves(cal_id),
            )
        return key


def _leaves(rows: Iterable[Mapping[str, Any]]) -> tuple[Leave, ...]:
    out = []
    for leave in sorted(rows, key=lambda r: (str(r.get("date_from")), int(r.get("id") or 0))):
        start, end = _aware(leave.get("date_from")), _aware(leave.get("date_to"))
        if start is None or end is None or end <= start:
            continue
        out.append(Leave(start, end, str(leave.get("name") or "")))
    return tuple(out)


# ---------------------------------------------------------------------- tasks
def _classify_tasks(
    tasks: Iterable[Mapping[str, Any]],
) -> tuple[dict[int, Mapping[str, Any]], dict[int, Mapping[str, Any]], dict[int, str]]:
    """Split read tasks into schedulable ones, pinned ones, and skipped ids with a reason."""
    schedulable: dict[int, Mapping[str, Any]] = {}
    pinned: dict[int, Mapping[str, Any]] = {}
    skipped: dict[int, str] = {}
    for task in tasks:
        tid = int(task["id"])
        if task.get("state") in CLOSED_STATES:
            skipped[tid] = "closed"
        elif task.get("is_wbs_phase"):
            skipped[tid] = "phase"
        elif task.get("planning_pinned"):
            skipped[tid] = "pinned"
            pinned[tid] = task
        else:
            schedulable[tid] = task
    return schedulable, pinned, skipped


def _leaves_of_phases(
    tasks: list[dict[str, Any]], skipped: Mapping[int, str]
) -> dict[int, list[int]]:
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


class _People:
    """Employees (and assignees without an employee) as floor person resources."""

    def __init__(
        self, snapshot: Snapshot, calendars: _Calendars, default_company: int | None
    ) -> None:
        self.calendars = calendars
        self.default_company = default_company
        self.employees = {int(e["id"]): e for e in snapshot.employees}
        self.by_user: dict[int, list[int]] = defaultdict(list)
        for emp in sorted(self.employees.values(), key=lambda e: int(e["id"])):
            user = _m2o_id(emp.get("user_id"))
            if user:
                self.by_user[user].append(int(emp["id"]))
        self.level_of = {
            int(lv["id"]): int(lv.get("level_progress") or 0) for lv in snapshot.levels
        }
        self.skills: dict[int, dict[str, int]] = defaultdict(dict)
        self.skill_names: dict[str, str] = {}
        for row in snapshot.employee_skills:
            emp, skill = _m2o_id(row.get("employee_id")), _m2o_id(row.get("skill_id"))
            if emp is None or skill is None:
                continue
            level = row.get("level_progress")
            if level is None or level is False:
                level = self.level_of.get(_m2o_id(row.get("skill_level_id")) or 0, 0)
            key = _skill_key(skill)
            self.skills[emp][key] = max(int(level or 0), self.skills[emp].get(key, 0))
            self.skill_names.setdefault(key, _m2o_name(row.get("skill_id")))
        self.personal_leaves: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for leave in snapshot.leaves:
            resource = _m2o_id(leave.get("resource_id"))
            if resource:
                self.personal_leaves[resource].append(leave)
        self.used: dict[str, Resource] = {}
        self.users: dict[str, int | None] = {}
        self.busy: dict[str, list[Leave]] = defaultdict(list)

    def company_calendar(self, company: int | None) -> str:
        cal = self.calendars.for_company(company)
        if not self.calendars.working(cal):
            cal = self.calendars.for_company(self.default_company)
        if cal is None or not self.calendars.working(cal):
            raise ProblemError(
                "res.company.resource_calendar_id",
                f"company {company} has no working calendar with working hours",
            )
        return self.calendars.use(cal)

    def employee(self, emp_id: int) -> str:
        key = f"e{emp_id}"
        if key not in self.used:
            emp = self.employees[emp_id]
            company = _m2o_id(emp.get("company_id"))
            cal = _m2o_id(emp.get("resource_calendar_id"))
            calendar = (
                self.calendars.use(cal, emp.get("tz") or None)
                if self.calendars.working(cal)
                else self.company_calendar(company)
            )
            resource = _m2o_id(emp.get("resource_id"))
            self.used[key] = Resource(
                id=key,
                name=str(emp.get("name") or key),
                calendar=calendar,
                leaves=_leaves(self.personal_leaves.get(resource or 0, ())),
                skills=dict(self.skills.get(emp_id, {})),
            )
            self.users[key] = _m2o_id(emp.get("user_id"))
        return key

    def assignee(self, user: int, company: int | None) -> str:
        """The person for assignee `user` on a task of `company`."""
        emps = self.by_user.get(user, [])
        if emps:
            same = [e for e in emps if _m2o_id(self.employees[e].get("company_id")) == company]
            return self.employee((same or emps)[0])
        key = f"u{user}"
        if key not in self.used:
            self.used[key] = Resource(
                id=key, name=f"user {user}", calendar=self.company_calendar(company)
            )
            self.users[key] = user
        return key

    def qualified(self, skill_key: str, level: int) -> list[int]:
        return sorted(e for e, s in self.skills.items() if s.get(skill_key, -1) >= level)

    def resources(self) -> tuple[Resource, ...]:
        """The people used, each with the pinned tasks they carry as busy time."""
        out = []
        for key in sorted(self.used, key=lambda k: (k[0], int(k[1:]))):
            res = self.used[key]
            if self.busy.get(key):
                res = replace(res, leaves=res.leaves + tuple(self.busy[key]))
            out.append(res)
        return tuple(out)


# ---------------------------------------------------------------------- the mapping
def records_to_problem(
    snapshot: Snapshot,
    now: datetime,
    *,
    slot_minutes: int = 60,
    name: str = "odoo",
) -> tuple[FloorProblem, Context]:
    """The floor problem for `snapshot`, planned from `now` (naive = UTC), and its `Context`.

    See the module docstring for what is modelled and how. The floor objects are built here
    and checked once by the problem's own `FloorProblem.validate`. Raises `ProblemError`
    (naming the task or record) for a dependency cycle, a task nobody can be staffed on, or a
    company without working hours.
    """
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    all_tasks = sorted(snapshot.tasks, key=lambda t: int(t["id"]))
    schedulable, pinned, skipped = _classify_tasks(all_tasks)
    phases = _leaves_of_phases(all_tasks, skipped)
    projects_read = {int(p["id"]): p for p in snapshot.projects}
    companies = [_m2o_id(projects_read[p].get("company_id")) for p in sorted(projects_read)]
    companies += sorted(int(c["id"]) for c in snapshot.companies)
    default_company = next((c for c in companies if c is not None), None)
    calendars = _Calendars(snapshot, now)
    people = _People(snapshot, calendars, default_company)
    default_cal_key = people.company_calendar(default_company)
    problem_tz = calendars.built[default_cal_key].timezone

    def company_of(task: Mapping[str, Any]) -> int | None:
        company = _m2o_id(task.get("company_id"))
        if company is None:
            project = projects_read.get(_m2o_id(task.get("project_id")) or 0)
            company = _m2o_id(project.get("company_id")) if project else None
        return company if company is not None else default_company

    projects = _projects(projects_read, schedulable)
    # one draft per task: the keyword arguments of its floor `Task`, completed stage by stage
    tasks_out: list[dict[str, Any]] = []
    task_odoo_ids: dict[str, int] = {}
    write_dates: dict[str, str] = {}
    understaffed: list[str] = []
    company_calendars: dict[str, str] = {}
    for tid, task in schedulable.items():
        pid = _m2o_id(task.get("project_id"))
        if pid is None or pid not in projects_read:
            continue
        key = task_key(tid)
        company = company_of(task)
        row: dict[str, Any] = {
            "id": key,
            "project": _project_key(pid),
            "name": str(task.get("name") or key),
            "hours": task_hours(task),
            "demands": (),
        }
        named, crew = _demands(row, task, company, people, understaffed)
        company_calendars[key] = people.company_calendar(company)
        if not row["demands"]:
            row["calendar"] = company_calendars[key]
        _progress(row, task, crew, named, now, slot_minutes / 60.0)
        tasks_out.append(row)
        task_odoo_ids[key] = tid
        write_dates[key] = str(task["write_date"])[:19]
    if understaffed:
        raise ProblemError("tasks", "cannot staff: " + "; ".join(understaffed))
    started = _one_started_task_per_person(tasks_out, people, task_odoo_ids)
    for row in tasks_out:
        _timing(row, schedulable[task_odoo_ids[row["id"]]])
    fixed, fixed_ends = _fixed(pinned, snapshot.external_tasks, people, company_of, now)

    # ---- dependencies
    link_of = {
        (_m2o_id(lag["depend_on_id"]), _m2o_id(lag["task_id"])): (
            "SS" if lag.get("dependency_type") == "SS" else "FS",
            float(lag.get("lag_hours") or 0),
        )
        for lag in snapshot.lags
    }
    by_key = {row["id"]: row for row in tasks_out}
    precedences, lag_tasks = _dependencies(
        all_tasks, phases, link_of, task_odoo_ids, started, fixed, by_key, company_calendars, now
    )
    tasks_out.extend(lag_tasks)

    resources = people.resources()
    problem = FloorProblem(
        name=name,
        timezone=problem_tz,
        now=now,
        calendars=tuple(calendars.built[k] for k in sorted(calendars.built)),
        resources=resources,
        projects=projects,
        tasks=tuple(Task(**row) for row in tasks_out),
        precedences=precedences,
        default_calendar=default_cal_key,
        slot_minutes=slot_minutes,
        skills={k: people.skill_names.get(k) or k for k in sorted(people.skill_names)},
    )
    try:
        problem.validate()
    except ProblemError as exc:
        if exc.path == "precedences":  # a cycle, checked once, by the model: in Odoo, depend_on_ids
            raise ProblemError("depend_on_ids", exc.message) from exc
        raise
    context = Context(
        now=now,
        problem=problem,
        task_odoo_ids=task_odoo_ids,
        write_dates=write_dates,
        project_odoo_ids={_project_key(pid): pid for pid in projects_read},
        resource_users=dict(people.users),
        resource_names={r.id: r.name for r in resources},
        fixed_ends=fixed_ends,
        skipped=skipped,
        started=started,
    )
    return problem, context


def _projects(
    projects_read: Mapping[int, Mapping[str, Any]], schedulable: Mapping[int, Mapping[str, Any]]
) -> tuple[Project, ...]:
    """Orders due (soft) at the commitment date, else at the latest deadline of their tasks."""
    latest_deadline: dict[int, datetime] = {}
    for task in schedulable.values():
        deadline = _aware(task.get("date_deadline"))
        pid = _m2o_id(task.get("project_id"))
        if deadline is not None and pid is not None:
            latest_deadline[pid] = max(deadline, latest_deadline.get(pid, deadline))
    projects = []
    for pid in sorted(projects_read):
        proj = projects_read[pid]
        projects.append(
            Project(
                id=_project_key(pid),
                name=str(proj.get("name") or pid),
                due=_aware(proj.get("order_commitment_date")) or latest_deadline.get(pid),
                weight=PRIORITY_WEIGHTS.get(str(proj.get("order_priority") or "0"), 1.0),
            )
        )
    return tuple(projects)


def _demands(
    row: dict[str, Any],
    task: Mapping[str, Any],
    company: int | None,
    people: _People,
    understaffed: list[str],
) -> tuple[list[str], int]:
    """Fill the demands of `row`: its assignees, else `headcount` qualified people. Returns the
    named people and the crew size."""
    users = sorted({int(u) for u in task.get("user_ids") or ()})
    if users:
        named = sorted({people.assignee(u, company) for u in users})
        row["demands"] = tuple(Demand(resource=r) for r in named)
        return named, len(named)
    skill = _m2o_id(task.get("skill_id"))
    if skill is None:
        return [], 1
    skill_key = _skill_key(skill)
    level = people.level_of.get(_m2o_id(task.get("skill_level_id")) or 0, 0)
    crew = max(1, int(task.get("headcount") or 1))
    able = people.qualified(skill_key, level)
    people.skill_names.setdefault(skill_key, _m2o_name(task.get("skill_id")))
    if len(able) < crew:
        what = _m2o_name(task.get("skill_id")) or skill_key
        understaffed.append(
            f"task {task['id']} {task.get('name')!r} needs {crew} people with {what} at "
            f"level >= {level}%, only {len(able)} employee(s) have it"
        )
    for emp in able:
        people.employee(emp)
    row["demands"] = (Demand(skill=skill_key, level=level, count=crew),)
    return [], crew


def _progress(
    row: dict[str, Any],
    task: Mapping[str, Any],
    crew: int,
    named: list[str],
    now: datetime,
    slot_hours: float,
) -> bool:
    """Mark `row` in progress when the task has begun; True if so."""
    effective = max(0.0, float(task.get("effective_hours") or 0.0))
    planned_start = _aware(task.get("planned_start"))
    remaining = max(round(row["hours"] - effective / max(1, crew), 6), slot_hours)
    if planned_start is not None and planned_start < now:
        if effective > 0 or task.get("state") in WORKED_STATES:
            row.update(
                status="in_progress",
                started=planned_start,
                remaining_hours=remaining,
                resources=tuple(named),
            )
            return True
    if effective > 0:
        row["hours"] = remaining
    return False


def _timing(row: dict[str, Any], task: Mapping[str, Any]) -> None:
    """The task's own timing rules: one stretch of work, and its not-before date (which no
    longer binds work that has begun)."""
    if task.get("planning_non_interruptible"):
        row["interruptible"] = False
    not_before = _aware(task.get("planning_not_before"))
    if not_before is not None and row.get("status") != "in_progress":
        row["not_before"] = not_before


def _one_started_task_per_person(
    rows: list[dict[str, Any]], people: _People, task_odoo_ids: Mapping[str, int]
) -> set[int]:
    """Started tasks hold their people from their start on, so a person can carry one only:
    by start date, a started task keeps its assignees, or takes qualified people nobody else
    holds, or else goes back to the queue (its remaining hours, no start). Returns the Odoo
    ids of the tasks left in progress."""
    taken: set[str] = set()
    kept: set[int] = set()
    candidates = [r for r in rows if r.get("status") == "in_progress"]
    for row in sorted(candidates, key=lambda r: (r["started"], r["id"])):
        demands = row["demands"]
        crew: tuple[str, ...] | None = row.get("resources") or ()
        if crew and taken & set(crew):
            crew = None
        elif not crew and demands:
            (demand,) = demands
            free = [
                f"e{e}"
                for e in people.qualified(demand.skill, demand.level)
                if f"e{e}" not in taken
            ]
            crew = tuple(free[: demand.count]) if len(free) >= demand.count else None
        if crew is None:
            row["hours"] = row.pop("remaining_hours")
            for key in ("status", "started", "resources"):
                row.pop(key, None)
            continue
        row["resources"] = crew
        taken.update(crew)
        kept.add(task_odoo_ids[row["id"]])
    return kept


def _fixed(
    pinned: Mapping[int, Mapping[str, Any]],
    external: Iterable[Mapping[str, Any]],
    people: _People,
    company_of: Any,
    now: datetime,
) -> tuple[dict[int, tuple[datetime | None, datetime | None]], dict[int, datetime]]:
    """Dates of pinned and outside tasks (Odoo id -> (start, end)), the latest pinned end per
    project; pinned intervals become busy time of their assignees."""
    fixed: dict[int, tuple[datetime | None, datetime | None]] = {}
    fixed_ends: dict[int, datetime] = {}
    for tid, task in pinned.items():
        start, end = _aware(task.get("planned_start")), _aware(task.get("planned_end"))
        if start is None and end is None:
            continue
        fixed[tid] = (start, end)
        pid = _m2o_id(task.get("project_id"))
        if end is not None and pid is not None:
            naive = end.replace(tzinfo=None)
            fixed_ends[pid] = max(naive, fixed_ends.get(pid, naive))
        if start is not None and end is not None and end > start and end > now:
            for user in sorted({int(u) for u in task.get("user_ids") or ()}):
                person = people.assignee(user, company_of(task))
                people.busy[person].append(Leave(start, end, f"pinned task {tid}"))
    for task in external:
        if task.get("state") in CLOSED_STATES or int(task["id"]) in fixed:
            continue
        start, end = _aware(task.get("planned_start")), _aware(task.get("planned_end"))
        if start is not None or end is not None:
            fixed[int(task["id"])] = (start, end)
    return fixed, fixed_ends


def _dependencies(
    all_tasks: list[dict[str, Any]],
    phases: Mapping[int, list[int]],
    link_of: Mapping[tuple[int | None, int | None], tuple[str, float]],
    task_odoo_ids: Mapping[str, int],
    started: set[int],
    fixed: Mapping[int, tuple[datetime | None, datetime | None]],
    by_key: dict[str, dict[str, Any]],
    company_calendars: Mapping[str, str],
    now: datetime,
) -> tuple[tuple[Precedence, ...], list[dict[str, Any]]]:
    """Finish-to-start and start-to-start links among planned tasks (a lag task on each
    lagged link), and the earliest starts that pinned and outside predecessors impose."""
    in_plan = set(task_odoo_ids.values())
    links: dict[tuple[str, str], str] = {}

    def link(before: str, after: str, kind: str) -> None:
        # FS binds more than SS between the same two tasks (an end follows its start)
        if links.get((before, after)) != "FS":
            links[before, after] = kind

    lag_tasks: list[dict[str, Any]] = []
    for task in all_tasks:
        succ_id = int(task["id"])
        succs = [s for s in phases.get(succ_id, [succ_id]) if s in in_plan and s not in started]
        if not succs:
            continue
        for pred_id in sorted(task.get("depend_on_ids") or ()):
            kind, lag = link_of.get((pred_id, succ_id), ("FS", 0.0))
            lag = max(0.0, lag)
            preds = phases.get(pred_id, [pred_id])
            planned_preds = [task_key(p) for p in preds if p in in_plan and p != succ_id]
            # an outside or pinned predecessor releases its successors at its end (SS: start)
            anchors = [
                (fixed[p][0] or fixed[p][1]) if kind == "SS" else (fixed[p][1] or fixed[p][0])
                for p in preds
                if p in fixed
            ]
            release = max((e for e in anchors if e is not None), default=None)
            if not planned_preds and (release is None or (release <= now and lag <= 0)):
                continue  # closed, outside the scope without dates, or already over
            targets = [task_key(s) for s in succs]
            if lag > 0:
                # working hours on the successor's calendar: a lag task in between, which
                # starts with (SS) or after (FS) the predecessor; the successor follows it
                first = by_key[targets[0]]
                lag_key = f"lag{pred_id}-{succ_id}"
                anchor = "the start of task" if kind == "SS" else "task"
                lag_task: dict[str, Any] = {
                    "id": lag_key,
                    "project": first["project"],
                    "name": f"lag {lag:g} h after {anchor} {pred_id}",
                    "hours": lag,
                    "calendar": company_calendars[targets[0]],
                }
                if release is not None and release > now:
                    lag_task["not_before"] = release
                lag_tasks.append(lag_task)
                by_key[lag_key] = lag_task
                for p in planned_preds:
                    link(p, lag_key, kind)
                for t in targets:
                    link(lag_key, t, "FS")
                continue
            for p in planned_preds:
                for t in targets:
                    if p != t:
                        link(p, t, kind)
            if release is not None and release > now:
                for t in targets:
                    current = by_key[t].get("not_before")
                    if current is None or current < release:
                        by_key[t]["not_before"] = release
    return tuple(Precedence(a, b, links[a, b]) for a, b in sorted(links)), lag_tasks
