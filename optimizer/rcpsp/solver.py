"""The benchmark planner's search: the construction heuristic, then CP-SAT (`cpsat.py`) from its
plan, or on small makespan problems the proof path (CP-SAT beside a GA and LP window shaving).
The heuristic's plan is the solution hint and, for makespan, the upper bound, and it is returned
when CP-SAT finds nothing better in time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from optimizer.common.cpsat import configure_solver, stop_watch
from optimizer.rcpsp.cpsat import (
    CLIQUE_MAX_TASKS,
    CpSatScheduler,
    Progress,
    cpm,
    incompatibility_cliques,
)
from optimizer.rcpsp.heuristic import (
    Schedule,
    construct,
    objective_floor,
    warm_up,
)
from optimizer.rcpsp.model import Plan, Problem, TaskPlan
from optimizer.rcpsp.shaving import Shaver, Windows

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
            objective_floor(problem, *cpm(problem)),
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
    progress = Progress(scheduler, search.t0, search.log, on_makespan)
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


def _proof_oriented(problem: Problem, workers: int) -> bool:
    """Small single-mode makespan problems with two or more workers get PROOF_PARAMS."""
    return (
        workers >= 2
        and problem.objective == "makespan"
        and len(problem.tasks) <= PROOF_MAX_TASKS
        and all(len(t.modes) == 1 for t in problem.tasks)
    )


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
