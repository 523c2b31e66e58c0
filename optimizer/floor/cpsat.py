"""CP-SAT over a subset of a floor plan's tasks: improves a plan and proves bounds.

Given the compiled problem (`compiled.py`) and an incumbent plan (start, end and resource layout
per task), `solve_subset` builds a CP-SAT model in which the chosen *free* tasks may move inside a
time window `[lo, hi)` while every other task stays where the incumbent put it:

- A free task keeps the incumbent's resource set. Its start is one of the progress slots of that
  set (every member works; a task without demands: its calendar) inside the window, and its end a
  function of the start given by a table (`add_element` on a start index): for an interruptible
  task the edge after the `work`-th progress slot from the start, for a non-interruptible one only
  starts followed by `work` consecutive progress slots, end = start + work.
- Capacity: per resource used by a free task, the free tasks' intervals `[start, end)` (units of a
  named demand, 1 for a chosen person) plus the occupation of all other not-done tasks over the
  window, as fixed intervals of constant usage; capacity 1 uses `add_no_overlap`, otherwise
  `add_cumulative`.
- Precedences between free tasks are constraints; to or from a fixed task they become bounds.
  Dates: `now`, release, `not_before`, hard deadlines (a deadline the incumbent already misses is
  relaxed to the incumbent's end and its violation costs 1e4 per hour, as in the heuristic).
- Objective: weighted tardiness of the orders having a free task (their other tasks' ends count as
  constants) + stability weight x free tasks moved from the previous plan, in the README's units
  (hours), scaled to integers. Constants of untouched orders are left out: `objective` and
  `incumbent_objective` of the result compare on the same terms.

The incumbent is given as a complete hint. Parameters are set explicitly (workers, time limit,
seed); a `stop` flag array (`stop[0] != 0`) is polled every 100 ms and stops the search.

What a proof means: the model fixes each free task's resources to the incumbent's and ends every
free task by `hi`; OPTIMAL is optimal *for that resource assignment within that window*, and the
bound is a lower bound of the objective under those restrictions only.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from optimizer.common.cpsat import configure_solver, stop_watch
from optimizer.floor.compiled import DONE, FREE, IN_PROGRESS, CompiledFloor

SCALE = 100  # objective integer units per hour of weighted tardiness
VIOLATION_WEIGHT = 1e4  # per hour past a hard deadline, as the heuristic's evaluation


@dataclass
class Incumbent:
    """A complete plan in slot form: per task start, end and resource layout (`out_res` rows
    `lay_ptr[i]:lay_ptr[i] + out_n[i]`), and the tasks laid down against the rules (`forced`)."""

    start: np.ndarray
    end: np.ndarray
    out_res: np.ndarray
    out_n: np.ndarray
    forced: np.ndarray | None = None


@dataclass
class SubsetResult:
    status: str  # OPTIMAL | FEASIBLE | UNKNOWN | INFEASIBLE | MODEL_INVALID | EMPTY
    start: np.ndarray  # complete arrays: the incumbent's, free tasks updated when solved
    end: np.ndarray
    free: np.ndarray  # the tasks actually modelled as free
    objective: float | None  # sub-objective (hours) of the solution, None without one
    bound: float | None  # lower bound of the sub-objective under the model's restrictions
    incumbent_objective: float  # the same sub-objective on the incumbent
    window: tuple[int, int]
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    stats: dict[str, float] = field(default_factory=dict)
    people: dict[int, int] = field(default_factory=dict)  # task -> person chosen (choose > 0)

    @property
    def improved(self) -> bool:
        return self.objective is not None and self.objective < self.incumbent_objective - 1e-9


def task_set(cf: CompiledFloor, inc: Incumbent, i: int) -> tuple[list[int], list[int]]:
    """Resources and units of task `i` in the incumbent (named demands first with their units,
    then chosen people with 1; a fixed task's given units)."""
    lo = int(cf.lay_ptr[i])
    rows = [int(r) for r in inc.out_res[lo : lo + int(inc.out_n[i])]]
    given = int(cf.given_ptr[i + 1] - cf.given_ptr[i])
    n_named = int(cf.nd_ptr[i + 1] - cf.nd_ptr[i])
    units = []
    for k in range(len(rows)):
        if given and cf.fix[i] != FREE:
            units.append(int(cf.given_units[cf.given_ptr[i] + k]) if k < given else 1)
        else:
            units.append(int(cf.nd_units[cf.nd_ptr[i] + k]) if k < n_named else 1)
    return rows, units


def progress_mask(cf: CompiledFloor, i: int, rows: list[int], lo: int, hi: int) -> np.ndarray:
    """Slots [lo, hi) where task `i` on resources `rows` progresses."""
    if rows:
        mask = cf.res_work[rows[0], lo:hi].astype(bool)
        for r in rows[1:]:
            mask &= cf.res_work[r, lo:hi].astype(bool)
        return mask
    return cf.cal_work[int(cf.calendar[i]), lo:hi].astype(bool)


def start_end_table(
    cf: CompiledFloor, i: int, rows: list[int], lo: int, hi: int
) -> tuple[np.ndarray, np.ndarray]:
    """Every feasible (start, end) of task `i` on `rows` with lo <= start and end <= hi: starts on
    progress slots, the end right after the `work`-th progress slot (interruptible) or only
    starts followed by `work` consecutive progress slots (non-interruptible)."""
    w = int(cf.work[i])
    pos = np.flatnonzero(progress_mask(cf, i, rows, lo, hi)) + lo
    if w <= 0:
        raise ValueError("a task without work has no table")
    if len(pos) < w:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts = pos[: len(pos) - w + 1]
    last = pos[w - 1 :]
    if not cf.interruptible[i]:
        ok = last - starts == w - 1
        starts, last = starts[ok], last[ok]
    return starts.astype(np.int64), (last + 1).astype(np.int64)


def span_ok(cf: CompiledFloor, i: int, rows: list[int], s: int, e: int) -> bool:
    """Task `i` on `rows` may run exactly over [s, e): `work` progress slots, starting and ending
    on one, without a pause when not interruptible (a task without work: s == e)."""
    w = int(cf.work[i])
    if w <= 0:
        return s == e
    if s < 0 or e > cf.n_slots or e - s < w:
        return False
    mask = progress_mask(cf, i, rows, s, e)
    if int(mask.sum()) != w or not mask[0] or not mask[-1]:
        return False
    return bool(cf.interruptible[i]) or e - s == w


def occupation(
    cf: CompiledFloor, inc: Incumbent, skip: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(resource, start, end, units) rows of every not-done task with work outside `skip`, its
    units as `task_set` gives them."""
    n_out = inc.out_n.astype(np.int64)
    task = np.repeat(np.arange(cf.n, dtype=np.int64), n_out)
    first = np.repeat(np.cumsum(n_out) - n_out, n_out)
    k = np.arange(len(task), dtype=np.int64) - first
    res = inc.out_res[cf.lay_ptr[task] + k].astype(np.int64)
    units = np.ones(len(task), dtype=np.int64)
    n_named = (cf.nd_ptr[1:] - cf.nd_ptr[:-1])[task]
    n_given = (cf.given_ptr[1:] - cf.given_ptr[:-1])[task]
    use_given = (n_given > 0) & (cf.fix[task] != FREE)
    named = ~use_given & (k < n_named)
    units[named] = cf.nd_units[cf.nd_ptr[task[named]] + k[named]]
    given = use_given & (k < n_given)
    units[given] = cf.given_units[cf.given_ptr[task[given]] + k[given]]
    s = np.maximum(inc.start[task].astype(np.int64), 0)
    e = inc.end[task].astype(np.int64)
    keep = ~skip[task] & (cf.fix[task] != DONE) & (cf.work[task] > 0) & (e > s)
    return res[keep], s[keep], e[keep], units[keep]


def _segments(profile: np.ndarray, lo: int) -> list[tuple[int, int, int]]:
    """(start, end, usage) of the maximal stretches of constant positive usage."""
    if not len(profile):
        return []
    change = np.flatnonzero(np.diff(profile)) + 1
    bounds = np.concatenate(([0], change, [len(profile)]))
    out = []
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        u = int(profile[a])
        if u > 0:
            out.append((lo + a, lo + b, u))
    return out


def solve_subset(  # noqa: C901 - one model, built in one pass
    cf: CompiledFloor,
    inc: Incumbent,
    free: np.ndarray | list[int],
    window: tuple[int, int] | None = None,
    *,
    time_limit: float = 2.0,
    workers: int = 2,
    seed: int = 0,
    stop: np.ndarray | None = None,
    stability_weight: float | None = None,
    heads: np.ndarray | None = None,
    max_entries: int | None = None,
    tie_break: bool = False,
    choose: int = 0,
    light_presolve: bool = False,
    log: Callable[[str], None] | None = None,
) -> SubsetResult:
    """Re-place the tasks `free` (other tasks fixed as in `inc`) inside `window` (default the
    whole horizon) with CP-SAT; see the module docstring. Tasks that cannot be free (fixed by the
    problem, forced, or whose incumbent span is not a feasible entry of their table inside the
    window) stay fixed. `heads`: earliest starts valid in every plan (`relaxed_heads`), used to
    narrow the tables; the objective narrows them too: a plan better than the incumbent ends each
    order by its due date + the incumbent's sub-objective / its weight (less the work of the free
    successors). With more than `max_entries` table entries in all, nothing is solved (status
    TOO_LARGE). `tie_break`: the latest end of the plan as a second, lexicographic objective (the
    README's tie-break); the bound stays one of the first. `choose` > 0: a free task whose only
    skill group seats one person may take any of up to `choose` qualified people (the plan's
    first, the others drawn at random): one optional interval per person with that person's
    calendar table, exactly one present (`SubsetResult.people` gives the choices)."""
    t0 = time.perf_counter()
    problem = cf.problem
    T = cf.n_slots
    lo, hi = window if window is not None else (0, T)
    lo, hi = max(0, int(lo)), min(T, int(hi))
    stab = problem.stability_weight if stability_weight is None else stability_weight
    start0 = inc.start.astype(np.int64)
    end0 = inc.end.astype(np.int64)

    # ---- which tasks are free, with their tables
    is_free = np.zeros(cf.n, dtype=bool)
    tables: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    sets: dict[int, tuple[list[int], list[int]]] = {}
    for i in sorted({int(x) for x in free}):
        if cf.fix[i] != FREE or (inc.forced is not None and inc.forced[i]):
            continue
        s, e = int(start0[i]), int(end0[i])
        if s < lo or e > hi:
            continue
        rows, units = task_set(cf, inc, i)
        if cf.work[i] > 0:
            starts, ends = start_end_table(cf, i, rows, lo, hi)
            k = int(np.searchsorted(starts, s))
            if k >= len(starts) or starts[k] != s or ends[k] != e:
                continue  # the incumbent is not an entry of the table: leave the task alone
            tables[i] = (starts, ends)
        elif e != s:
            continue
        sets[i] = (rows, units)
        is_free[i] = True
        if stop is not None and stop[0]:
            break
    free_idx = np.flatnonzero(is_free)

    def sub_objective(start: np.ndarray, end: np.ndarray) -> float:
        return _sub_objective(cf, free_idx, start, end, inc, stab)

    base = sub_objective(start0, end0)
    if not len(free_idx):
        return SubsetResult(
            "EMPTY", start0.copy(), end0.copy(), free_idx, base, base, base, (lo, hi),
            time.perf_counter() - t0,
        )  # fmt: skip

    # ---- bounds from fixed neighbours, dates, the objective
    s_lb = {i: max(int(cf.est[i]), lo, 0) for i in free_idx.tolist()}
    if heads is not None:
        for i in free_idx.tolist():
            s_lb[i] = max(s_lb[i], int(heads[i]))
    s_ub = {i: hi for i in free_idx.tolist()}
    e_ub = {i: hi for i in free_idx.tolist()}
    over_dl: list[int] = []
    for i in free_idx.tolist():
        dl = int(min(cf.deadline[i], 1 << 40))
        if end0[i] > dl:
            over_dl.append(i)  # relaxed to the incumbent's end below, violation penalised
        else:
            e_ub[i] = min(e_ub[i], dl)
        for k in range(cf.pred_ptr[i], cf.pred_ptr[i + 1]):
            p = int(cf.pred_idx[k])
            if is_free[p]:
                continue
            ref = start0[p] if cf.pred_ss[k] else end0[p]
            s_lb[i] = max(s_lb[i], int(ref + cf.pred_lag[k]))
        for k in range(cf.succ_ptr[i], cf.succ_ptr[i + 1]):
            j = int(cf.succ_idx[k])
            if is_free[j] or cf.fix[j] in (DONE, IN_PROGRESS):
                continue  # the checker does not hold history to its predecessors
            for m in range(cf.pred_ptr[j], cf.pred_ptr[j + 1]):
                if cf.pred_idx[m] != i:
                    continue
                limit = int(start0[j] - cf.pred_lag[m])
                if cf.pred_ss[m]:
                    s_ub[i] = min(s_ub[i], limit)
                else:
                    e_ub[i] = min(e_ub[i], limit)
    _objective_cuts(cf, free_idx, is_free, base, e_ub)
    for i in free_idx.tolist():
        # never exclude the incumbent (a rule it already breaks stays as broken, not worse)
        s_lb[i] = min(s_lb[i], int(start0[i]))
        s_ub[i] = max(s_ub[i], int(start0[i]))
        e_ub[i] = max(e_ub[i], int(end0[i]))

    # ---- the tables, narrowed
    for i in list(tables):
        starts, ends = tables[i]
        keep = (starts >= s_lb[i]) & (starts <= s_ub[i]) & (ends <= e_ub[i])
        tables[i] = (starts[keep], ends[keep])
    options: dict[int, list[tuple[int, np.ndarray, np.ndarray]]] = {}
    if choose > 1:
        rng = np.random.default_rng(seed)
        for i in list(tables):
            if int(cf.grp_ptr[i + 1] - cf.grp_ptr[i]) != 1 or cf.grp_count[cf.grp_ptr[i]] != 1:
                continue
            rows, _units = sets[i]
            n_named = int(cf.nd_ptr[i + 1] - cf.nd_ptr[i])
            if len(rows) != n_named + 1:
                continue
            g = int(cf.grp_ptr[i])
            mine = rows[n_named]
            others = [
                int(r) for r in cf.cand[cf.cand_ptr[g] : cf.cand_ptr[g + 1]]
                if int(r) != mine and int(r) not in rows[:n_named]
            ]  # fmt: skip
            if not others:
                continue
            if len(others) > choose - 1:
                others = rng.choice(others, size=choose - 1, replace=False).tolist()
            opts = [(mine, *tables[i])]
            for r in others:
                st, en = start_end_table(cf, i, rows[:n_named] + [r], lo, hi)
                ok = (st >= s_lb[i]) & (st <= s_ub[i]) & (en <= e_ub[i])
                if ok.any():
                    opts.append((r, st[ok], en[ok]))
            if len(opts) > 1:
                options[i] = opts
    n_entries = sum(len(t[0]) for t in tables.values())
    n_entries += sum(len(o[1]) for opts in options.values() for o in opts[1:])
    if max_entries is not None and n_entries > max_entries:
        return SubsetResult(
            "TOO_LARGE", start0.copy(), end0.copy(), free_idx, None, None, base, (lo, hi),
            time.perf_counter() - t0, 0.0, {"free": int(len(free_idx)), "table_entries": n_entries},
        )  # fmt: skip

    # ---- the model
    model = cp_model.CpModel()
    sv: dict[int, cp_model.IntVar] = {}
    ev: dict[int, cp_model.IntVar] = {}
    hint: list[tuple[cp_model.IntVar, int]] = []
    by_res: dict[int, list[tuple[cp_model.IntervalVar, int]]] = {}
    lits: dict[int, list[tuple[int, cp_model.IntVar]]] = {}
    for i in free_idx.tolist():
        s, e = int(start0[i]), int(end0[i])
        if i in options:
            start, end = _add_options(model, i, options[i], sets[i], s, e, by_res, lits, hint)
        elif i in tables:
            starts, ends = tables[i]
            k = int(np.searchsorted(starts, s))  # the incumbent is kept by the bounds above
            start = model.new_int_var_from_domain(
                cp_model.Domain.from_values(starts.tolist()), f"s{i}"
            )
            end = model.new_int_var_from_domain(
                cp_model.Domain.from_values(np.unique(ends).tolist()), f"e{i}"
            )
            if len(starts) > 1:
                idx = model.new_int_var(0, len(starts) - 1, f"k{i}")
                model.add_element(idx, starts.tolist(), start)
                model.add_element(idx, ends.tolist(), end)
                hint.append((idx, k))
            sizes = ends - starts
            size = model.new_int_var(int(sizes.min()), int(sizes.max()), f"d{i}")
            hint.append((size, e - s))
            interval = model.new_interval_var(start, size, end, f"x{i}")
            rows, units = sets[i]
            for r, u in zip(rows, units, strict=True):
                by_res.setdefault(r, []).append((interval, u))
        else:  # a milestone: no work, holds nothing
            start = model.new_int_var(s_lb[i], min(s_ub[i], e_ub[i]), f"s{i}")
            end = start
        sv[i], ev[i] = start, end
        hint.append((start, s))
        if end is not start:
            hint.append((end, e))
        if stop is not None and stop[0]:
            break

    for i in free_idx.tolist():
        for k in range(cf.pred_ptr[i], cf.pred_ptr[i + 1]):
            p = int(cf.pred_idx[k])
            if is_free[p]:
                ref = sv[p] if cf.pred_ss[k] else ev[p]
                model.add(sv[i] >= ref + int(cf.pred_lag[k]))

    # fixed occupation of the other tasks over the window, per resource a free task uses
    rr, ss, ee, uu = occupation(cf, inc, is_free)
    keep = (ee > lo) & (ss < hi)
    rr, ss, ee, uu = rr[keep], np.maximum(ss[keep], lo), np.minimum(ee[keep], hi), uu[keep]
    used = np.array(sorted(by_res), dtype=np.int64)
    width = hi - lo
    n_fixed = 0
    for r in used.tolist():
        sel = rr == r
        diff = np.zeros(width + 1, dtype=np.int64)
        np.add.at(diff, ss[sel] - lo, uu[sel])
        np.add.at(diff, ee[sel] - lo, -uu[sel])
        cap = int(cf.cap[r])
        profile = np.minimum(np.cumsum(diff)[:width], cap)
        items = list(by_res[r])
        for a, b, u in _segments(profile, lo):
            items.append((model.new_fixed_size_interval_var(a, b - a, f"f{r}_{a}"), u))
            n_fixed += 1
        if cap == 1:
            model.add_no_overlap([x for x, _u in items])
        else:
            model.add_cumulative([x for x, _u in items], [u for _x, u in items], cap)

    # ---- objective (integer: SCALE per hour)
    terms: list[tuple[cp_model.LinearExprT, int]] = []
    sh = cf.slot_hours
    projects = sorted({int(cf.project[i]) for i in free_idx.tolist()})
    fixed_end = _fixed_project_ends(cf, is_free, end0)
    sub = _due_scale(cf, projects)
    for p in projects:
        if not cf.has_due[p]:
            continue
        members = [i for i in free_idx.tolist() if cf.project[i] == p]
        due = int(round(cf.due[p] * sub))
        ub = max(int(cf.n_slots), int(end0.max()) + 1) * sub
        tard = model.new_int_var(0, max(0, ub - due), f"t{p}")
        for i in members:
            model.add(tard >= sub * ev[i] - due)
        if fixed_end[p] > -(1 << 60):
            model.add(tard >= sub * int(fixed_end[p]) - due)
        pend0 = max([int(end0[i]) for i in members] + [int(fixed_end[p])])
        hint.append((tard, max(0, sub * pend0 - due)))
        terms.append((tard, _coef(cf.weight[p] * sh * SCALE / sub)))
    for i in over_dl:
        dl = int(cf.deadline[i])
        v = model.new_int_var(0, max(0, int(end0[i]) - dl), f"v{i}")
        model.add(v >= ev[i] - dl)
        hint.append((v, int(end0[i]) - dl))
        terms.append((v, _coef(VIOLATION_WEIGHT * sh * SCALE)))
    constant = 0
    if stab > 0:
        for i in free_idx.tolist():
            if not cf.has_prev[i]:
                continue
            if i in lits:
                n_named = int(cf.nd_ptr[i + 1] - cf.nd_ptr[i])
                named = sets[i][0][:n_named]
                same = [lit for r, lit in lits[i] if _same_set(cf, i, named + [r])]
                if not same:
                    constant += 1
                    continue
                moved = model.new_bool_var(f"m{i}")
                model.add_bool_or([moved, *same])
            elif not _same_resources(cf, inc, i):
                constant += 1
                continue
            else:
                moved = model.new_bool_var(f"m{i}")
            model.add(sv[i] == int(cf.prev_start[i])).only_enforce_if(~moved)
            hint.append(
                (moved, int(start0[i] != cf.prev_start[i] or not _same_resources(cf, inc, i)))
            )
            terms.append((moved, _coef(stab * SCALE)))
    primary = sum(c * v for v, c in terms) + _coef(stab * SCALE) * constant
    factor = 1
    if tie_break:
        others = end0[~is_free]
        floor = int(others.max()) if len(others) else 0
        top = max(hi, int(end0.max()))
        makespan = model.new_int_var(floor, max(floor, top), "makespan")
        model.add_max_equality(makespan, [ev[i] for i in free_idx.tolist()] + [floor])
        hint.append((makespan, max(floor, int(end0[free_idx].max()))))
        factor = top + 1
        model.minimize(factor * primary + makespan)
    else:
        model.minimize(primary)
    for var, value in hint:
        model.add_hint(var, value)
    build = time.perf_counter() - t0

    # a neighbourhood (light_presolve): a long presolve would eat its second or two
    light = {"max_presolve_iterations": 1, "cp_model_probing_level": 0, "symmetry_level": 0}
    solver = configure_solver(time_limit, workers, seed, light if light_presolve else None)
    if stop is not None and stop[0]:
        status = cp_model.UNKNOWN
        solve_s = 0.0
    else:
        t1 = time.perf_counter()
        with stop_watch(solver, None if stop is None else lambda: bool(stop[0])):
            status = solver.solve(model)
        solve_s = time.perf_counter() - t1
    name = solver.status_name(status)
    start, end = start0.copy(), end0.copy()
    objective = bound = None
    people: dict[int, int] = {}
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for i in free_idx.tolist():
            start[i] = solver.value(sv[i])
            end[i] = solver.value(ev[i])
        for i, opts in lits.items():
            chosen = next(r for r, lit in opts if solver.boolean_value(lit))
            if chosen != sets[i][0][-1]:
                people[i] = chosen
        objective = _sub_objective(cf, free_idx, start, end, with_people(cf, inc, people), stab)
        bound = math.floor(solver.best_objective_bound / factor + 1e-9) / SCALE
    stats = {
        "free": int(len(free_idx)),
        "table_entries": n_entries,
        "fixed_intervals": n_fixed,
        "resources": int(len(used)),
        "choices": len(options),
    }
    if log is not None:
        log(
            f"cp-sat {name}: {len(free_idx)} free tasks in [{lo}, {hi}), objective "
            f"{base:.2f} -> {objective if objective is not None else float('nan'):.2f}, bound "
            f"{bound if bound is not None else float('nan'):.2f} (build {build:.2f}s, solve "
            f"{solve_s:.2f}s)"
        )
    return SubsetResult(
        name, start, end, free_idx, objective, bound, base, (lo, hi), build, solve_s, stats, people
    )


def _objective_cuts(
    cf: CompiledFloor, free_idx: np.ndarray, is_free: np.ndarray, ub: float, e_ub: dict[int, int]
) -> None:
    """Tighten `e_ub` to what a plan of sub-objective <= `ub` allows: an order's tasks end by
    due + ub / (weight x slot hours); a task ends early enough for its free FS successors."""
    for i in free_idx.tolist():
        p = int(cf.project[i])
        if cf.has_due[p] and cf.weight[p] > 0:
            limit = math.floor(cf.due[p] + ub / (cf.weight[p] * cf.slot_hours) + 1e-9)
            e_ub[i] = min(e_ub[i], limit)
    for i in reversed(topological_order(cf)):
        if not is_free[i]:
            continue
        for k in range(cf.pred_ptr[i], cf.pred_ptr[i + 1]):
            p = int(cf.pred_idx[k])
            if is_free[p] and not cf.pred_ss[k]:
                e_ub[p] = min(e_ub[p], e_ub[i] - int(cf.work[i]) - int(cf.pred_lag[k]))


def _add_options(
    model: cp_model.CpModel,
    i: int,
    opts: list[tuple[int, np.ndarray, np.ndarray]],
    rows_units: tuple[list[int], list[int]],
    s: int,
    e: int,
    by_res: dict[int, list[tuple[cp_model.IntervalVar, int]]],
    lits: dict[int, list[tuple[int, cp_model.IntVar]]],
    hint: list[tuple[cp_model.IntVar, int]],
) -> tuple[cp_model.IntVar, cp_model.IntVar]:
    """Task `i` with a choice of person: start/end over all options, the named resources on the
    task's interval, each person on an optional interval of their own table."""
    all_s = np.unique(np.concatenate([o[1] for o in opts]))
    all_e = np.unique(np.concatenate([o[2] for o in opts]))
    start = model.new_int_var_from_domain(cp_model.Domain.from_values(all_s.tolist()), f"s{i}")
    end = model.new_int_var_from_domain(cp_model.Domain.from_values(all_e.tolist()), f"e{i}")
    sizes = np.concatenate([o[2] - o[1] for o in opts])
    size = model.new_int_var(int(sizes.min()), int(sizes.max()), f"d{i}")
    interval = model.new_interval_var(start, size, end, f"x{i}")
    hint.append((size, e - s))
    rows, units = rows_units
    n_named = len(rows) - 1
    for r, u in zip(rows[:n_named], units[:n_named], strict=True):
        by_res.setdefault(r, []).append((interval, u))
    mine: list[tuple[int, cp_model.IntVar]] = []
    for k, (r, st, en) in enumerate(opts):
        lit = model.new_bool_var(f"c{i}_{r}")
        hint.append((lit, int(k == 0)))
        if len(st) > 1:
            idx = model.new_int_var(0, len(st) - 1, f"k{i}_{r}")
            s_c = model.new_int_var_from_domain(cp_model.Domain.from_values(st.tolist()), "")
            e_c = model.new_int_var_from_domain(
                cp_model.Domain.from_values(np.unique(en).tolist()), ""
            )
            model.add_element(idx, st.tolist(), s_c)
            model.add_element(idx, en.tolist(), e_c)
            at = int(np.searchsorted(st, s)) if k == 0 else 0
            hint += [(idx, at), (s_c, int(st[at])), (e_c, int(en[at]))]
            model.add(start == s_c).only_enforce_if(lit)
            model.add(end == e_c).only_enforce_if(lit)
        else:
            model.add(start == int(st[0])).only_enforce_if(lit)
            model.add(end == int(en[0])).only_enforce_if(lit)
        opt = model.new_optional_interval_var(start, size, end, lit, f"o{i}_{r}")
        by_res.setdefault(r, []).append((opt, 1))
        mine.append((r, lit))
    model.add_exactly_one([lit for _r, lit in mine])
    lits[i] = mine
    return start, end


def with_people(cf: CompiledFloor, inc: Incumbent, people: dict[int, int]) -> Incumbent:
    """`inc` with the chosen person of each task of `people` in its layout (the last seat)."""
    if not people:
        return inc
    out_res = inc.out_res.copy()
    for i, r in people.items():
        out_res[int(cf.lay_ptr[i]) + int(inc.out_n[i]) - 1] = r
    return Incumbent(inc.start, inc.end, out_res, inc.out_n, inc.forced)


def _same_set(cf: CompiledFloor, i: int, rows: list[int]) -> bool:
    prev = set(cf.prev_res[cf.prev_ptr[i] : cf.prev_ptr[i + 1]].tolist())
    n_prev = int(cf.prev_ptr[i + 1] - cf.prev_ptr[i])
    return n_prev == len(rows) and all(r in prev for r in rows)


def _due_scale(cf: CompiledFloor, projects: list[int]) -> int:
    """Tardiness units per slot: 60 when a due date of `projects` is off the grid, else 1."""
    frac = any(cf.has_due[p] and abs(cf.due[p] - round(cf.due[p])) > 1e-9 for p in projects)
    return 60 if frac else 1


def _coef(x: float) -> int:
    return int(round(x))


def _fixed_project_ends(cf: CompiledFloor, is_free: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Per project the latest end of its tasks that are not free (-2^60 when none)."""
    out = np.full(max(1, len(cf.problem.projects)), -(1 << 60), dtype=np.int64)
    fixed = ~is_free
    np.maximum.at(out, cf.project[fixed], end[fixed])
    return out


def _same_resources(cf: CompiledFloor, inc: Incumbent, i: int) -> bool:
    """The incumbent's resources of task `i` are its previous plan's (as `kernels.evaluate`)."""
    lo = int(cf.lay_ptr[i])
    return _same_set(cf, i, inc.out_res[lo : lo + int(inc.out_n[i])].tolist())


def _sub_objective(
    cf: CompiledFloor, free_idx: np.ndarray, start: np.ndarray, end: np.ndarray,
    inc: Incumbent, stab: float,
) -> float:  # fmt: skip
    """Weighted tardiness of the orders of `free_idx` + deadline violations and stability of the
    free tasks, in hours (the model's objective, unscaled; rounded to the model's integers)."""
    if not len(free_idx):
        return 0.0
    sh = cf.slot_hours
    total = 0
    projects = sorted({int(cf.project[i]) for i in free_idx.tolist()})
    sub = _due_scale(cf, projects)
    for p in projects:
        if not cf.has_due[p]:
            continue
        pend = int(end[cf.project == p].max())
        late = max(0, sub * pend - int(round(cf.due[p] * sub)))
        total += late * _coef(cf.weight[p] * sh * SCALE / sub)
    for i in free_idx.tolist():
        dl = int(min(cf.deadline[i], 1 << 40))
        if end[i] > dl:
            total += (int(end[i]) - dl) * _coef(VIOLATION_WEIGHT * sh * SCALE)
        if stab > 0 and cf.has_prev[i]:
            if not _same_resources(cf, inc, i) or start[i] != cf.prev_start[i]:
                total += _coef(stab * SCALE)
    return total / SCALE


def relaxed_lower_bound(cf: CompiledFloor, start: np.ndarray, end: np.ndarray) -> float:
    """A lower bound of the weighted tardiness of every plan of the problem: the orders' latest
    earliest ends of `relaxed_heads`. Moved tasks count 0."""
    _est, eft = relaxed_heads(cf, start, end)
    total = 0.0
    for p in range(len(cf.problem.projects)):
        members = np.flatnonzero(cf.project == p)
        if not cf.has_due[p] or not len(members):
            continue
        late = float(eft[members].max()) - float(cf.due[p])
        if late > 0:
            total += late * cf.slot_hours * float(cf.weight[p])
    return total


def pool_lower_bound(cf: CompiledFloor, start: np.ndarray, end: np.ndarray) -> float:
    """A lower bound of the weighted tardiness from capacities: for each pool (the people having
    a skill, or one named resource) alone, every other capacity relaxed. Its jobs are the
    not-done tasks needing it, each with its energy (work slots x units or people), its release
    (`relaxed_heads`) and a latest end `d` = its order's due date - the work of its longest
    finish-start chain of successors (an order ending on time ends every task by then). In
    any plan the k-th job to complete, at `C_k`, cannot end before the pool's working capacity
    from the earliest release holds the k smallest energies; matching those completion times
    in order against the jobs' latest ends in order bounds sum(max(0, C - d)) (a convex cost:
    sorted matching is the least), one job per order (the one with the earliest latest end),
    weighed by the least order weight. The best pool's bound counts (pools share orders)."""
    est, _eft = relaxed_heads(cf, start, end)
    tail = _work_tails(cf)
    problem = cf.problem
    pools: dict[tuple[str, Any], list[tuple[int, int]]] = {}  # pool -> (task, energy)
    members: dict[tuple[str, Any], set[int]] = {}
    for i, t in enumerate(problem.tasks):
        w = int(cf.work[i])
        if cf.fix[i] == DONE or w <= 0 or not cf.has_due[cf.project[i]]:
            continue
        for d in t.demands:
            if d.resource is not None:
                r = problem.resource_index[d.resource]
                pools.setdefault(("resource", r), []).append((i, w * d.units))
                members.setdefault(("resource", r), {r})
            else:
                pools.setdefault(("skill", d.skill), []).append((i, w * d.count))
                group = members.setdefault(("skill", d.skill), set())
                group.update(problem.resource_index[r] for r in problem.qualified(d.skill, 0))
    best = 0.0
    for key, jobs in pools.items():
        rows = sorted(members[key])
        if key[0] == "resource":
            curve = cf.res_cum[rows[0]].astype(np.int64) * int(cf.cap[rows[0]])
        else:
            curve = cf.res_cum[rows].astype(np.int64).sum(axis=0)
        best = max(best, _pool_bound(cf, jobs, curve, est, tail))
    return best


def _work_tails(cf: CompiledFloor) -> np.ndarray:
    """Per task the work slots (plus lags) of its longest finish-start chain of successors: an
    order ends at least this long after the task ends (a working slot is at least a slot)."""
    tail = np.zeros(cf.n, dtype=np.int64)
    for i in reversed(topological_order(cf)):
        for k in range(cf.succ_ptr[i], cf.succ_ptr[i + 1]):
            j = int(cf.succ_idx[k])
            for m in range(cf.pred_ptr[j], cf.pred_ptr[j + 1]):
                if int(cf.pred_idx[m]) == i and not cf.pred_ss[m]:
                    v = int(cf.pred_lag[m]) + int(cf.work[j]) + int(tail[j])
                    tail[i] = max(tail[i], v)
    return tail


def _pool_bound(
    cf: CompiledFloor,
    jobs: list[tuple[int, int]],
    curve: np.ndarray,
    est: np.ndarray,
    tail: np.ndarray,
) -> float:
    """The bound of one pool (see `pool_lower_bound`); `curve[t]` its working capacity before t."""
    tasks = np.array([i for i, _e in jobs], dtype=np.int64)
    energy = np.sort(np.array([e for _i, e in jobs], dtype=np.int64))
    release = max(0, int(est[tasks].min()))
    need = curve[min(release, len(curve) - 1)] + np.cumsum(energy)
    # C_k: the first edge where the capacity holds the k smallest energies (the horizon's end
    # when it never does: still a lower bound)
    done_at = np.minimum(np.searchsorted(curve, need, side="left"), len(curve) - 1)
    latest: dict[int, float] = {}
    for i in tasks.tolist():
        p = int(cf.project[i])
        d = float(cf.due[p]) - float(tail[i])
        latest[p] = min(latest.get(p, d), d)
    d_sorted = np.sort(np.array(list(latest.values()), dtype=np.float64))
    # one job per order: the completions of those are some of the job completions, so their
    # k-th is no earlier than the k-th of all
    c = done_at[: len(d_sorted)].astype(np.float64)
    weight = float(min(cf.weight[p] for p in latest))
    return float(np.maximum(0.0, c - d_sorted).sum()) * cf.slot_hours * weight


def lower_bound(cf: CompiledFloor, start: np.ndarray, end: np.ndarray) -> tuple[float, str]:
    """(the better of `relaxed_lower_bound` and `pool_lower_bound`, which one)."""
    heads = relaxed_lower_bound(cf, start, end)
    pools = pool_lower_bound(cf, start, end)
    if pools > heads:
        return pools, "one skill or resource at a time, its capacity kept"
    return heads, "capacity relaxed"


def topological_order(cf: CompiledFloor) -> list[int]:
    """The problem's topological order (computed once per compiled problem)."""
    order = cf.__dict__.get("_cpsat_topo")
    if order is None:
        order = cf.__dict__["_cpsat_topo"] = cf.problem.topological_order()
    return order


def relaxed_heads(
    cf: CompiledFloor, start: np.ndarray, end: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Earliest start and earliest end of each task in every plan of the problem (resources
    free, capacity ignored): along the dependencies, a task ending no earlier than the `work`-th
    working slot of each named resource and of the `count`-th earliest candidate of each skill
    group (its calendar's without demands). Tasks with a kept start (in progress, pinned, frozen)
    and done tasks take `start`/`end` when their resources are given, else the same bound from
    their kept start."""
    T = cf.n_slots
    order = topological_order(cf)
    est = np.zeros(cf.n, dtype=np.int64)
    eft = np.zeros(cf.n, dtype=np.int64)

    def nth_end(cum: np.ndarray, pos: np.ndarray, row: int, t: int, w: int) -> int:
        if t >= T:
            return t + w
        k = int(cum[row, t]) + w - 1
        if k >= pos.shape[1] or pos[row, k] >= T:
            return T + 1  # beyond the horizon: at least this late
        return int(pos[row, k]) + 1

    for i in order:
        w = int(cf.work[i])
        if cf.fix[i] == DONE or (
            cf.fix[i] != FREE and int(cf.given_ptr[i + 1] - cf.given_ptr[i]) > 0
        ):
            est[i], eft[i] = int(start[i]), int(end[i])
            continue
        if cf.fix[i] != FREE:
            t = int(cf.fix_start[i])
        else:
            t = int(cf.est[i])
            for k in range(cf.pred_ptr[i], cf.pred_ptr[i + 1]):
                p = int(cf.pred_idx[k])
                ref = est[p] if cf.pred_ss[k] else eft[p]
                t = max(t, int(ref + cf.pred_lag[k]))
        t = max(t, 0)
        est[i] = t
        if w == 0:
            eft[i] = t
            continue
        lb = t + w
        n_named = int(cf.nd_ptr[i + 1] - cf.nd_ptr[i])
        for k in range(cf.nd_ptr[i], cf.nd_ptr[i + 1]):
            lb = max(lb, nth_end(cf.res_cum, cf.res_pos, int(cf.nd_res[k]), t, w))
        for g in range(cf.grp_ptr[i], cf.grp_ptr[i + 1]):
            cands = cf.cand[cf.cand_ptr[g] : cf.cand_ptr[g + 1]]
            ends = sorted(nth_end(cf.res_cum, cf.res_pos, int(r), t, w) for r in cands)
            c = int(cf.grp_count[g])
            lb = max(lb, ends[c - 1] if len(ends) >= c else T + 1)
        if n_named == 0 and cf.grp_ptr[i] == cf.grp_ptr[i + 1]:
            lb = max(lb, nth_end(cf.cal_cum, cf.cal_pos, int(cf.calendar[i]), t, w))
        eft[i] = lb
    return est, eft


def whole_problem_tasks(cf: CompiledFloor) -> np.ndarray:
    """The tasks a whole-problem model frees: every task the problem leaves to the planner."""
    return np.flatnonzero(cf.fix == FREE)


def assignment_is_given(cf: CompiledFloor) -> bool:
    """No task has a choice of people: every skill group has exactly as many candidates as
    seats and every kept-start task without given resources has no group."""
    for i in range(cf.n):
        if cf.fix[i] == DONE:
            continue
        for g in range(cf.grp_ptr[i], cf.grp_ptr[i + 1]):
            n_cands = int(cf.cand_ptr[g + 1] - cf.cand_ptr[g])
            if n_cands != int(cf.grp_count[g]):
                return False
    return True


__all__ = [
    "Incumbent",
    "SubsetResult",
    "solve_subset",
    "start_end_table",
    "span_ok",
    "with_people",
    "task_set",
    "relaxed_lower_bound",
    "pool_lower_bound",
    "lower_bound",
    "relaxed_heads",
    "assignment_is_given",
    "whole_problem_tasks",
    "occupation",
]
