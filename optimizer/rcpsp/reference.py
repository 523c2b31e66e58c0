"""Reference CP-SAT model: RCPSP built the way OR-Tools' own RCPSP example builds it, plainly.

This is the yardstick of `scripts/bench_psplib.py`: what a user gets by taking OR-Tools' example
(`examples/python/rcpsp_sat.py`) as it is. One fixed-size interval per job, one cumulative per
renewable resource, end-to-start precedences, the makespan as objective and the sum of all
durations as horizon. Deliberately no construction heuristic, no solution hint, no redundant
constraints and no search tuning: anything our engine adds must prove itself against this.
Single-mode problems only (the example's multi-mode branch is not the comparison we make).
"""

from __future__ import annotations

import time

from ortools.sat.python import cp_model

from optimizer.rcpsp.model import Plan, Problem, TaskPlan

_STATUS = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
    cp_model.UNKNOWN: "UNKNOWN",
}


def solve_reference(problem: Problem, *, time_limit: float, workers: int, seed: int = 0) -> Plan:
    """Minimise the makespan of a single-mode `problem` with the plain example model.

    Returns a Plan whose `lower_bound` is CP-SAT's best objective bound. Raises ValueError for a
    multi-mode problem. Project releases and precedence lags (FS and SS) are honoured so that the
    reference answers the same question as our engine; PSPLIB files have neither.
    """
    if problem.is_multi_mode:
        raise ValueError(f"{problem.name}: the reference model handles single-mode problems only")
    started = time.perf_counter()
    model = cp_model.CpModel()
    # The example's naive horizon: every job back to back (plus releases and lags, zero in PSPLIB).
    horizon = problem.default_horizon()

    starts: list[cp_model.IntVar] = []
    ends: list[cp_model.IntVar] = []
    intervals: list[cp_model.IntervalVar] = []
    for i, task in enumerate(problem.tasks):
        duration = task.modes[0].duration
        start = model.new_int_var(problem.release_of(i), horizon, f"start_{task.id}")
        end = model.new_int_var(0, horizon, f"end_{task.id}")
        intervals.append(model.new_interval_var(start, duration, end, f"interval_{task.id}"))
        starts.append(start)
        ends.append(end)

    for prec in problem.precedences:
        a, b = problem.task_index[prec.before], problem.task_index[prec.after]
        anchor = ends[a] if prec.kind == "FS" else starts[a]
        model.add(starts[b] >= anchor + prec.lag)

    for res in problem.resources:
        if not res.renewable:
            continue
        users = [
            (intervals[i], task.modes[0].demands[res.id])
            for i, task in enumerate(problem.tasks)
            if task.modes[0].demands.get(res.id, 0) > 0
        ]
        if users:
            model.add_cumulative([u[0] for u in users], [u[1] for u in users], res.capacity)

    # As in the example, the makespan bounds the end of every job that has no successor.
    makespan = model.new_int_var(0, horizon, "makespan")
    has_successor = {problem.task_index[p.before] for p in problem.precedences}
    for i, end in enumerate(ends):
        if i not in has_successor:
            model.add(end <= makespan)
    model.minimize(makespan)

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = int(workers)
    solver.parameters.random_seed = int(seed)
    code = solver.solve(model)
    status = _STATUS.get(code, "UNKNOWN")

    tasks: list[TaskPlan] = []
    value: int | None = None
    if status in ("OPTIMAL", "FEASIBLE"):
        value = int(solver.value(makespan))
        tasks = [
            TaskPlan(
                id=t.id, start=int(solver.value(starts[i])), end=int(solver.value(ends[i])), mode=0
            )
            for i, t in enumerate(problem.tasks)
        ]
    bound = float(solver.best_objective_bound) if status in ("OPTIMAL", "FEASIBLE") else None
    return Plan(
        status=status,
        makespan=value,
        objective=None if value is None else float(value),
        lower_bound=bound,
        solve_seconds=time.perf_counter() - started,
        tasks=tasks,
        problem_name=problem.name,
        objective_kind="makespan",
        int_ids=problem.int_ids,
    )
