"""What a floor plan means for planners: per-task slack and criticality, per-order forecast, critical
chain and bottleneck, per-resource daily load, what moved since the previous plan and why.

`annotate(problem, timeline, plan)` fills `plan.tasks[*].slack_hours / critical`, `plan.projects`,
`plan.resources`, `plan.moved` and `plan.precedences` in place; it works on any plan (solver output or
hand-built), valid or not. `plan_summary(plan)` gives a few lines for the CLI.

Times are slot edges of the timeline's clock (see optimizer/floor/README.md); sentences carry local
datetimes of the problem's time zone, ids and names.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from optimizer.floor.compiled import frozen_edge, parse_previous
from optimizer.floor.model import FloorProblem, Leave, Project, Task
from optimizer.floor.plan import FloorPlan, FloorTaskPlan
from optimizer.floor.timeline import Timeline

# ---------------------------------------------------------------------------- formatting


def fmt_dt(dt: datetime) -> str:
    """A datetime for sentences: `2027-01-20 17:00` (already in the wanted time zone)."""
    return dt.strftime("%Y-%m-%d %H:%M")


def fmt_hours(hours: float) -> str:
    """`28 h`, `27.5 h`."""
    value = round(hours, 1)
    if value == int(value):
        return f"{int(value)} h"
    return f"{value} h"


def _parse_dt(value: Any, tz: Any) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return dt.replace(tzinfo=tz) if dt.tzinfo is None else dt


# ---------------------------------------------------------------------------- frozen window


def frozen_tasks(
    problem: FloorProblem, timeline: Timeline, previous: dict[str, Any] | None = None
) -> dict[str, tuple[int, tuple[str, ...]]]:
    """Todo, not-pinned tasks frozen by the previous plan: id -> (start slot, resources). Same
    window as the scheduler (`compiled.frozen_edge`): previous start in [now, window end)."""
    if previous is None:
        previous = parse_previous(problem, timeline)
    if not previous:
        return {}
    edge = frozen_edge(problem, timeline)
    out: dict[str, tuple[int, tuple[str, ...]]] = {}
    for task in problem.tasks:
        prev = previous.get(task.id)
        if prev is None or task.status != "todo" or task.pinned:
            continue
        if 0 <= prev.start < edge:
            out[task.id] = (prev.start, tuple(prev.resources))
    return out


def _midnight(day: date, tz: Any) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)


# ---------------------------------------------------------------------------- plan view


class PlanView:
    """A plan read against its problem and time grid: progress masks, resource occupation,
    dependencies. Shared by `annotate` and `optimizer.floor.explain`."""

    def __init__(self, problem: FloorProblem, timeline: Timeline, plan: FloorPlan) -> None:
        self.problem = problem
        self.timeline = timeline
        self.plan = plan
        self.clock = timeline.clock
        self.n = timeline.n_slots
        self.h = problem.slot_minutes / 60.0
        self.tz = problem.tz
        self.tasks: dict[str, Task] = {t.id: t for t in problem.tasks}
        self.projects: dict[str, Project] = {p.id: p for p in problem.projects}
        self.resources = {r.id: r for r in problem.resources}
        self.plan_tasks: dict[str, FloorTaskPlan] = {
            tp.id: tp for tp in plan.tasks if tp.id in self.tasks
        }
        self.preds: dict[str, list] = defaultdict(list)
        self.succs: dict[str, list] = defaultdict(list)
        for prec in problem.precedences:
            self.preds[prec.after].append(prec)
            self.succs[prec.before].append(prec)
        self.previous = parse_previous(problem, timeline)  # id -> PreviousTask(start, resources)
        self.frozen = frozen_tasks(problem, timeline, self.previous)
        self.on_resource: dict[str, list[FloorTaskPlan]] = defaultdict(list)
        for tp in self.plan_tasks.values():
            if tp.status == "done":
                continue
            for rid in tp.resources:
                if rid in self.resources:
                    self.on_resource[rid].append(tp)
        for rows in self.on_resource.values():
            rows.sort(key=lambda tp: (tp.start, tp.end, tp.id))
        self._starts = {rid: [tp.start for tp in rows] for rid, rows in self.on_resource.items()}
        self._masks: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}
        self._occ: dict[str, np.ndarray] = {}

    # -- names
    def res_name(self, rid: str) -> str:
        res = self.resources.get(rid)
        return (res.name or rid) if res else rid

    def at(self, slot: int) -> datetime:
        return self.clock.at(slot)

    def when(self, slot: int) -> str:
        return fmt_dt(self.clock.at(slot))

    def iso(self, slot: int) -> str:
        return self.clock.iso(slot)

    # -- work
    def work_slots(self, task: Task) -> int:
        return self.problem.slots(self.problem.work_hours(task))

    def units(self, task: Task, rid: str) -> int:
        for d in task.demands:
            if d.resource == rid:
                return d.units
        return 1

    def mask(self, tid: str, resources: tuple[str, ...] | None = None) -> np.ndarray:
        """Slots in which task `tid` progresses on `resources` (default: its planned ones)."""
        task = self.tasks[tid]
        if resources is None:
            tp = self.plan_tasks.get(tid)
            resources = tp.resources if tp else ()
        key = (tid, tuple(resources))
        if key not in self._masks:
            self._masks[key] = progress_mask(self.problem, self.timeline, task, resources)
        return self._masks[key]

    def occupation(self, rid: str) -> np.ndarray:
        """Units of resource `rid` occupied per slot by the plan's not-done tasks."""
        if rid not in self._occ:
            occ = np.zeros(self.n, dtype=np.int32)
            for tp in self.on_resource.get(rid, ()):
                lo, hi = max(0, tp.start), min(self.n, tp.end)
                if lo < hi:
                    occ[lo:hi] += self.units(self.tasks[tp.id], rid)
            self._occ[rid] = occ
        return self._occ[rid]

    def user_at(self, rid: str, slot: int, exclude: str = "") -> FloorTaskPlan | None:
        """The task using `rid` at `slot` (the one ending last when several)."""
        rows = self.on_resource.get(rid, [])
        best = None
        k = bisect_right(self._starts.get(rid, []), slot)
        for tp in reversed(rows[:k]):  # started at or before `slot`, latest first
            if tp.id != exclude and slot < tp.end and (best is None or tp.end > best.end):
                best = tp
            if best is not None and self.resources[rid].capacity == 1:
                break
        return best

    def span_hours(self, tid: str, rid: str | None = None) -> float:
        """Working hours of a task's span in its progress time (from `now` on)."""
        tp = self.plan_tasks[tid]
        lo, hi = max(0, tp.start), min(self.n, tp.end)
        if lo >= hi:
            return 0.0
        return float(self.mask(tid)[lo:hi].sum()) * self.h

    def leaves_between(self, rid: str, lo: int, hi: int) -> list[Leave]:
        """Own leaves of resource `rid` overlapping slots [lo, hi)."""
        res = self.resources.get(rid)
        if res is None or lo >= hi:
            return []
        a, b = self.clock.at(lo), self.clock.at(hi)
        return [lv for lv in res.leaves if lv.start < b and lv.end > a]

    def date_bound(self, task: Task) -> tuple[int, str]:
        """Earliest start slot from `now`, the order's release and the task's not_before."""
        bound, kind = 0, "now"
        proj = self.projects.get(task.project)
        for k, dt in (("release", proj.release if proj else None), ("not_before", task.not_before)):
            if dt is not None:
                b = self.clock.ceil(dt)
                if b >= bound and b > 0:
                    bound, kind = b, k
        return bound, kind

    def deadline_slot(self, task: Task) -> tuple[int | None, str]:
        """Latest end slot from the task's and the order's hard deadline, and which one binds."""
        best: int | None = None
        kind = ""
        proj = self.projects.get(task.project)
        for k, dt in (("task", task.deadline), ("order", proj.deadline if proj else None)):
            if dt is not None:
                b = self.clock.floor(dt)
                if best is None or b < best:
                    best, kind = b, k
        return best, kind

    def fixed_kind(self, task: Task) -> str | None:
        if task.status in ("done", "in_progress"):
            return task.status
        if task.pinned:
            return "pinned"
        if task.id in self.frozen:
            return "frozen"
        return None


def progress_mask(
    problem: FloorProblem, timeline: Timeline, task: Task, resources: tuple[str, ...]
) -> np.ndarray:
    """Slots in which `task` progresses on `resources`: all of them work (or, without resources,
    the task's calendar works)."""
    rows = [problem.resource_index[r] for r in resources if r in problem.resource_index]
    if rows:
        if len(rows) == 1:
            return timeline.resource_work[rows[0]]
        return np.logical_and.reduce(timeline.resource_work[rows], axis=0)
    cal = task.calendar or problem.default_calendar
    return timeline.calendar_work[problem.calendar_index[cal]]


# ---------------------------------------------------------------------------- chain walk


@dataclass
class Hold:
    """What held the start of one task of a plan."""

    task: str
    cause: str  # now|release|not_before|predecessor|resource|pinned|frozen|in_progress|done|free
    bound: int  # slot the cause allowed the task to start from
    other: str | None = None  # predecessor or blocking task
    resource: str | None = None  # busy resource
    wait_hours: float = 0.0  # working hours the busy resource made the task wait
    leave: tuple[str, Leave] | None = None  # a resource on leave between bound and start
    leave_hours: float = 0.0


def hold(view: PlanView, tid: str) -> Hold:
    """Why task `tid` starts when it does in the plan."""
    tp = view.plan_tasks[tid]
    task = view.tasks[tid]
    s = tp.start
    fixed = view.fixed_kind(task)
    if fixed is not None:
        return Hold(tid, fixed, s)
    # candidates: (bound, priority on ties, cause, other, resource)
    date_b, date_kind = view.date_bound(task)
    cands: list[tuple[int, int, str, str | None, str | None]] = [(date_b, 0, date_kind, None, None)]
    for prec in view.preds.get(tid, ()):
        p = view.plan_tasks.get(prec.before)
        if p is None:
            continue
        lag = view.clock.lag_slots(prec.lag_hours)
        cands.append(
            ((p.end if prec.kind == "FS" else p.start) + lag, 1, "predecessor", p.id, None)
        )
    hi = max(0, min(s, view.n))
    for rid in tp.resources:
        res = view.resources.get(rid)
        if res is None or hi == 0:
            continue
        need = view.units(task, rid)
        blocked = np.flatnonzero(view.occupation(rid)[:hi] + need > res.capacity)
        if len(blocked):
            t = int(blocked[-1])
            user = view.user_at(rid, t, exclude=tid)
            if user is not None:
                cands.append((t + 1, 2, "resource", user.id, rid))
    bound, _, cause, other, rid = max(cands, key=lambda c: (c[0], c[1]))
    out = Hold(tid, cause, bound, other, rid)
    mask = view.mask(tid)
    lo = max(0, bound)
    if lo < hi and _can_start(mask, lo, hi, view.work_slots(task), task.interruptible):
        out.cause, out.other, out.resource = "free", None, None
        return out
    if cause == "resource" and rid is not None:
        rest = max((c[0] for c in cands if c[2] != "resource" or c[4] != rid), default=0)
        row = view.timeline.resource_work[view.problem.resource_index[rid]]
        out.wait_hours = float(row[max(0, rest) : hi].sum()) * view.h
    # a resource on leave between the bound and the start
    best_leave: tuple[float, str, Leave] | None = None
    for r in tp.resources:
        leaves = view.leaves_between(r, lo, hi)
        if not leaves:
            continue
        res = view.resources[r]
        cal = view.timeline.calendar_work[view.problem.calendar_index[res.calendar]]
        row = view.timeline.resource_work[view.problem.resource_index[r]]
        lost = float((cal[lo:hi] & ~row[lo:hi]).sum()) * view.h
        if lost > 0 and (best_leave is None or lost > best_leave[0]):
            best_leave = (lost, r, max(leaves, key=lambda lv: lv.end - lv.start))
    if best_leave is not None:
        out.leave = (best_leave[1], best_leave[2])
        out.leave_hours = best_leave[0]
    return out


def _can_start(mask: np.ndarray, lo: int, hi: int, work: int, interruptible: bool) -> bool:
    """Could a task progressing in `mask` start in [lo, hi)?"""
    if work <= 0:
        return True
    if interruptible:
        return bool(mask[lo:hi].any())
    seg = mask[lo : hi + work - 1].astype(np.int32)
    if len(seg) < work:
        return False
    c = np.concatenate(([0], np.cumsum(seg)))
    return bool((c[work:] - c[:-work] == work)[: hi - lo].any())


def walk(view: PlanView, tid: str) -> list[Hold]:
    """The chain that held task `tid`, from `tid` backwards."""
    steps: list[Hold] = []
    seen: set[str] = set()
    cur: str | None = tid
    while cur is not None and cur not in seen and cur in view.plan_tasks:
        seen.add(cur)
        h = hold(view, cur)
        steps.append(h)
        cur = h.other if h.cause in ("predecessor", "resource") else None
    return steps


def chain_hours(view: PlanView, steps: list[Hold]) -> dict[str, float]:
    """Hours each resource held the chain: its work on chain tasks plus the waits it caused."""
    hours: dict[str, float] = defaultdict(float)
    for st in steps:
        tp = view.plan_tasks[st.task]
        span = view.span_hours(st.task)
        for rid in tp.resources:
            if rid in view.resources:
                hours[rid] += span
        if st.cause == "resource" and st.resource:
            hours[st.resource] += st.wait_hours
        if st.leave is not None:
            hours[st.leave[0]] += st.leave_hours
    return dict(hours)


def bottleneck_of(view: PlanView, steps: list[Hold]) -> str | None:
    hours = chain_hours(view, steps)
    if not hours:
        return None
    rid = max(sorted(hours), key=lambda r: hours[r])
    return rid if hours[rid] > 0 else None


def _hold_until(view: PlanView, st: Hold) -> int | None:
    """The slot the cause of `st` lasts until: the blocking task's end, or the date bound."""
    if st.cause in ("resource", "predecessor") and st.other:
        return view.plan_tasks[st.other].end
    if st.cause in ("release", "not_before", "pinned", "frozen"):
        return st.bound
    return None


def hold_phrase(view: PlanView, st: Hold) -> str:
    """`SO042/weld waits for Li Wei (busy on SO040/weld until 2027-01-18 17:00)`."""
    until = _hold_until(view, st)
    when = "" if until is None else view.when(until)
    if st.cause == "resource" and st.resource and st.other:
        text = f"{st.task} waits for {view.res_name(st.resource)} (busy on {st.other} until {when})"
    elif st.cause == "predecessor" and st.other:
        text = f"{st.task} waits for {st.other} to end ({when})"
    elif st.cause == "release":
        proj = view.projects[view.tasks[st.task].project]
        text = f"{proj.id} is released only on {when}"
    elif st.cause == "not_before":
        text = f"{st.task} may not start before {when}"
    elif st.cause == "pinned":
        text = f"{st.task} is pinned to start {when}"
    elif st.cause == "frozen":
        text = f"{st.task} is frozen at {when} by the previous plan"
    elif st.cause == "in_progress":
        text = f"{st.task} is in progress"
    elif st.cause == "done":
        text = f"{st.task} is done"
    elif st.cause == "free":
        text = f"{st.task} could start earlier"
    else:
        text = f"{st.task} starts now ({view.when(0)})"
    if st.leave is not None:
        rid, lv = st.leave
        label = f" ({lv.name})" if lv.name else ""
        text += (
            f"; {view.res_name(rid)} is on leave{label} until {fmt_dt(lv.end.astimezone(view.tz))}"
        )
    return text


def hold_details(view: PlanView, st: Hold) -> dict[str, Any]:
    """`hold_phrase` as data, for a reader in another language: the cause, the tasks and the
    resource it names, the moment it ends (ISO 8601) and the leave that stretched it."""
    until = _hold_until(view, st)
    details: dict[str, Any] = {
        "cause": st.cause,
        "task": st.task,
        "other": st.other,
        "resource": st.resource,
        "until": None if until is None else view.iso(until),
    }
    if st.leave is not None:
        rid, lv = st.leave
        details["leave"] = {
            "resource": rid,
            "name": lv.name or "",
            "until": lv.end.astimezone(view.tz).isoformat(),
        }
    return details


def main_hold(view: PlanView, steps: list[Hold], project: str | None = None) -> Hold | None:
    """The step that explains a chain best: the longest resource wait or leave of the order's own
    tasks (else of any task), else a late release/not-before/pin at the chain's root."""
    waits = [s for s in steps if s.wait_hours > 0 or s.leave_hours > 0]
    own = [s for s in waits if view.tasks[s.task].project == project]
    if own or waits:
        return max(own or waits, key=lambda s: s.wait_hours + s.leave_hours)
    root = steps[-1] if steps else None
    if root is not None and root.cause in ("release", "not_before", "pinned", "frozen"):
        return root
    return None


CHAIN_SHOWN = 8


def chain_text(chain: list[str]) -> str:
    """`A → B → C`; a long chain shows its last tasks: `… → X → Y (23 tasks)`."""
    if len(chain) <= CHAIN_SHOWN:
        return " → ".join(chain)
    return "… → " + " → ".join(chain[-CHAIN_SHOWN:]) + f" ({len(chain)} tasks)"


# ---------------------------------------------------------------------------- slack


def _slack(view: PlanView, proj_bound: dict[str, int]) -> dict[str, tuple[float | None, int]]:
    """Per task: (slack hours, latest start slot) of the fixed plan, resource-aware: successors by
    dependency and the next task on each unit-capacity resource."""
    out: dict[str, tuple[float | None, int]] = {}
    nxt: dict[str, list[str]] = defaultdict(list)
    for rid, rows in view.on_resource.items():
        if view.resources[rid].capacity != 1:
            continue
        for a, b in zip(rows, rows[1:], strict=False):
            nxt[a.id].append(b.id)
    order = sorted(view.plan_tasks.values(), key=lambda tp: (tp.start, tp.end, tp.id), reverse=True)
    for _ in range(2):  # a second pass settles the rare successor that starts before its task
        for tp in order:
            task = view.tasks[tp.id]
            if tp.status == "done" or task.status == "done":
                out[tp.id] = (None, tp.start)
                continue
            fixed = view.fixed_kind(task)
            if fixed in ("pinned", "frozen"):
                out[tp.id] = (0.0, tp.start)
                continue
            lf = proj_bound.get(tp.project, tp.end)
            dl, _ = view.deadline_slot(task)
            if dl is not None:
                lf = min(lf, dl)
            ls_limit = view.n
            for prec in view.succs.get(tp.id, ()):
                s = view.plan_tasks.get(prec.after)
                if s is None or s.status == "done":
                    continue
                ls_s = out.get(s.id, (None, s.start))[1]
                lag = view.clock.lag_slots(prec.lag_hours)
                if prec.kind == "FS":
                    lf = min(lf, ls_s - lag)
                else:
                    ls_limit = min(ls_limit, ls_s - lag)
            for sid in nxt.get(tp.id, ()):
                lf = min(lf, out.get(sid, (None, view.plan_tasks[sid].start))[1])
            lf = min(max(lf, tp.end), view.n)
            mask = view.mask(tp.id)
            if fixed == "in_progress":
                lo = max(0, tp.end)
                out[tp.id] = (float(mask[lo:lf].sum()) * view.h if lo < lf else 0.0, tp.start)
                continue
            ls_limit = max(ls_limit, tp.start)
            out[tp.id] = _shift(mask, tp, view.work_slots(task), task.interruptible, lf, ls_limit)
            out[tp.id] = (out[tp.id][0] * view.h, out[tp.id][1])
    return out


def _shift(
    mask: np.ndarray, tp: FloorTaskPlan, work: int, interruptible: bool, lf: int, ls_limit: int
) -> tuple[float, int]:
    """Latest placement of a task ending by `lf` and starting by `ls_limit`: (slack slots counted
    in its progress time, latest start)."""
    start, end = tp.start, tp.end
    if start < 0 or end > len(mask):
        return 0.0, start
    if work <= 0:
        new = min(lf, ls_limit)
        return float(mask[end:new].sum()) if new > end else 0.0, max(start, new)
    if interruptible:
        idx = np.flatnonzero(mask[start:lf])
        j = min(len(idx) - work, int(np.searchsorted(idx, ls_limit - start, side="right")) - 1)
        if j <= 0:
            return 0.0, start
        new_end = start + int(idx[j + work - 1]) + 1
        return float(mask[end:new_end].sum()), start + int(idx[j])
    seg = mask[start:lf].astype(np.int32)
    if len(seg) < work:
        return 0.0, start
    c = np.concatenate(([0], np.cumsum(seg)))
    ok = np.flatnonzero(c[work:] - c[:-work] == work)
    ok = ok[ok <= ls_limit - start]
    if len(ok) == 0 or ok[-1] <= 0:
        return 0.0, start
    j = int(ok[-1])
    return float(mask[end : start + j + work].sum()), start + j


# ---------------------------------------------------------------------------- annotate


def annotate(problem: FloorProblem, timeline: Timeline, plan: FloorPlan) -> None:
    """Fill slack/critical per task and the projects, resources, moved and precedences lists."""
    view = PlanView(problem, timeline, plan)
    by_project: dict[str, list[FloorTaskPlan]] = defaultdict(list)
    for tp in view.plan_tasks.values():
        by_project[tp.project].append(tp)

    proj_bound: dict[str, int] = {}
    for pid, rows in by_project.items():
        end = max(tp.end for tp in rows)
        proj = view.projects.get(pid)
        due = view.clock.floor(proj.due) if proj and proj.due else None
        proj_bound[pid] = max(end, due) if due is not None else end

    slack = _slack(view, proj_bound)
    projects = []
    on_chain: set[str] = set()
    for proj in problem.projects:
        rows = by_project.get(proj.id, [])
        entry, chain = _project_entry(view, proj, rows)
        on_chain.update(chain)
        projects.append(entry)
    for tp in plan.tasks:
        if tp.id not in view.plan_tasks:
            continue
        value = slack.get(tp.id, (None, tp.start))[0]
        tp.slack_hours = None if value is None else round(value, 2)
        tp.critical = bool(tp.id in on_chain and value is not None and value <= 1e-9)
    plan.projects = projects
    plan.resources = _resource_loads(view)
    plan.moved = _moved(view)
    plan.precedences = [  # type: ignore[attr-defined]
        {"from": p.before, "to": p.after, "type": p.kind} for p in problem.precedences
    ]


def _project_entry(
    view: PlanView, proj: Project, rows: list[FloorTaskPlan]
) -> tuple[dict[str, Any], list[str]]:
    tz = view.tz
    due = proj.due.astimezone(tz) if proj.due else None
    entry: dict[str, Any] = {
        "id": proj.id,
        "name": proj.name,
        "due": due.isoformat() if due else None,
        "forecast_end": None,
        "lateness_hours": 0.0,
        "late": False,
        "weight": proj.weight,
        "slack_hours": None,
        "critical_chain": [],
        "bottleneck": None,
        "reason": f"{proj.id} has no task in the plan",
    }
    if not rows:
        return entry, []
    last = max(rows, key=lambda tp: (tp.end, tp.start, tp.id))
    end_dt = _end_dt(view, last)
    entry["forecast_end"] = end_dt.isoformat()
    steps = walk(view, last.id)
    chain = [s.task for s in reversed(steps)]
    bottleneck = bottleneck_of(view, steps)
    entry["critical_chain"] = chain
    entry["bottleneck"] = bottleneck
    head = f"{proj.id} ends {fmt_dt(end_dt)}"
    if due is not None:
        delta = (end_dt - due).total_seconds() / 3600.0
        if delta > 1e-9:
            entry["lateness_hours"] = round(delta, 2)
            entry["late"] = True
            entry["slack_hours"] = 0.0
            head += f", {fmt_hours(delta)} after its due date"
        else:
            entry["slack_hours"] = round(-delta, 2)
            head += (
                ", on its due date"
                if delta > -1e-9
                else f", {fmt_hours(-delta)} before its due date"
            )
    else:
        head += " (no due date)"
    main = main_hold(view, steps, proj.id)
    if main is not None:
        head += ": " + hold_phrase(view, main)
        entry["hold"] = hold_details(view, main)
    entry["reason"] = f"{head} — critical chain {chain_text(chain)}"
    return entry, chain


def _end_dt(view: PlanView, tp: FloorTaskPlan) -> datetime:
    task = view.tasks[tp.id]
    if task.status == "done" and task.end is not None:
        return task.end.astimezone(view.tz)
    return view.at(tp.end)


def _day_bounds(view: PlanView, last_slot: int) -> tuple[list[date], np.ndarray]:
    """Local days from now's day to the day of `last_slot`, and their first slot edges."""
    day = view.at(0).date()
    end_day = view.at(max(0, last_slot)).date()
    days, edges = [], []
    while day <= end_day:
        days.append(day)
        edges.append(view.clock.ceil(_midnight(day, view.tz)))
        day += timedelta(days=1)
    return days, np.asarray(edges, dtype=np.int64)


def _resource_loads(view: PlanView) -> list[dict[str, Any]]:
    """Per resource: booked working hours and available working hours per local day, over the
    whole local days from now to the plan's last end."""
    ends = [tp.end for tp in view.plan_tasks.values() if tp.status != "done"]
    last = min(view.n, max(ends, default=0))
    days, edges = _day_bounds(view, max(0, last - 1))
    if last > 0:
        cap_end = min(view.n, view.clock.ceil(_midnight(days[-1] + timedelta(days=1), view.tz)))
        slot_day = np.searchsorted(edges, np.arange(cap_end), side="right") - 1
    out = []
    for res in view.problem.resources:
        load = np.zeros(len(days))
        cap = np.zeros(len(days))
        if last > 0:
            for tp in view.on_resource.get(res.id, ()):
                lo, hi = max(0, tp.start), min(cap_end, tp.end)
                if lo >= hi:
                    continue
                prog = np.flatnonzero(view.mask(tp.id)[lo:hi]) + lo
                units = view.units(view.tasks[tp.id], res.id)
                load += np.bincount(slot_day[prog], minlength=len(days)) * units * view.h
            row = view.timeline.resource_work[view.problem.resource_index[res.id]][:cap_end]
            cap = (
                np.bincount(slot_day[np.flatnonzero(row)], minlength=len(days))
                * res.capacity
                * view.h
            )
        total_cap = float(cap.sum())
        out.append(
            {
                "id": res.id,
                "name": res.name,
                "kind": res.kind,
                "load": {
                    d.isoformat(): round(float(v), 2) for d, v in zip(days, load, strict=True) if v
                },
                "capacity_hours": {
                    d.isoformat(): round(float(v), 2) for d, v in zip(days, cap, strict=True) if v
                },
                "utilisation": round(float(load.sum()) / total_cap, 3) if total_cap else None,
            }
        )
    return out


# ---------------------------------------------------------------------------- moved


def _moved(view: PlanView) -> list[dict[str, Any]]:
    """Not-done tasks of the previous plan whose start or set of resources differ now."""
    prev = view.problem.previous_plan
    if not prev:
        return []
    tz = view.tz
    rows: dict[str, tuple[int, int, tuple[str, ...]]] = {}
    for row in prev.get("tasks") or []:
        start = _parse_dt(row.get("start"), tz)
        end = _parse_dt(row.get("end"), tz)
        if start is not None and end is not None:
            rows[str(row.get("id"))] = (
                view.clock.floor(start),
                view.clock.ceil(end),
                tuple(str(r) for r in row.get("resources") or []),
            )
    out = []
    for tp in view.plan.tasks:
        task = view.tasks.get(tp.id)
        if task is None or task.status == "done" or tp.id not in rows:
            continue
        p_start, p_end, p_res = rows[tp.id]
        if p_start == tp.start and set(p_res) == set(tp.resources):
            continue
        if task.status == "in_progress" and task.started is not None:
            reason = f"work on it started {fmt_dt(task.started.astimezone(tz))}"
        else:
            reason = _moved_reason(view, rows, task, tp)
        out.append(
            {
                "id": tp.id,
                "project": tp.project,
                "from": view.iso(p_start),
                "to": view.iso(tp.start),
                "from_resources": list(p_res),
                "to_resources": list(tp.resources),
                "reason": reason,
            }
        )
    return out


def _moved_reason(
    view: PlanView,
    rows: dict[str, tuple[int, int, tuple[str, ...]]],
    task: Task,
    tp: FloorTaskPlan,
) -> str:
    """Why a task's start or resources differ from the previous plan, in words."""
    n = view.n
    p_start, p_end, p_res = rows[task.id]
    work = view.work_slots(task)
    known = all(r in view.resources for r in p_res)
    prev_work = None
    if 0 <= p_start < p_end <= n:
        # its order changed: the work no longer matches the previous span (calendars as now,
        # people's own leaves left aside: a new leave is not a change of the order)
        cal_slots = int(progress_mask_cal(view, task, p_res)[p_start:p_end].sum())
        prev_work = int(view.mask(task.id, p_res if known else tp.resources)[p_start:p_end].sum())
        if cal_slots != work and prev_work != work:
            return (
                f"its order changed: {fmt_hours(work * view.h)} of work instead of "
                f"{fmt_hours(cal_slots * view.h)}"
            )
    if tp.start < p_start:
        return _earlier_reason(view, rows, task, tp)
    prefix = "re-assigned: " if tp.start == p_start else ""
    # a predecessor now ends after the previous start
    for prec in view.preds.get(task.id, ()):
        p = view.plan_tasks.get(prec.before)
        if p is None:
            continue
        lag = view.clock.lag_slots(prec.lag_hours)
        bound = (p.end if prec.kind == "FS" else p.start) + lag
        if bound > p_start:
            at, verb = (p.end, "ends") if prec.kind == "FS" else (p.start, "starts")
            return f"a predecessor moved: {p.id} now {verb} {view.when(at)}"
    if p_start < 0:
        return f"its previous start {view.when(p_start)} has passed"
    date_b, kind = view.date_bound(task)
    if date_b > p_start and kind != "now":
        what = "its order is released" if kind == "release" else "it may not start before"
        return f"{what} {view.when(date_b)}"
    # a previous resource on leave: the previous span no longer holds the work
    if prev_work is not None and prev_work < work:
        for rid in p_res:
            leaves = view.leaves_between(rid, max(0, p_start), min(n, p_end))
            if leaves:
                lv = leaves[0]
                label = f" ({lv.name})" if lv.name else ""
                return (
                    f"{prefix}{view.res_name(rid)} is on leave{label} from "
                    f"{fmt_dt(lv.start.astimezone(view.tz))} to "
                    f"{fmt_dt(lv.end.astimezone(view.tz))}"
                )
    # a previous resource now busy with another task in the previous span
    lo, hi = max(0, p_start), min(n, p_end)
    for rid in p_res:
        for other in view.on_resource.get(rid, ()):
            if other.id != task.id and other.start < hi and other.end > lo:
                return f"{prefix}its resource {view.res_name(rid)} is now busy with {other.id}"
    if prefix:
        return "re-assigned to balance the load"
    return "moved to lower the total lateness"


def _earlier_reason(
    view: PlanView,
    rows: dict[str, tuple[int, int, tuple[str, ...]]],
    task: Task,
    tp: FloorTaskPlan,
) -> str:
    """Why a task starts earlier than in the previous plan."""
    p_start, _, p_res = rows[task.id]
    cal = progress_mask_cal(view, task, p_res)
    for prec in view.preds.get(task.id, ()):
        p = view.plan_tasks.get(prec.before)
        before = rows.get(prec.before)
        if p is None or before is None:
            continue
        lag = view.clock.lag_slots(prec.lag_hours)
        was = (before[1] if prec.kind == "FS" else before[0]) + lag
        now = (p.end if prec.kind == "FS" else p.start) + lag
        # it held the previous start: no working time between its previous bound and that start
        held = was <= p_start and not cal[max(0, was) : max(0, p_start)].any()
        if now < was and held and now <= tp.start:
            at, verb = (p.end, "ends") if prec.kind == "FS" else (p.start, "starts")
            return f"moved earlier: its predecessor {p.id} now {verb} {view.when(at)}"
    # a task that held one of its resources before the previous start has gone
    for rid in tp.resources:
        for oid, (o_start, o_end, o_res) in rows.items():
            if oid == task.id or rid not in o_res or not (o_start < p_start and o_end > tp.start):
                continue
            other = view.plan_tasks.get(oid)
            if other is None or view.tasks[oid].status == "done":
                continue
            if rid not in other.resources or other.start >= tp.end or other.end <= tp.start:
                return f"moved earlier: {view.res_name(rid)} is free since {oid} moved"
    return "moved earlier: time became free"


def progress_mask_cal(view: PlanView, task: Task, resources: tuple[str, ...]) -> np.ndarray:
    """Working time of the resources' calendars (leaves of the people ignored): a span's work
    length as the previous plan meant it."""
    problem, tl = view.problem, view.timeline
    rows = [
        problem.calendar_index[view.resources[r].calendar] for r in resources if r in view.resources
    ]
    if rows:
        return np.logical_and.reduce(tl.calendar_work[rows], axis=0)
    return tl.calendar_work[problem.calendar_index[task.calendar or problem.default_calendar]]


# ---------------------------------------------------------------------------- summary


def plan_summary(plan: FloorPlan) -> str:
    """A few lines for the CLI: orders late, weighted tardiness, top bottlenecks."""
    projects = plan.projects or []
    late = [p for p in projects if p.get("late")]
    wt = plan.weighted_tardiness
    if wt is None:
        wt = sum(float(p.get("weight") or 0) * float(p.get("lateness_hours") or 0) for p in late)
    lines = [
        f"{plan.status}: {len(late)} of {len(projects)} orders late, "
        f"weighted tardiness {round(float(wt), 1)} h, {plan.moved_count} tasks moved"
    ]
    if late:
        worst = sorted(late, key=lambda p: -float(p.get("lateness_hours") or 0))[:5]
        lines.append(
            "late: "
            + ", ".join(f"{p['id']} ({fmt_hours(float(p['lateness_hours']))})" for p in worst)
        )
    names = {r.get("id"): r for r in plan.resources or []}
    counts: dict[str, int] = defaultdict(int)
    for p in late or projects:
        if p.get("bottleneck"):
            counts[p["bottleneck"]] += 1
    if counts:
        top = sorted(counts, key=lambda r: (-counts[r], r))[:3]
        parts = []
        for rid in top:
            res = names.get(rid, {})
            label = res.get("name") or rid
            util = res.get("utilisation")
            used = f", {round(util * 100)}% used" if util is not None else ""
            orders = "order" if counts[rid] == 1 else "orders"
            parts.append(f"{label} ({counts[rid]} {orders}{used})")
        lines.append("bottlenecks: " + ", ".join(parts))
    return "\n".join(lines)
