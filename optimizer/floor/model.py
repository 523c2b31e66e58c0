"""Shop-floor problem data: plain, validated data classes (see optimizer/floor/README.md).

Nothing here knows about slots, numba or OR-Tools: datetimes are timezone-aware, hours are floats.
`FloorProblem.from_dict` validates and raises `ProblemError` naming the record and field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from optimizer.common.errors import ProblemError
from optimizer.common.graph import find_cycle, topological_order, unique_ids

KIND = "floor"
PLAN_KIND = "floor_plan"
SLOT_MINUTES = (15, 30, 60)
STATUSES = ("todo", "in_progress", "done")
RESOURCE_KINDS = ("person", "machine", "team")


@dataclass(frozen=True)
class Leave:
    start: datetime
    end: datetime
    name: str = ""


@dataclass(frozen=True)
class Attendance:
    dayofweek: int  # 0 = Monday, as Odoo's resource.calendar.attendance
    hour_from: float
    hour_to: float
    date_from: date | None = None
    date_to: date | None = None
    week_type: int | None = None


@dataclass(frozen=True)
class Calendar:
    id: str
    timezone: str
    attendances: tuple[Attendance, ...]
    leaves: tuple[Leave, ...] = ()
    two_weeks: bool = False
    name: str = ""


@dataclass(frozen=True)
class Resource:
    id: str
    calendar: str
    name: str = ""
    kind: str = "person"
    capacity: int = 1
    leaves: tuple[Leave, ...] = ()
    skills: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Project:
    id: str
    name: str = ""
    release: datetime | None = None
    due: datetime | None = None
    deadline: datetime | None = None
    weight: float = 1.0


@dataclass(frozen=True)
class Demand:
    """Either `units` of a named `resource`, or `count` distinct people with `skill` >= `level`."""

    resource: str | None = None
    units: int = 1
    skill: str | None = None
    level: int = 0
    count: int = 1


@dataclass(frozen=True)
class Task:
    id: str
    project: str
    hours: float
    demands: tuple[Demand, ...] = ()
    name: str = ""
    calendar: str | None = None
    interruptible: bool = True
    not_before: datetime | None = None
    deadline: datetime | None = None
    status: str = "todo"
    started: datetime | None = None
    remaining_hours: float | None = None
    start: datetime | None = None
    end: datetime | None = None
    pinned: bool = False
    resources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Precedence:
    before: str
    after: str
    kind: str = "FS"
    lag_hours: float = 0.0  # elapsed hours


@dataclass
class FloorProblem:
    name: str
    timezone: str
    now: datetime
    calendars: tuple[Calendar, ...]
    resources: tuple[Resource, ...]
    projects: tuple[Project, ...]
    tasks: tuple[Task, ...]
    precedences: tuple[Precedence, ...] = ()
    default_calendar: str = ""
    slot_minutes: int = 60
    horizon_end: datetime | None = None
    skills: dict[str, str] = field(default_factory=dict)  # catalogue id -> name (optional)
    previous_plan: dict[str, Any] | None = None
    stability_weight: float = 1.0
    frozen_working_days: float = 0.0
    calendar_index: dict[str, int] = field(default_factory=dict, repr=False)
    resource_index: dict[str, int] = field(default_factory=dict, repr=False)
    project_index: dict[str, int] = field(default_factory=dict, repr=False)
    task_index: dict[str, int] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ helpers
    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def qualified(self, skill: str, level: int) -> list[str]:
        """Ids of the resources having `skill` at `level` or above (people and machines alike)."""
        return [r.id for r in self.resources if r.skills.get(skill, -1) >= level]

    def slots(self, hours: float) -> int:
        """Working hours as a number of slots, rounded up."""
        return math.ceil(round(hours * 60 / self.slot_minutes, 9))

    def work_hours(self, task: Task) -> float:
        if task.status == "in_progress" and task.remaining_hours is not None:
            return task.remaining_hours
        return task.hours

    def topological_order(self) -> list[int]:
        return topological_order(
            len(self.tasks),
            ((self.task_index[p.before], self.task_index[p.after]) for p in self.precedences),
        )

    # ------------------------------------------------------------------ validation
    def validate(self) -> None:
        self.calendar_index = unique_ids(self.calendars, "calendars")
        self.resource_index = unique_ids(self.resources, "resources")
        self.project_index = unique_ids(self.projects, "projects")
        self.task_index = unique_ids(self.tasks, "tasks")
        if self.slot_minutes not in SLOT_MINUTES:
            raise ProblemError(
                "slot_minutes", f"slot_minutes {self.slot_minutes} is not one of {SLOT_MINUTES}"
            )
        if self.default_calendar not in self.calendar_index:
            raise ProblemError("default_calendar", f"unknown calendar {self.default_calendar!r}")
        for i, cal in enumerate(self.calendars):
            _validate_calendar(i, cal)
        for i, res in enumerate(self.resources):
            self._validate_resource(i, res)
        for i, proj in enumerate(self.projects):
            if proj.weight < 0:
                raise ProblemError(
                    f"projects[{i}].weight", f"order {proj.id!r} has negative weight {proj.weight}"
                )
        for i, task in enumerate(self.tasks):
            self._validate_task(i, task)
        for i, p in enumerate(self.precedences):
            for attr, ref in (("from", p.before), ("to", p.after)):
                if ref not in self.task_index:
                    raise ProblemError(f"precedences[{i}].{attr}", f"unknown task {ref!r}")
            if p.kind not in ("FS", "SS"):
                raise ProblemError(
                    f"precedences[{i}].type", f"unknown type {p.kind!r}, expected FS or SS"
                )
            if p.before == p.after:
                raise ProblemError(f"precedences[{i}]", f"task {p.before!r} cannot precede itself")
        ordered = self.topological_order()
        if len(ordered) < len(self.tasks):
            remaining = {t.id for t in self.tasks} - {self.tasks[i].id for i in ordered}
            cycle = find_cycle(remaining, [(p.before, p.after) for p in self.precedences])
            raise ProblemError("precedences", "dependency cycle: " + " -> ".join(cycle))
        if self.stability_weight < 0:
            raise ProblemError("stability.weight", "stability weight must not be negative")
        if self.frozen_working_days < 0:
            raise ProblemError(
                "stability.frozen_working_days", "frozen_working_days must not be negative"
            )

    def _validate_resource(self, i: int, res: Resource) -> None:
        where = f"resources[{i}]"
        if res.calendar not in self.calendar_index:
            raise ProblemError(
                f"{where}.calendar",
                f"resource {res.id!r} uses unknown calendar {res.calendar!r}",
            )
        if res.kind not in RESOURCE_KINDS:
            raise ProblemError(
                f"{where}.kind", f"resource {res.id!r} has unknown kind {res.kind!r}"
            )
        if res.capacity < 1:
            raise ProblemError(
                f"{where}.capacity",
                f"resource {res.id!r} has capacity {res.capacity}; it must be at least 1",
            )
        for skill, level in res.skills.items():
            if level < 0:
                raise ProblemError(
                    f"{where}.skills.{skill}",
                    f"resource {res.id!r} has negative level {level} in {skill!r}",
                )
        _validate_leaves(f"{where}.leaves", f"resource {res.id!r}", res.leaves)

    def _validate_task(self, i: int, task: Task) -> None:
        where = f"tasks[{i}]"
        what = f"task {task.id!r}"
        if task.project not in self.project_index:
            raise ProblemError(f"{where}.project", f"{what} names unknown order {task.project!r}")
        if not (task.hours >= 0 and math.isfinite(task.hours)):
            raise ProblemError(f"{where}.hours", f"{what} has invalid hours {task.hours!r}")
        if task.status not in STATUSES:
            raise ProblemError(
                f"{where}.status", f"{what} has unknown status {task.status!r}, expected {STATUSES}"
            )
        if task.calendar is not None and task.calendar not in self.calendar_index:
            raise ProblemError(
                f"{where}.calendar", f"{what} uses unknown calendar {task.calendar!r}"
            )
        for k, ref in enumerate(task.resources):
            if ref not in self.resource_index:
                raise ProblemError(
                    f"{where}.resources[{k}]", f"{what} names unknown resource {ref!r}"
                )
        if task.status == "done":
            if task.start is None or task.end is None or task.end < task.start:
                raise ProblemError(
                    f"{where}.start", f"{what} is done but has no valid start and end dates"
                )
            return
        if task.status == "in_progress":
            if task.started is None:
                raise ProblemError(f"{where}.started", f"{what} is in progress but has no start")
            if task.remaining_hours is not None and task.remaining_hours < 0:
                raise ProblemError(
                    f"{where}.remaining_hours", f"{what} has negative remaining hours"
                )
        if task.pinned and task.start is None:
            raise ProblemError(f"{where}.start", f"{what} is pinned but has no start date")
        for d, dem in enumerate(task.demands):
            self._validate_demand(f"{where}.demands[{d}]", what, dem)
        if task.deadline is not None and task.not_before is not None:
            if task.deadline <= task.not_before:
                raise ProblemError(
                    f"{where}.deadline",
                    f"{what} must end by {task.deadline.isoformat()} but may not start before "
                    f"{task.not_before.isoformat()}",
                )

    def _validate_demand(self, where: str, what: str, dem: Demand) -> None:
        if (dem.resource is None) == (dem.skill is None):
            raise ProblemError(where, f"{what}: a demand names either a resource or a skill")
        if dem.resource is not None:
            if dem.resource not in self.resource_index:
                raise ProblemError(
                    f"{where}.resource", f"{what} uses unknown resource {dem.resource!r}"
                )
            cap = self.resources[self.resource_index[dem.resource]].capacity
            if not 1 <= dem.units <= cap:
                raise ProblemError(
                    f"{where}.units",
                    f"{what} needs {dem.units} of {dem.resource!r} whose capacity is {cap}",
                )
            return
        if dem.count < 1:
            raise ProblemError(f"{where}.count", f"{what} needs {dem.count} people; at least 1")
        if self.skills and dem.skill not in self.skills:
            raise ProblemError(f"{where}.skill", f"{what} needs unknown skill {dem.skill!r}")
        able = self.qualified(dem.skill or "", dem.level)
        if len(able) < dem.count:
            who = ", ".join(able) if able else "nobody"
            raise ProblemError(
                f"{where}.skill",
                f"{what} needs {dem.count} people with skill {dem.skill!r} at level "
                f">= {dem.level}, but only {len(able)} {'has' if len(able) == 1 else 'have'} it "
                f"({who})",
            )

    # ------------------------------------------------------------------ JSON
    @classmethod
    def load(cls, data: Any) -> FloorProblem:
        """A floor problem from outside: its JSON Schema (optimizer/schemas/floor.schema.json),
        then `from_dict`. The schema costs about 0.6 ms a task; the Odoo connector, which makes
        its problem itself, builds these data classes directly and calls `validate` once."""
        from optimizer.floor.schema import validate_floor_json

        if isinstance(data, dict) and data.get("kind") == KIND:
            validate_floor_json(data)
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FloorProblem:
        """Build and validate a floor problem from its JSON form; errors name the field. Data
        from outside (a file, a request) is checked against its JSON Schema first
        (`load`), which types every value this reads."""
        if not isinstance(data, dict):
            raise ProblemError("", "a floor problem is a JSON object")
        if data.get("kind") != KIND:
            raise ProblemError("kind", f"expected kind {KIND!r}, got {data.get('kind')!r}")
        tzname = str(data.get("timezone") or "UTC")
        try:
            tz = ZoneInfo(tzname)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ProblemError("timezone", f"unknown time zone {tzname!r}") from exc
        p = _Parser(tz)
        now = p.dt(data.get("now"), "now", required=True)
        calendars = tuple(
            p.calendar(c, f"calendars[{i}]", tzname) for i, c in p.items(data, "calendars")
        )
        default_cal = str(data.get("default_calendar") or (calendars[0].id if calendars else ""))
        resources = tuple(
            p.resource(r, f"resources[{i}]", default_cal) for i, r in p.items(data, "resources")
        )
        projects = tuple(p.project(r, f"projects[{i}]") for i, r in p.items(data, "projects"))
        tasks = tuple(p.task(t, f"tasks[{i}]") for i, t in p.items(data, "tasks"))
        precedences = tuple(
            p.precedence(r, f"precedences[{i}]") for i, r in p.items(data, "precedences", True)
        )
        stability = data.get("stability") or {}
        skills_cat = {}
        for i, s in p.items(data, "skills", True):
            skills_cat[str(p.req(s, "id", f"skills[{i}]"))] = str(s.get("name", ""))
        problem = cls(
            name=str(data.get("name", "portfolio")),
            timezone=tzname,
            now=now,
            calendars=calendars,
            resources=resources,
            projects=projects,
            tasks=tasks,
            precedences=precedences,
            default_calendar=default_cal,
            slot_minutes=int(data.get("slot_minutes", 60)),
            horizon_end=p.dt(data.get("horizon_end"), "horizon_end"),
            skills=skills_cat,
            previous_plan=data.get("previous_plan"),
            stability_weight=p.num(stability.get("weight", 1.0), "stability.weight"),
            frozen_working_days=p.num(
                stability.get("frozen_working_days", 0), "stability.frozen_working_days"
            ),
        )
        problem.validate()
        return problem

    def to_dict(self) -> dict[str, Any]:
        """The JSON form; `from_dict(to_dict())` gives an equal problem."""

        def iso(d: datetime | None) -> str | None:
            return None if d is None else d.isoformat()

        def leaves(ls: tuple[Leave, ...]) -> list[dict[str, Any]]:
            return [{"start": iso(x.start), "end": iso(x.end), "name": x.name} for x in ls]

        return {
            "kind": KIND,
            "name": self.name,
            "timezone": self.timezone,
            "now": iso(self.now),
            "slot_minutes": self.slot_minutes,
            **({"horizon_end": iso(self.horizon_end)} if self.horizon_end else {}),
            "default_calendar": self.default_calendar,
            "skills": [{"id": k, "name": v} for k, v in self.skills.items()],
            "calendars": [
                {
                    "id": c.id,
                    "name": c.name,
                    "timezone": c.timezone,
                    "two_weeks": c.two_weeks,
                    "attendances": [
                        {
                            "dayofweek": a.dayofweek,
                            "hour_from": a.hour_from,
                            "hour_to": a.hour_to,
                            "date_from": a.date_from.isoformat() if a.date_from else None,
                            "date_to": a.date_to.isoformat() if a.date_to else None,
                            "week_type": a.week_type,
                        }
                        for a in c.attendances
                    ],
                    "leaves": leaves(c.leaves),
                }
                for c in self.calendars
            ],
            "resources": [
                {
                    "id": r.id,
                    "name": r.name,
                    "kind": r.kind,
                    "capacity": r.capacity,
                    "calendar": r.calendar,
                    "leaves": leaves(r.leaves),
                    "skills": dict(r.skills),
                }
                for r in self.resources
            ],
            "projects": [
                {
                    "id": p.id,
                    "name": p.name,
                    "release": iso(p.release),
                    "due": iso(p.due),
                    "deadline": iso(p.deadline),
                    "weight": p.weight,
                }
                for p in self.projects
            ],
            "tasks": [_task_to_dict(t) for t in self.tasks],
            "precedences": [
                {"from": p.before, "to": p.after, "type": p.kind, "lag_hours_elapsed": p.lag_hours}
                for p in self.precedences
            ],
            "previous_plan": self.previous_plan,
            "stability": {
                "weight": self.stability_weight,
                "frozen_working_days": self.frozen_working_days,
            },
        }


def _task_to_dict(t: Task) -> dict[str, Any]:
    def iso(d: datetime | None) -> str | None:
        return None if d is None else d.isoformat()

    demands = []
    for d in t.demands:
        if d.resource is not None:
            demands.append({"resource": d.resource, "units": d.units})
        else:
            demands.append({"skill": d.skill, "level": d.level, "count": d.count})
    return {
        "id": t.id,
        "project": t.project,
        "name": t.name,
        "hours": t.hours,
        "demands": demands,
        "calendar": t.calendar,
        "interruptible": t.interruptible,
        "not_before": iso(t.not_before),
        "deadline": iso(t.deadline),
        "status": t.status,
        "started": iso(t.started),
        "remaining_hours": t.remaining_hours,
        "start": iso(t.start),
        "end": iso(t.end),
        "pinned": t.pinned,
        "resources": list(t.resources),
    }


def is_floor(data: Any) -> bool:
    return isinstance(data, dict) and data.get("kind") == KIND


def _validate_leaves(where: str, what: str, leaves: tuple[Leave, ...]) -> None:
    for k, lv in enumerate(leaves):
        if lv.end <= lv.start:
            raise ProblemError(
                f"{where}[{k}].end", f"{what}: leave {lv.name!r} ends before it starts"
            )


def _validate_calendar(i: int, cal: Calendar) -> None:
    where = f"calendars[{i}]"
    if not cal.attendances:
        raise ProblemError(
            f"{where}.attendances", f"calendar {cal.id!r} has no working time (no attendance)"
        )
    for k, a in enumerate(cal.attendances):
        if not 0 <= a.dayofweek <= 6:
            raise ProblemError(
                f"{where}.attendances[{k}].dayofweek",
                f"calendar {cal.id!r}: day of week {a.dayofweek} is not 0 (Monday) to 6 (Sunday)",
            )
        if not 0 <= a.hour_from < a.hour_to <= 24:
            raise ProblemError(
                f"{where}.attendances[{k}].hour_to",
                f"calendar {cal.id!r}: working hours {a.hour_from}-{a.hour_to} are not within a day",
            )
        if cal.two_weeks and a.week_type not in (0, 1):
            raise ProblemError(
                f"{where}.attendances[{k}].week_type",
                f"calendar {cal.id!r} has two weeks: week_type must be 0 or 1",
            )
    _validate_leaves(f"{where}.leaves", f"calendar {cal.id!r}", cal.leaves)
    try:
        ZoneInfo(cal.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ProblemError(f"{where}.timezone", f"unknown time zone {cal.timezone!r}") from exc


class _Parser:
    """Field readers that raise ProblemError with the JSON path of the bad value."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def items(
        self, data: dict[str, Any], key: str, optional: bool = False
    ) -> list[tuple[int, Any]]:
        value = data.get(key)
        if value is None and optional:
            return []
        if not isinstance(value, list):
            raise ProblemError(key, f"{key} must be a list")
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise ProblemError(f"{key}[{i}]", "must be an object")
        return list(enumerate(value))

    def req(self, d: dict[str, Any], key: str, where: str) -> Any:
        if d.get(key) in (None, ""):
            raise ProblemError(f"{where}.{key}", f"{key} is required")
        return d[key]

    def num(self, value: Any, where: str) -> float:
        try:
            out = float(value)
        except (TypeError, ValueError) as exc:
            raise ProblemError(where, f"expected a number, got {value!r}") from exc
        if not math.isfinite(out):
            raise ProblemError(where, f"expected a finite number, got {value!r}")
        return out

    def dt(self, value: Any, where: str, required: bool = False) -> datetime | None:
        if value in (None, ""):
            if required:
                raise ProblemError(where, "a datetime is required")
            return None
        try:
            out = datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise ProblemError(where, f"invalid ISO datetime {value!r}") from exc
        return out.replace(tzinfo=self.tz) if out.tzinfo is None else out

    def day(self, value: Any, where: str) -> date | None:
        if value in (None, "", False):
            return None
        try:
            return date.fromisoformat(str(value)[:10])
        except ValueError as exc:
            raise ProblemError(where, f"invalid ISO date {value!r}") from exc

    def leaves(self, data: Any, where: str) -> tuple[Leave, ...]:
        if data is None:
            return ()
        if not isinstance(data, list):
            raise ProblemError(where, "leaves must be a list")
        out = []
        for k, lv in enumerate(data):
            w = f"{where}[{k}]"
            out.append(
                Leave(
                    self.dt(lv.get("start"), f"{w}.start", True),  # type: ignore[arg-type]
                    self.dt(lv.get("end"), f"{w}.end", True),  # type: ignore[arg-type]
                    str(lv.get("name") or ""),
                )
            )
        return tuple(out)

    def calendar(self, c: dict[str, Any], where: str, tzname: str) -> Calendar:
        cid = str(self.req(c, "id", where))
        cal_tz = str(c.get("timezone") or tzname)
        atts = []
        for k, a in enumerate(c.get("attendances") or []):
            w = f"{where}.attendances[{k}]"
            wt = a.get("week_type")
            atts.append(
                Attendance(
                    dayofweek=int(self.num(self.req(a, "dayofweek", w), f"{w}.dayofweek")),
                    hour_from=self.num(a.get("hour_from"), f"{w}.hour_from"),
                    hour_to=self.num(a.get("hour_to"), f"{w}.hour_to"),
                    date_from=self.day(a.get("date_from"), f"{w}.date_from"),
                    date_to=self.day(a.get("date_to"), f"{w}.date_to"),
                    week_type=None if wt is None or wt is False or wt == "" else int(wt),
                )
            )
        # Leaves of a calendar are in absolute time; naive ones are local to that calendar.
        saved, self.tz = self.tz, ZoneInfo(cal_tz) if _known_tz(cal_tz) else self.tz
        leaves = self.leaves(c.get("leaves"), f"{where}.leaves")
        self.tz = saved
        return Calendar(
            id=cid,
            timezone=cal_tz,
            attendances=tuple(atts),
            leaves=leaves,
            two_weeks=bool(c.get("two_weeks", False)),
            name=str(c.get("name") or ""),
        )

    def resource(self, r: dict[str, Any], where: str, default_cal: str) -> Resource:
        skills = r.get("skills") or {}
        if not isinstance(skills, dict):
            raise ProblemError(f"{where}.skills", "skills must map a skill id to a level")
        return Resource(
            id=str(self.req(r, "id", where)),
            name=str(r.get("name") or ""),
            kind=str(r.get("kind") or "person"),
            capacity=int(self.num(r.get("capacity", 1), f"{where}.capacity")),
            calendar=str(r.get("calendar") or default_cal),
            leaves=self.leaves(r.get("leaves"), f"{where}.leaves"),
            skills={str(k): int(self.num(v, f"{where}.skills.{k}")) for k, v in skills.items()},
        )

    def project(self, r: dict[str, Any], where: str) -> Project:
        return Project(
            id=str(self.req(r, "id", where)),
            name=str(r.get("name") or ""),
            release=self.dt(r.get("release"), f"{where}.release"),
            due=self.dt(r.get("due"), f"{where}.due"),
            deadline=self.dt(r.get("deadline"), f"{where}.deadline"),
            weight=self.num(r.get("weight", 1.0), f"{where}.weight"),
        )

    def demand(self, d: dict[str, Any], where: str) -> Demand:
        if not isinstance(d, dict):
            raise ProblemError(where, "a demand is an object")
        return Demand(
            resource=None if d.get("resource") in (None, "") else str(d["resource"]),
            units=int(self.num(d.get("units", 1), f"{where}.units")),
            skill=None if d.get("skill") in (None, "") else str(d["skill"]),
            level=int(self.num(d.get("level", 0) or 0, f"{where}.level")),
            count=int(self.num(d.get("count", 1), f"{where}.count")),
        )

    def task(self, t: dict[str, Any], where: str) -> Task:
        rem = t.get("remaining_hours")
        return Task(
            id=str(self.req(t, "id", where)),
            project=str(self.req(t, "project", where)),
            name=str(t.get("name") or ""),
            hours=self.num(t.get("hours", 0), f"{where}.hours"),
            demands=tuple(
                self.demand(d, f"{where}.demands[{k}]")
                for k, d in enumerate(t.get("demands") or [])
            ),
            calendar=None if t.get("calendar") in (None, "") else str(t["calendar"]),
            interruptible=bool(t.get("interruptible", True)),
            not_before=self.dt(t.get("not_before"), f"{where}.not_before"),
            deadline=self.dt(t.get("deadline"), f"{where}.deadline"),
            status=str(t.get("status") or "todo"),
            started=self.dt(t.get("started"), f"{where}.started"),
            remaining_hours=None if rem is None else self.num(rem, f"{where}.remaining_hours"),
            start=self.dt(t.get("start"), f"{where}.start"),
            end=self.dt(t.get("end"), f"{where}.end"),
            pinned=bool(t.get("pinned", False)),
            resources=tuple(str(x) for x in (t.get("resources") or [])),
        )

    def precedence(self, r: dict[str, Any], where: str) -> Precedence:
        return Precedence(
            before=str(self.req(r, "from", where)),
            after=str(self.req(r, "to", where)),
            kind=str(r.get("type") or "FS"),
            lag_hours=self.num(r.get("lag_hours_elapsed", 0) or 0, f"{where}.lag_hours_elapsed"),
        )


def _known_tz(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def local_midnight(d: date, tz: ZoneInfo) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=tz)


ONE_DAY = timedelta(days=1)
