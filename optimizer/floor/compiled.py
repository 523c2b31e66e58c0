"""A floor problem on its time grid as flat numpy arrays for the compiled kernels (`kernels.py`).

Everything here is in slots of the problem's `Clock` (see optimizer/floor/README.md). Tasks are in
problem order; resources, calendars and projects by their problem index. Lists per task are CSR:
`x_ptr[i]:x_ptr[i+1]` indexes the rows of task `i`.

Per task the decoder fills a *resource layout* of `lay_ptr[i+1] - lay_ptr[i]` entries: first the
named demands in order, then the members of each skill group, or the resources given to a fixed
task (pinned / in progress / frozen), whichever is longer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from optimizer.common.errors import ProblemError
from optimizer.floor.model import FloorProblem, Task
from optimizer.floor.plan import FloorPlan
from optimizer.floor.timeline import Timeline

INF = 1 << 40  # "no deadline" slot

FREE, DONE, IN_PROGRESS, PINNED, FROZEN = 0, 1, 2, 3, 4
FIX_NAMES = {FREE: "free", DONE: "done", IN_PROGRESS: "in_progress", PINNED: "pinned",
             FROZEN: "frozen"}  # fmt: skip


@dataclass
class PreviousTask:
    start: int
    resources: tuple[str, ...]


@dataclass
class CompiledFloor:
    """Arrays of one problem on one timeline; `g` is the tuple the kernels take."""

    problem: FloorProblem
    timeline: Timeline
    n: int
    n_res: int
    n_slots: int
    work: np.ndarray
    interruptible: np.ndarray
    est: np.ndarray
    deadline: np.ndarray
    calendar: np.ndarray
    project: np.ndarray
    nd_ptr: np.ndarray
    nd_res: np.ndarray
    nd_units: np.ndarray
    grp_ptr: np.ndarray
    grp_count: np.ndarray
    cand_ptr: np.ndarray
    cand: np.ndarray
    lay_ptr: np.ndarray
    pred_ptr: np.ndarray
    pred_idx: np.ndarray
    pred_lag: np.ndarray
    pred_ss: np.ndarray
    succ_ptr: np.ndarray
    succ_idx: np.ndarray
    fix: np.ndarray
    fix_start: np.ndarray
    fix_end: np.ndarray
    given_ptr: np.ndarray
    given_res: np.ndarray
    given_units: np.ndarray
    has_prev: np.ndarray
    prev_start: np.ndarray
    prev_ok: np.ndarray
    prev_asg: np.ndarray
    prev_ptr: np.ndarray
    prev_res: np.ndarray
    cap: np.ndarray
    res_work: np.ndarray
    cal_work: np.ndarray
    res_cum: np.ndarray
    res_pos: np.ndarray
    cal_cum: np.ndarray
    cal_pos: np.ndarray
    parent0: np.ndarray
    free_indeg: np.ndarray
    due: np.ndarray
    has_due: np.ndarray
    weight: np.ndarray
    slot_hours: float
    frozen_edge: int = 0
    previous: dict[str, PreviousTask] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def g(self) -> tuple[Any, ...]:
        return (
            self.work,
            self.interruptible,
            self.est,
            self.deadline,
            self.calendar,
            self.project,
            self.nd_ptr,
            self.nd_res,
            self.nd_units,
            self.grp_ptr,
            self.grp_count,
            self.cand_ptr,
            self.cand,
            self.lay_ptr,
            self.pred_ptr,
            self.pred_idx,
            self.pred_lag,
            self.pred_ss,
            self.succ_ptr,
            self.succ_idx,
            self.fix,
            self.fix_start,
            self.fix_end,
            self.given_ptr,
            self.given_res,
            self.given_units,
            self.has_prev,
            self.prev_start,
            self.prev_ok,
            self.prev_asg,
            self.prev_ptr,
            self.prev_res,
            self.cap,
            (self.res_work, self.cal_work, self.res_cum, self.res_pos, self.cal_cum, self.cal_pos),
            self.free_indeg,
            self.due,
            self.has_due,
            self.weight,
            self.slot_hours,
        )


def _csr(n: int, rows: list[list[Any]], dtypes: tuple[Any, ...]) -> tuple[np.ndarray, ...]:
    """CSR of per-row lists of tuples: (ptr, column arrays...)."""
    ptr = np.zeros(n + 1, dtype=np.int64)
    for i, row in enumerate(rows):
        ptr[i + 1] = ptr[i] + len(row)
    cols = []
    for k, dt in enumerate(dtypes):
        cols.append(np.array([item[k] for row in rows for item in row], dtype=dt))
    return (ptr, *cols)


def frozen_edge(problem: FloorProblem, timeline: Timeline) -> int:
    """The slot edge ending the frozen window: right after the last working slot of the
    `frozen_working_days`-th working day of `default_calendar` from now (working days are the
    calendar's local dates having a working slot at or after now; a fractional day counts that
    share of the day's working slots, rounded up). 0 when nothing is frozen."""
    days = problem.frozen_working_days
    if days <= 0:
        return 0
    clock = timeline.clock
    cal_i = problem.calendar_index[problem.default_calendar]
    working = np.flatnonzero(timeline.calendar_work[cal_i])
    if len(working) == 0:
        return 0
    tz = ZoneInfo(problem.calendars[cal_i].timezone)
    whole, frac = int(days), days - int(days)
    counts: list[int] = []
    last_day = None
    for t in working.tolist():
        day = clock.at(t).astimezone(tz).date()
        if day != last_day:
            if len(counts) > whole:
                break
            counts.append(0)
            last_day = day
        counts[-1] += 1
    need = sum(counts[:whole])
    if frac > 0 and whole < len(counts):
        need += math.ceil(frac * counts[whole] - 1e-9)
    need = min(need, len(working))
    return int(working[need - 1]) + 1 if need > 0 else 0


def parse_previous(problem: FloorProblem, timeline: Timeline) -> dict[str, PreviousTask]:
    """Start slot and resources per task id of `problem.previous_plan` (unknown tasks ignored)."""
    data = problem.previous_plan
    if not data:
        return {}
    clock = timeline.clock
    out: dict[str, PreviousTask] = {}
    try:
        plan = FloorPlan.from_dict(problem, data, clock)
        for tp in plan.tasks:
            if tp.id in problem.task_index:
                out[tp.id] = PreviousTask(tp.start, tuple(tp.resources))
        return out
    except ProblemError:
        pass
    # Tolerant reading (times off the new grid): round starts down to a slot edge.
    from datetime import datetime

    for t in data.get("tasks") or []:
        try:
            tid = str(t["id"])
            dt = datetime.fromisoformat(str(t["start"]))
        except (KeyError, TypeError, ValueError):
            continue
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=clock.tz)
        if tid in problem.task_index:
            out[tid] = PreviousTask(
                clock.floor(dt), tuple(str(x) for x in t.get("resources") or [])
            )
    return out


def _match_layout(
    named: list[tuple[int, int]],
    groups: list[tuple[int, list[int]]],
    resources: list[int],
) -> list[int] | None:
    """`resources` laid out as the demands (named first, then group members), or None when they
    do not satisfy the demands exactly (bipartite matching of people to group seats)."""
    pool = list(resources)
    if len(set(pool)) != len(pool):
        return None
    out = []
    for r, _u in named:
        if r not in pool:
            return None
        pool.remove(r)
        out.append(r)
    seats = [(g, set(cands)) for g, (count, cands) in enumerate(groups) for _ in range(count)]
    if len(pool) != len(seats):
        return None
    seat_of: dict[int, int] = {}  # seat -> resource

    def augment(r: int, seen: set[int]) -> bool:
        for s, (_g, able) in enumerate(seats):
            if r in able and s not in seen:
                seen.add(s)
                if s not in seat_of or augment(seat_of[s], seen):
                    seat_of[s] = r
                    return True
        return False

    for r in pool:
        if not augment(r, set()):
            return None
    return out + [seat_of[s] for s in range(len(seats))]


def _fixed_tasks(
    problem: FloorProblem,
    timeline: Timeline,
    named_rows: list[list[tuple[int, int]]],
    group_rows: list[list[tuple[int, list[int]]]],
    previous: dict[str, PreviousTask],
    edge: int,
) -> tuple[Any, ...]:
    """Per task: how it is fixed (done, in progress, pinned, frozen) with its start/end, the
    resources it is given, and its previous-plan position and resources (raw and laid out as the
    demands, None when they do not meet them)."""
    clock = timeline.clock
    res_ix = problem.resource_index
    tasks = problem.tasks
    n = len(tasks)
    fix = np.zeros(n, dtype=np.int64)
    fix_start = np.zeros(n, dtype=np.int64)
    fix_end = np.zeros(n, dtype=np.int64)
    has_prev = np.zeros(n, dtype=np.uint8)
    prev_start = np.zeros(n, dtype=np.int64)
    prev_ok = np.zeros(n, dtype=np.uint8)
    given_rows: list[list[tuple[int, int]]] = []
    prev_rows: list[list[tuple[int]]] = []
    prev_layouts: list[list[int] | None] = []
    for i, t in enumerate(tasks):
        named, groups = named_rows[i], group_rows[i]
        units_of = dict(named)
        given = [(res_ix[r], units_of.get(res_ix[r], 1)) for r in t.resources]
        prev = previous.get(t.id)
        prev_layout = None
        prev_known: list[tuple[int, int]] = []
        if prev is not None:
            has_prev[i] = 1
            prev_start[i] = prev.start
            ids = [res_ix.get(r, -1) for r in prev.resources]
            prev_rows.append([(r,) for r in ids])
            prev_known = [(r, units_of.get(r, 1)) for r in dict.fromkeys(ids) if r >= 0]
            if -1 not in ids:
                prev_layout = _match_layout(named, groups, ids)
        else:
            prev_rows.append([])
        if t.status == "done":
            fix[i] = DONE
            fix_start[i] = clock.floor(t.start)  # type: ignore[arg-type]
            fix_end[i] = clock.ceil(t.end)  # type: ignore[arg-type]
        elif t.status == "in_progress":
            fix[i] = IN_PROGRESS
            fix_start[i] = clock.floor(t.started)  # type: ignore[arg-type]
            if not given and prev_layout is not None:
                # Who was doing it keeps doing it.
                given = [(r, units_of.get(r, 1)) for r in prev_layout]
        elif t.pinned:
            fix[i] = PINNED
            fix_start[i] = clock.floor(t.start)  # type: ignore[arg-type]
        elif prev is not None and 0 <= prev.start < edge:
            fix[i] = FROZEN
            fix_start[i] = prev.start
            given = prev_known
        else:
            given = []
        given_rows.append(given)
        if prev_layout is not None:
            prev_ok[i] = 1
        prev_layouts.append(prev_layout)

    return (
        fix,
        fix_start,
        fix_end,
        has_prev,
        prev_start,
        prev_ok,
        given_rows,
        prev_rows,
        prev_layouts,
    )


def _counts(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: cum[t] = working slots before t; pos[k] = the k-th working slot (T past the
    last), so the w-th working slot from t is pos[cum[t] + w - 1] in constant time."""
    rows, T = mask.shape
    cum = np.zeros((rows, T + 1), dtype=np.int32)
    np.cumsum(mask, axis=1, out=cum[:, 1:])
    pos = np.full((rows, T + 1), T, dtype=np.int32)
    for r in range(rows):
        idx = np.flatnonzero(mask[r])
        pos[r, : len(idx)] = idx
    return cum, pos


def compile_floor(problem: FloorProblem, timeline: Timeline) -> CompiledFloor:
    clock = timeline.clock
    T = timeline.n_slots
    n = len(problem.tasks)
    tasks = problem.tasks
    res_ix = problem.resource_index
    cal_ix = problem.calendar_index
    default_cal = cal_ix[problem.default_calendar]
    notes: list[str] = []

    # Candidate preference: fewer skills, then lower level, then lower total level (rare experts
    # stay free), then problem order.
    def pref(r: int, skill: str) -> tuple[int, int, int, int]:
        res = problem.resources[r]
        return (len(res.skills), res.skills.get(skill, 0), sum(res.skills.values()), r)

    qualified_cache: dict[tuple[str, int], list[int]] = {}

    def candidates(skill: str, level: int) -> list[int]:
        key = (skill, level)
        if key not in qualified_cache:
            able = [res_ix[x] for x in problem.qualified(skill, level)]
            qualified_cache[key] = sorted(able, key=lambda r: pref(r, skill))
        return qualified_cache[key]

    work = np.zeros(n, dtype=np.int64)
    intr = np.ones(n, dtype=np.int64)
    est = np.zeros(n, dtype=np.int64)
    dl = np.full(n, INF, dtype=np.int64)
    cal = np.full(n, default_cal, dtype=np.int64)
    proj = np.zeros(n, dtype=np.int64)
    named_rows: list[list[tuple[int, int]]] = []
    group_rows: list[list[tuple[int, list[int]]]] = []
    for i, t in enumerate(tasks):
        p = problem.projects[problem.project_index[t.project]]
        proj[i] = problem.project_index[t.project]
        work[i] = problem.slots(problem.work_hours(t))
        intr[i] = 1 if t.interruptible else 0
        e = 0
        for d in (p.release, t.not_before):
            if d is not None:
                e = max(e, clock.ceil(d))
        est[i] = e
        for d in (t.deadline, p.deadline):
            if d is not None:
                dl[i] = min(int(dl[i]), clock.floor(d))
        if t.calendar is not None:
            cal[i] = cal_ix[t.calendar]
        named = [(res_ix[d.resource], d.units) for d in t.demands if d.resource is not None]
        groups = [
            (d.count, candidates(d.skill or "", d.level)) for d in t.demands if d.skill is not None
        ]
        named_rows.append(named)
        group_rows.append(groups)

    nd_ptr, nd_res, nd_units = _csr(n, named_rows, (np.int64, np.int64))
    grp_ptr = np.zeros(n + 1, dtype=np.int64)
    grp_count_l: list[int] = []
    cand_ptr_l = [0]
    cand_l: list[int] = []
    for i, groups in enumerate(group_rows):
        grp_ptr[i + 1] = grp_ptr[i] + len(groups)
        for count, cands in groups:
            grp_count_l.append(count)
            cand_l.extend(cands)
            cand_ptr_l.append(len(cand_l))
    grp_count = np.array(grp_count_l, dtype=np.int64)
    cand_ptr = np.array(cand_ptr_l, dtype=np.int64)
    cand = np.array(cand_l, dtype=np.int64)

    # Precedences.
    preds: list[list[tuple[int, int, int]]] = [[] for _ in range(n)]
    succs: list[list[tuple[int]]] = [[] for _ in range(n)]
    for p in problem.precedences:
        a, b = problem.task_index[p.before], problem.task_index[p.after]
        preds[b].append((a, clock.lag_slots(p.lag_hours), 1 if p.kind == "SS" else 0))
        succs[a].append((b,))
    pred_ptr, pred_idx, pred_lag, pred_ss = _csr(n, preds, (np.int64, np.int64, np.uint8))
    succ_ptr, succ_idx = _csr(n, succs, (np.int64,))

    # Fixed tasks and the previous plan.
    previous = parse_previous(problem, timeline)
    edge = frozen_edge(problem, timeline) if previous else 0

    fixed = _fixed_tasks(problem, timeline, named_rows, group_rows, previous, edge)
    fix, fix_start, fix_end, has_prev, prev_start, prev_ok = fixed[:6]
    given_rows, prev_rows, prev_layouts = fixed[6:]

    given_ptr, given_res, given_units = _csr(n, given_rows, (np.int64, np.int64))
    prev_ptr, prev_res = _csr(n, prev_rows, (np.int64,))
    lay_ptr = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        size = len(named_rows[i]) + sum(c for c, _ in group_rows[i])
        size = max(size, len(given_rows[i]), int(prev_ptr[i + 1] - prev_ptr[i]))
        lay_ptr[i + 1] = lay_ptr[i] + size
    prev_asg = np.full(int(lay_ptr[n]), -1, dtype=np.int64)
    for i, layout in enumerate(prev_layouts):
        if layout is not None:
            prev_asg[lay_ptr[i] : lay_ptr[i] + len(layout)] = layout

    # Free predecessors of each free task (fixed ones are laid down before the order starts).
    free = fix == FREE
    edge_to = np.repeat(np.arange(n), np.diff(pred_ptr))
    keep = free[edge_to] & free[pred_idx] if len(pred_idx) else np.zeros(0, dtype=bool)
    free_indeg = np.bincount(edge_to[keep], minlength=n).astype(np.int64)

    n_res = len(problem.resources)
    cap = np.array([r.capacity for r in problem.resources], dtype=np.int64)
    res_work = timeline.resource_work.astype(np.uint8)
    cal_work = timeline.calendar_work.astype(np.uint8)
    # Union-find base of "usable start slots" per resource (see kernels.py), stored compressed: the
    # next working slot at or after each slot (T if none).
    parent0 = np.empty((max(1, n_res), T + 1), dtype=np.int32)
    ar = np.arange(T + 1, dtype=np.int32)
    parent0[:] = ar
    for r in range(n_res):
        nxt = np.where(timeline.resource_work[r], ar[:T], T).astype(np.int32)
        parent0[r, :T] = np.minimum.accumulate(nxt[::-1])[::-1]

    due = np.zeros(len(problem.projects), dtype=np.float64)
    has_due = np.zeros(len(problem.projects), dtype=np.uint8)
    for k, p in enumerate(problem.projects):
        if p.due is not None:
            due[k] = clock.offset(p.due)
            has_due[k] = 1
    weight = np.array([p.weight for p in problem.projects], dtype=np.float64)
    if n_res == 0:
        res_work = np.zeros((1, T), dtype=np.uint8)
        cap = np.ones(1, dtype=np.int64)
    res_cum, res_pos = _counts(res_work)
    cal_cum, cal_pos = _counts(cal_work)

    return CompiledFloor(
        problem=problem,
        timeline=timeline,
        n=n,
        n_res=n_res,
        n_slots=T,
        work=work,
        interruptible=intr,
        est=est,
        deadline=dl,
        calendar=cal,
        project=proj,
        nd_ptr=nd_ptr,
        nd_res=nd_res,
        nd_units=nd_units,
        grp_ptr=grp_ptr,
        grp_count=grp_count,
        cand_ptr=cand_ptr,
        cand=cand,
        lay_ptr=lay_ptr,
        pred_ptr=pred_ptr,
        pred_idx=pred_idx,
        pred_lag=pred_lag,
        pred_ss=pred_ss,
        succ_ptr=succ_ptr,
        succ_idx=succ_idx,
        fix=fix,
        fix_start=fix_start,
        fix_end=fix_end,
        given_ptr=given_ptr,
        given_res=given_res,
        given_units=given_units,
        has_prev=has_prev,
        prev_start=prev_start,
        prev_ok=prev_ok,
        prev_asg=prev_asg,
        prev_ptr=prev_ptr,
        prev_res=prev_res,
        cap=cap,
        res_work=res_work,
        cal_work=cal_work,
        res_cum=res_cum,
        res_pos=res_pos,
        cal_cum=cal_cum,
        cal_pos=cal_pos,
        parent0=parent0,
        free_indeg=free_indeg,
        due=due,
        has_due=has_due,
        weight=weight,
        slot_hours=clock.slot_minutes / 60.0,
        frozen_edge=edge,
        previous=previous,
        notes=notes,
    )


def task_calendar(problem: FloorProblem, task: Task) -> int:
    """The calendar whose working ratio best describes the task's pace (for priority rules)."""
    for d in task.demands:
        if d.resource is not None:
            return problem.calendar_index[
                problem.resources[problem.resource_index[d.resource]].calendar
            ]
    for d in task.demands:
        if d.skill is not None:
            able = problem.qualified(d.skill, d.level)
            if able:
                res = problem.resources[problem.resource_index[able[0]]]
                return problem.calendar_index[res.calendar]
    return problem.calendar_index[task.calendar or problem.default_calendar]
