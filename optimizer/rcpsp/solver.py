"""CP-SAT engine: builds the scheduling model from a validated Problem and returns a Plan.

One interval per task (one optional interval per mode under a master interval for multi-mode
tasks), one cumulative per renewable resource, a linear budget per non-renewable resource, and
precedences with lags. The construction heuristic runs first: its plan is the solution hint and,
for makespan, the upper bound, and it is returned when the solver finds nothing better in time.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from optimizer.common.cpsat import configure_solver, stop_watch
from optimizer.rcpsp.heuristic import (
    Schedule,
    construct,
    critical_path_bounds,
    critical_path_length,
    objective_floor,
    warm_up,
    weighted_tardiness,
)
from optimizer.rcpsp.model import Plan, Problem, TaskPlan
from optimizer.rcpsp.shaving import Shaver, Windows

# Weighted tardiness is scaled to integers for CP-SAT: weights keep two decimals.
WEIGHT_SCALE = 100

# Redundant no-overlaps over incompatible tasks are built up to this many tasks (the pairwise
# incompatibility graph and its cliques grow quadratically).
CLIQUE_MAX_TASKS = 300

# Small single-mode makespan problems are won or lost on the proof of optimality. There every
# worker searches one shared tree (CP-SAT splits it among them) without the LP relaxation, which
# branches several times faster, with the strong disjunctive propagation: on the hard PSPLIB j30
# groups (RF 1, RS 0.2) this closes at 10 s instances the default portfolio leaves open
# (measured in scripts/bench_psplib.py; shared_tree_num_workers is set to the worker count).
# CP-SAT creates no before/after literal per pair of a no-overlap's tasks here (fewer variables
# for the same propagation): the slowest proven j30 instances went from 8.4-9.5 s to 7.9-8.0 s
# and the summed proof time of the twenty j3013 and j3029 instances fell by a tenth.
PROOF_MAX_TASKS = 40
PROOF_PARAMS: dict[str, object] = {
    "linearization_level": 0,
    "use_strong_propagation_in_disjunctive": True,
    "max_size_to_create_precedence_literals_in_disjunctive": 0,
}

LogFn = Callable[[str], None]


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
        self.heads, self.tails = _cpm(problem)
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


class _Progress(cp_model.CpSolverSolutionCallback):
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


def solve(
    problem: Problem,
    *,
    time_limit: float = 10.0,
    workers: int = 2,
    seed: int = 0,
    log: LogFn | None = None,
    heuristic_share: float = 0.2,
    solver_params: dict[str, object] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Plan:
    """Schedule `problem` within `time_limit` seconds: heuristic first, then CP-SAT from its plan.

    The returned Plan is OPTIMAL when CP-SAT proved it, FEASIBLE otherwise (a plan always exists
    once the heuristic ran), INFEASIBLE when CP-SAT proved no plan exists. `should_stop` is
    polled about ten times a second: when it answers True the solve ends early with the best
    plan so far (a caller's cancel).

    Where the proof is out of reach the plan is what counts: after the quick heuristic, a short
    CP-SAT probe settles the easy problems at once; otherwise the GA spends the rest of its
    share, restarting from fresh populations, and hands CP-SAT a better hint. Where the proof
    is what counts (small single-mode makespan problems), a GA and LP window shaving work beside
    CP-SAT instead, and CP-SAT may start over inside the shaved windows (see `_prove`).
    """
    warm_up()  # compiled before the clock starts: `time_limit` is all search
    t0 = time.perf_counter()
    budget = max(0.05, time_limit * heuristic_share)
    proof = _proof_oriented(problem, workers)
    heuristic = construct(problem, time_budget=budget, seed=seed, should_stop=should_stop)
    first_seconds = time.perf_counter() - t0
    _log_heuristic(log, t0, heuristic)
    if should_stop is not None and should_stop():
        return _to_plan(
            problem,
            heuristic,
            "FEASIBLE",
            objective_floor(problem, *_cpm(problem)),
            time.perf_counter() - t0,
            first_seconds,
            heuristic,
        )
    params = dict(solver_params or {})
    if proof:
        params = {**PROOF_PARAMS, "shared_tree_num_workers": workers, **params}
    search = _Search(
        problem, incompatibility_cliques(problem), workers, seed, params, t0, log, should_stop
    )
    if proof:
        return _prove(search, heuristic, time_limit)
    hint, first_found = heuristic, None
    if len(problem.tasks) <= CLIQUE_MAX_TASKS and time_limit - search.elapsed() > 4 * PROBE_SECONDS:
        probe = _cp_sat_round(search, hint, PROBE_SECONDS)
        first_found = probe.first_seconds
        if probe.settled or search.stop_asked():
            return probe.plan(problem, t0, first_found or first_seconds, heuristic)
        hint = probe.best
    more = construct(
        problem,
        time_budget=max(0.0, budget - search.elapsed()),
        seed=seed + 1,
        should_stop=should_stop,
        persist=True,
        population=100,
    )
    if (more.objective, more.makespan) < (hint.objective, hint.makespan):
        hint = more
    if (more.objective, more.makespan) < (heuristic.objective, heuristic.makespan):
        heuristic = more
    _log_heuristic(log, t0, heuristic)
    final = _cp_sat_round(search, hint, time_limit - search.elapsed())
    return final.plan(problem, t0, first_found or final.first_seconds or first_seconds, heuristic)


@dataclass
class _Search:
    """What every CP-SAT round of one solve shares."""

    problem: Problem
    cliques: list[list[int]]
    workers: int
    seed: int
    params: dict[str, object]
    t0: float
    log: LogFn | None
    should_stop: Callable[[], bool] | None

    def stop_asked(self) -> bool:
        return self.should_stop is not None and self.should_stop()

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0


# The CP-SAT probe that settles easy problems before the GA spends its whole share (seconds).
PROBE_SECONDS = 0.5

# Proof-oriented problems: while CP-SAT searches, a short GA looks for a better plan, then the
# start windows of every schedule better than the best plan are shaved with the preemptive LP
# (optimizer/rcpsp/shaving.py), for at most SHAVE_SHARE of the time left and SHAVE_MAX_SECONDS. Shaving
# only pays where that LP is nearly tight: it runs when the LP alone proves a lower bound within
# SHAVE_GAP of the best plan (j3029_3: bound 76, optimum 78; j3029_6: bound 82, optimum 92). When
# it removes at least REWIND_SHRINK of the starts (or proves the best plan optimal), or when the
# GA found a better plan than CP-SAT has, CP-SAT starts over from the best plan, inside the shaved
# windows if any: j3029_3's proof takes 9.6-13 s unshaved and 0.6 s shaved.
SHAVE_SHARE = 0.3
SHAVE_MAX_SECONDS = 2.0
SHAVE_GAP = 2
REWIND_SHRINK = 0.15
# The GA that runs beside CP-SAT on proof-oriented problems (seconds, at most a tenth of the time).
PROOF_GA_SECONDS = 0.3


def _prove(search: _Search, heuristic: Schedule, time_limit: float) -> Plan:
    """CP-SAT from the heuristic's plan; beside it a short GA and window shaving (SHAVE_SHARE),
    after which CP-SAT may start over from the GA's better plan inside the shaved windows."""
    problem, t0, log = search.problem, search.t0, search.log
    first_seconds = search.elapsed()
    rewind = threading.Event()
    searched = [heuristic.makespan]  # the best makespan CP-SAT has found so far
    rounds: list[_Round] = []
    raised: list[BaseException] = []

    def run_first_round() -> None:
        try:
            rounds.append(
                _cp_sat_round(
                    replace(search, should_stop=lambda: search.stop_asked() or rewind.is_set()),
                    heuristic,
                    time_limit - search.elapsed(),
                    on_makespan=lambda makespan: searched.__setitem__(
                        0, min(searched[0], makespan)
                    ),
                )
            )
        except BaseException as error:  # noqa: BLE001 - raised again in the caller's thread
            raised.append(error)

    searcher = threading.Thread(target=run_first_round, name="proof-search", daemon=True)
    searcher.start()
    beside = lambda: search.stop_asked() or not searcher.is_alive()  # noqa: E731
    try:
        genetic, windows = _beside_search(search, time_limit, searched, beside)
        if searcher.is_alive() and not search.stop_asked():
            shaved = windows is not None and (windows.empty or windows.shrink >= REWIND_SHRINK)
            if shaved or genetic.makespan < searched[0]:
                rewind.set()
            if log:
                outcome = "not shaved" if windows is None else windows.summary()
                log(f"[{search.elapsed():7.2f}s] GA makespan={genetic.makespan}; {outcome}")
    except BaseException:
        rewind.set()  # the search must not outlive the solve
        searcher.join()
        raise
    searcher.join()
    if raised:
        # e.g. the log callback's cancel, raised inside CP-SAT's solution callback
        raise raised[0]
    first = rounds[0]
    found = first.first_seconds or first_seconds
    best = min(first.best, genetic, key=lambda plan: (plan.objective, plan.makespan))
    if first.settled:
        return first.plan(problem, t0, found, heuristic)
    if not rewind.is_set() or search.stop_asked():
        first.best = best
        return first.plan(problem, t0, found, heuristic)
    if windows is not None and windows.empty:
        # No schedule fits the horizon the windows were shaved for (the best makespan minus one,
        # read last: nothing better can have been found after a proof that none exists), so
        # the best one is optimal.
        return _to_plan(
            problem, best, "OPTIMAL", float(best.makespan), search.elapsed(), found, heuristic
        )
    upper = best.makespan - 1
    if windows is not None:
        upper = min(upper, windows.horizon)
    final = _cp_sat_round(search, best, time_limit - search.elapsed(), upper, windows)
    if not final.settled:
        final.lower = max(final.lower, first.lower)
    return final.plan(problem, t0, found, heuristic)


def _beside_search(
    search: _Search,
    time_limit: float,
    searched: list[int],
    beside: Callable[[], bool],
) -> tuple[Schedule, Windows | None]:
    """What runs beside the first CP-SAT round until `beside()` answers True: the GA, then
    (where the LP bound is within SHAVE_GAP) shaving for makespans below the best plan."""
    problem = search.problem
    remaining = time_limit - search.elapsed()
    # The quick heuristic stops at its first converged population; restarts often find a better
    # plan within a fraction of a second (j3013_2: 62 in 0.1 s, where CP-SAT needs 5 s).
    genetic = construct(
        problem,
        time_budget=min(PROOF_GA_SECONDS, 0.1 * remaining),
        seed=search.seed + 1,
        should_stop=beside,
        persist=True,
        population=100,
    )
    if beside():  # most problems are settled by now
        return genetic, None
    shaver = Shaver(problem)
    target = lambda: min(searched[0], genetic.makespan)  # noqa: E731
    if not shaver.qualifies or beside() or not shaver.proves_at_least(target() - SHAVE_GAP):
        return genetic, None
    windows = shaver.shave(
        lambda: target() - 1,
        min(SHAVE_MAX_SECONDS, SHAVE_SHARE * remaining),
        should_stop=beside,
        min_shrink=REWIND_SHRINK,
    )
    return genetic, windows


def _log_heuristic(log: LogFn | None, t0: float, schedule: Schedule) -> None:
    if log:
        log(
            f"[{time.perf_counter() - t0:7.2f}s] heuristic objective={schedule.objective:g} makespan={schedule.makespan}"
        )


@dataclass
class _Round:
    """One CP-SAT run from a hint: the best schedule (hint or found), status, lower bound."""

    best: Schedule
    status: str
    lower: float
    first_seconds: float | None

    @property
    def settled(self) -> bool:
        return self.status in ("OPTIMAL", "INFEASIBLE")

    def plan(self, problem: Problem, t0: float, first_seconds: float, heuristic: Schedule) -> Plan:
        return _to_plan(
            problem,
            self.best,
            self.status,
            self.lower,
            time.perf_counter() - t0,
            first_seconds,
            heuristic,
        )


def _cp_sat_round(
    search: _Search,
    hint: Schedule,
    seconds: float,
    upper: int | None = None,
    windows: Windows | None = None,
    on_makespan: Callable[[int], None] | None = None,
) -> _Round:
    """One CP-SAT run. For makespan, `upper` (the hint's makespan unless given) bounds every
    schedule searched: INFEASIBLE then proves the hint optimal."""
    problem = search.problem
    if upper is None and problem.objective == "makespan":
        upper = hint.makespan
    scheduler = CpSatScheduler(problem, upper_bound=upper, cliques=search.cliques, windows=windows)
    scheduler.add_hint(hint)
    solver = configure_solver(seconds, search.workers, search.seed, search.params)
    progress = _Progress(scheduler, search.t0, search.log, on_makespan)
    with stop_watch(solver, search.should_stop):
        status = solver.solve(scheduler.model, progress)

    best, plan_status = hint, "FEASIBLE"
    lower = (
        scheduler.objective_bound(solver.best_objective_bound)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        else None
    )
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        found = scheduler.decode(solver)
        if (found.objective, found.makespan) <= (hint.objective, hint.makespan):
            best = found
        plan_status = "OPTIMAL" if status == cp_model.OPTIMAL else "FEASIBLE"
    elif status == cp_model.INFEASIBLE and problem.objective == "makespan":
        # Nothing beats the hint's makespan: its plan is optimal.
        plan_status, lower = "OPTIMAL", float(hint.makespan)
    elif status == cp_model.INFEASIBLE:
        plan_status = "INFEASIBLE"
    if lower is None:
        lower = objective_floor(problem, scheduler.heads, scheduler.tails)
    if plan_status == "OPTIMAL":
        lower = best.objective
    return _Round(best, plan_status, lower, progress.first_seconds)


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


def _proof_oriented(problem: Problem, workers: int) -> bool:
    """Small single-mode makespan problems with two or more workers get PROOF_PARAMS."""
    return (
        workers >= 2
        and problem.objective == "makespan"
        and len(problem.tasks) <= PROOF_MAX_TASKS
        and all(len(t.modes) == 1 for t in problem.tasks)
    )


def _cpm(problem: Problem) -> tuple[list[int], list[int]]:
    """Critical-path heads and tails with every task in its shortest mode."""
    return critical_path_bounds(problem, [min(m.duration for m in t.modes) for t in problem.tasks])


def _to_plan(
    problem: Problem,
    schedule: Schedule,
    status: str,
    lower: float,
    elapsed: float,
    first_seconds: float,
    heuristic: Schedule,
) -> Plan:
    tasks = []
    ends: dict[str, int] = {}
    for i, task in enumerate(problem.tasks):
        d = task.modes[schedule.modes[i]].duration
        s = schedule.starts[i]
        tasks.append(TaskPlan(task.id, s, s + d, schedule.modes[i]))
        ends[task.project] = max(ends.get(task.project, 0), s + d)
    projects = []
    for proj in problem.projects:
        end = ends.get(proj.id, proj.release)
        tardiness = max(0, end - proj.due) if proj.due is not None else 0
        projects.append(
            {
                "id": proj.id,
                "end": end,
                "due": proj.due,
                "tardiness": tardiness,
                "weight": proj.weight,
            }
        )
    return Plan(
        status=status,
        makespan=schedule.makespan,
        objective=schedule.objective,
        lower_bound=lower,
        solve_seconds=elapsed,
        tasks=tasks,
        problem_name=problem.name,
        objective_kind=problem.objective,
        first_solution_seconds=first_seconds,
        heuristic_makespan=heuristic.makespan,
        projects=projects,
        int_ids=problem.int_ids,
    )
