#!/usr/bin/env python
"""Floor portfolio benchmark: our floor engine against its yardsticks and a greedy baseline.

    python scripts/bench_portfolio.py --orders 300 --tasks-per-order 25 --people 60 --seed 1 \\
        --time-limit 60 --replan
    python scripts/bench_portfolio.py --orders 300 --tasks-per-order 25 --people 60 --seed 1 \\
        --spread 0,1,2,3,4 --limits 10,60
    python scripts/bench_portfolio.py --problem optimizer/examples/floor_portfolio.json \\
        --spread 0,1,2,3,4 --limits 10
    python scripts/bench_portfolio.py --orders 6 --tasks-per-order 8 --people 6 --time-limit 2

Yardsticks (printed first): the best known plan of the problem, kept in
`optimizer/examples/best_known.json` with how and how long it was found (its plan file is
re-checked by the independent checker and its value re-computed before it is used), and a lower
bound (`optimizer.floor.solver.lower_bound`: every order's earliest possible end, capacities
relaxed). Every figure of our engine is printed with its gap to both.

With --spread SEEDS the engine solves the problem once per solver seed and per time limit of
--limits and prints, per limit, the spread of the weighted tardiness (min, mean, max, and the
gaps of the mean), then one JSON line with every run. --record-best stores the best plan of the
runs as the new best known when it beats the stored one (checked first).

Without --spread, one solve against the baseline. The problem comes from
`optimizer.floor.generate.generate_floor` or --problem (written to problem.json). The baseline, written here, dispatches earliest due date first: tasks in order of their order's due
date then topological order, each at its earliest feasible start on the qualified people that let
it finish first (baseline_plan.json). Our engine is `optimizer.floor.solver.solve_floor` with the
time limit (plan.json). Both plans are re-read from their JSON and verified by the independent
`optimizer.floor.checker.check_floor`; any violation fails the run (exit 1).

Figures: first_valid_s (start of the solve call, problem compile included, to its first plan;
the engine's numba kernels are warmed up before, untimed, as in a running service),
weighted tardiness of our plan at the end of the time limit and of the baseline, peak RSS of the
process. With --replan, one order's not-done tasks take 50 % more hours and the problem is solved
again for 10 s (--replan-time-limit) against our plan (stability weight 1, frozen window 2 working days): replan_s (to
the first plan of the re-plan) and unaffected_moved_pct (not-done tasks of the other orders whose
start or resources changed, in % of them). The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import copy
import gzip
import heapq
import itertools
import json
import math
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from optimizer.floor.generate import generate_floor  # noqa: E402
from optimizer.floor.model import FloorProblem, Task  # noqa: E402
from optimizer.floor.plan import FloorPlan, FloorTaskPlan  # noqa: E402
from optimizer.floor.timeline import Clock, Timeline, build_timeline  # noqa: E402

REFERENCE_LOAD = 300 * 25 / 60  # tasks per person of the 6-month reference portfolio
BEST_KNOWN = ROOT / "optimizer" / "examples" / "best_known.json"  # index; plans beside it
REPLAN_LIMIT = 10.0
STABILITY = {"weight": 1, "frozen_working_days": 2}


class BenchError(RuntimeError):
    """The benchmark cannot go on (a plan is invalid, the baseline ran out of horizon)."""


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


# ---------------------------------------------------------------------- greedy baseline


def _earliest(
    work: np.ndarray, busy: np.ndarray, k: int, interruptible: bool
) -> tuple[int, int] | None:
    """Earliest span [s, e) holding `k` slots of `work` and no `busy` slot (relative offsets)."""
    if k <= 0:
        return 0, 0
    pos = np.flatnonzero(work)
    if len(pos) < k:
        return None
    starts, ends = pos[: len(pos) - k + 1], pos[k - 1 :] + 1
    cum = np.concatenate(([0], np.cumsum(busy, dtype=np.int64)))
    ok = cum[ends] == cum[starts]
    if not interruptible:
        ok &= ends - starts == k
    if not ok.any():
        return None
    j = int(np.argmax(ok))
    return int(starts[j]), int(ends[j])


class Baseline:
    """Earliest due date first, each task at its earliest feasible start (serial dispatching)."""

    def __init__(self, problem: FloorProblem, timeline: Timeline) -> None:
        self.problem, self.timeline, self.clock = problem, timeline, timeline.clock
        self.n = timeline.n_slots
        self.cap = np.array([r.capacity for r in problem.resources], dtype=np.int32)
        self.used = np.zeros((len(problem.resources), self.n), dtype=np.int16)
        self.start: dict[int, int] = {}
        self.end: dict[int, int] = {}
        self.res: dict[int, tuple[str, ...]] = {}
        self.qualified: dict[tuple[str, int], list[int]] = {}

    # .................................................................. spans
    def span(self, units: dict[int, int], task: Task, est: int, k: int) -> tuple[int, int] | None:
        """Earliest span from `est` on resources {index: units} (none: the task's calendar).

        Searched in growing windows: a later start never ends earlier, so the first span found
        inside a window is the earliest of all."""
        p = self.problem
        rows = list(units)
        cal = p.calendar_index[task.calendar or p.default_calendar]
        length = max(8 * k, 24 * 28)
        while True:
            hi = min(self.n, est + length)
            busy = np.zeros(max(0, hi - est), dtype=np.bool_)
            if rows:
                work = np.logical_and.reduce(self.timeline.resource_work[rows, est:hi], axis=0)
                for r, u in units.items():
                    busy |= self.used[r, est:hi] + u > self.cap[r]
            else:
                work = self.timeline.calendar_work[cal, est:hi]
            found = _earliest(work, busy, k, task.interruptible)
            if found is not None:
                return est + found[0], est + found[1]
            if hi >= self.n:
                return None
            length *= 4

    def occupy(self, units: dict[int, int], s: int, e: int) -> None:
        for r, u in units.items():
            self.used[r, max(0, s) : max(0, e)] += u

    def able(self, skill: str, level: int) -> list[int]:
        key = (skill, level)
        if key not in self.qualified:
            idx = self.problem.resource_index
            self.qualified[key] = [idx[r] for r in self.problem.qualified(skill, level)]
        return self.qualified[key]

    def choose(self, task: Task, est: int, k: int) -> tuple[dict[int, int], tuple[int, int]]:
        """Named resources plus, per skill demand, the people that let the task end first."""
        units: dict[int, int] = {}
        for d in task.demands:
            if d.resource is not None:
                r = self.problem.resource_index[d.resource]
                units[r] = units.get(r, 0) + d.units
        best_span = self.span(units, task, est, k)
        for d in task.demands:
            if d.skill is None:
                continue
            scored = []
            for r in self.able(d.skill, d.level):
                if r in units:
                    continue
                found = self.span({**units, r: 1}, task, est, k)
                if found is not None:
                    scored.append((found[1], found[0], r))
            scored.sort()
            top = [r for _, _, r in scored[: d.count + 2]]
            best = None
            for combo in itertools.combinations(top, d.count):
                found = self.span({**units, **dict.fromkeys(combo, 1)}, task, est, k)
                if found is not None and (best is None or (found[1], found[0]) < best[0]):
                    best = ((found[1], found[0]), combo)
            if best is None:
                raise BenchError(f"baseline: no people for {task.id!r} within the horizon")
            units.update(dict.fromkeys(best[1], 1))
            best_span = (best[0][1], best[0][0])
        if best_span is None:
            raise BenchError(f"baseline: {task.id!r} does not fit within the horizon")
        return units, best_span

    # .................................................................. the dispatch
    def earliest_start(self, i: int, preds: list[list[tuple[int, str, int]]]) -> int:
        p, clock, task = self.problem, self.clock, self.problem.tasks[i]
        est = 0
        proj = p.projects[p.project_index[task.project]]
        for d in (proj.release, task.not_before):
            if d is not None:
                est = max(est, clock.ceil(d))
        for a, kind, lag in preds[i]:
            est = max(est, (self.end[a] if kind == "FS" else self.start[a]) + lag)
        return est

    def place_fixed(self, i: int) -> None:
        """Done tasks as they were; in-progress and pinned ones on their given resources."""
        p, clock, task = self.problem, self.clock, self.problem.tasks[i]
        if task.status == "done":
            self.start[i], self.end[i] = clock.floor(task.start), clock.ceil(task.end)
            self.res[i] = task.resources
            return
        units = {p.resource_index[r]: 1 for r in task.resources}
        for d in task.demands:
            if d.resource is not None and p.resource_index[d.resource] in units:
                units[p.resource_index[d.resource]] = d.units
        k = p.slots(p.work_hours(task))
        if task.status == "in_progress":
            begin, from_slot = clock.floor(task.started), 0
        else:
            begin = from_slot = clock.floor(task.start)
        if units or not task.demands:
            found = self.span(units, task, max(0, from_slot), k)
        else:  # in progress without given resources: choose them as for a new task
            units, found = self.choose(task, 0, k)
        if found is None:
            raise BenchError(f"baseline: fixed task {task.id!r} does not fit within the horizon")
        self.start[i], self.end[i] = begin, found[1]
        self.res[i] = tuple(p.resources[r].id for r in units)
        self.occupy(units, max(0, begin), found[1])

    def run(self) -> FloorPlan:
        p = self.problem
        started = time.perf_counter()
        n_tasks = len(p.tasks)
        preds: list[list[tuple[int, str, int]]] = [[] for _ in range(n_tasks)]
        succs: list[list[int]] = [[] for _ in range(n_tasks)]
        for link in p.precedences:
            a, b = p.task_index[link.before], p.task_index[link.after]
            preds[b].append((a, link.kind, self.clock.lag_slots(link.lag_hours)))
            succs[a].append(b)
        rank = {i: k for k, i in enumerate(p.topological_order())}
        due = []
        for t in p.tasks:
            d = p.projects[p.project_index[t.project]].due
            due.append(math.inf if d is None else self.clock.offset(d))
        for i, t in enumerate(p.tasks):
            if t.status != "todo" or t.pinned:
                self.place_fixed(i)
        waiting = [sum(a not in self.start for a, _, _ in preds[i]) for i in range(n_tasks)]
        heap = [
            (due[i], rank[i], i) for i in range(n_tasks) if i not in self.start and not waiting[i]
        ]
        heapq.heapify(heap)
        while heap:
            _, _, i = heapq.heappop(heap)
            task = p.tasks[i]
            units, (s, e) = self.choose(task, self.earliest_start(i, preds), p.slots(task.hours))
            self.start[i], self.end[i] = s, e
            self.res[i] = tuple(p.resources[r].id for r in units)
            self.occupy(units, s, e)
            for b in succs[i]:
                waiting[b] -= 1
                if waiting[b] == 0 and b not in self.start:
                    heapq.heappush(heap, (due[b], rank[b], b))
        if len(self.start) < n_tasks:
            raise BenchError("baseline: some tasks wait for a predecessor that is never placed")
        plan = FloorPlan(
            status="FEASIBLE",
            tasks=[
                FloorTaskPlan(t.id, t.project, self.start[i], self.end[i], self.res[i], t.status)
                for i, t in enumerate(p.tasks)
            ],
        )
        plan.weighted_tardiness = weighted_tardiness(p, plan, self.timeline)
        plan.objective = plan.weighted_tardiness
        plan.solve_seconds = plan.first_solution_seconds = time.perf_counter() - started
        plan.projects = project_results(p, plan, self.timeline)
        return plan


# ---------------------------------------------------------------------- figures


def _ends(problem: FloorProblem, plan: FloorPlan, timeline: Timeline) -> dict[str, float]:
    """Last end of each order, in slots from `now` (done tasks: their actual end)."""
    source = {t.id: t for t in problem.tasks}
    ends: dict[str, float] = {}
    for tp in plan.tasks:
        task = source[tp.id]
        end = timeline.clock.offset(task.end) if task.status == "done" and task.end else tp.end
        ends[tp.project] = max(ends.get(tp.project, -math.inf), end)
    return ends


def weighted_tardiness(problem: FloorProblem, plan: FloorPlan, timeline: Timeline) -> float:
    hours = timeline.clock.slot_minutes / 60
    ends = _ends(problem, plan, timeline)
    total = 0.0
    for proj in problem.projects:
        if proj.due is not None and proj.id in ends:
            late = ends[proj.id] - timeline.clock.offset(proj.due)
            total += proj.weight * max(0.0, late) * hours
    return total


def project_results(
    problem: FloorProblem, plan: FloorPlan, timeline: Timeline
) -> list[dict[str, Any]]:
    clock, hours = timeline.clock, timeline.clock.slot_minutes / 60
    ends = _ends(problem, plan, timeline)
    out = []
    for proj in problem.projects:
        end = ends.get(proj.id)
        if end is None:
            continue
        late = 0.0 if proj.due is None else max(0.0, (end - clock.offset(proj.due)) * hours)
        out.append(
            {
                "id": proj.id,
                "due": None if proj.due is None else proj.due.astimezone(clock.tz).isoformat(),
                "forecast_end": (clock.now + (end * clock.slot)).astimezone(clock.tz).isoformat(),
                "lateness_hours": round(late, 3),
                "late": late > 0,
            }
        )
    return out


def plan_figures(problem: FloorProblem, data: dict[str, Any], timeline: Timeline) -> dict:
    """Figures of a plan JSON: weighted tardiness, late orders, span end."""
    plan = FloorPlan.from_dict(problem, data, timeline.clock)
    ends = _ends(problem, plan, timeline)
    clock = timeline.clock
    late = sum(
        1
        for proj in problem.projects
        if proj.due is not None and ends.get(proj.id, -math.inf) > clock.offset(proj.due) + 1e-9
    )
    last = max(ends.values(), default=0.0)
    return {
        "weighted_tardiness": weighted_tardiness(problem, plan, timeline),
        "late_orders": late,
        "last_end": (clock.now + last * clock.slot).astimezone(clock.tz),
    }


# ---------------------------------------------------------------------- checking and solving


def verify(problem: FloorProblem, data: dict[str, Any], label: str) -> list[str]:
    """The independent checker on a plan's JSON form."""
    from optimizer.floor.checker import check_floor

    violations = check_floor(problem, data)
    if violations:
        print(f"\n!! {label}: {len(violations)} checker violation(s)", file=sys.stderr)
        for v in violations[:20]:
            print(f"  - {v}", file=sys.stderr)
    return violations


def solve_ours(problem: FloorProblem, time_limit: float, seed: int, quiet: bool) -> dict:
    from optimizer.floor.solver import solve_floor

    first: list[float] = []
    started = time.perf_counter()

    def on_solution(_elapsed: float, _objective: float) -> None:
        if not first:
            first.append(time.perf_counter() - started)

    def log(msg: str) -> None:
        print(f"  [engine] {msg}", file=sys.stderr, flush=True)

    solution = solve_floor(
        problem,
        time_limit=time_limit,
        seed=seed,
        log=None if quiet else log,
        on_solution=on_solution,
    )
    wall = time.perf_counter() - started
    plan = solution.plan
    if not first and plan.first_solution_seconds is not None:
        first.append(plan.first_solution_seconds)
    return {
        "solution": solution,
        "data": solution.to_dict(problem),
        "first_valid_s": first[0] if first else wall,
        "wall_s": wall,
    }


def _moved(previous: dict[str, Any], new: dict[str, Any], tasks: set[str]) -> int:
    before = {t["id"]: t for t in previous["tasks"]}
    moved = 0
    for t in new["tasks"]:
        if t["id"] not in tasks:
            continue
        old = before.get(t["id"])
        if old is None:
            moved += 1
            continue
        same_start = datetime.fromisoformat(old["start"]) == datetime.fromisoformat(t["start"])
        if not same_start or set(old["resources"]) != set(t["resources"]):
            moved += 1
    return moved


def pick_order(data: dict[str, Any], plan: dict[str, Any], seed: int) -> str:
    """An order whose longer work can move: its not-done tasks are neither in progress nor
    pinned, and none starts in the frozen window of the previous plan (those keep their start,
    so a longer predecessor there would make the re-plan infeasible)."""
    from optimizer.floor.checker import frozen_window_end

    staged = dict(data, previous_plan=plan, stability=dict(STABILITY))
    problem = FloorProblem.from_dict(staged)
    clock = Clock(problem.now, problem.slot_minutes, problem.tz)  # no masks needed here
    edge = frozen_window_end(problem, clock)
    starts = {t["id"]: datetime.fromisoformat(t["start"]) for t in plan["tasks"]}
    blocked: set[str] = set()
    open_tasks: dict[str, int] = {}
    for t in problem.tasks:
        if t.status == "done":
            continue
        open_tasks[t.project] = open_tasks.get(t.project, 0) + 1
        if t.status != "todo" or t.pinned or clock.floor(starts[t.id]) < edge:
            blocked.add(t.project)
    candidates = sorted(o for o, k in open_tasks.items() if k >= 3 and o not in blocked)
    candidates = candidates or sorted(o for o in open_tasks if o not in blocked)
    if not candidates:
        raise BenchError("re-plan: every order has work in progress or in the frozen window")
    return random.Random(seed).choice(candidates)


def replan(data: dict[str, Any], plan: dict[str, Any], args: argparse.Namespace) -> dict:
    """One order's not-done tasks take 50 % more hours; re-solve against our plan."""
    order = pick_order(data, plan, args.seed)
    changed = copy.deepcopy(data)
    for t in changed["tasks"]:
        if t["project"] == order and t.get("status", "todo") != "done":
            t["hours"] = math.ceil(t["hours"] * 1.5)
    changed["previous_plan"] = plan
    changed["stability"] = dict(STABILITY)
    problem = FloorProblem.from_dict(changed)
    result = solve_ours(problem, args.replan_time_limit, args.seed, args.quiet)
    others = {t.id for t in problem.tasks if t.project != order and t.status != "done"}
    moved = _moved(plan, result["data"], others)
    result.update(
        problem=problem,
        order=order,
        others=len(others),
        moved=moved,
        unaffected_moved_pct=100.0 * moved / max(1, len(others)),
    )
    return result


# ---------------------------------------------------------------------- yardsticks


def load_best_known(label: str, path: Path = BEST_KNOWN) -> dict[str, Any] | None:
    """The stored best known entry of the problem `label`, or None."""
    if not path.exists():
        return None
    entries = json.loads(path.read_text("utf-8"))["problems"]
    return next((e for e in entries if e["problem"] == label), None)


def checked_best_known(
    problem: FloorProblem, timeline: Timeline, entry: dict[str, Any] | None, path: Path
) -> float | None:
    """The best known value, after its plan passed the checker and gave the same value."""
    if entry is None:
        return None
    with gzip.open(path.parent / entry["plan"], "rt", encoding="utf-8") as f:
        data = json.load(f)
    violations = verify(problem, data, f"best known plan {entry['plan']}")
    if violations:
        raise BenchError(f"the best known plan {entry['plan']} fails the checker")
    value = plan_figures(problem, data, timeline)["weighted_tardiness"]
    if abs(value - entry["weighted_tardiness"]) > 1e-6:
        raise BenchError(
            f"the best known plan {entry['plan']} is worth {value:g} h, not the "
            f"{entry['weighted_tardiness']:g} h of its entry"
        )
    return value


def record_best(
    label: str, problem: FloorProblem, timeline: Timeline, run: dict[str, Any], path: Path
) -> bool:
    """Store `run`'s plan as the best known of `label` when it beats the stored one (or there
    is none) and passes the checker; True when stored."""
    known = load_best_known(label, path)
    if known is not None and run["weighted_tardiness"] >= known["weighted_tardiness"] - 1e-9:
        return False
    if verify(problem, run["data"], "new best known plan"):
        return False
    slug = "".join(c if c.isalnum() else "_" for c in label).strip("_")
    plan_path = path.parent / "best_known" / f"{slug}.plan.json.gz"
    plan_path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(plan_path, "wt", encoding="utf-8") as f:
        json.dump(run["data"], f)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    entry = {
        "problem": label,
        "weighted_tardiness": round(run["weighted_tardiness"], 3),
        "late_orders": run["late_orders"],
        "found_by": f"solve_floor seed {run['seed']}, {run['limit']:g} s, 2 workers, "
        f"commit {commit or 'unknown'}",
        "seconds": round(run["wall_s"], 1),
        "checked": True,
        "plan": str(plan_path.relative_to(path.parent)),
    }
    index = json.loads(path.read_text("utf-8")) if path.exists() else {"problems": []}
    index["problems"] = [e for e in index["problems"] if e["problem"] != label] + [entry]
    index["problems"].sort(key=lambda e: e["problem"])
    path.write_text(json.dumps(index, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return True


def gaps(value: float, best: float | None, bound: float) -> str:
    """'+x h (+y %) / +z h': the gap to the best known (absolute, relative) and to the bound."""
    if best is None:
        known = "no best known"
    else:
        rel = f"{100 * (value - best) / best:+.1f} %" if best > 0 else "n/a"
        known = f"{value - best:+.1f} h ({rel})"
    return f"{known} / {value - bound:+.1f} h"


# ---------------------------------------------------------------------- spread over seeds


def solve_once(problem: FloorProblem, limit: float, seed: int) -> dict[str, Any]:
    """One solve; its figures re-computed from the plan's JSON, which the checker passes."""
    from optimizer.floor.solver import solve_floor

    solution = solve_floor(problem, time_limit=limit, seed=seed)
    data = solution.to_dict(problem)
    figures = plan_figures(problem, data, solution.timeline)
    return {
        "data": data,
        "seed": seed,
        "limit": limit,
        "weighted_tardiness": round(figures["weighted_tardiness"], 3),
        "late_orders": figures["late_orders"],
        "first_s": round(solution.plan.first_solution_seconds or 0.0, 3),
        "wall_s": round(solution.plan.solve_seconds or 0.0, 3),
        "violations": len(verify(problem, data, f"plan of seed {seed} at {limit:g} s")),
    }


def spread_table(
    limit: float, runs: list[dict[str, Any]], best: float | None, bound: float
) -> list[str]:
    """The rows of one time limit: each seed, then min / mean / max over the seeds with the
    mean's gaps to the best known and to the lower bound."""
    lines = [
        f"-- time limit {limit:g} s --",
        f"{'seed':<8}{'wt (h)':>10}{'late':>6}{'first s':>9}  gap to best known / to bound",
    ]
    for r in runs:
        lines.append(
            f"{r['seed']:<8}{r['weighted_tardiness']:>10.1f}{r['late_orders']:>6}"
            f"{r['first_s']:>9.2f}  {gaps(r['weighted_tardiness'], best, bound)}"
        )
    values = [r["weighted_tardiness"] for r in runs]
    mean = statistics.fmean(values)
    late = statistics.fmean(r["late_orders"] for r in runs)
    lines.append(f"{'min':<8}{min(values):>10.1f}")
    lines.append(f"{'mean':<8}{mean:>10.1f}{late:>6.1f}{'':>9}  {gaps(mean, best, bound)}")
    lines.append(f"{'max':<8}{max(values):>10.1f}")
    return lines


def run_spread(
    args: argparse.Namespace, problem: FloorProblem, label: str, best: float | None, bound: float
) -> int:
    runs: list[dict[str, Any]] = []
    for limit in args.limits:
        for seed in args.spread:
            one = solve_once(problem, limit, seed)
            runs.append(one)
            if args.out is not None:
                name = f"plan_{limit:g}s_seed{seed}.json"
                (args.out / name).write_text(json.dumps(one["data"]), encoding="utf-8")
            print(
                f"  limit {limit:g} s seed {seed}: weighted tardiness "
                f"{one['weighted_tardiness']:.1f} h, {one['late_orders']} late, first plan "
                f"{one['first_s']:.2f} s",
                flush=True,
            )
        mine = [r for r in runs if r["limit"] == limit]
        print("\n".join(spread_table(limit, mine, best, bound)), flush=True)
    failed = any(r["violations"] for r in runs)
    if args.record_best and not failed:
        top = min(runs, key=lambda r: r["weighted_tardiness"])
        timeline = build_timeline(problem)
        if record_best(label, problem, timeline, top, args.best_known):
            print(f"new best known: {top['weighted_tardiness']:.1f} h, stored in {args.best_known}")
    summary: dict[str, Any] = {
        "problem": label,
        "best_known": best,
        "lower_bound": round(bound, 3),
        "seeds": args.spread,
        "limits": {},
        "checked_valid": not failed,
    }
    for limit in args.limits:
        values = [r["weighted_tardiness"] for r in runs if r["limit"] == limit]
        summary["limits"][f"{limit:g}"] = {
            "min": min(values),
            "mean": round(statistics.fmean(values), 3),
            "max": max(values),
        }
    summary["results"] = [{k: v for k, v in r.items() if k != "data"} for r in runs]
    if failed:
        print("BENCHMARK FAILED: a plan violates its problem (see above)", file=sys.stderr)
    print(json.dumps(summary))
    return 1 if failed else 0


# ---------------------------------------------------------------------- entry point


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--tasks-per-order", type=int, default=25)
    parser.add_argument("--people", type=int, default=60)
    parser.add_argument("--skills", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--months",
        type=float,
        default=None,
        help="horizon of the portfolio (default: 6 for 300x25 tasks on 60 people, in "
        "proportion to the tasks per person for other sizes, at least 0.5)",
    )
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds for our engine")
    parser.add_argument("--replan", action="store_true", help="also measure a re-plan")
    parser.add_argument(
        "--replan-time-limit", type=float, default=REPLAN_LIMIT, help="seconds (%(default)s)"
    )
    parser.add_argument("--out", type=Path, default=Path("out/bench_portfolio"))
    parser.add_argument("--quiet", action="store_true", help="no engine log on stderr")
    parser.add_argument(
        "--problem", type=Path, default=None, help="a floor problem JSON instead of a generated one"
    )
    parser.add_argument(
        "--spread", type=_ints, default=None, metavar="SEEDS",
        help="solver seeds, comma-separated: one solve per seed and limit, the spread printed",
    )  # fmt: skip
    parser.add_argument(
        "--limits", type=_floats, default=[10.0, 60.0], help="seconds, comma-separated (--spread)"
    )
    parser.add_argument(
        "--record-best", action="store_true", help="store the best plan of --spread if it beats"
    )
    parser.add_argument("--best-known", type=Path, default=BEST_KNOWN, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.months is None:
        args.months = default_months(args.orders, args.tasks_per_order, args.people)
    return args


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


def problem_label(args: argparse.Namespace) -> str:
    """The name a problem's best known entry is filed under."""
    if args.problem is not None:
        return args.problem.name
    return (
        f"portfolio {args.orders}x{args.tasks_per_order}, {args.people} people, "
        f"{args.skills} skills, {args.months:g} months, seed {args.seed}"
    )


def default_months(orders: int, tasks_per_order: int, people: int) -> float:
    """Horizon of a generated portfolio: 6 months for the reference load, in proportion to the
    tasks per person for other sizes, at least half a month."""
    per_person = orders * tasks_per_order / max(1, people)
    return round(max(0.5, 6 * per_person / REFERENCE_LOAD), 2)


def _row(name: str, *cells: Any) -> str:
    return f"{name:<34}" + "".join(f"{c:>22}" for c in cells)


def _fmt_dt(d: datetime) -> str:
    return d.strftime("%Y-%m-%d %H:%M")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    if args.problem is not None:
        data = json.loads(args.problem.read_text("utf-8"))
    else:
        data = generate_floor(
            orders=args.orders,
            tasks_per_order=args.tasks_per_order,
            people=args.people,
            skills=args.skills,
            seed=args.seed,
            months=args.months,
        )
    (args.out / "problem.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    problem = FloorProblem.from_dict(data)
    gen_s = time.perf_counter() - t0
    timeline = build_timeline(problem)
    statuses = {s: sum(t.status == s for t in problem.tasks) for s in ("done", "in_progress")}
    pinned = sum(t.pinned for t in problem.tasks)
    people = sum(r.kind == "person" for r in problem.resources)
    label = problem_label(args)
    print(
        f"== floor portfolio {label}: {len(problem.projects)} orders, {len(problem.tasks)} "
        f"tasks, {people} people, {len(problem.resources) - people} machines =="
    )
    print(
        f"read in {gen_s:.1f} s: {statuses['done']} done, {statuses['in_progress']} in "
        f"progress, {pinned} pinned; horizon {timeline.n_slots} slots from {problem.now.isoformat()}"
    )
    from optimizer.floor.solver import lower_bound, warm_up

    # The engine's kernels are compiled (or loaded from numba's cache) once, as in a running
    # service, before anything is timed; compiling the problem itself is timed.
    print(f"engine kernels ready in {warm_up():.1f} s (not timed)", file=sys.stderr)
    entry = load_best_known(label, args.best_known)
    best = checked_best_known(problem, timeline, entry, args.best_known)
    bound = lower_bound(problem)
    print(
        "yardsticks: best known "
        + ("none stored" if entry is None else f"{best:.1f} h ({entry['found_by']}, "
           f"{entry['seconds']:g} s, checked)")
        + f"; lower bound {bound:.1f} h (capacities relaxed)"
    )  # fmt: skip
    if args.spread is not None:
        return run_spread(args, problem, label, best, bound)

    t0 = time.perf_counter()
    base_plan = Baseline(problem, timeline).run()
    base_s = time.perf_counter() - t0
    base_data = base_plan.to_dict(problem, timeline.clock)
    (args.out / "baseline_plan.json").write_text(json.dumps(base_data), encoding="utf-8")
    base_violations = verify(problem, base_data, "baseline plan")

    ours = solve_ours(problem, args.time_limit, args.seed, args.quiet)
    (args.out / "plan.json").write_text(json.dumps(ours["data"]), encoding="utf-8")
    our_violations = verify(problem, ours["data"], "our plan")

    base_fig = plan_figures(problem, base_data, timeline)
    our_fig = plan_figures(problem, ours["data"], ours["solution"].timeline)
    print()
    print(_row("figure", "greedy EDD baseline", "our engine"))
    print(_row("first valid plan (s)", f"{base_s:.2f}", f"{ours['first_valid_s']:.2f}"))
    print(_row("wall (s)", f"{base_s:.2f}", f"{ours['wall_s']:.2f}"))
    print(
        _row(
            "weighted tardiness (h)",
            f"{base_fig['weighted_tardiness']:.1f}",
            f"{our_fig['weighted_tardiness']:.1f}",
        )
    )
    print(
        _row(
            "late orders",
            f"{base_fig['late_orders']}/{len(problem.projects)}",
            f"{our_fig['late_orders']}/{len(problem.projects)}",
        )
    )
    print(_row("last end", _fmt_dt(base_fig["last_end"]), _fmt_dt(our_fig["last_end"])))
    print(_row("checker violations", len(base_violations), len(our_violations)))
    print(_row("gap to best known / bound", "", gaps(our_fig["weighted_tardiness"], best, bound)))

    result: dict[str, Any] = {
        "orders": len(problem.projects),
        "tasks": len(problem.tasks),
        "people": people,
        "time_limit": args.time_limit,
        "first_valid_s": round(ours["first_valid_s"], 3),
        "weighted_tardiness": round(our_fig["weighted_tardiness"], 3),
        "baseline_weighted_tardiness": round(base_fig["weighted_tardiness"], 3),
        "best_known": best,
        "lower_bound": round(bound, 3),
    }
    failed = bool(base_violations or our_violations)
    if args.replan:
        again = replan(data, ours["data"], args)
        (args.out / "replan_plan.json").write_text(json.dumps(again["data"]), encoding="utf-8")
        replan_violations = verify(again["problem"], again["data"], "re-plan")
        failed = failed or bool(replan_violations)
        print()
        print(
            f"re-plan: order {again['order']} +50 % hours on its not-done tasks, "
            f"{args.replan_time_limit:g} s, stability {STABILITY}"
        )
        print(_row("first plan of the re-plan (s)", f"{again['first_valid_s']:.2f}"))
        print(
            _row(
                "other orders' tasks moved",
                f"{again['moved']}/{again['others']} ({again['unaffected_moved_pct']:.2f} %)",
            )
        )
        print(_row("weighted tardiness (h)", f"{again['data']['weighted_tardiness']:.1f}"))
        print(_row("checker violations", len(replan_violations)))
        result["replan_s"] = round(again["first_valid_s"], 3)
        result["unaffected_moved_pct"] = round(again["unaffected_moved_pct"], 3)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    result["checked_valid"] = not failed
    print(f"\npeak RSS {result['peak_rss_mb']:.0f} MB; files in {args.out}/")
    if failed:
        print("BENCHMARK FAILED: a plan violates its problem (see above)", file=sys.stderr)
    print(json.dumps(result))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
