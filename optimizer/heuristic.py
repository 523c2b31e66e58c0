"""Construction heuristic: serial schedule-generation scheme (SGS) with priority rules, biased random
sampling and forward-backward improvement (justification).

It gives a valid plan within milliseconds, which the CP-SAT engine takes as its solution hint and
upper bound, so a plan always exists when the solver's time runs out. Pure Python, no OR-Tools.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

from optimizer.model import Problem

# An edge (pred, succ, weight): start[succ] >= start[pred] + weight (modes fixed beforehand).
Edge = tuple[int, int, int]


@dataclass
class Schedule:
    starts: list[int]
    modes: list[int]
    makespan: int
    objective: float


class Sgs:
    """Serial SGS over fixed modes, forward (with releases) or backward (time reversed)."""

    def __init__(self, problem: Problem, modes: Sequence[int]) -> None:
        self.problem = problem
        self.n = len(problem.tasks)
        self.modes = list(modes)
        self.dur = [problem.tasks[i].modes[m].duration for i, m in enumerate(self.modes)]
        renewable = [r for r in problem.resources if r.renewable]
        self.capacity = [r.capacity for r in renewable]
        res_pos = {r.id: k for k, r in enumerate(renewable)}
        # Demands as (resource position, amount) pairs; zero-duration tasks use nothing.
        self.demands: list[list[tuple[int, int]]] = []
        for i, task in enumerate(problem.tasks):
            mode = task.modes[self.modes[i]]
            self.demands.append(
                [(res_pos[r], q) for r, q in mode.demands.items() if r in res_pos and q > 0 and mode.duration > 0]
            )
        self.release = [problem.release_of(i) for i in range(self.n)]
        fwd: list[Edge] = []
        for p in problem.precedences:
            a, b = problem.task_index[p.before], problem.task_index[p.after]
            w = p.lag + (self.dur[a] if p.kind == "FS" else 0)
            fwd.append((a, b, w))
        self.preds_fwd: list[list[tuple[int, int]]] = [[] for _ in range(self.n)]
        self.preds_bwd: list[list[tuple[int, int]]] = [[] for _ in range(self.n)]
        for a, b, w in fwd:
            self.preds_fwd[b].append((a, w))
            # Reversed time: start'[a] >= start'[b] + w + dur[b] - dur[a].
            self.preds_bwd[a].append((b, w + self.dur[b] - self.dur[a]))
        self.horizon = problem.default_horizon() + max(self.dur, default=0) + 1

    def run(self, order: Sequence[int], backward: bool = False) -> list[int]:
        """Schedule tasks in `order` (precedence-feasible in the chosen direction), each at its
        earliest resource-feasible start; returns the starts (reversed time when backward)."""
        preds = self.preds_bwd if backward else self.preds_fwd
        start = [-1] * self.n
        length = self.horizon
        usage = [[0] * length for _ in self.capacity]
        for i in order:
            t = 0 if backward else self.release[i]
            for j, w in preds[i]:
                if start[j] + w > t:
                    t = start[j] + w
            d = self.dur[i]
            dem = self.demands[i]
            if dem:
                t = self._first_fit(usage, dem, t, d)
                if t + d > length:
                    extra = t + d - length + length
                    for u in usage:
                        u.extend([0] * extra)
                    length += extra
                for r, q in dem:
                    u = usage[r]
                    for x in range(t, t + d):
                        u[x] += q
            start[i] = t
        return start

    def _first_fit(self, usage: list[list[int]], dem: list[tuple[int, int]], t: int, d: int) -> int:
        while True:
            end = t + d
            moved = False
            for r, q in dem:
                u = usage[r]
                cap = self.capacity[r] - q
                hi = min(end, len(u))
                for x in range(hi - 1, t - 1, -1):
                    if u[x] > cap:
                        t = x + 1
                        moved = True
                        break
                if moved:
                    break
            if not moved:
                return t

    def makespan(self, start: Sequence[int]) -> int:
        return max((s + d for s, d in zip(start, self.dur)), default=0)


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


def _priority_order(problem: Problem, sgs: Sgs, key: Sequence[float], rng: random.Random | None) -> list[int]:
    """A precedence-feasible activity list: among eligible tasks, lowest key first (biased random
    sampling by regret when `rng` is given)."""
    n = sgs.n
    indeg = [len(p) for p in sgs.preds_fwd]
    succ: list[list[int]] = [[] for _ in range(n)]
    for b in range(n):
        for a, _ in sgs.preds_fwd[b]:
            succ[a].append(b)
    eligible = [i for i in range(n) if indeg[i] == 0]
    order: list[int] = []
    while eligible:
        if rng is None or len(eligible) == 1:
            pick = min(range(len(eligible)), key=lambda k: (key[eligible[k]], eligible[k]))
        else:
            worst = max(key[i] for i in eligible)
            weights = [(worst - key[i] + 1.0) ** 2 for i in eligible]
            pick = rng.choices(range(len(eligible)), weights=weights)[0]
        i = eligible.pop(pick)
        order.append(i)
        for j in succ[i]:
            indeg[j] -= 1
            if indeg[j] == 0:
                eligible.append(j)
    return order


def _improve(sgs: Sgs, start: list[int], rounds: int = 8) -> list[int]:
    """Forward-backward improvement: right-justify in reversed time, then left-justify, while the
    makespan drops. Releases are honoured by the forward pass, which alone produces schedules."""
    best = start
    best_ms = sgs.makespan(start)
    for _ in range(rounds):
        ms = sgs.makespan(best)
        ends = [s + d for s, d in zip(best, sgs.dur)]
        # Backward pass: latest finishing first, i.e. earliest in reversed time.
        border = sorted(range(sgs.n), key=lambda i: (-ends[i], -best[i]))
        bstart = sgs.run(border, backward=True)
        bms = sgs.makespan(bstart)
        fstart_of = [bms - s - d for s, d in zip(bstart, sgs.dur)]
        forder = sorted(range(sgs.n), key=lambda i: (fstart_of[i], i))
        forder = _repair_order(sgs, forder)
        cand = sgs.run(forder)
        cand_ms = sgs.makespan(cand)
        if cand_ms < best_ms:
            best, best_ms = cand, cand_ms
        if cand_ms >= ms:
            break
    return best


def _repair_order(sgs: Sgs, order: list[int]) -> list[int]:
    """Make a start-time order precedence-feasible (ties and zero lags can break it)."""
    pos = {t: k for k, t in enumerate(order)}
    ok = all(pos[a] < pos[b] for b in range(sgs.n) for a, _ in sgs.preds_fwd[b])
    if ok:
        return order
    key = [float(pos[i]) for i in range(sgs.n)]
    return _priority_order(sgs.problem, sgs, key, None)


def choose_modes(problem: Problem) -> list[int]:
    """Per task the mode with the least duration x renewable work that keeps every non-renewable
    budget feasible (greedy repair; the CP-SAT model revisits modes anyway)."""
    nonren = [r for r in problem.resources if not r.renewable]

    def cost(i: int, m: int) -> float:
        mode = problem.tasks[i].modes[m]
        return mode.duration * (1 + sum(q for r, q in mode.demands.items() if problem.resources[problem.resource_index[r]].renewable) / 10)

    modes = [min(range(len(t.modes)), key=lambda m, i=i: (t.modes[m].duration, cost(i, m))) for i, t in enumerate(problem.tasks)]
    if not nonren:
        return modes
    for _ in range(10 * len(problem.tasks)):
        over = {r.id: sum(problem.tasks[i].modes[modes[i]].demands.get(r.id, 0) for i in range(len(modes))) - r.capacity for r in nonren}
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
                harm = sum(max(0, mode.demands.get(r, 0) - cur.demands.get(r, 0)) for r in over if over[r] >= 0 and r != worst)
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
    lits = [[model.new_bool_var(f"m{i}_{m}") for m in range(len(t.modes))] for i, t in enumerate(problem.tasks)]
    for row in lits:
        model.add_exactly_one(row)
    for r in problem.resources:
        if not r.renewable:
            model.add(
                sum(lits[i][m] * mode.demands.get(r.id, 0) for i, t in enumerate(problem.tasks) for m, mode in enumerate(t.modes))
                <= r.capacity
            )
    model.minimize(sum(lits[i][m] * mode.duration for i, t in enumerate(problem.tasks) for m, mode in enumerate(t.modes)))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 2.0
    solver.parameters.num_workers = 1
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return [next(m for m, lit in enumerate(row) if solver.value(lit)) for row in lits]


def construct(problem: Problem, time_budget: float = 1.0, seed: int = 0, modes: Sequence[int] | None = None) -> Schedule:
    """The best schedule found by priority rules, biased random sampling and FBI within
    `time_budget` seconds (always at least the deterministic rules)."""
    deadline = time.perf_counter() + time_budget
    modes = list(modes) if modes is not None else choose_modes(problem)
    sgs = Sgs(problem, modes)
    head, tail = critical_path_bounds(problem, sgs.dur)
    ref = max((h + t for h, t in zip(head, tail)), default=0)
    lst = [ref - t for t in tail]  # latest start time w.r.t. the critical path
    due_key = _due_key(problem, tail)
    keys: list[list[float]] = [
        [float(x) for x in lst],
        [float(-t) for t in tail],
        [-float(sum(q for _, q in sgs.demands[i]) * sgs.dur[i]) for i in range(sgs.n)],
    ]
    if due_key is not None:
        keys.insert(0, due_key)
    rng = random.Random(seed)
    best: Schedule | None = None

    def consider(start: list[int]) -> None:
        nonlocal best
        cand = Schedule(start, modes, sgs.makespan(start), _objective(problem, start, sgs.dur))
        if best is None or (cand.objective, cand.makespan) < (best.objective, best.makespan):
            best = cand

    for key in keys:
        start = sgs.run(_priority_order(problem, sgs, key, None))
        consider(_improve(sgs, start) if problem.objective == "makespan" else start)
    iteration = 0
    while time.perf_counter() < deadline:
        key = keys[iteration % len(keys)]
        start = sgs.run(_priority_order(problem, sgs, key, rng))
        consider(_improve(sgs, start) if problem.objective == "makespan" else start)
        iteration += 1
    assert best is not None
    return best


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


def _objective(problem: Problem, start: Sequence[int], dur: Sequence[int]) -> float:
    if problem.objective == "weighted_tardiness":
        return weighted_tardiness(problem, start, dur)
    return float(max((s + d for s, d in zip(start, dur)), default=0))
