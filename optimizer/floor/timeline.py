"""The time grid of a floor problem: slots from `now`, and which slots each calendar and resource
works (see optimizer/floor/README.md, "Time grid").

Slot `t` is `[now + t*slot, now + (t+1)*slot)` in absolute time. A slot works for a calendar when it
lies entirely inside one attendance interval (local time of the calendar, DST included) and overlaps
none of the calendar's leaves; a resource also loses the slots its own leaves overlap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np

from optimizer.common.errors import ProblemError
from optimizer.floor.model import Calendar, FloorProblem, Leave


@dataclass(frozen=True)
class Clock:
    """Converts between aware datetimes and slot indexes."""

    now: datetime
    slot_minutes: int
    tz: ZoneInfo

    @property
    def slot(self) -> timedelta:
        return timedelta(minutes=self.slot_minutes)

    def offset(self, dt: datetime) -> float:
        """Slots from `now` to `dt` as a float (elapsed time: in UTC, since aware datetimes
        sharing a tzinfo subtract as wall clocks, 24 h across a DST change)."""
        elapsed = dt.astimezone(timezone.utc) - self.now.astimezone(timezone.utc)
        return elapsed.total_seconds() / (self.slot_minutes * 60)

    def floor(self, dt: datetime) -> int:
        return math.floor(round(self.offset(dt), 9))

    def ceil(self, dt: datetime) -> int:
        return math.ceil(round(self.offset(dt), 9))

    def at(self, slot: int) -> datetime:
        """The datetime of slot edge `slot`, in the problem's time zone."""
        return (self.now.astimezone(timezone.utc) + slot * self.slot).astimezone(self.tz)

    def iso(self, slot: int) -> str:
        return self.at(slot).isoformat()

    def lag_slots(self, hours: float) -> int:
        """Elapsed hours as slots, rounded up (negative lags rounded towards zero)."""
        return math.ceil(round(hours * 60 / self.slot_minutes, 9))


def week_type(day: date) -> int:
    """Odoo's two-week calendar parity (resource.calendar.attendance.get_week_type)."""
    return int(math.floor((day.toordinal() - 1) / 7) % 2)


def calendar_mask(cal: Calendar, clock: Clock, n_slots: int) -> np.ndarray:
    """Boolean array: slot t works for `cal` (leaves of the calendar removed)."""
    mask = np.zeros(n_slots, dtype=np.bool_)
    tz = ZoneInfo(cal.timezone)
    first = clock.at(0).astimezone(tz).date() - timedelta(days=1)
    last = clock.at(n_slots).astimezone(tz).date() + timedelta(days=1)
    by_day: dict[int, list] = {d: [] for d in range(7)}
    for a in cal.attendances:
        by_day[a.dayofweek].append(a)
    day = first
    while day <= last:
        wt = week_type(day)
        for a in by_day[day.weekday()]:
            if a.date_from and day < a.date_from or a.date_to and day > a.date_to:
                continue
            if cal.two_weeks and a.week_type is not None and a.week_type != wt:
                continue
            midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
            start = _local(midnight, a.hour_from, tz)
            end = _local(midnight, a.hour_to, tz)
            lo, hi = max(0, clock.ceil(start)), min(n_slots, clock.floor(end))
            if lo < hi:
                mask[lo:hi] = True
        day += timedelta(days=1)
    _remove_leaves(mask, cal.leaves, clock)
    return mask


def _local(midnight: datetime, hours: float, tz: ZoneInfo) -> datetime:
    """Wall-clock `hours` after local midnight (so 8.0 is 08:00 even on a DST day)."""
    naive = midnight.replace(tzinfo=None) + timedelta(hours=hours)
    return naive.replace(tzinfo=tz)


def _remove_leaves(mask: np.ndarray, leaves: tuple[Leave, ...], clock: Clock) -> None:
    n = len(mask)
    for lv in leaves:
        lo, hi = max(0, clock.floor(lv.start)), min(n, clock.ceil(lv.end))
        if lo < hi:
            mask[lo:hi] = False


def default_horizon(problem: FloorProblem, clock: Clock) -> int:
    """Slots enough for any sensible plan: past the latest date named, plus twice the time the
    whole workload takes on the whole workforce's weekly hours, plus four weeks."""
    if problem.horizon_end is not None:
        return max(1, clock.ceil(problem.horizon_end))
    latest = problem.now
    for p in problem.projects:
        for d in (p.release, p.due, p.deadline):
            if d is not None and d > latest:
                latest = d
    for t in problem.tasks:
        for d in (t.not_before, t.deadline, t.start, t.end):
            if d is not None and d > latest:
                latest = d
    work = 0.0
    for t in problem.tasks:
        if t.status == "done":
            continue
        people = sum(d.units if d.resource else d.count for d in t.demands) or 1
        work += problem.work_hours(t) * people
    weekly = 0.0
    for r in problem.resources:
        cal = problem.calendars[problem.calendar_index[r.calendar]]
        hours = sum(a.hour_to - a.hour_from for a in cal.attendances)
        weekly += hours / (2 if cal.two_weeks else 1) * r.capacity
    weeks = 2 * work / weekly if weekly > 0 else 0
    # A single long chain can outlast the pooled estimate: add the longest order's total hours
    # at 40 hours a week.
    per_project: dict[str, float] = {}
    for t in problem.tasks:
        if t.status != "done":
            per_project[t.project] = per_project.get(t.project, 0.0) + problem.work_hours(t)
    weeks += max(per_project.values(), default=0.0) / 40
    end = latest + timedelta(weeks=weeks + 4)
    return max(1, clock.ceil(end))


@dataclass
class Timeline:
    """The grid of one problem: clock, horizon, and working masks per calendar and resource."""

    clock: Clock
    n_slots: int
    calendar_work: np.ndarray  # (n_calendars, n_slots) bool
    resource_work: np.ndarray  # (n_resources, n_slots) bool

    def working_slots_from(self, calendar: int, start: int, count: int) -> int:
        """The slot edge after `count` working slots of `calendar` from `start` (n_slots if short)."""
        idx = np.flatnonzero(self.calendar_work[calendar, start:])
        if count <= 0:
            return start
        if len(idx) < count:
            return self.n_slots
        return start + int(idx[count - 1]) + 1


def build_timeline(problem: FloorProblem, n_slots: int | None = None) -> Timeline:
    """Compile the calendars of `problem`; refuse calendars and resources that never work."""
    clock = Clock(problem.now, problem.slot_minutes, problem.tz)
    n = n_slots if n_slots is not None else default_horizon(problem, clock)
    cal_work = np.zeros((len(problem.calendars), n), dtype=np.bool_)
    for i, cal in enumerate(problem.calendars):
        cal_work[i] = calendar_mask(cal, clock, n)
        if not cal_work[i].any():
            raise ProblemError(
                f"calendars[{i}]",
                f"calendar {cal.id!r} has no working time between {clock.iso(0)} and "
                f"{clock.iso(n)} (attendances, date ranges or leaves leave no working slot)",
            )
    res_work = np.zeros((len(problem.resources), n), dtype=np.bool_)
    for i, res in enumerate(problem.resources):
        row = cal_work[problem.calendar_index[res.calendar]].copy()
        _remove_leaves(row, res.leaves, clock)
        res_work[i] = row
    return Timeline(clock, n, cal_work, res_work)
