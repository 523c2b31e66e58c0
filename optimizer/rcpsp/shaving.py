"""Start-window shaving with the preemptive LP relaxation (Brucker and Knust, 2000).

For a trial makespan T, every task has a window of starts from the critical path: no earlier than
its head, no later than T minus its tail. The relaxation asks whether the tasks can be processed
inside their windows when they may be interrupted: split [0, T) at every window edge; in each
piece, the time is shared among sets of tasks that may run together (pairwise unrelated by
precedence and within every capacity); a task whose window leaves it no choice runs throughout
the pieces its compulsory part covers; every task must get its whole duration. If no shares
exist (the LP is infeasible), no schedule of makespan T exists.

Shaving uses it as a probe: fix a task at the earliest start its window allows (and pass the
change along the precedences); if that is infeasible the start is impossible and the window
shrinks. The shrunk windows are valid for every schedule of makespan at most T, and they make
CP-SAT's proof that no such schedule exists (that the incumbent T + 1 is optimal) several times
faster on the hard PSPLIB j30 instances: j3029_3's proof went from 13 s to 0.4 s once shaved.

Only single-mode problems with renewable capacities qualify, and only while the number of sets of
tasks that may run together stays small (the LP has one column per set and piece): that is the
case on exactly the tightly constrained problems where the proof is hard.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver.python import model_builder_helper as mbh

from optimizer.rcpsp.heuristic import critical_path_bounds
from optimizer.rcpsp.model import Problem

# Beyond this many sets of tasks that may run together the LP grows too large to probe often.
MAX_SETS = 4000
# Bitmasks over the tasks are 64-bit.
MAX_TASKS = 64
# LP solutions kept to answer later probes without solving (most recently useful first).
WITNESSES = 24
EPSILON = 1e-6
# Shaving stops after a pass over all tasks that removed less than this share of the starts.
PASS_GAIN = 0.02


@dataclass
class Windows:
    """Per task, the earliest and the latest start (inclusive) of any schedule whose makespan is
    at most `horizon`; `empty` when the LP proved that no such schedule exists."""

    earliest: list[int]
    latest: list[int]
    horizon: int
    empty: bool = False
    probes: int = 0
    complete: bool = True  # False when time ran out (or the caller stopped) before the fixpoint
    initial_slack: int = 0

    @property
    def slack(self) -> int:
        """Summed window widths: the starts left to search."""
        return sum(late - early for early, late in zip(self.earliest, self.latest))

    @property
    def shrink(self) -> float:
        """The share of the critical-path windows' starts that shaving removed."""
        if self.empty:
            return 1.0
        return 1 - self.slack / self.initial_slack if self.initial_slack else 0.0

    def summary(self) -> str:
        if self.empty:
            return f"no schedule of makespan <= {self.horizon} ({self.probes} LP probes)"
        state = "" if self.complete else ", stopped early"
        return (
            f"windows for makespan <= {self.horizon}: {self.initial_slack} -> {self.slack} "
            f"starts ({self.probes} LP probes{state})"
        )


class _Graph:
    """Precedences as start-to-start distances: start[b] >= start[a] + weight."""

    def __init__(self, problem: Problem, durations: list[int]) -> None:
        n = len(problem.tasks)
        self.order = problem.topological_order()
        self.succ: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        for p in problem.precedences:
            a, b = problem.task_index[p.before], problem.task_index[p.after]
            self.succ[a].append((b, p.lag + (durations[a] if p.kind == "FS" else 0)))

    def propagate(self, earliest: list[int], latest: list[int]) -> bool:
        """Tighten both bounds along the precedences in place; False when a window empties."""
        for i in self.order:
            for j, w in self.succ[i]:
                if earliest[i] + w > earliest[j]:
                    earliest[j] = earliest[i] + w
        for i in reversed(self.order):
            for j, w in self.succ[i]:
                if latest[j] - w < latest[i]:
                    latest[i] = latest[j] - w
        return all(e <= s for e, s in zip(earliest, latest))

    def longest_from(self, source: int) -> list[float]:
        """Longest start-to-start distance from `source` to every task (-inf when unreachable)."""
        dist = [-np.inf] * len(self.succ)
        dist[source] = 0
        for i in self.order:
            if dist[i] == -np.inf:
                continue
            for j, w in self.succ[i]:
                dist[j] = max(dist[j], dist[i] + w)
        return dist


class _Relaxation:
    """The preemptive LP over the tasks that need time on a capacity."""

    def __init__(self, problem: Problem, durations: list[int], graph: _Graph) -> None:
        n = len(problem.tasks)
        capacities = [(r.id, r.capacity) for r in problem.resources if r.renewable]
        demands = [problem.tasks[i].modes[0].demands for i in range(n)]
        self.tasks = [
            i
            for i in range(n)
            if durations[i] > 0 and any(demands[i].get(r, 0) > 0 for r, _ in capacities)
        ]
        self.durations = np.array(durations, dtype=np.int64)
        # Two tasks never overlap when a precedence chain starts one after the other's end.
        apart = set()
        for a in self.tasks:
            dist = graph.longest_from(a)
            for b in self.tasks:
                if b != a and dist[b] >= durations[a]:
                    apart.add((a, b))
                    apart.add((b, a))
        fits = {
            a: {
                b
                for b in self.tasks
                if b != a
                and (a, b) not in apart
                and all(demands[a].get(r, 0) + demands[b].get(r, 0) <= c for r, c in capacities)
            }
            for a in self.tasks
        }
        self.sets = self._enumerate(demands, capacities, fits)
        masks = set(self.sets)
        self.set_masks = np.array(self.sets, dtype=np.uint64)
        # Per set, the tasks that would still make a set that may run together if added.
        self.ext_masks = np.array(
            [
                sum(1 << k for k in self.tasks if not s >> k & 1 and (s | 1 << k) in masks)
                for s in self.sets
            ],
            dtype=np.uint64,
        )
        self.members = np.array(
            [[(s >> j) & 1 for j in self.tasks] for s in self.sets], dtype=bool
        ).reshape(len(self.sets), len(self.tasks))
        self.task_bits = np.array([1 << j for j in self.tasks], dtype=np.uint64)
        self.witnesses: list[_Witness] = []
        self.solved = self.reused = 0

    def _enumerate(
        self,
        demands: list[dict[str, int]],
        capacities: list[tuple[str, int]],
        fits: dict[int, set[int]],
    ) -> list[int]:
        """Every non-empty set of tasks that may run together, as bitmasks; stops past MAX_SETS."""
        found: list[int] = []
        stack = [(0, -1, tuple(0 for _ in capacities), set(self.tasks))]
        while stack:
            mask, last, used, candidates = stack.pop()
            for b in sorted(candidates):
                if b <= last:
                    continue
                load = tuple(u + demands[b].get(r, 0) for u, (r, _) in zip(used, capacities))
                if any(u > c for u, (_, c) in zip(load, capacities)):
                    continue
                found.append(mask | 1 << b)
                if len(found) > MAX_SETS:
                    return found
                stack.append((mask | 1 << b, b, load, candidates & fits[b]))
        return found

    def feasible(self, earliest: np.ndarray, latest: np.ndarray) -> bool:
        """Whether the tasks can be processed preemptively inside the given start windows."""
        t = np.array(self.tasks)
        d = self.durations[t]
        lo, hi = earliest[t], latest[t] + d  # each task runs within [lo, hi)
        for k, witness in enumerate(self.witnesses):
            if witness.fits(lo, hi, latest[t], d):
                self.witnesses.insert(0, self.witnesses.pop(k))
                self.reused += 1
                return True
        cuts = np.unique(np.concatenate([lo, hi]))
        a, b = cuts[:-1], cuts[1:]
        avail = (lo[None, :] <= a[:, None]) & (hi[None, :] >= b[:, None])
        # The compulsory part [latest start, earliest end) covers the whole piece.
        must = (latest[t][None, :] <= a[:, None]) & (lo[None, :] + d[None, :] >= b[:, None])
        zero = np.uint64(0)
        avail_mask = np.bitwise_or.reduce(np.where(avail, self.task_bits, zero), axis=1)
        must_mask = np.bitwise_or.reduce(np.where(must, self.task_bits, zero), axis=1)
        sets, ext = self.set_masks[None, :], self.ext_masks[None, :]
        # Only sets maximal among those allowed in a piece: over-covering a task costs nothing.
        keep = (
            ((sets & ~avail_mask[:, None]) == 0)
            & ((sets & must_mask[:, None]) == must_mask[:, None])
            & ((ext & avail_mask[:, None]) == 0)
        )
        if ((must_mask != 0) & ~keep.any(axis=1)).any():
            return False
        piece, column = np.nonzero(keep)
        lengths = (b - a).astype(float)
        model = mbh.ModelBuilderHelper()
        count = len(column)
        model.add_var_array_with_bounds(np.zeros(count), lengths[piece], np.zeros(count, bool), "")
        variables = [mbh.Variable(model, k) for k in range(count)]
        row = 0
        bounds = np.searchsorted(piece, np.arange(len(lengths) + 1))
        for k in range(len(lengths)):
            if bounds[k] == bounds[k + 1]:
                continue
            model.add_linear_constraint()
            model.set_constraint_lower_bound(row, lengths[k] if must_mask[k] else 0.0)
            model.set_constraint_upper_bound(row, lengths[k])
            model.add_terms_to_constraint(
                row, variables[bounds[k] : bounds[k + 1]], [1.0] * int(bounds[k + 1] - bounds[k])
            )
            row += 1
        covered = self.members[column]
        for pos, task in enumerate(self.tasks):
            idx = np.nonzero(covered[:, pos])[0]
            if len(idx) == 0:
                return False
            model.add_linear_constraint()
            model.set_constraint_lower_bound(row, float(self.durations[task]))
            model.set_constraint_upper_bound(row, np.inf)
            model.add_terms_to_constraint(row, [variables[k] for k in idx], [1.0] * len(idx))
            row += 1
        solver = mbh.ModelSolverHelper("glop")
        solver.solve(model)
        self.solved += 1
        if solver.status() == mbh.SolveStatus.INFEASIBLE:
            return False
        if solver.status() != mbh.SolveStatus.OPTIMAL:
            return True  # the LP failed to answer: nothing may be pruned on its account
        usage = np.zeros((len(lengths), len(self.tasks)))
        np.add.at(usage, piece, covered * solver.variable_values()[:, None])
        self.witnesses.insert(0, _Witness(a, b, usage))
        del self.witnesses[WITNESSES:]
        return True


@dataclass
class _Witness:
    """A solution of the LP: per piece [start, end), the time each task gets in it.

    It solves the LP of narrower windows too when every task it uses in a piece may still run
    throughout that piece, and every piece a compulsory part touches is wholly given to that
    task (then splitting each piece's shares in proportion to length fits the new pieces).
    Checking this costs far less than an LP, and most probes are answered by a recent one."""

    start: np.ndarray
    end: np.ndarray
    usage: np.ndarray  # pieces x tasks

    def fits(self, lo: np.ndarray, hi: np.ndarray, latest: np.ndarray, d: np.ndarray) -> bool:
        allowed = (lo[None, :] <= self.start[:, None]) & (hi[None, :] >= self.end[:, None])
        if ((self.usage > EPSILON) & ~allowed).any():
            return False
        compulsory = (latest[None, :] < self.end[:, None]) & (
            lo[None, :] + d[None, :] > self.start[:, None]
        )
        length = (self.end - self.start)[:, None]
        return not (compulsory & (self.usage < length - EPSILON)).any()


class Shaver:
    """The preemptive LP of one problem, built once: lower-bound checks and window shaving."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.durations = [t.modes[0].duration for t in problem.tasks]
        self.heads, self.tails = critical_path_bounds(problem, self.durations)
        self.graph = _Graph(problem, self.durations)
        self.lp: _Relaxation | None = None
        if not problem.is_multi_mode and len(problem.tasks) <= MAX_TASKS:
            lp = _Relaxation(problem, self.durations, self.graph)
            if lp.tasks and len(lp.sets) <= MAX_SETS:
                self.lp = lp

    @property
    def qualifies(self) -> bool:
        """Single mode, at most MAX_TASKS tasks, at most MAX_SETS sets of tasks that may run
        together, and some task that needs a capacity."""
        return self.lp is not None

    def windows(self, horizon: int) -> Windows:
        """The critical-path windows for `horizon` (`empty` when the precedences rule it out)."""
        windows = Windows(list(self.heads), [horizon - tail for tail in self.tails], horizon)
        windows.empty = not self.graph.propagate(windows.earliest, windows.latest)
        windows.initial_slack = 0 if windows.empty else windows.slack
        return windows

    def proves_at_least(self, bound: int) -> bool:
        """Whether the LP over the critical-path windows shows that every schedule's makespan is
        at least `bound` (a destructive lower bound: makespan bound - 1 is infeasible)."""
        windows = self.windows(bound - 1)
        if windows.empty:
            return True
        if self.lp is None:
            return False
        return not self.lp.feasible(np.array(windows.earliest), np.array(windows.latest))

    def shave(
        self,
        horizon: int | Callable[[], int],
        seconds: float,
        should_stop: Callable[[], bool] | None = None,
        min_shrink: float = 0.0,
    ) -> Windows:
        """Start windows of every schedule of makespan at most `horizon`, shaved by the LP for at
        most `seconds` (or until `should_stop` answers True).

        `horizon` may be a function: it is read again before every probe, and when it falls (a
        solver beside us found a better schedule) the windows narrow with it and shaving goes
        on. A caller that only uses windows shrunk by at least `min_shrink` (a share of the
        starts) saves the later passes when the first, which removes almost all there is to
        remove, falls short of it. When the problem does not qualify, the critical-path windows
        come back unshaved (`probes` 0)."""
        deadline = time.perf_counter() + seconds
        current = horizon if callable(horizon) else (lambda: horizon)
        windows = self.windows(current())
        if windows.empty or self.lp is None:
            return windows
        earliest, latest = windows.earliest, windows.latest
        graph, lp = self.graph, self.lp

        def probe(task: int, from_start: bool, span: int) -> bool:
            """Is there a preemptive plan with `task` starting within `span` of its window's edge?"""
            lo, hi = list(earliest), list(latest)
            if from_start:
                hi[task] = lo[task] + span
            else:
                lo[task] = hi[task] - span
            windows.probes += 1
            return graph.propagate(lo, hi) and lp.feasible(np.array(lo), np.array(hi))

        def follow_horizon() -> bool:
            """Narrow the windows to a fallen horizon; False when they empty."""
            fallen = windows.horizon - current()
            if fallen <= 0:
                return True
            windows.horizon -= fallen
            for i in range(len(latest)):
                latest[i] -= fallen
            return graph.propagate(earliest, latest)

        windows.empty = not lp.feasible(np.array(earliest), np.array(latest))
        changed = not windows.empty
        while changed:
            changed = False
            before = windows.slack
            for task in lp.tasks:
                for from_start in (True, False):
                    if time.perf_counter() > deadline or (
                        should_stop is not None and should_stop()
                    ):
                        windows.complete = False
                        return windows
                    if not follow_horizon():
                        windows.empty = True
                        return windows
                    cut = _impossible_edge(
                        functools.partial(probe, task, from_start), latest[task] - earliest[task]
                    )
                    if not cut:
                        continue
                    if from_start:
                        earliest[task] += cut
                    else:
                        latest[task] -= cut
                    if not graph.propagate(earliest, latest):
                        windows.empty = True
                        return windows
                    changed = True
            # Later passes shave less and less: stop once one removes too little to matter.
            changed = changed and before - windows.slack >= PASS_GAIN * windows.initial_slack
            if windows.shrink < min_shrink:
                windows.complete = False
                return windows
        windows.empty = windows.empty or not lp.feasible(np.array(earliest), np.array(latest))
        return windows


def _impossible_edge(possible: Callable[[int], bool], slack: int) -> int:
    """How many starts at a window's edge are impossible, `possible(span)` telling whether a
    start within `span` of the edge is: none when the edge is possible, else gallop and bisect
    (possibility only grows with the span)."""
    if possible(0):
        return 0
    impossible, span = 0, 1
    while span <= slack and not possible(span):
        impossible, span = span, 2 * span
    reached = min(span, slack + 1)
    while reached - impossible > 1:
        mid = (impossible + reached) // 2
        if possible(mid):
            reached = mid
        else:
            impossible = mid
    return impossible + 1


def shave_windows(
    problem: Problem,
    horizon: int | Callable[[], int],
    seconds: float,
    should_stop: Callable[[], bool] | None = None,
    min_shrink: float = 0.0,
) -> Windows:
    """Shaver(problem).shave(...): one shaving of a problem's windows (see Shaver.shave)."""
    return Shaver(problem).shave(horizon, seconds, should_stop, min_shrink)
