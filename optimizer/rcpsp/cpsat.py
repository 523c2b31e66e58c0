"""The benchmark planner's CP-SAT model: one interval per task (one optional interval per mode
under a master interval for multi-mode tasks), one cumulative per renewable resource, a linear
budget per non-renewable resource, precedences with lags, and redundant no-overlaps over groups of
tasks that can never run together (`incompatibility_cliques`). `solver.py` drives it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from optimizer.rcpsp.heuristic import (
    Schedule,
    critical_path_bounds,
    critical_path_length,
    weighted_tardiness,
)
from optimizer.rcpsp.model import Problem
from optimizer.rcpsp.shaving import Windows

LogFn = Callable[[str], None]

# Weighted tardiness is scaled to integers for CP-SAT: weights keep two decimals.
WEIGHT_SCALE = 100

# Redundant no-overlaps over incompatible tasks are built up to this many tasks (the pairwise
# incompatibility graph and its cliques grow quadratically).
CLIQUE_MAX_TASKS = 300


@dataclass
class _Vars:
    start: list[cp_model.IntVar] = field(default_factory=list)
    end: list[cp_model.IntVar] = field(default_factory=list)
    # Per task, per mode: presence literal (None for single-mode tasks).
    presence: list[list[cp_model.IntVar] | None] = field(default_factory=list)
    makespan: cp_model.IntVar | None = None
    tardiness: list[cp_model.IntVar] = field(default_factory=list)


class CpSatScheduler:
    """Adapter from Problem to a CP-SAT model; one method per constraint family."""

    def __init__(
        self,
        problem: Problem,
        upper_bound: int | None = None,
        cliques: list[list[int]] | None = None,
        windows: Windows | None = None,
    ) -> None:
        """`cliques` are the problem's incompatibility_cliques when the caller has them already
        (one solve builds the model twice: probe and final round); computed here otherwise.
        `windows` narrow single-mode starts (shaved for makespans up to `upper_bound`)."""
        self.problem = problem
        self.windows = windows
        self.model = cp_model.CpModel()
        self.vars = _Vars()
        self.heads, self.tails = cpm(problem)
        self.horizon = problem.default_horizon()
        if upper_bound is not None:
            self.horizon = min(self.horizon, upper_bound)
        self._add_tasks()
        self._add_precedences()
        self._add_renewable_capacities()
        self._add_incompatibility_cliques(
            incompatibility_cliques(problem) if cliques is None else cliques
        )
        self._add_nonrenewable_budgets()
        self._add_objective()

    # ------------------------------------------------------------------ families
    def _add_tasks(self) -> None:
        m, v = self.model, self.vars
        for i, task in enumerate(self.problem.tasks):
            durations = [mode.duration for mode in task.modes]
            # Heads and tails from the critical path with shortest modes tighten every domain.
            lo, hi = self.heads[i], max(self.heads[i], self.horizon - self.tails[i])
            if self.windows is not None:
                lo, hi = max(lo, self.windows.earliest[i]), min(hi, self.windows.latest[i])
            start = m.new_int_var(lo, hi, f"s_{task.id}")
            end = m.new_int_var(lo + min(durations), hi + max(durations), f"e_{task.id}")
            v.start.append(start)
            v.end.append(end)
            if len(task.modes) == 1:
                m.add(end == start + durations[0])
                v.presence.append(None)
                continue
            lits = [m.new_bool_var(f"p_{task.id}_{k}") for k in range(len(task.modes))]
            m.add_exactly_one(lits)
            dur = m.new_int_var(min(durations), max(durations), f"d_{task.id}")
            m.add(dur == sum(lit * d for lit, d in zip(lits, durations)))
            m.add(end == start + dur)
            v.presence.append(lits)

    def _add_precedences(self) -> None:
        p, v = self.problem, self.vars
        for prec in p.precedences:
            a, b = p.task_index[prec.before], p.task_index[prec.after]
            ref = v.end[a] if prec.kind == "FS" else v.start[a]
            self.model.add(v.start[b] >= ref + prec.lag)

    def _add_renewable_capacities(self) -> None:
        p, v, m = self.problem, self.vars, self.model
        for res in p.resources:
            if not res.renewable:
                continue
            intervals, demands = [], []
            for i, task in enumerate(p.tasks):
                lits = v.presence[i]
                for k, mode in enumerate(task.modes):
                    q = mode.demands.get(res.id, 0)
                    if q <= 0 or mode.duration <= 0:
                        continue
                    name = f"i_{task.id}_{k}_{res.id}"
                    if lits is None:
                        iv = m.new_interval_var(v.start[i], mode.duration, v.end[i], name)
                    else:
                        iv = m.new_optional_fixed_size_interval_var(
                            v.start[i], mode.duration, lits[k], name
                        )
                    intervals.append(iv)
                    demands.append(q)
            if intervals and sum(demands) > res.capacity:
                m.add_cumulative(intervals, demands, res.capacity)

    def _add_incompatibility_cliques(self, groups: list[list[int]]) -> None:
        """Redundant no-overlaps over groups of single-mode tasks of which no two can ever run at
        the same time, because together they need more of a resource than it has or because one
        ends before the other starts in every plan. CP-SAT's disjunctive reasoning (edge finding,
        detectable precedences) prunes far more than cumulative reasoning on such groups."""
        v, m = self.vars, self.model
        for group in groups:
            m.add_no_overlap(
                [
                    m.new_interval_var(
                        v.start[i], self.problem.tasks[i].modes[0].duration, v.end[i], f"c_{i}"
                    )
                    for i in group
                ]
            )

    def _add_nonrenewable_budgets(self) -> None:
        p, v = self.problem, self.vars
        for res in p.resources:
            if res.renewable:
                continue
            terms = []
            for i, task in enumerate(p.tasks):
                lits = v.presence[i]
                for k, mode in enumerate(task.modes):
                    q = mode.demands.get(res.id, 0)
                    if q:
                        terms.append(q if lits is None else lits[k] * q)
            if terms:
                self.model.add(sum(terms) <= res.capacity)

    def _add_objective(self) -> None:
        p, v, m = self.problem, self.vars, self.model
        has_succ = {p.task_index[prec.before] for prec in p.precedences}
        sinks = [i for i in range(len(p.tasks)) if i not in has_succ] or list(range(len(p.tasks)))
        lb = critical_path_length(self.heads, self.tails)
        v.makespan = m.new_int_var(lb, max(lb, self.horizon), "makespan")
        m.add_max_equality(v.makespan, [v.end[i] for i in sinks])
        if p.objective == "makespan":
            m.minimize(v.makespan)
            return
        terms = []
        ends_by_project: dict[str, list[cp_model.IntVar]] = {}
        for i, task in enumerate(p.tasks):
            ends_by_project.setdefault(task.project, []).append(v.end[i])
        for proj in p.projects:
            if proj.due is None or proj.id not in ends_by_project:
                continue
            end = m.new_int_var(0, self.horizon + 1, f"pe_{proj.id}")
            m.add_max_equality(end, ends_by_project[proj.id])
            tard = m.new_int_var(0, max(0, self.horizon - proj.due), f"t_{proj.id}")
            m.add(tard >= end - proj.due)
            v.tardiness.append(tard)
            terms.append(tard * int(round(proj.weight * WEIGHT_SCALE)))
        # Makespan breaks ties: one unit of weighted tardiness outweighs any makespan.
        self.tie_factor = self.horizon + 1
        m.minimize(sum(terms) * self.tie_factor + v.makespan)

    # ------------------------------------------------------------------ hint and decode
    def add_hint(self, schedule: Schedule) -> None:
        v, m = self.vars, self.model
        for i, task in enumerate(self.problem.tasks):
            mode = task.modes[schedule.modes[i]]
            m.add_hint(v.start[i], schedule.starts[i])
            m.add_hint(v.end[i], schedule.starts[i] + mode.duration)
            lits = v.presence[i]
            if lits is not None:
                for k, lit in enumerate(lits):
                    m.add_hint(lit, int(k == schedule.modes[i]))
        assert v.makespan is not None
        m.add_hint(v.makespan, schedule.makespan)

    def decode(self, solver: cp_model.CpSolver | cp_model.CpSolverSolutionCallback) -> Schedule:
        v = self.vars
        starts = [int(solver.value(s)) for s in v.start]
        modes = []
        for lits in v.presence:
            modes.append(
                0 if lits is None else next(k for k, lit in enumerate(lits) if solver.value(lit))
            )
        durations = [self.problem.tasks[i].modes[k].duration for i, k in enumerate(modes)]
        makespan = max((s + d for s, d in zip(starts, durations)), default=0)
        if self.problem.objective == "weighted_tardiness":
            objective = weighted_tardiness(self.problem, starts, durations)
        else:
            objective = float(makespan)
        return Schedule(starts, modes, makespan, objective)

    def objective_bound(self, raw_bound: float) -> float:
        if self.problem.objective == "makespan":
            return float(math.ceil(raw_bound - 1e-6))
        return math.floor(raw_bound / self.tie_factor + 1e-9) / WEIGHT_SCALE


class Progress(cp_model.CpSolverSolutionCallback):
    """Reports improving solutions (objective, bound, time) to the log function."""

    def __init__(
        self,
        scheduler: CpSatScheduler,
        t0: float,
        log: LogFn | None,
        on_makespan: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__()
        self.scheduler = scheduler
        self.t0 = t0
        self.log = log
        self.on_makespan = on_makespan
        self.first_seconds: float | None = None

    def on_solution_callback(self) -> None:
        elapsed = time.perf_counter() - self.t0
        if self.first_seconds is None:
            self.first_seconds = elapsed
        if self.on_makespan is not None:
            assert self.scheduler.vars.makespan is not None
            self.on_makespan(int(self.value(self.scheduler.vars.makespan)))
        if self.log:
            bound = self.scheduler.objective_bound(self.best_objective_bound)
            value = self.objective_value
            if self.scheduler.problem.objective != "makespan":
                value = (value // self.scheduler.tie_factor) / WEIGHT_SCALE
            self.log(f"[{elapsed:7.2f}s] solution objective={value:g} bound={bound:g}")


def incompatibility_cliques(problem: Problem, min_size: int = 3) -> list[list[int]]:
    """Greedy maximal cliques of the graph whose edges join two single-mode tasks (positive
    duration) that cannot overlap in any feasible plan: their demands on one renewable resource
    exceed its capacity together, or the longest precedence path from one to the other is at
    least the first one's duration. One clique is grown from every task (densest neighbour
    first); duplicates and cliques under `min_size` are dropped. Empty above CLIQUE_MAX_TASKS."""
    n = len(problem.tasks)
    if n > CLIQUE_MAX_TASKS:
        return []
    single = [len(t.modes) == 1 and t.modes[0].duration > 0 for t in problem.tasks]
    dur = [t.modes[0].duration for t in problem.tasks]
    renewable = [r for r in problem.resources if r.renewable]
    demand = [[t.modes[0].demands.get(r.id, 0) for r in renewable] for t in problem.tasks]
    caps = [r.capacity for r in renewable]
    # Longest start-to-start distance along precedences, from every task (DAG, topological order).
    succ: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for prec in problem.precedences:
        a, b = problem.task_index[prec.before], problem.task_index[prec.after]
        succ[a].append((b, prec.lag + (dur[a] if prec.kind == "FS" else 0)))
    order = problem.topological_order()
    position = {task: k for k, task in enumerate(order)}
    adj: list[set[int]] = [set() for _ in range(n)]
    for src in range(n):
        if not single[src]:
            continue
        dist = {src: 0}
        for i in order[position[src] :]:
            if i not in dist:
                continue
            for j, w in succ[i]:
                if dist[i] + w > dist.get(j, -(10**18)):
                    dist[j] = dist[i] + w
        for j, dj in dist.items():
            if j != src and single[j] and dj >= dur[src]:
                adj[src].add(j)
                adj[j].add(src)
    for a in range(n):
        if not single[a]:
            continue
        for b in range(a + 1, n):
            if single[b] and any(demand[a][k] + demand[b][k] > caps[k] for k in range(len(caps))):
                adj[a].add(b)
                adj[b].add(a)
    found: set[frozenset[int]] = set()
    for i in range(n):
        clique, candidates = {i}, set(adj[i])
        while candidates:
            k = max(candidates, key=lambda x: (len(adj[x] & candidates), dur[x], -x))
            clique.add(k)
            candidates &= adj[k]
        if len(clique) >= min_size:
            found.add(frozenset(clique))
    return sorted(sorted(c) for c in found)


def cpm(problem: Problem) -> tuple[list[int], list[int]]:
    """Critical-path heads and tails with every task in its shortest mode."""
    return critical_path_bounds(problem, [min(m.duration for m in t.modes) for t in problem.tasks])
