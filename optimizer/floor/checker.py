"""Independent checker of a floor plan against its floor problem (see optimizer/floor/README.md).

Nothing here comes from the scheduler or from `optimizer.floor.timeline`'s masks: which slots a
calendar or a resource works is recomputed straight from the model. Each slot's start is converted
to the calendar's local time with zoneinfo; the slot works when it lies (in elapsed time) inside
one attendance of that local date (day of week, `date_from`/`date_to`, Odoo's two-week parity;
bounds are wall-clock times of the date, the first of a repeated hour) and overlaps none of the
calendar's leaves; a resource also loses the slots its own leaves overlap. Only `Clock`'s fields
and `lag_slots` are shared with the engine; elapsed times are computed here in UTC.

Choices the README leaves open, made explicit here:

- An in-progress task does its remaining work in `[max(now, started), end)`: it may wait for its
  resources' first working slot after `now` (even when non-interruptible), then runs as any task.
- Working days of the frozen window are the local dates (default calendar's time zone) having a
  working slot of `default_calendar` at or after `now`; the window ends right after the last
  working slot of the last such day counted (a fractional day counts that share of the day's
  working slots, rounded up). A todo task whose previous start lies in `[now, window end)` keeps
  its previous start and resources; an in-progress task without given `resources` keeps its
  previous resources.
- `moved_count` counts the not-done tasks of the previous plan whose start or set of resources
  differs from it.
- A pinned or in-progress task with given `resources` uses exactly those; its demands are not
  checked against them (the given people are a fact, the demands a wish).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from optimizer.common.errors import ScheduleError
from optimizer.floor.model import Calendar, Demand, FloorProblem, Leave, Task
from optimizer.floor.plan import FloorPlan
from optimizer.floor.timeline import Clock

EPS = 1e-6  # slots: plan times closer than this are the same time
REL_TOL = 1e-6  # claimed figures
MAX_YEARS = 10  # plan ends beyond are reported, not swept slot by slot


class FloorScheduleError(ScheduleError):
    """A floor plan that violates its problem; the message lists the first violations."""

    what = "floor plan"
    listed = 20


def check_floor(
    problem: FloorProblem, plan: FloorPlan | dict[str, Any], clock: Clock | None = None
) -> list[str]:
    """Every way `plan` violates `problem`, as sentences; an empty list means the plan is valid.

    `plan` is a `FloorPlan` (slot edges) or its JSON form (datetimes, read here independently of
    `FloorPlan.from_dict`, so a time off the slot grid is reported rather than raised). A task that
    is missing, duplicated or has unusable times is reported once and left out of the slot checks.
    """
    clock = clock or Clock(problem.now, problem.slot_minutes, problem.tz)
    violations: list[str] = []
    entries, claims = _collect(problem, plan, clock, violations)
    live = [e for e in entries.values() if e.task.status != "done" and e.timed]
    grid = _WorkGrid(problem, clock, max([e.e for e in live], default=0) + 1)
    for e in entries.values():
        if e.task.status != "done":
            _check_resources(problem, e, violations)
            _check_dates(problem, e, clock, violations)
    for e in live:
        _check_progress(problem, e, grid, clock, violations)
    _check_capacity(problem, live, grid.n, clock, violations)
    _check_precedences(problem, entries, clock, violations)
    previous = _previous_plan(problem, clock)
    if previous:
        _check_frozen(problem, entries, previous, clock, violations)
    if len(entries) == len(problem.tasks):
        _check_claims(problem, entries, previous, claims, clock, violations)
    return violations


def assert_floor_valid(
    problem: FloorProblem, plan: FloorPlan | dict[str, Any], clock: Clock | None = None
) -> None:
    """Raise FloorScheduleError (an AssertionError) listing the first 20 violations, if any."""
    violations = check_floor(problem, plan, clock)
    if violations:
        raise FloorScheduleError(violations)


# ---------------------------------------------------------------------- plan entries


@dataclass
class _Entry:
    """One problem task as the plan places it. Times are slot offsets from `now` (floats: a done
    task's actual dates need not be slot edges); `s`/`e` are the integer edges of a not-done task."""

    task: Task
    start: float
    end: float
    resources: tuple[str, ...]
    timed: bool = True  # times usable by the slot checks

    @property
    def s(self) -> int:
        return math.floor(self.start + EPS)

    @property
    def e(self) -> int:
        return round(self.end)

    @property
    def label(self) -> str:
        return f"task {self.task.id!r} (order {self.task.project})"


@dataclass
class _Raw:
    id: str
    project: str
    status: str
    start: float
    end: float
    resources: tuple[str, ...]
    exact: bool = False  # JSON: actual dates are printed as they are, not rounded to slot edges


def _collect(
    problem: FloorProblem, plan: FloorPlan | dict[str, Any], clock: Clock, violations: list[str]
) -> tuple[dict[str, _Entry], tuple[Any, Any]]:
    if isinstance(plan, dict):
        raws = _raws_from_json(plan, clock, violations)
        claims = (plan.get("weighted_tardiness"), plan.get("moved_count"))
    else:
        raws = [
            _Raw(tp.id, tp.project, tp.status, float(tp.start), float(tp.end), tuple(tp.resources))
            for tp in plan.tasks
        ]
        claims = (plan.weighted_tardiness, plan.moved_count)
    found: dict[str, list[_Raw]] = {}
    for raw in raws:
        found.setdefault(raw.id, []).append(raw)
    for tid in found:
        if tid not in problem.task_index:
            violations.append(f"task {tid!r} is in the plan but not in the problem")
    entries: dict[str, _Entry] = {}
    for task in problem.tasks:
        mine = found.get(task.id, [])
        if len(mine) != 1:
            violations.append(
                f"task {task.id!r} (order {task.project}) is missing from the plan"
                if not mine
                else f"task {task.id!r} (order {task.project}) appears {len(mine)} times in the plan"
            )
            continue
        entry = _entry(task, mine[0], clock, violations)
        if entry is not None:
            entries[task.id] = entry
    return entries, claims


def _raws_from_json(data: dict[str, Any], clock: Clock, violations: list[str]) -> list[_Raw]:
    if data.get("kind") != "floor_plan":
        violations.append(f"the plan has kind {data.get('kind')!r}, expected 'floor_plan'")
    raws = []
    for k, t in enumerate(data.get("tasks") or []):
        try:
            tid = str(t["id"])
            times = [datetime.fromisoformat(str(t[key])) for key in ("start", "end")]
        except (KeyError, TypeError, ValueError) as exc:
            violations.append(f"plan tasks[{k}] needs an id and ISO start and end datetimes: {exc}")
            continue
        start, end = (_off(clock, x if x.tzinfo else x.replace(tzinfo=clock.tz)) for x in times)
        raws.append(
            _Raw(
                tid,
                str(t.get("project") or ""),
                str(t.get("status") or ""),
                start,
                end,
                tuple(str(r) for r in t.get("resources") or []),
                exact=True,
            )
        )
    return raws


def _entry(task: Task, raw: _Raw, clock: Clock, violations: list[str]) -> _Entry | None:
    """Check what concerns the task's own times; None when its times are unusable."""
    what = f"task {task.id!r} (order {task.project})"
    if raw.project and raw.project != task.project:
        violations.append(f"{what}: the plan files it under order {raw.project!r}")
    if raw.status and raw.status != task.status:
        violations.append(
            f"{what}: the plan says status {raw.status!r}, the problem {task.status!r}"
        )
    if task.status == "done":
        assert task.start is not None and task.end is not None  # validated by the model
        actual = (_off(clock, task.start), _off(clock, task.end))
        for name, got, want in (("start", raw.start, actual[0]), ("end", raw.end, actual[1])):
            if not _same_time(got, want, raw.exact):
                violations.append(
                    f"{what} is done but the plan moves its {name} from {_at(clock, want)} to "
                    f"{_at(clock, got)}"
                )
        return _Entry(task, actual[0], actual[1], raw.resources, timed=False)
    ok = True
    names = ("end",) if task.status == "in_progress" else ("start", "end")
    for name in names:
        value = getattr(raw, name)
        if abs(value - round(value)) > EPS:
            violations.append(
                f"{what}: {name} {_at(clock, value)} is not a slot edge of the "
                f"{clock.slot_minutes}-minute grid from {_at(clock, 0)}"
            )
            ok = False
    start = raw.start
    if task.status == "in_progress":
        assert task.started is not None
        want = _off(clock, task.started)
        if not _same_time(raw.start, want, raw.exact):
            violations.append(
                f"{what} is in progress since {_at(clock, want)} but the plan starts it at "
                f"{_at(clock, raw.start)}"
            )
        start = want
    if ok and round(raw.end) < math.floor(start + EPS):
        violations.append(
            f"{what} ends at {_at(clock, raw.end)}, before its start {_at(clock, start)}"
        )
        ok = False
    if ok and raw.end > MAX_YEARS * 366 * 24 * 60 / clock.slot_minutes:
        violations.append(f"{what} ends at {_at(clock, raw.end)}, over {MAX_YEARS} years from now")
        ok = False
    return _Entry(task, start, raw.end, raw.resources, timed=ok)


def _same_time(got: float, want: float, exact: bool = False) -> bool:
    """Equal, or (not `exact`) `got` is a slot edge next to an off-grid `want` (a rounded date)."""
    if abs(got - want) <= EPS:
        return True
    return (
        not exact
        and abs(got - round(got)) <= EPS
        and math.floor(want) <= round(got) <= math.ceil(want)
    )


def _at(clock: Clock, offset: float) -> str:
    """The datetime `offset` slots after now, in the problem's time zone."""
    dt = clock.now.astimezone(timezone.utc) + timedelta(minutes=offset * clock.slot_minutes)
    return dt.astimezone(clock.tz).isoformat()


def _off(clock: Clock, dt: datetime) -> float:
    """Slots from now to `dt`, elapsed (in UTC: aware datetimes sharing a ZoneInfo subtract as
    wall clocks)."""
    return _seconds(clock, dt) / (clock.slot_minutes * 60)


def _seconds(clock: Clock, dt: datetime) -> float:
    return (dt.astimezone(timezone.utc) - clock.now.astimezone(timezone.utc)).total_seconds()


# ---------------------------------------------------------------------- working time


class _WorkGrid:
    """Which of slots 0..n-1 each calendar and resource works, computed from the model alone."""

    def __init__(self, problem: FloorProblem, clock: Clock, n: int) -> None:
        self.problem = problem
        self.clock = clock
        self.n = n
        self.slot_seconds = clock.slot_minutes * 60
        self.edges = np.arange(n + 1, dtype=np.float64) * self.slot_seconds  # seconds from now
        self._local: dict[str, np.ndarray] = {}
        self._calendars: dict[str, np.ndarray] = {}
        self._resources: dict[str, np.ndarray] = {}

    def local_dates(self, tzname: str) -> np.ndarray:
        """Per slot: the ordinal of the local date of its start (never decreasing)."""
        if tzname not in self._local:
            tz = ZoneInfo(tzname)
            utc = self.clock.now.astimezone(timezone.utc)
            step = timedelta(seconds=self.slot_seconds)
            self._local[tzname] = np.array(
                [(utc + k * step).astimezone(tz).toordinal() for k in range(self.n)],
                dtype=np.int64,
            )
        return self._local[tzname]

    def calendar(self, cal_id: str) -> np.ndarray:
        if cal_id not in self._calendars:
            cal = self.problem.calendars[self.problem.calendar_index[cal_id]]
            mask = self._attendance(cal)
            self._remove(mask, cal.leaves)
            self._calendars[cal_id] = mask
        return self._calendars[cal_id]

    def resource(self, res_id: str) -> np.ndarray:
        if res_id not in self._resources:
            res = self.problem.resources[self.problem.resource_index[res_id]]
            mask = self.calendar(res.calendar).copy()
            self._remove(mask, res.leaves)
            self._resources[res_id] = mask
        return self._resources[res_id]

    def _attendance(self, cal: Calendar) -> np.ndarray:
        """Slots inside an attendance of the local date of their start. The attendance's bounds
        are wall-clock times of that date (zoneinfo's default fold: the first of a repeated hour),
        compared with the slot's start and end in elapsed time."""
        tz = ZoneInfo(cal.timezone)
        ordinals = self.local_dates(cal.timezone)
        mask = np.zeros(self.n, dtype=np.bool_)
        if self.n == 0:
            return mask
        days, first = np.unique(ordinals, return_index=True)
        bounds = list(first[1:]) + [self.n]
        starts, ends = self.edges[:-1], self.edges[1:]
        for day, lo, hi in zip(days.tolist(), first.tolist(), bounds, strict=True):
            midnight = datetime.combine(date.fromordinal(day), datetime.min.time())
            for hour_from, hour_to in _day_hours(cal, date.fromordinal(day)):
                begin = _seconds(
                    self.clock, (midnight + timedelta(hours=hour_from)).replace(tzinfo=tz)
                )
                end = _seconds(self.clock, (midnight + timedelta(hours=hour_to)).replace(tzinfo=tz))
                mask[lo:hi] |= (starts[lo:hi] >= begin - 1e-3) & (ends[lo:hi] <= end + 1e-3)
        return mask

    def _remove(self, mask: np.ndarray, leaves: tuple[Leave, ...]) -> None:
        """Unset every slot overlapping a leave: slot start < leave end and slot end > leave start."""
        for lv in leaves:
            lv_start, lv_end = _seconds(self.clock, lv.start), _seconds(self.clock, lv.end)
            lo = int(np.searchsorted(self.edges[1:], lv_start, side="right"))
            hi = int(np.searchsorted(self.edges[:-1], lv_end, side="left"))
            if lo < hi:
                mask[lo:hi] = False


def _day_hours(cal: Calendar, day: date) -> list[tuple[float, float]]:
    """The attendance intervals (local hours) of `cal` on `day`."""
    parity = int(math.floor((day.toordinal() - 1) / 7) % 2)
    out = []
    for a in cal.attendances:
        if a.dayofweek != day.weekday():
            continue
        if (a.date_from is not None and day < a.date_from) or (
            a.date_to is not None and day > a.date_to
        ):
            continue
        if cal.two_weeks and a.week_type is not None and a.week_type != parity:
            continue
        out.append((a.hour_from, a.hour_to))
    return out


# ---------------------------------------------------------------------- resources


def _given(task: Task) -> bool:
    return bool(task.resources) and (task.pinned or task.status == "in_progress")


def _check_resources(problem: FloorProblem, e: _Entry, violations: list[str]) -> None:
    task = e.task
    names = [r for r in e.resources if r in problem.resource_index]
    for r in e.resources:
        if r not in problem.resource_index:
            violations.append(f"{e.label} uses unknown resource {r!r}")
    seen: set[str] = set()
    for r in names:
        if r in seen:
            violations.append(f"{e.label}: {_res(problem, r)} is chosen more than once")
        seen.add(r)
    if _given(task):
        if seen != set(task.resources):
            violations.append(
                f"{e.label} is {'pinned' if task.pinned else 'in progress'} with resources "
                f"{sorted(task.resources)} but the plan uses {sorted(seen)}"
            )
        return
    named = {d.resource for d in task.demands if d.resource is not None}
    for r in sorted(named - seen):
        violations.append(f"{e.label} needs {_res(problem, r)} but the plan does not use it")
    skill_demands = [d for d in task.demands if d.skill is not None]
    _match_skills(problem, e, sorted(seen - named), skill_demands, violations)


def _res(problem: FloorProblem, rid: str) -> str:
    return f"{problem.resources[problem.resource_index[rid]].kind} {rid!r}"


def _skill(d: Demand) -> str:
    return f"skill {d.skill!r} >= {d.level}"


def _match_skills(
    problem: FloorProblem,
    e: _Entry,
    people: list[str],
    demands: list[Demand],
    violations: list[str],
) -> None:
    """Each chosen person fills one place of a skill demand he qualifies for, every place filled
    (bipartite matching by augmenting paths; a task has a handful of people)."""
    places = [k for k, d in enumerate(demands) for _ in range(d.count)]
    able: dict[str, list[int]] = {}
    for r in people:
        skills = problem.resources[problem.resource_index[r]].skills
        able[r] = [
            p
            for p, k in enumerate(places)
            if skills.get(demands[k].skill or "", -1) >= demands[k].level
        ]
        if not able[r]:
            if demands:
                wanted = " or ".join(_skill(d) for d in demands)
                violations.append(f"{e.label}: {_res(problem, r)} does not have {wanted}")
            else:
                violations.append(f"{e.label}: {_res(problem, r)} is not explained by any demand")
    holder: dict[int, str] = {}

    def augment(r: str, visited: set[int]) -> bool:
        for p in able[r]:
            if p in visited:
                continue
            visited.add(p)
            if p not in holder or augment(holder[p], visited):
                holder[p] = r
                return True
        return False

    unplaced = [r for r in people if able[r] and not augment(r, set())]
    for r in unplaced:
        violations.append(
            f"{e.label}: {_res(problem, r)} is not explained by any demand (the places it could "
            f"fill are taken)"
        )
    for k, d in enumerate(demands):
        filled = sum(1 for p, r in holder.items() if places[p] == k)
        if filled < d.count:
            violations.append(
                f"{e.label} needs {d.count} people with {_skill(d)} but the plan gives "
                f"{filled} qualified"
            )


def _occupation(problem: FloorProblem, e: _Entry) -> dict[str, int]:
    """Units of each known resource the task holds: a named demand's units, else 1."""
    units: dict[str, int] = {}
    for d in e.task.demands:
        if d.resource is not None:
            units[d.resource] = units.get(d.resource, 0) + d.units
    return {r: units.get(r, 1) for r in dict.fromkeys(e.resources) if r in problem.resource_index}


# ---------------------------------------------------------------------- dates and progress


def _check_dates(problem: FloorProblem, e: _Entry, clock: Clock, violations: list[str]) -> None:
    task = e.task
    project = problem.projects[problem.project_index[task.project]]
    if task.status == "todo":
        floors = [("now", problem.now), ("its order's release", project.release)]
        floors.append(("its not_before", task.not_before))
        for name, dt in floors:
            if dt is not None and e.start < _off(clock, dt) - EPS:
                violations.append(
                    f"{e.label} starts at {_at(clock, e.start)}, before {name} "
                    f"{dt.astimezone(clock.tz).isoformat()}"
                )
        if task.pinned and task.start is not None:
            want = _off(clock, task.start)
            if not _same_time(e.start, want):
                violations.append(
                    f"{e.label} is pinned at {_at(clock, want)} but the plan starts it at "
                    f"{_at(clock, e.start)}"
                )
    for name, dt in (("its deadline", task.deadline), ("its order's deadline", project.deadline)):
        if dt is not None and e.end > _off(clock, dt) + EPS:
            violations.append(
                f"{e.label} ends at {_at(clock, e.end)}, after {name} "
                f"{dt.astimezone(clock.tz).isoformat()}"
            )


def _work_slots(problem: FloorProblem, task: Task) -> int:
    hours = problem.work_hours(task)
    return max(0, math.ceil(hours * 60 / problem.slot_minutes - 1e-9))


def _check_progress(
    problem: FloorProblem, e: _Entry, grid: _WorkGrid, clock: Clock, violations: list[str]
) -> None:
    task = e.task
    todo = task.status == "todo"
    if todo and e.s < 0:
        return  # reported as starting before now
    lo, hi = max(0, e.s), e.e
    need = _work_slots(problem, task)
    if need == 0:
        if hi != lo:
            violations.append(
                f"{e.label} has no work left but spans {_at(clock, lo)} to {_at(clock, hi)}"
            )
        return
    known = [r for r in dict.fromkeys(e.resources) if r in problem.resource_index]
    if known:
        who = "all of " + ", ".join(repr(r) for r in known) if len(known) > 1 else repr(known[0])
        span = np.ones(hi - lo, dtype=np.bool_)
        for r in known:
            span &= grid.resource(r)[lo:hi]
    else:
        cal = task.calendar or problem.default_calendar
        who = f"calendar {cal!r}"
        span = grid.calendar(cal)[lo:hi].copy()
    done = int(span.sum())
    when = f"from {_at(clock, lo)} to {_at(clock, hi)}"
    note = _leave_note(problem, known, lo, hi, clock)
    if done != need:
        violations.append(
            f"{e.label} has {done} slot(s) where {who} work(s) {when}, needs exactly {need} "
            f"({problem.work_hours(task):g} h){note}"
        )
    if hi <= lo:
        return
    if todo and not span[0]:
        violations.append(f"{e.label} starts at {_at(clock, lo)} when {who} do(es) not work")
    if not span[-1]:
        violations.append(
            f"{e.label} ends at {_at(clock, hi)} after a slot when {who} do(es) not work"
        )
    if not task.interruptible and span.any():
        first = int(np.argmax(span))
        gaps = np.flatnonzero(~span[first:])
        if len(gaps):
            at = lo + first + int(gaps[0])
            violations.append(
                f"{e.label} is not interruptible but pauses at {_at(clock, at)}: {who} do(es) "
                f"not work then{note}"
            )


def _leave_note(problem: FloorProblem, resources: list[str], lo: int, hi: int, clock: Clock) -> str:
    """Which of `resources` have a personal leave overlapping slots [lo, hi), as a remark."""
    notes = []
    for r in resources:
        for lv in problem.resources[problem.resource_index[r]].leaves:
            if _off(clock, lv.start) < hi and _off(clock, lv.end) > lo:
                name = f" {lv.name!r}" if lv.name else ""
                notes.append(
                    f"{r!r} is on leave{name} from {lv.start.astimezone(clock.tz).isoformat()} "
                    f"to {lv.end.astimezone(clock.tz).isoformat()}"
                )
    return f" ({'; '.join(notes)})" if notes else ""


# ---------------------------------------------------------------------- capacity


def _check_capacity(
    problem: FloorProblem, live: list[_Entry], n: int, clock: Clock, violations: list[str]
) -> None:
    """Difference arrays per resource over slots 0..n-1; reports each overloaded stretch."""
    rows, los, his, units, users = [], [], [], [], []
    for e in live:
        lo, hi = max(0, e.s), e.e
        if hi <= lo:
            continue
        for r, u in _occupation(problem, e).items():
            rows.append(problem.resource_index[r])
            los.append(lo)
            his.append(hi)
            units.append(u)
            users.append(e)
    if not rows:
        return
    diff = np.zeros((len(problem.resources), n + 1), dtype=np.int64)
    np.add.at(diff, (np.array(rows), np.array(los)), np.array(units))
    np.add.at(diff, (np.array(rows), np.array(his)), -np.array(units))
    use = np.cumsum(diff, axis=1)[:, :n]
    cap = np.array([r.capacity for r in problem.resources], dtype=np.int64)
    over = use > cap[:, None]
    for ri in np.flatnonzero(over.any(axis=1)).tolist():
        res = problem.resources[ri]
        row = np.concatenate(([False], over[ri], [False]))
        changes = np.flatnonzero(row[1:] != row[:-1])
        for a, b in zip(changes[::2].tolist(), changes[1::2].tolist(), strict=True):
            tasks = sorted(
                {
                    e.task.id
                    for k, e in enumerate(users)
                    if rows[k] == ri and los[k] < b and his[k] > a
                }
            )
            violations.append(
                f"{res.kind} {res.id!r} is over its capacity {res.capacity} from {_at(clock, a)} "
                f"to {_at(clock, b)}: up to {int(use[ri, a:b].max())} used by tasks "
                + ", ".join(repr(t) for t in tasks)
            )


# ---------------------------------------------------------------------- precedences


def _check_precedences(
    problem: FloorProblem, entries: dict[str, _Entry], clock: Clock, violations: list[str]
) -> None:
    for p in problem.precedences:
        before, after = entries.get(p.before), entries.get(p.after)
        if before is None or after is None or after.task.status != "todo":
            continue  # missing (reported) or history
        lag = clock.lag_slots(p.lag_hours)
        anchor = before.end if p.kind == "FS" else before.start
        if after.start < anchor + lag - EPS:
            what = "end" if p.kind == "FS" else "start"
            violations.append(
                f"precedence {p.kind} {p.before!r} -> {p.after!r} (lag {p.lag_hours:g} h): "
                f"task {p.after!r} (order {after.task.project}) starts at "
                f"{_at(clock, after.start)}, before {p.before!r}'s {what} {_at(clock, anchor)} "
                f"+ lag = {_at(clock, anchor + lag)}"
            )


# ---------------------------------------------------------------------- re-planning


@dataclass(frozen=True)
class _Previous:
    start: float
    resources: frozenset[str]


def _previous_plan(problem: FloorProblem, clock: Clock) -> dict[str, _Previous]:
    """Start and resources of each readable task of the previous plan."""
    data = problem.previous_plan
    if not isinstance(data, dict):
        return {}
    out = {}
    for t in data.get("tasks") or []:
        try:
            start = datetime.fromisoformat(str(t["start"]))
        except (KeyError, TypeError, ValueError):
            continue
        start = start if start.tzinfo else start.replace(tzinfo=clock.tz)
        resources = frozenset(str(r) for r in t.get("resources") or [])
        out[str(t["id"])] = _Previous(_off(clock, start), resources)
    return out


def frozen_window_end(problem: FloorProblem, clock: Clock) -> int:
    """The slot edge ending the frozen window: `frozen_working_days` working days of the default
    calendar from now (0 when there is none; see the module docstring)."""
    days = problem.frozen_working_days
    if days <= 0:
        return 0
    whole, frac = int(days), days - int(days)
    per_day = 24 * 60 // clock.slot_minutes
    n = per_day * (math.ceil(days) * 2 + 14)
    while True:
        grid = _WorkGrid(problem, clock, n)
        working = np.flatnonzero(grid.calendar(problem.default_calendar))
        cal = problem.calendars[problem.calendar_index[problem.default_calendar]]
        ordinals = grid.local_dates(cal.timezone)[working]
        _, counts = np.unique(ordinals, return_counts=True)
        if len(counts) > whole or n > per_day * 366 * 5:
            break
        n *= 2
    need = int(counts[:whole].sum())
    if frac > 0 and whole < len(counts):
        need += math.ceil(frac * counts[whole] - 1e-9)
    need = min(need, len(working))
    return int(working[need - 1]) + 1 if need > 0 else 0


def _check_frozen(
    problem: FloorProblem,
    entries: dict[str, _Entry],
    previous: dict[str, _Previous],
    clock: Clock,
    violations: list[str],
) -> None:
    cutoff = frozen_window_end(problem, clock)
    for tid, prev in previous.items():
        e = entries.get(tid)
        if e is None or e.task.status == "done":
            continue
        todo = e.task.status == "todo"
        if todo and not -EPS <= prev.start < cutoff - EPS:
            continue
        if not todo and (_given(e.task) or prev.start >= cutoff - EPS):
            continue
        why = f"previous start {_at(clock, prev.start)} is in the frozen window ending {_at(clock, cutoff)}"
        if todo and not _same_time(e.start, prev.start):
            violations.append(f"{e.label} is frozen ({why}) but moves to {_at(clock, e.start)}")
        if set(e.resources) != prev.resources:
            violations.append(
                f"{e.label} is frozen ({why}) but its resources change from "
                f"{sorted(prev.resources)} to {sorted(set(e.resources))}"
            )


def _moved(entries: dict[str, _Entry], previous: dict[str, _Previous]) -> list[str]:
    return [
        tid
        for tid, prev in previous.items()
        if tid in entries
        and entries[tid].task.status != "done"
        and (
            not _same_time(entries[tid].start, prev.start)
            or set(entries[tid].resources) != prev.resources
        )
    ]


def _check_claims(
    problem: FloorProblem,
    entries: dict[str, _Entry],
    previous: dict[str, _Previous],
    claims: tuple[Any, Any],
    clock: Clock,
    violations: list[str],
) -> None:
    hours = clock.slot_minutes / 60
    last: dict[str, float] = {}
    for e in entries.values():
        last[e.task.project] = max(last.get(e.task.project, -math.inf), e.end)
    tardiness = 0.0
    for p in problem.projects:
        if p.due is not None and p.id in last:
            tardiness += p.weight * max(0.0, (last[p.id] - _off(clock, p.due)) * hours)
    claimed_wt, claimed_moved = claims
    if claimed_wt is not None and not _close(float(claimed_wt), tardiness):
        violations.append(
            f"the plan claims weighted tardiness {float(claimed_wt):g} h but its orders' last ends "
            f"give {tardiness:g} h"
        )
    moved = _moved(entries, previous)
    if claimed_moved is not None and int(claimed_moved) != len(moved):
        violations.append(
            f"the plan claims {int(claimed_moved)} moved task(s) but {len(moved)} differ from the "
            "previous plan" + (f" ({', '.join(repr(t) for t in moved[:10])})" if moved else "")
        )


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= REL_TOL * max(1.0, abs(a), abs(b))
