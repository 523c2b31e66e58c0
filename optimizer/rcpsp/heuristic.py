"""Construction heuristic: serial schedule-generation scheme (SGS) with priority rules, a random-key
genetic algorithm and forward-backward improvement (justification); kernels in `kernels.py`.

It gives a valid plan within milliseconds, which the CP-SAT engine takes as its solution hint and
upper bound, so a plan always exists when the solver's time runs out.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.rcpsp import kernels
from optimizer.rcpsp.model import Mode, Precedence, Problem, Project, Resource, Task


@dataclass
class Schedule:
    starts: list[int]
    modes: list[int]
    makespan: int
    objective: float


def weighted_tardiness(problem: Problem, starts: Sequence[int], durations: Sequence[int]) -> float:
    """Sum over projects of weight x max(0, last end - due)."""
    ends: dict[str, int] = {}
    for i, task in enumerate(problem.tasks):
        e = starts[i] + durations[i]
        if e > ends.get(task.project, -1):
            ends[task.project] = e
    total = 0.0
    for proj in problem.projects:
        if proj.due is not None and proj.id in ends:
            total += proj.weight * max(0, ends[proj.id] - proj.due)
    return total


def critical_path_bounds(problem: Problem, durations: Sequence[int]) -> tuple[list[int], list[int]]:
    """Heads (earliest start from releases) and tails (longest path from task start to the end)
    of the precedence graph with the given durations."""
    n = len(problem.tasks)
    order = problem.topological_order()
    succ: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    head = [problem.release_of(i) for i in range(n)]
    for p in problem.precedences:
        a, b = problem.task_index[p.before], problem.task_index[p.after]
        succ[a].append((b, p.lag + (durations[a] if p.kind == "FS" else 0)))
    for i in order:
        for j, w in succ[i]:
            if head[i] + w > head[j]:
                head[j] = head[i] + w
    tail = list(durations)
    for i in reversed(order):
        for j, w in succ[i]:
            if w + tail[j] > tail[i]:
                tail[i] = w + tail[j]
    return head, tail


def critical_path_length(heads: Sequence[int], tails: Sequence[int]) -> int:
    """Length of the longest release-and-precedence path: a lower bound on the makespan."""
    return max((h + t for h, t in zip(heads, tails)), default=0)


def objective_floor(problem: Problem, heads: Sequence[int], tails: Sequence[int]) -> float:
    """The trivial lower bound of the objective: the critical path for makespan, else 0."""
    if problem.objective == "makespan":
        return float(critical_path_length(heads, tails))
    return 0.0


def choose_modes(problem: Problem) -> list[int]:
    """Per task the mode with the least duration x renewable work that keeps every non-renewable
    budget feasible (greedy repair; the CP-SAT model revisits modes anyway)."""
    nonren = [r for r in problem.resources if not r.renewable]

    def cost(i: int, m: int) -> float:
        mode = problem.tasks[i].modes[m]
        return mode.duration * (
            1
            + sum(
                q
                for r, q in mode.demands.items()
                if problem.resources[problem.resource_index[r]].renewable
            )
            / 10
        )

    def quickest(i: int) -> int:
        task = problem.tasks[i]
        return min(range(len(task.modes)), key=lambda m: (task.modes[m].duration, cost(i, m)))

    modes = [quickest(i) for i in range(len(problem.tasks))]
    if not nonren:
        return modes
    for _ in range(10 * len(problem.tasks)):
        over = {
            r.id: sum(
                problem.tasks[i].modes[modes[i]].demands.get(r.id, 0) for i in range(len(modes))
            )
            - r.capacity
            for r in nonren
        }
        worst = max(over, key=lambda k: over[k])
        if over[worst] <= 0:
            return modes
        # Switch the task whose change saves most of the overused budget per unit of lost time.
        best: tuple[float, int, int] | None = None
        for i, task in enumerate(problem.tasks):
            cur = task.modes[modes[i]]
            for m, mode in enumerate(task.modes):
                saving = cur.demands.get(worst, 0) - mode.demands.get(worst, 0)
                if saving <= 0:
                    continue
                harm = sum(
                    max(0, mode.demands.get(r, 0) - cur.demands.get(r, 0))
                    for r in over
                    if over[r] >= 0 and r != worst
                )
                if harm:
                    continue
                ratio = (mode.duration - cur.duration + 1) / saving
                if best is None or ratio < best[0]:
                    best = (ratio, i, m)
        if best is None:
            break
        modes[best[1]] = best[2]
    return _modes_by_cp_sat(problem) or modes


def _modes_by_cp_sat(problem: Problem) -> list[int] | None:
    """Fallback: a tiny CP-SAT model that only picks modes within the non-renewable budgets."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    lits = [
        [model.new_bool_var(f"m{i}_{m}") for m in range(len(t.modes))]
        for i, t in enumerate(problem.tasks)
    ]
    for row in lits:
        model.add_exactly_one(row)
    for r in problem.resources:
        if not r.renewable:
            model.add(
                sum(
                    lits[i][m] * mode.demands.get(r.id, 0)
                    for i, t in enumerate(problem.tasks)
                    for m, mode in enumerate(t.modes)
                )
                <= r.capacity
            )
    model.minimize(
        sum(
            lits[i][m] * mode.duration
            for i, t in enumerate(problem.tasks)
            for m, mode in enumerate(t.modes)
        )
    )
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 2.0
    solver.parameters.num_workers = 1
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return [next(m for m, lit in enumerate(row) if solver.value(lit)) for row in lits]


class CompiledProblem:
    """The problem with fixed modes as flat numpy arrays for the compiled kernels."""

    def __init__(self, problem: Problem, modes: Sequence[int]) -> None:
        n = len(problem.tasks)
        self.problem = problem
        self.modes = list(modes)
        dur = np.array(
            [problem.tasks[i].modes[m].duration for i, m in enumerate(self.modes)], dtype=np.int64
        )
        renewable = [r for r in problem.resources if r.renewable]
        res_pos = {r.id: k for k, r in enumerate(renewable)}
        dem_ptr, dem_res, dem_q = [0], [], []
        for i, task in enumerate(problem.tasks):
            mode = task.modes[self.modes[i]]
            if mode.duration > 0:
                for r, q in mode.demands.items():
                    if r in res_pos and q > 0:
                        dem_res.append(res_pos[r])
                        dem_q.append(q)
            dem_ptr.append(len(dem_res))
        edges = []
        for p in problem.precedences:
            a, b = problem.task_index[p.before], problem.task_index[p.after]
            edges.append((a, b, p.lag + (int(dur[a]) if p.kind == "FS" else 0)))
        # Forward: preds of b are (a, w). Backward (reversed time): preds of a are (b, w + d_b - d_a).
        fpp, fpi, fpw = _csr(n, [(b, a, w) for a, b, w in edges])
        bpp, bpi, bpw = _csr(n, [(a, b, w + int(dur[b]) - int(dur[a])) for a, b, w in edges])
        fsp, fsi, _ = _csr(n, [(a, b, 0) for a, b, _ in edges])
        bsp, bsi, _ = _csr(n, [(b, a, 0) for a, b, _ in edges])
        find = np.bincount(np.array([b for _, b, _ in edges], dtype=np.int64), minlength=n).astype(
            np.int64
        )
        bind = np.bincount(np.array([a for a, _, _ in edges], dtype=np.int64), minlength=n).astype(
            np.int64
        )
        release = np.array([problem.release_of(i) for i in range(n)], dtype=np.int64)
        proj = np.array([problem.project_index[t.project] for t in problem.tasks], dtype=np.int64)
        due = np.array([-1 if p.due is None else p.due for p in problem.projects], dtype=np.int64)
        weight = np.array([p.weight for p in problem.projects], dtype=np.float64)
        cap = np.array([r.capacity for r in renewable], dtype=np.int64)
        horizon = int(
            release.max(initial=0)
            + dur.sum()
            + sum(abs(w) for _, _, w in edges)
            + dur.max(initial=0)
            + 1
        )
        self.dur = dur
        self.usage = np.zeros((max(1, len(renewable)), horizon), dtype=np.int64)
        if not renewable:
            cap = np.zeros(1, dtype=np.int64)
        self.g = (
            dur,
            np.array(dem_ptr, dtype=np.int64),
            np.array(dem_res, dtype=np.int64),
            np.array(dem_q, dtype=np.int64),
            cap,
            fpp,
            fpi,
            fpw,
            bpp,
            bpi,
            bpw,
            fsp,
            fsi,
            find,
            bsp,
            bsi,
            bind,
            release,
            np.zeros(n, dtype=np.int64),
            proj,
            due,
            weight,
            len(problem.projects),
            problem.objective == "weighted_tardiness",
        )

    def decode(self, key: np.ndarray, rounds: int = 6) -> tuple[np.ndarray, float, int]:
        start, obj, ms = kernels.decode(key.astype(np.float64), self.g, self.usage, rounds)
        return start, float(obj), int(ms)


def _csr(n: int, rows: list[tuple[int, int, int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR of (row, col, weight) triples: ptr[n+1], cols, weights."""
    rows = sorted(rows)
    ptr = np.zeros(n + 1, dtype=np.int64)
    for r, _, _ in rows:
        ptr[r + 1] += 1
    np.cumsum(ptr, out=ptr)
    cols = np.array([c for _, c, _ in rows], dtype=np.int64)
    weights = np.array([w for _, _, w in rows], dtype=np.int64)
    return ptr, cols, weights


@functools.cache
def warm_up() -> float:
    """Compile (or load from numba's on-disk cache) the kernels on a two-task problem, so the
    first real solve does not spend its time limit compiling; returns the seconds it took."""
    t0 = time.perf_counter()
    tiny = Problem.create(
        name="warm-up",
        projects=(Project("P", due=1),),
        tasks=(Task("a", "P", (Mode(1, {"R": 1}),)), Task("b", "P", (Mode(1, {"R": 1}),))),
        precedences=(Precedence("a", "b"),),
        resources=(Resource("R", 1),),
    )
    cp = CompiledProblem(tiny, [0, 0])
    keys = np.zeros((2, 2), dtype=np.float64)
    objs = np.zeros(2, dtype=np.float64)
    spans = np.zeros(2, dtype=np.int64)
    for k in range(2):
        keys[k], objs[k], spans[k] = cp.decode(np.arange(2, dtype=np.float64))
    kernels.ga_run(keys, objs, spans, cp.g, cp.usage, 1, 0, 0.7, 0.05)
    return time.perf_counter() - t0


def construct(
    problem: Problem,
    time_budget: float = 1.0,
    seed: int = 0,
    modes: Sequence[int] | None = None,
    population: int = 40,
    should_stop: Callable[[], bool] | None = None,
    persist: bool = False,
) -> Schedule:
    """The best schedule found by priority rules and a random-key GA with forward-backward
    improvement within `time_budget` seconds; stops early at the critical-path bound, or
    when `should_stop()` answers True (checked between generations).

    When the population has converged twice without progress the GA stops (the solver makes
    better use of the time), unless `persist`: then it starts over from a fresh population
    with new random keys, keeping the best schedule, until the budget is spent. Independent
    restarts escape the basin a converged population is stuck in."""
    warm_up()
    deadline = time.perf_counter() + time_budget
    modes = list(modes) if modes is not None else choose_modes(problem)
    cp = CompiledProblem(problem, modes)
    n = len(problem.tasks)
    head, tail = critical_path_bounds(problem, list(cp.dur))
    ref = critical_path_length(head, tail)
    bound = objective_floor(problem, head, tail)
    rules = [
        np.array([ref - t for t in tail], dtype=np.float64),
        -np.array(tail, dtype=np.float64),
        np.array(head, dtype=np.float64),
    ]
    due_key = _due_key(problem, tail)
    if due_key is not None:
        rules.insert(0, np.array(due_key, dtype=np.float64))
    rng = np.random.default_rng(seed)
    keys = np.zeros((population, n), dtype=np.float64)
    objs = np.zeros(population, dtype=np.float64)
    spans = np.zeros(population, dtype=np.int64)
    for k in range(population):
        base = rules[k % len(rules)]
        noise = 0.0 if k < len(rules) else rng.random() * 0.3 * (float(np.ptp(base)) + 1.0)
        start, objs[k], spans[k] = cp.decode(base + rng.random(n) * noise)
        keys[k] = start
        if objs[k] <= bound or (k >= len(rules) and time.perf_counter() > deadline):
            keys, objs, spans = keys[: k + 1], objs[: k + 1], spans[: k + 1]
            break
    chunk, generation_seed, stale, fruitless = 50, seed, 0, 0
    restart_best: tuple[float, int] | None = None
    best_seen = (objs.min(), spans.min())
    kept: tuple[float, int, np.ndarray] | None = None
    while objs.min() > bound and time.perf_counter() < deadline:
        if should_stop is not None and should_stop():
            break
        kernels.ga_run(keys, objs, spans, cp.g, cp.usage, chunk, generation_seed, 0.7, 0.05)
        generation_seed += 1
        k = int(np.lexsort((spans, objs))[0])
        if (objs[k], spans[k]) < best_seen:
            best_seen, stale = (objs[k], spans[k]), 0
        else:
            stale += 1
        if stale >= 10 and len(objs) > 1:
            # The population has converged: keep the best, rebuild the rest around it and the rules.
            # After two fruitless restarts stop (the solver makes better use of the time) or, when
            # persisting, start over from a fresh population.
            fruitless = fruitless + 1 if (objs[k], spans[k]) == restart_best else 0
            if fruitless >= 2:
                if not persist:
                    break
                if kept is None or (objs[k], spans[k]) < (kept[0], kept[1]):
                    kept = (float(objs[k]), int(spans[k]), keys[k].copy())
                _fresh(cp, rules, keys, objs, spans, rng)
                best_seen, restart_best, fruitless = (objs.min(), spans.min()), None, 0
            else:
                restart_best = (objs[k], spans[k])
                _restart(cp, rules, keys, objs, spans, k, rng)
            stale = 0
    if kept is not None:
        # The best of an earlier population takes the place of the last one's worst.
        worst = int(np.lexsort((spans, objs))[-1])
        keys[worst], objs[worst], spans[worst] = kept[2], kept[0], kept[1]
    best = min(range(len(objs)), key=lambda k: (objs[k], spans[k]))
    starts = [int(x) for x in keys[best]]
    return Schedule(starts, modes, int(spans[best]), float(objs[best]))


def _restart(
    cp: CompiledProblem,
    rules: list[np.ndarray],
    keys: np.ndarray,
    objs: np.ndarray,
    spans: np.ndarray,
    keep: int,
    rng: np.random.Generator,
) -> None:
    n = keys.shape[1]
    for k in range(len(objs)):
        if k == keep:
            continue
        if k % 2:
            base = keys[keep] + rng.normal(0.0, 2.0, n) * (rng.random(n) < 0.3)
        else:
            rule = rules[k % len(rules)]
            base = rule + rng.random(n) * 0.5 * (float(np.ptp(rule)) + 1.0)
        keys[k], objs[k], spans[k] = cp.decode(base)


def _fresh(
    cp: CompiledProblem,
    rules: list[np.ndarray],
    keys: np.ndarray,
    objs: np.ndarray,
    spans: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """A new population: every member a priority rule with heavy random noise."""
    n = keys.shape[1]
    for k in range(len(objs)):
        rule = rules[k % len(rules)]
        base = rule + rng.random(n) * rng.random() * (float(np.ptp(rule)) + 1.0)
        keys[k], objs[k], spans[k] = cp.decode(base)


def _due_key(problem: Problem, tail: Sequence[int]) -> list[float] | None:
    """Weighted-tardiness priority: latest start that still meets the project's due date, divided
    by the weight so heavy orders go first when equally urgent."""
    if problem.objective != "weighted_tardiness":
        return None
    key = []
    for i, task in enumerate(problem.tasks):
        proj = problem.projects[problem.project_index[task.project]]
        due = proj.due if proj.due is not None else problem.default_horizon()
        key.append((due - tail[i]) / math.sqrt(max(proj.weight, 1e-3)))
    return key
