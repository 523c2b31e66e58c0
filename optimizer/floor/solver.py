"""The shop-floor scheduler: priority rules decoded by the compiled serial SGS (`kernels.py`), then an
iterated local search on the priority keys until the time limit, with a CP-SAT phase (`cpsat.py`).

The decoder gives each skill seat to the candidate with the earliest end plus a penalty per
person (slots); the first plans also try penalties holding back the people most wanted for other
skills (`_variants`), and the local search changes penalties as well as keys. On the 300-order
portfolio this is most of the gain of issue 21 (10 s, 5 seeds: mean 37,307 h before, 25,293 h).
With `workers` > 1 and no CP-SAT phase taking the problem, `_Helpers` run as many local
searches on threads, sharing their best plan (`_Pool`).

- small problems (few free tasks, small start/end tables): after a short local search the whole
  problem goes to CP-SAT with the plan's resource assignment; its proof and bound are reported in
  `plan.stats["cpsat"]` (optimal *for that assignment*; the plan is called OPTIMAL only when no
  task has a choice of people);
- large problems, only on request (`FLOOR_CPSAT=lns` or `lns=True`): large-neighbourhood search
  alternating with the local search: the tasks of a few late orders and the tasks sharing their
  resources inside a window of a few weeks are re-placed by CP-SAT for a second or two (a task
  whose skill group seats one person may change person among a few), the rest fixed; a better
  plan is re-verified (capacity, dependencies, calendars, deadlines) before it is kept. On the
  300-order portfolio most neighbourhoods are proven optimal as they stand (an order's lateness
  comes from its chain before the window) and the time is better spent in the key search, so
  it is off by default.

`FLOOR_CPSAT=0` in the environment (or `cpsat=False`) turns the phase off.

When the limit affords many decodes (and CP-SAT does not take the problem whole), 8 local
searches from the best rule (and the best of the other kind, with or without penalties) are raced first, halved each round, the rounds counted in decodes: a
single search's result depended on where its first lucky moves led it (the bundled example at
10 s ended between 21 h and 385 h over 3 seeds x 5 runs); see `_race`.

Objective (README "Objective"): weighted tardiness hours + stability weight x moved tasks, then the
latest end. During the search hard-date violations (task or order deadlines) weigh far above
everything else, so a plan meeting them is always preferred; when the best plan found still
violates one, or pinned / frozen work conflicts, the plan is returned with status INFEASIBLE.
"""

from __future__ import annotations

import copy
import functools
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from optimizer.floor import cpsat as cps
from optimizer.floor import kernels
from optimizer.floor.compiled import (
    DONE,
    FIX_NAMES,
    FREE,
    IN_PROGRESS,
    CompiledFloor,
    compile_floor,
    task_calendar,
)
from optimizer.floor.model import FloorProblem
from optimizer.floor.plan import FloorPlan, FloorTaskPlan
from optimizer.floor.timeline import Timeline, build_timeline

MIN_RULES = 3  # priority rules tried even past the time limit (not past should_stop)
MAX_GROWTH = 3  # horizon doublings before tasks that still do not fit are forced and flagged
EPS = 1e-9
CPSAT_ENV = "FLOOR_CPSAT"  # "0", "off", "false", "no": no CP-SAT phase
SMALL_TASKS = 200  # free tasks of a problem CP-SAT takes whole
SMALL_ENTRIES = 40_000  # ... when its start/end tables stay this small
LNS_TASKS = (120, 220)  # free tasks of a neighbourhood (range drawn from)
LNS_WEEKS = (2, 5)  # window length in weeks (range drawn from)
LNS_SECONDS = 2.0  # CP-SAT time per neighbourhood
ILS_SLICE = 3.0  # local search seconds between two neighbourhoods
LNS_CHOICES = 4  # people a one-person skill group may choose from in a neighbourhood
REPAIR_SHARE = 0.5  # re-planning: the repair of changed orders stops at this share of the limit
REPAIR_ORDERS = 20  # changed late orders repaired at most
RACE_CHAINS = 8  # local searches raced from the same plan at the start (halved each round)
RACE_SHARE = 0.5  # ... over about this share of the decodes the time limit affords
RACE_MIN_DECODES = 1000  # ... when it affords at least this many (else a single search)
DECODE_SECONDS_PER_TASK = 1e-5  # a decode's cost per task (8-12 us measured), to plan in decodes
STALE_RESTART = 60  # failed steps before the search goes back to its best plan
PEOPLE_MOVES = 0.15  # share of the local search's moves that change the penalties of people
PEN_HOURS = (32, 64)  # penalties of the most contended people in the first plans (hours)


@dataclass
class FloorSolution:
    plan: FloorPlan
    timeline: Timeline

    def to_dict(self, problem: FloorProblem) -> dict[str, Any]:
        return self.plan.to_dict(problem, self.timeline.clock)


@dataclass
class _Result:
    rule: str
    sticky: bool
    resv: bool
    start: np.ndarray
    end: np.ndarray
    out_res: np.ndarray
    out_n: np.ndarray
    forced: np.ndarray
    pscore: np.ndarray
    viol: float
    wt: float
    moved: int
    makespan: int
    objective: float
    key: np.ndarray
    pen: np.ndarray | None = None  # the decode's penalties of people (slots), None: none

    def better_than(self, other: _Result | None) -> bool:
        if other is None:
            return True
        if self.viol < other.viol - EPS:
            return True
        if self.viol > other.viol + EPS:
            return False
        if self.objective < other.objective - EPS:
            return True
        if self.objective > other.objective + EPS:
            return False
        return self.makespan < other.makespan

    def not_worse_than(self, other: _Result) -> bool:
        return not other.better_than(self)


class _Engine:
    """The compiled problem and the decoder's work arrays; grows the horizon when needed."""

    def __init__(self, problem: FloorProblem, timeline: Timeline) -> None:
        self.problem = problem
        self.growths = 0
        self.force = False
        self.stop = np.zeros(1, dtype=np.uint8)  # time limit or should_stop
        self.user_stop = np.zeros(1, dtype=np.uint8)  # should_stop only
        self.decodes = 0
        self.decode_seconds = 0.0
        self.fixed_horizon = False  # a copy for another thread: it forces instead of growing
        self._setup(timeline)

    def _setup(self, timeline: Timeline, cf: CompiledFloor | None = None) -> None:
        self.timeline = timeline
        self.cf: CompiledFloor = cf if cf is not None else compile_floor(self.problem, timeline)
        cf = self.cf
        shape = cf.parent0.shape
        self.usage = np.zeros((shape[0], cf.n_slots), dtype=np.int16)
        self.resv = np.zeros((shape[0], cf.n_slots), dtype=np.int16)
        self.parent = np.empty_like(cf.parent0)
        self.start = np.zeros(cf.n, dtype=np.int64)
        self.end = np.zeros(cf.n, dtype=np.int64)
        self.out_res = np.full(max(1, int(cf.lay_ptr[-1])), -1, dtype=np.int64)
        self.out_n = np.zeros(cf.n, dtype=np.int64)
        self.forced = np.zeros(cf.n, dtype=np.uint8)
        self.no_pen = np.zeros(max(1, cf.n_res), dtype=np.int64)
        self.pscore = np.zeros(max(1, len(self.problem.projects)), dtype=np.float64)
        self.g = cf.g

    def copy(self) -> _Engine:
        """An engine for another search thread: the same compiled problem and stop flags, its
        own work arrays; its horizon is fixed (a task that would need more is forced)."""
        other = copy.copy(self)
        other.fixed_horizon = True
        other.decodes = 0
        other.decode_seconds = 0.0
        other._setup(self.timeline, self.cf)
        return other

    def never_fits(self, i: int) -> bool:
        """Task `i` cannot run anywhere: a non-interruptible task longer than any stretch its
        resources (or calendar) work, or a resource it must use that never works again."""
        cf = self.cf
        tl = self.timeline
        w = int(cf.work[i])
        runs = []
        for e in range(cf.nd_ptr[i], cf.nd_ptr[i + 1]):
            runs.append(_longest_run(tl.resource_work[cf.nd_res[e]], int(cf.est[i])))
        for gi in range(cf.grp_ptr[i], cf.grp_ptr[i + 1]):
            cands = cf.cand[cf.cand_ptr[gi] : cf.cand_ptr[gi + 1]]
            runs.append(max(_longest_run(tl.resource_work[r], int(cf.est[i])) for r in cands))
        if not runs:
            runs.append(_longest_run(tl.calendar_work[cf.calendar[i]], int(cf.est[i])))
        bound = min(runs)
        return bound == 0 or (not cf.interruptible[i] and bound < w)

    def grow(self) -> None:
        self.growths += 1
        self._setup(build_timeline(self.problem, 2 * self.cf.n_slots))

    def decode(
        self,
        rule: str,
        key: np.ndarray,
        sticky: bool,
        resv: bool,
        stop: np.ndarray | None = None,
        prev_ok: np.ndarray | None = None,
        pen: np.ndarray | None = None,
    ) -> _Result | None:
        """Decode `key`; None when `stop[0]` is raised meanwhile (None: not stoppable).
        `prev_ok`: replaces the compiled problem's (0: the task neither keeps nor reserves its
        previous place in this decode; the evaluation still counts it as moved). `pen`: slots per
        resource added to a candidate's end when people are chosen (none: the earliest end)."""
        stop = stop if stop is not None else np.zeros(1, dtype=np.uint8)
        while True:
            g = self.g
            if prev_ok is not None and len(prev_ok) == self.cf.n:
                g = tuple(prev_ok if a is self.cf.prev_ok else a for a in g)
            t0 = time.perf_counter()
            self.usage.fill(0)
            if resv:
                self.resv.fill(0)
            np.copyto(self.parent, self.cf.parent0)
            self.forced.fill(0)
            self.out_n.fill(0)
            code = kernels.decode(
                key, g, self.usage, self.resv, self.parent, self.start, self.end,
                self.out_res, self.out_n, self.forced, int(sticky), int(resv),
                int(self.force or self.fixed_horizon or self.growths >= MAX_GROWTH), stop,
                self.no_pen if pen is None or len(pen) != len(self.no_pen) else pen,
            )  # fmt: skip
            self.decodes += 1
            self.decode_seconds += time.perf_counter() - t0
            if code == kernels.STOPPED:
                return None
            if code == kernels.OK:
                break
            if self.never_fits(-code - 1):
                self.force = True  # a longer horizon would not help: force it and flag it
            else:
                self.grow()
        viol, wt, moved, makespan = kernels.evaluate(
            self.g, self.start, self.end, self.out_res, self.out_n, self.forced, self.pscore
        )
        objective = float(wt) + self.problem.stability_weight * int(moved)
        return _Result(
            rule, sticky, resv, self.start.copy(), self.end.copy(), self.out_res.copy(),
            self.out_n.copy(), self.forced.copy(), self.pscore.copy(), float(viol), float(wt),
            int(moved), int(makespan), objective, key, pen=pen,
        )  # fmt: skip


def _longest_run(mask: np.ndarray, start: int) -> int:
    """The longest stretch of consecutive True in mask[start:]."""
    m = np.asarray(mask[max(0, start) :], dtype=np.int8)
    if not m.any():
        return 0
    edges = np.flatnonzero(np.diff(np.concatenate(([0], m, [0]))))
    return int((edges[1::2] - edges[::2]).max())


# --------------------------------------------------------------------------- priority rules
def _rule_keys(cf: CompiledFloor) -> dict[str, np.ndarray]:
    """Keys (smaller first) of the priority rules, in slots."""
    problem = cf.problem
    n = cf.n
    tl = cf.timeline
    ratio = np.maximum(tl.calendar_work.mean(axis=1), 1e-3)
    dur = np.array(
        [cf.work[i] / ratio[task_calendar(problem, t)] for i, t in enumerate(problem.tasks)],
        dtype=np.float64,
    )
    order = problem.topological_order()
    head = cf.est.astype(np.float64)
    for i in range(n):
        if cf.fix[i] != FREE:
            head[i] = float(cf.fix_start[i])
    for i in order:
        for e in range(cf.pred_ptr[i], cf.pred_ptr[i + 1]):
            p = cf.pred_idx[e]
            v = head[p] + cf.pred_lag[e] + (0.0 if cf.pred_ss[e] else dur[p])
            if v > head[i] and cf.fix[i] == FREE:
                head[i] = v
    tail = dur.copy()
    for j in reversed(order):
        for e in range(cf.pred_ptr[j], cf.pred_ptr[j + 1]):
            p = cf.pred_idx[e]
            v = cf.pred_lag[e] + tail[j] + (0.0 if cf.pred_ss[e] else dur[p])
            if v > tail[p]:
                tail[p] = v
    far = 1e7
    due = np.where(cf.has_due.astype(bool), cf.due, far) if len(cf.due) else cf.due
    for k, p in enumerate(problem.projects):
        if p.deadline is not None:
            due[k] = min(due[k], tl.clock.offset(p.deadline))
    due_t = due[cf.project] if n else np.zeros(0)
    dl = np.where(cf.deadline < (1 << 39), cf.deadline, far).astype(np.float64)
    lst = np.minimum(due_t - tail, dl - dur)
    w = np.maximum(cf.weight[cf.project], 1e-3) if n else np.zeros(0)
    slack = lst - head
    wlst = head + np.where(slack >= 0, slack / w, slack * w)
    edd = due_t + 1e-6 * head
    # Latest start for the due date (from now) shared out by weight: heavy orders first when
    # equally urgent, and the later the more it divides; late ones multiply.
    wlst0 = {a: np.where(lst >= 0, lst / w**a, lst * w**a) for a in (0.5, 1.0, 1.5)}
    # Most often best first: a cold start may leave time for only a few.
    keys = {"wlst0^0.5": wlst0[0.5], "wlst": wlst, "wlst0^1.5": wlst0[1.5], "lst": lst}
    keys.update({"wlst0^1": wlst0[1.0], "edd": edd})
    if cf.previous:
        prev = np.where(cf.has_prev.astype(bool), cf.prev_start.astype(np.float64), wlst)
        keys["previous"] = prev + 1e-6 * wlst
    return keys


# --------------------------------------------------------------------------- improvement
class _Search:
    """Iterated local search on priority keys: perturb the keys that produced the current plan
    (pull a late order forward, shift or swap orders, jitter tasks), decode, keep the result
    when it is not worse; back to the best plan after a run of failures."""

    def __init__(self, engine: _Engine, rng: np.random.Generator) -> None:
        self.engine = engine
        self.rng = rng
        cf = engine.cf
        free = cf.fix == FREE
        members = [
            np.flatnonzero((cf.project == p) & free) for p in range(len(cf.problem.projects))
        ]
        self.members = {p: m for p, m in enumerate(members) if len(m)}
        self.projects = list(self.members)
        self.free = np.flatnonzero(free)
        self.choosers = _choosers(cf)  # people whose penalty can change a choice

    def perturb(self, res: _Result) -> tuple[np.ndarray, np.ndarray | None]:
        """(keys, penalties of people) of the next plan to decode: one move on `res`'s."""
        rng = self.rng
        key = res.key.copy()
        if not len(self.free):
            return key, res.pen
        if PEOPLE_MOVES and len(self.choosers) and rng.random() < PEOPLE_MOVES:
            return key, self.perturb_people(res.pen)
        spread = max(1.0, float(np.ptp(key[self.free])))
        late = [p for p in self.projects if res.pscore[p] > EPS]
        move = rng.random()
        if late and move < 0.3:
            weights = np.array([res.pscore[p] for p in late])
            p = late[int(rng.choice(len(late), p=weights / weights.sum()))]
            key[self.members[p]] -= rng.uniform(0.01, 0.15) * spread
        elif move < 0.7:
            p = self.projects[int(rng.integers(len(self.projects)))]
            key[self.members[p]] += rng.normal(0.0, 0.05) * spread
        elif move < 0.85 and len(self.projects) > 1:
            a, b = rng.choice(len(self.projects), size=2, replace=False)
            ma, mb = self.members[self.projects[int(a)]], self.members[self.projects[int(b)]]
            da = float(key[mb].mean() - key[ma].mean())
            key[ma] += da
            key[mb] -= da
        else:
            k = max(1, len(self.free) // 50)
            idx = self.free[rng.integers(0, len(self.free), size=k)]
            key[idx] += rng.normal(0.0, 0.02 * spread, size=k)
        return key, res.pen

    def perturb_people(self, pen: np.ndarray | None) -> np.ndarray:
        """Penalties scaled all together, or one person's changed (never below 0)."""
        rng = self.rng
        out = np.zeros(self.engine.cf.n_res, dtype=np.float64) if pen is None else pen.copy()
        scale = max(4.0, float(out.mean()))
        if rng.random() < 0.3:
            out = out * np.exp(rng.normal(0.0, 0.3))
        else:
            r = int(self.choosers[int(rng.integers(len(self.choosers)))])
            out[r] += rng.normal(0.0, scale)
        return np.maximum(0, np.round(out)).astype(np.int64)


# --------------------------------------------------------------------------- entry point
@functools.cache
def warm_up() -> float:
    """Compile (or load from numba's on-disk cache) the kernels on a two-task problem, once per
    process; `solve_floor` calls it before its clock starts. Returns the seconds it took."""
    t0 = time.perf_counter()
    week = [{"dayofweek": d, "hour_from": 8, "hour_to": 17} for d in range(5)]
    tiny = FloorProblem.from_dict(
        {
            "kind": "floor",
            "now": "2026-01-05T08:00:00",
            "calendars": [{"id": "std", "attendances": week}],
            "resources": [{"id": "a", "skills": {"s": 1}}, {"id": "b"}],
            "projects": [{"id": "P", "due": "2026-01-05T12:00:00"}],
            "tasks": [
                {"id": "x", "project": "P", "hours": 2, "demands": [{"skill": "s"}]},
                {"id": "y", "project": "P", "hours": 1, "demands": [{"resource": "b"}]},
            ],
            "precedences": [{"from": "x", "to": "y"}],
        }
    )
    engine = _Engine(tiny, build_timeline(tiny))
    engine.decode("warm-up", _rule_keys(engine.cf)["lst"], sticky=False, resv=False)
    return time.perf_counter() - t0


def solve_floor(
    problem: FloorProblem,
    time_limit: float = 10.0,
    seed: int = 0,
    log: Callable[[str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_solution: Callable[[float, float], None] | None = None,
    cpsat: bool | None = None,
    workers: int = 2,
    lns: bool | None = None,
) -> FloorSolution:
    """Plan `problem`: the best of the priority rules, improved until `time_limit` seconds or
    `should_stop()`; always returns a complete plan (see the module docstring for the status).
    `workers`: threads: the CP-SAT phase's workers, else as many local searches sharing their
    best plan (`_Helpers`); `cpsat`: run the CP-SAT phase (default: unless `FLOOR_CPSAT=0`);
    `lns`: its neighbourhood search on large problems (default: only with `FLOOR_CPSAT=lns`;
    measured no gain on the 300-order portfolio, see the module docstring). The kernels are
    compiled before the clock starts (`warm_up`): `time_limit` is all search."""
    warm_up()
    t0 = time.perf_counter()

    def elapsed() -> float:
        return time.perf_counter() - t0

    def say(msg: str) -> None:
        if log is not None:
            log(msg)

    engine = _Engine(problem, build_timeline(problem))
    variants = _variants(engine)
    stop_event = threading.Event()
    deadline = t0 + time_limit

    def watch() -> None:  # runs in its own thread: should_stop() is called from there
        while not stop_event.wait(0.05):
            if should_stop is not None and should_stop():
                engine.user_stop[0] = 1
                engine.stop[0] = 1
                return
            if time.perf_counter() >= deadline:
                engine.stop[0] = 1

    watcher = threading.Thread(target=watch, name="floor-solver-stop", daemon=True)
    watcher.start()
    phase: _CpSatPhase | None = None
    helpers: _Helpers | None = None
    try:
        rules = _Rules(
            engine, variants, lambda r, what: _report(say, on_solution, elapsed(), r, what)
        )
        best, held, starts = rules.best, rules.held, rules.starts
        first_seconds = None if rules.first is None else rules.first - t0
        heuristic = best
        best, repair = _repair(engine, best, held, t0 + REPAIR_SHARE * time_limit, say)
        if best is not heuristic:
            _report(say, on_solution, elapsed(), best, f"repair {best.rule}")
        cpsat, lns = _cpsat_modes(cpsat, lns)
        pool = _Pool(best, lambda r, what="improved": _report(say, on_solution, elapsed(), r, what))
        if workers > 1 and not lns and not _whole(engine, best, cpsat) and engine.cf.n:
            helpers = _Helpers(engine, _starts(best, starts), seed, time_limit, pool, workers)
        search = _race(engine, _starts(best, starts), (seed,), time_limit, cpsat, pool)
        if cpsat:
            phase = _CpSatPhase(engine, search, seed, workers, deadline, say)
            phase.lns = lns
        if phase is None:
            search.ils(float("inf"))
        else:
            phase.run()
    finally:
        stop_event.set()
        watcher.join(timeout=1.0)
        if helpers is not None:
            helpers.join()

    best = pool.best if pool.best.better_than(search.best) else search.best
    searches = [search] + ([] if helpers is None else helpers.searches)
    engines = [engine] + ([] if helpers is None else helpers.engines)
    plan = _build_plan(engine, best)
    if phase is not None:
        phase.annotate(plan, best)
    plan.solve_seconds = elapsed()
    plan.first_solution_seconds = first_seconds
    plan.stats.update(
        {
            "iterations": sum(s.iterations for s in searches),
            "improvements": sum(s.improvements for s in searches),
            "heuristic_objective": round(heuristic.objective, 6),
            "rules": rules.objectives,
            "rule": best.rule,
            "horizon_slots": engine.cf.n_slots,
            "horizon_growths": engine.growths,
            "decodes": sum(e.decodes for e in engines),
            "decode_seconds_avg": round(
                sum(e.decode_seconds for e in engines) / max(1, sum(e.decodes for e in engines)), 4
            ),
            "searches": len(engines),
            "violation_hours": round(best.viol, 6),
            "makespan_slots": best.makespan,
            "frozen_edge_slot": engine.cf.frozen_edge,
            "race": search.race,
        }
    )
    if repair is not None:
        plan.stats["repair"] = repair
    say(
        f"{elapsed():7.2f}s done: objective {plan.objective:.2f}, weighted tardiness "
        f"{plan.weighted_tardiness:.2f} h, moved {plan.moved_count}, status {plan.status}"
    )
    return FloorSolution(plan=plan, timeline=engine.timeline)


class _Rules:
    """The priority rules decoded in turn: the first always completes; the next ones until
    MIN_RULES stop only on should_stop (a limit too short for three decodes still gets a choice
    of rules), the others on either."""

    def __init__(
        self,
        engine: _Engine,
        variants: list[tuple[str, np.ndarray, bool, bool, np.ndarray | None]],
        report: Callable[[_Result, str], None],
    ) -> None:
        self.best: _Result
        self.held: _Result | None = None  # the best plan of the variants holding previous places
        self.starts: dict[bool, _Result] = {}  # the best without and with penalties of people
        self.objectives: dict[str, float] = {}
        self.first: float | None = None  # perf_counter() at the first plan
        best: _Result | None = None
        for k, (name, key, sticky, resv, pen) in enumerate(variants):
            stop = None if k == 0 else engine.user_stop if k < MIN_RULES else engine.stop
            res = engine.decode(name, key, sticky, resv, stop, pen=pen)
            if res is None:
                break
            self.objectives[name] = round(res.objective + 1e4 * res.viol, 6)
            if self.first is None:
                self.first = time.perf_counter()
            if res.better_than(best):
                best = res
                report(res, f"rule {name}")
            if res.better_than(self.starts.get(pen is not None)):
                self.starts[pen is not None] = res
            if resv and res.better_than(self.held):
                self.held = res
        assert best is not None
        self.best = best


def _variants(
    engine: _Engine,
) -> list[tuple[str, np.ndarray, bool, bool, np.ndarray | None]]:
    """The priority rules decoded first: (name, key, sticky, reservations, penalties). Fresh
    plans also try the weighted latest start and the latest start with the people most wanted
    for other skills held back (`_penalty_bases`, PEN_HOURS): the earliest end alone lets
    a task take the only free welder for a design job (measured on the bundled example: 3891 h
    late with the weighted latest start, 1637 h with the held back ones)."""
    cf = engine.cf
    keys = _rule_keys(cf)
    variants: list[tuple[str, np.ndarray, bool, bool, np.ndarray | None]] = []
    if cf.previous:
        # Re-planning repairs the previous plan: every task keeps its place when it still can
        # (sticky), the others go around the places still held. Only when moving costs nothing
        # (stability weight 0) do the plain rules compete, re-planning from scratch.
        variants.append(("previous", keys["previous"], True, True, None))
        variants.append(("previous-plain", keys["previous"], True, False, None))
        variants.append(("wlst0-sticky", keys["wlst0^1"], True, True, None))
        variants.append(("wlst-sticky", keys["wlst"], True, True, None))
    if cf.previous and engine.problem.stability_weight > 0:
        return variants
    plain = [(k, key, False, False, None) for k, key in keys.items() if k != "previous"]
    held = []
    for rule in ("wlst", "lst"):
        for base, weights in _penalty_bases(cf).items():
            for hours in PEN_HOURS:
                pen = np.round(weights * hours / cf.slot_hours).astype(np.int64)
                if pen.any():
                    held.append((f"{rule}/{base}{hours}", keys[rule], False, False, pen))
    return variants + plain[:2] + held[: len(held) // 2] + plain[2:] + held[len(held) // 2 :]


def _choosers(cf: CompiledFloor) -> np.ndarray:
    """The candidates of the skill groups having more candidates than seats."""
    out: set[int] = set()
    for g in range(len(cf.grp_count)):
        cands = cf.cand[cf.cand_ptr[g] : cf.cand_ptr[g + 1]]
        if len(cands) > int(cf.grp_count[g]):
            out.update(int(r) for r in cands)
    return np.array(sorted(out), dtype=np.int64)


def _penalty_bases(cf: CompiledFloor) -> dict[str, np.ndarray]:
    """Per resource, in [0, 1], how much choosing it for one skill may cost another: "skills"
    its number of skills beyond one; "load" the work wanted per holder of its other skills
    (all but its most wanted one)."""
    problem = cf.problem
    demand: dict[str, float] = {}
    for i, t in enumerate(problem.tasks):
        if cf.fix[i] == DONE:
            continue
        for d in t.demands:
            if d.skill is not None:
                demand[d.skill] = demand.get(d.skill, 0.0) + float(cf.work[i]) * d.count
    holders = {s: sum(1 for r in problem.resources if s in r.skills) for s in demand}
    load = {s: demand[s] / max(1, holders[s]) for s in demand}
    skills = np.array([max(0, len(r.skills) - 1) for r in problem.resources], dtype=np.float64)
    other = np.array(
        [
            sum(load.get(s, 0.0) for s in r.skills)
            - max((load.get(s, 0.0) for s in r.skills), default=0.0)
            for r in problem.resources
        ],
        dtype=np.float64,
    )
    return {
        name: v / v.max() if len(v) and v.max() > 0 else np.zeros_like(v)
        for name, v in (("skills", skills), ("load", other))
    }


def _repair(
    engine: _Engine,
    best: _Result,
    held: _Result | None,
    until: float,
    say: Callable[[str], None],
) -> tuple[_Result, dict[str, Any] | None]:
    """Re-planning with a stability weight: `_Repair` from `held`, the best plan of the variants
    holding the previous places (reservations); its plan replaces `best` when better."""
    if (
        held is None
        or not engine.cf.previous
        or engine.problem.stability_weight <= 0
        or engine.stop[0]
    ):
        return best, None
    fixer = _Repair(engine, held, until, say)
    repaired = fixer.run()
    if repaired is not held and repaired.better_than(best):
        return repaired, fixer.stats
    return best, fixer.stats


class _Repair:
    """Re-planning: the sticky decodes keep every task of the other orders in its previous place,
    so an order whose work grew goes around all of them, often months later. For each late order
    with a changed task (work no longer fitting its previous span, a new task, or an end later
    than before), latest first: decode it first with only the fixed work in the way (its tasks
    keep their previous places when they still fit), release the other orders' tasks whose places
    its new spans overlap on a shared resource, and decode again, every other task keeping its
    place and reservation; the plan is kept when the whole objective (stability included) drops
    and it breaks no more hard rules."""

    def __init__(
        self,
        engine: _Engine,
        best: _Result,
        until: float,
        say: Callable[[str], None],
    ) -> None:
        self.engine = engine
        self.best = best
        self.until = until
        self.say = say
        self.stats: dict[str, Any] = {"orders": [], "accepted": 0, "seconds": 0.0}
        self.prev_end = np.zeros(0, dtype=np.int64)

    def previous_ends(self) -> np.ndarray:
        """End slot of each task in the previous plan (-1: unknown)."""
        cf = self.engine.cf
        problem = cf.problem
        clock = self.engine.timeline.clock
        ends = np.full(cf.n, -1, dtype=np.int64)
        for t in (problem.previous_plan or {}).get("tasks") or []:
            try:
                i = problem.task_index[str(t["id"])]
                dt = datetime.fromisoformat(str(t["end"]))
            except (KeyError, TypeError, ValueError):
                continue
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=clock.tz)
            ends[i] = clock.ceil(dt)
        return ends

    def changed_orders(self, res: _Result) -> list[int]:
        """Late orders having a changed task, latest (weighted) first."""
        cf = self.engine.cf
        prev_end = self.prev_end
        changed = set()
        for i in np.flatnonzero(cf.fix == FREE).tolist():
            p = int(cf.project[i])
            if p in changed:
                continue
            if not cf.has_prev[i] or not cf.prev_ok[i] or prev_end[i] < 0:
                changed.add(p)
                continue
            if res.end[i] > prev_end[i]:
                changed.add(p)
                continue
            lo = int(cf.lay_ptr[i])
            rows = [int(r) for r in cf.prev_asg[lo : int(cf.lay_ptr[i + 1])] if r >= 0]
            if not cps.span_ok(cf, i, rows, int(cf.prev_start[i]), int(prev_end[i])):
                changed.add(p)
        late = [p for p in changed if res.pscore[p] > EPS]
        return sorted(late, key=lambda p: -float(res.pscore[p]))

    def run(self) -> _Result:
        t0 = time.perf_counter()
        engine = self.engine
        try:
            self.prev_end = self.previous_ends()
            for p in self.changed_orders(self.best)[:REPAIR_ORDERS]:
                if engine.stop[0] or time.perf_counter() >= self.until:
                    break
                self.repair_order(p)
        finally:
            self.stats["seconds"] = round(time.perf_counter() - t0, 3)
        return self.best

    def repair_order(self, p: int) -> None:
        engine = self.engine
        cf = engine.cf
        n, growths = cf.n, engine.growths
        base = self.best
        mine = (cf.project == p) & (cf.fix == FREE) & (base.forced == 0)
        if not mine.any():
            return
        spread = float(np.ptp(base.key)) + 1.0
        key = base.key.copy()
        key[mine] -= 2.0 * spread + 1.0  # the order first, in its own order
        # 1. the order alone, only fixed work (and its own previous places) in the way
        alone = np.where(mine, cf.prev_ok, 0).astype(cf.prev_ok.dtype)
        first = engine.decode("repair", key, True, True, engine.stop, alone, base.pen)
        if first is None or engine.growths != growths or engine.cf.n != n:
            return
        # 2. the other orders' tasks its new places collide with lose theirs (they go around
        # the places still held), every other task keeps its place
        hit = self.collisions(first, base, mine)
        released = cf.prev_ok.copy()
        released[hit] = 0
        res = engine.decode("repair", key, True, True, engine.stop, released, base.pen)
        if res is None or engine.growths != growths:
            return
        info = {
            "order": cf.problem.projects[p].id,
            "released": int(len(hit)),
            "objective": round(res.objective, 3),
            "before": round(base.objective, 3),
        }
        self.stats["orders"].append(info)
        if res.better_than(base) and len(_conflicts(engine, res)) <= len(_conflicts(engine, base)):
            res.rule = f"{base.rule.split('+')[0]}+repair"
            self.best = res
            self.stats["accepted"] += 1
            info["accepted"] = True
        self.say(
            f"repair {info['order']}: {len(hit)} tasks of other orders released, objective "
            f"{base.objective:.2f} -> {res.objective:.2f}"
        )

    def collisions(self, first: _Result, base: _Result, mine: np.ndarray) -> np.ndarray:
        """Free tasks of other orders whose span in `base` overlaps, on a shared resource, a
        span of the order's tasks in `first`."""
        cf = self.engine.cf
        spans: dict[int, list[tuple[int, int]]] = {}
        for i in np.flatnonzero(mine).tolist():
            s, e = int(first.start[i]), int(first.end[i])
            if e <= s:
                continue
            lo = int(cf.lay_ptr[i])
            for r in first.out_res[lo : lo + int(first.out_n[i])].tolist():
                spans.setdefault(int(r), []).append((s, e))
        if not spans:
            return np.zeros(0, dtype=np.int64)
        bounds = {r: (min(a for a, _ in v), max(b for _, b in v)) for r, v in spans.items()}
        hit = []
        others = np.flatnonzero((cf.fix == FREE) & ~mine & (base.end > base.start))
        for j in others.tolist():
            s, e = int(base.start[j]), int(base.end[j])
            lo = int(cf.lay_ptr[j])
            for r in base.out_res[lo : lo + int(base.out_n[j])].tolist():
                b = bounds.get(int(r))
                if b is None or e <= b[0] or s >= b[1]:
                    continue
                if any(s < y and x < e for x, y in spans[int(r)]):
                    hit.append(j)
                    break
        return np.array(hit, dtype=np.int64)


def _cpsat_modes(cpsat: bool | None, lns: bool | None) -> tuple[bool, bool]:
    """(CP-SAT phase, its neighbourhood search): the arguments, else from `FLOOR_CPSAT`."""
    mode = os.environ.get(CPSAT_ENV, "1").strip().lower()
    if cpsat is None:
        cpsat = mode not in ("0", "off", "false", "no")
    return cpsat, lns if lns is not None else mode == "lns"


class _Improver:
    """The local search from a plan (iterated local search on keys and penalties of people), run
    in slices; also takes plans found elsewhere (CP-SAT) as its best and current plan."""

    def __init__(
        self,
        engine: _Engine,
        best: _Result,
        seed: int | list[int],
        report: Callable[..., None],
    ) -> None:
        self.engine = engine
        self.best = best
        self.cur = best
        self.report = report
        self.pool: _Pool | None = None  # shared with searches on other threads
        self.iterations = 0
        self.improvements = 0
        self.stale = 0
        self.finished = False  # nothing late, nothing moved, nothing left to find
        self.race: dict[str, Any] | None = None  # how `_race` chose this search
        self.search = _Search(engine, np.random.default_rng(seed)) if engine.cf.n else None

    def ils(self, until: float, decodes: int | None = None) -> None:
        """Local search until `engine.stop`, `until` (perf_counter seconds) or `decodes`."""
        engine = self.engine
        if self.search is None or engine.stop[0] or self.finished:
            return
        last = self.iterations + decodes if decodes is not None else None
        while not engine.stop[0] and time.perf_counter() < until:
            if last is not None and self.iterations >= last:
                break
            cur = self.cur
            key, pen = self.search.perturb(cur)
            res = engine.decode("ils", key, cur.sticky, cur.resv, engine.stop, pen=pen)
            if res is None:
                break
            self.iterations += 1
            if res.not_worse_than(cur):
                self.stale = 0 if res.better_than(cur) else self.stale + 1
                self.cur = res
            else:
                self.stale += 1
            if res.better_than(self.best):
                res.rule = f"{self.best.rule.split('+')[0]}+ils"
                self.best = res
                self.improvements += 1
                self.report(res)
            if self.stale >= STALE_RESTART:
                if self.pool is not None and self.pool.best.better_than(self.best):
                    self.best = self.pool.best
                self.cur = self.best
                self.stale = 0
            if self.done():
                self.finished = True
                break  # nothing late, nothing moved: only the latest end could still drop

    def done(self) -> bool:
        best = self.best if self.pool is None else self.pool.best
        return (
            best.objective <= EPS
            and best.viol <= EPS
            and (self.stale >= 30 or best is not self.best)
        )

    def take(self, res: _Result, what: str) -> None:
        """`res` (better than the best) becomes the best and the current plan."""
        self.best = self.cur = res
        self.stale = 0
        self.improvements += 1
        self.report(res, what)


def _movable(cf: CompiledFloor, res: _Result) -> np.ndarray:
    """The free tasks `res` did not have to force (the ones CP-SAT may re-place)."""
    return np.flatnonzero((cf.fix == FREE) & (res.forced == 0))


def _starts(best: _Result, rules: dict[bool, _Result]) -> list[_Result]:
    """The plans the searches start from: the best, and the best of the rules of the other
    kind (with or without penalties of people) when there is one. The held back people give a
    far better first plan on large portfolios (300 x 25: 34,360 h against 44,553 h) but the
    search on keys reaches less from it on the bundled example, so the race decides."""
    other = rules.get(best.pen is None)
    return [best] if other is None else [best, other]


def _race(
    engine: _Engine,
    starts: list[_Result],
    stream: tuple[int, ...],
    time_limit: float,
    cpsat: bool,
    pool: _Pool,
) -> _Improver:
    """The local search to carry on with: with time for many decodes, RACE_CHAINS searches (own
    random streams `(*stream, k)`) start from `starts` in turn and are halved, the better half going on,
    until one is left, over about RACE_SHARE of the decodes. A single search's result at a short
    limit depends on where its first lucky moves lead it (the bundled example at 10 s ended
    between 21 h and 385 h by seed); racing keeps the lucky ones. The rounds are counted in
    decodes, planned from the problem's size and the limit, so the winner depends on the seed,
    not on the timing (unless the time limit cuts the race). No race when CP-SAT (`cpsat`) takes
    the problem whole: a short local search only prepares its incumbent. Every search reports
    to `pool`; the one returned goes back to its best plan after a run of failures."""
    affordable = time_limit / (DECODE_SECONDS_PER_TASK * max(1, engine.cf.n))
    if _whole(engine, starts[0], cpsat) or affordable < RACE_MIN_DECODES or RACE_CHAINS < 2:
        single = _Improver(engine, starts[0], list(stream), pool.offer)
        single.pool = pool
        return single
    chains = [
        _Improver(engine, starts[k % len(starts)], [*stream, k], pool.offer)
        for k in range(RACE_CHAINS)
    ]
    rounds = max(1, int(np.ceil(np.log2(RACE_CHAINS))))
    per_round = RACE_SHARE * affordable / rounds
    alive = chains
    while len(alive) > 1 and not engine.stop[0]:
        for chain in alive:
            chain.ils(float("inf"), max(1, int(per_round / len(alive))))
            if chain.finished:
                alive = [chain]
                break
        alive = sorted(alive, key=functools.cmp_to_key(_by_best))[: max(1, len(alive) // 2)]
    winner = min(chains, key=functools.cmp_to_key(_by_best)) if engine.stop[0] else alive[0]
    winner.pool = pool
    winner.race = {
        "chains": RACE_CHAINS,
        "winner": chains.index(winner),
        "decodes": sum(c.iterations for c in chains),
        "objectives": [round(c.best.objective, 6) for c in chains],
    }
    winner.iterations = sum(c.iterations for c in chains)
    winner.improvements = sum(c.improvements for c in chains)
    return winner


def _whole(engine: _Engine, best: _Result, cpsat: bool) -> bool:
    """CP-SAT takes the problem whole (few free tasks) after a short local search."""
    return cpsat and len(_movable(engine.cf, best)) <= SMALL_TASKS


class _Pool:
    """The best plan of the searches running at once (one per thread), under a lock: each
    reports its improvements to it, goes back to it after a run of failures, and stops when it
    is perfect (nothing late, nothing moved)."""

    def __init__(self, best: _Result, report: Callable[..., None]) -> None:
        self.best = best
        self._report = report
        self._lock = threading.Lock()

    def offer(self, res: _Result, what: str = "improved") -> None:
        with self._lock:
            if res.better_than(self.best):
                self.best = res
                self._report(res, what)


class _Helpers:
    """Local searches on `workers - 1` more threads (each on a copy of the engine, racing from
    the same plan on its own random streams), sharing `pool` with the main search until the
    engine stops. The decoder releases the GIL, so on two cores two searches decode twice as
    many plans as one."""

    def __init__(
        self, engine: _Engine, starts: list[_Result], seed: int, time_limit: float, pool: _Pool,
        workers: int,
    ) -> None:  # fmt: skip
        self.engine = engine
        self.searches: list[_Improver] = []
        self.engines = [engine.copy() for _ in range(1, workers)]
        self.errors: list[BaseException] = []
        self.threads = [
            threading.Thread(
                target=self._run,
                args=(e, starts, (seed, j), time_limit, pool),
                name=f"floor-search-{j}",
                daemon=True,
            )  # fmt: skip
            for j, e in enumerate(self.engines, start=1)
        ]
        for t in self.threads:
            t.start()

    def _run(
        self,
        engine: _Engine,
        starts: list[_Result],
        stream: tuple[int, ...],
        limit: float,
        pool: _Pool,
    ) -> None:
        try:
            search = _race(engine, starts, stream, limit, False, pool)
            search.ils(float("inf"))
            self.searches.append(search)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread by join()
            self.errors.append(exc)
            engine.stop[0] = 1

    def join(self) -> None:
        """Stop the helpers (the main search is over) and wait for them."""
        self.engine.stop[0] = 1
        for t in self.threads:
            t.join()
        if self.errors:
            raise self.errors[0]


def _by_best(a: _Improver, b: _Improver) -> int:
    """Order of two searches by their best plans (the better first; ties keep their order)."""
    return -1 if a.best.better_than(b.best) else 1 if b.best.better_than(a.best) else 0


class _CpSatPhase:
    """CP-SAT on the whole problem (small ones) or on neighbourhoods (large ones), alternating
    with the local search; see the module docstring."""

    def __init__(
        self,
        engine: _Engine,
        search: _Improver,
        seed: int,
        workers: int,
        deadline: float,
        say: Callable[[str], None],
    ) -> None:
        self.engine = engine
        self.search = search
        self.seed = seed
        self.workers = max(1, workers)
        self.deadline = deadline
        self.say = say
        self.rng = np.random.default_rng(seed + 7919)
        self.heads_of: tuple[CompiledFloor, np.ndarray] | None = None
        self.whole: dict[str, Any] | None = None
        self.steps = 0
        self.step_gains = 0
        self.lns_seconds = 0.0
        self.lns_free = 0
        self.rejected = 0
        self.lower_bound: tuple[float, str] | None = None  # (value, scope)
        self.lns = False  # neighbourhoods (large problems) too

    # ------------------------------------------------------------------ helpers
    def remaining(self) -> float:
        return self.deadline - time.perf_counter()

    def heads(self) -> np.ndarray:
        cf = self.engine.cf
        if self.heads_of is None or self.heads_of[0] is not cf:
            best = self.search.best
            self.heads_of = (cf, cps.relaxed_heads(cf, best.start, best.end)[0])
        return self.heads_of[1]

    def incumbent(self, res: _Result) -> cps.Incumbent:
        return cps.Incumbent(res.start, res.end, res.out_res, res.out_n, res.forced)

    def candidate(self, base: _Result, sub: cps.SubsetResult, rule: str) -> _Result | None:
        """The plan of `sub` as a result when it is valid and better than `base`, else None."""
        res, rejected = _subset_candidate(self.engine, base, self.incumbent(base), sub, rule)
        self.rejected += int(rejected)
        return res

    # ------------------------------------------------------------------ phases
    def run(self) -> None:
        engine, search = self.engine, self.search
        cf = engine.cf
        free = _movable(cf, search.best)
        self.lower_bound = cps.lower_bound(cf, search.best.start, search.best.end)
        if len(free) <= SMALL_TASKS:
            # a little local search first: a better incumbent narrows CP-SAT's tables
            search.ils(time.perf_counter() + min(1.0, 0.2 * max(0.0, self.remaining())))
            if not engine.stop[0] and not search.finished and search.best.objective > EPS:
                self.solve_whole(free)
        while not engine.stop[0] and not search.finished:
            search.ils(time.perf_counter() + ILS_SLICE)
            if engine.stop[0] or search.finished:
                break
            if self.whole is not None and self.whole["status"] == "OPTIMAL":
                continue  # neighbourhoods of a proven plan keep the same resources: no gain
            if not self.lns:
                search.ils(float("inf"))  # the local search alone from here
                break
            if self.remaining() < 0.3 or search.best.objective <= EPS:
                continue
            self.lns_step()

    def solve_whole(self, free: np.ndarray) -> None:
        engine, search = self.engine, self.search
        cf = engine.cf
        base = search.best
        t0 = time.perf_counter()
        sub = cps.solve_subset(
            cf, self.incumbent(base), free, None, time_limit=max(0.05, self.remaining()),
            workers=self.workers, seed=self.seed, stop=engine.stop, heads=self.heads(),
            max_entries=SMALL_ENTRIES, tie_break=True, log=self.say,
        )  # fmt: skip
        self.whole = {
            "status": sub.status,
            "free_tasks": int(len(sub.free)),
            "table_entries": int(sub.stats.get("table_entries", 0)),
            "seconds": round(time.perf_counter() - t0, 3),
            "objective": None if sub.objective is None else round(sub.objective, 6),
            "bound": None if sub.bound is None else round(sub.bound, 6),
        }
        res = self.candidate(base, sub, f"{base.rule.split('+')[0]}+cpsat")
        if res is not None:
            search.take(res, "cp-sat")
        if sub.status == "OPTIMAL" and len(sub.free) == int((cf.fix == FREE).sum()):
            self.whole["proven"] = "optimal for the plan's resource assignment"
        elif sub.status == "OPTIMAL":
            self.whole["proven"] = "optimal for the resource assignment, other tasks fixed"

    def lns_step(self) -> None:
        engine, search = self.engine, self.search
        cf = engine.cf
        base = search.best
        free, window = self.neighbourhood(base)
        if len(free) < 2:
            return
        t0 = time.perf_counter()
        sub = cps.solve_subset(
            cf, self.incumbent(base), free, window,
            time_limit=min(LNS_SECONDS, max(0.05, self.remaining())), workers=self.workers,
            seed=self.seed + self.steps, stop=engine.stop, heads=self.heads(),
            choose=LNS_CHOICES, light_presolve=True,
        )  # fmt: skip
        self.steps += 1
        self.lns_seconds += time.perf_counter() - t0
        self.lns_free += len(sub.free)
        if sub.improved:
            res = self.candidate(base, sub, f"{base.rule.split('+')[0]}+lns")
            if res is not None:
                self.step_gains += 1
                search.take(res, "cp-sat neighbourhood")

    def neighbourhood(self, res: _Result) -> tuple[np.ndarray, tuple[int, int]]:
        """Free tasks of 2-5 late orders and of the tasks sharing their resources inside a
        window of a few weeks ending at the first order's latest end."""
        cf = self.engine.cf
        rng = self.rng
        late = np.flatnonzero(res.pscore[: len(cf.problem.projects)] > EPS)
        if not len(late):
            return np.zeros(0, dtype=np.int64), (0, 0)
        movable = (cf.fix == FREE) & (res.forced == 0)
        k = min(len(late), int(rng.integers(2, 6)))
        weights = res.pscore[late] / res.pscore[late].sum()
        chosen = late[rng.choice(len(late), size=k, replace=False, p=weights)]
        first = int(chosen[0])
        members = np.flatnonzero((cf.project == first) & movable)
        if not len(members):
            return np.zeros(0, dtype=np.int64), (0, 0)
        week = int(round(7 * 24 / cf.slot_hours))
        hi = int(res.end[members].max()) + int(rng.integers(0, 2)) * week // 7
        lo = max(0, hi - int(rng.integers(LNS_WEEKS[0], LNS_WEEKS[1] + 1)) * week)
        inside = movable & (res.start >= lo) & (res.end <= hi)
        seeds = inside & np.isin(cf.project, chosen)
        if not seeds.any():
            return np.zeros(0, dtype=np.int64), (lo, hi)
        inc = self.incumbent(res)
        used: set[int] = set()
        for i in np.flatnonzero(seeds).tolist():
            used.update(cps.task_set(cf, inc, i)[0])
        others = []
        for i in np.flatnonzero(inside & ~seeds).tolist():
            if used.intersection(cps.task_set(cf, inc, i)[0]):
                others.append(i)
        cap = int(rng.integers(LNS_TASKS[0], LNS_TASKS[1] + 1))
        seed_idx = np.flatnonzero(seeds)
        room = max(0, cap - len(seed_idx))
        if len(others) > room:
            others = rng.choice(others, size=room, replace=False).tolist()
        return np.concatenate((seed_idx, np.array(others, dtype=np.int64))), (lo, hi)

    def annotate(self, plan: FloorPlan, best: _Result) -> None:
        """CP-SAT figures in `plan.stats`; OPTIMAL when the whole problem was proven and no task
        had a choice of people."""
        cf = self.engine.cf
        info: dict[str, Any] = {
            "whole": self.whole,
            "lns_steps": self.steps,
            "lns_improvements": self.step_gains,
            "lns_seconds": round(self.lns_seconds, 3),
            "lns_free_tasks_avg": round(self.lns_free / self.steps, 1) if self.steps else 0,
            "rejected": self.rejected,
        }
        plan.stats["cpsat"] = info
        bound, scope = self.lower_bound if self.lower_bound is not None else (0.0, "none")
        whole = self.whole
        if (
            whole is not None
            and whole["bound"] is not None
            and cps.assignment_is_given(cf)
            and whole["free_tasks"] == int((cf.fix == FREE).sum())
        ):
            if whole["bound"] > bound:
                bound, scope = whole["bound"], "cp-sat, no choice of people, within the horizon"
            if whole["status"] == "OPTIMAL" and plan.status == "FEASIBLE":
                if abs(best.objective - whole["objective"]) <= 1e-6 and best.viol <= EPS:
                    plan.status = "OPTIMAL"
        if whole is not None and whole["bound"] is not None:
            plan.stats["lower_bound_fixed_assignment"] = whole["bound"]
        plan.stats["lower_bound"] = round(bound, 6)
        plan.stats["lower_bound_scope"] = scope
        plan.stats["gap"] = round(max(0.0, best.objective - bound), 6)


def _subset_candidate(
    engine: _Engine,
    base: _Result,
    inc: cps.Incumbent,
    sub: cps.SubsetResult,
    rule: str,
    also: np.ndarray | None = None,
) -> tuple[_Result | None, bool]:
    """(the plan of `sub` as a result when it is valid and better than `base`, else None;
    whether it was rejected as invalid). `inc`: the incumbent `sub` was solved from (`base`'s
    resources, or others for the tasks `also`, which are re-verified wherever they are)."""
    cf = engine.cf
    if sub.objective is None or len(base.start) != cf.n:
        return None, False
    moved = (sub.start != base.start) | (sub.end != base.end)
    moved[list(sub.people)] = True
    if also is not None:
        moved[also] = True
    changed = np.flatnonzero(moved)
    if not len(changed):
        return None, False
    start, end = sub.start.astype(np.int64), sub.end.astype(np.int64)
    inc = cps.with_people(cf, inc, sub.people)
    for i in changed.tolist():
        rows, _units = cps.task_set(cf, inc, i)
        if not cps.span_ok(cf, i, rows, int(start[i]), int(end[i])):
            return None, True
    pscore = np.zeros_like(base.pscore)
    out_res = inc.out_res.copy()
    viol, wt, n_moved, makespan = kernels.evaluate(
        engine.g, start, end, out_res, base.out_n, base.forced, pscore
    )
    objective = float(wt) + engine.problem.stability_weight * int(n_moved)
    key = start.astype(np.float64) + 1e-6 * np.argsort(np.argsort(base.key))
    res = _Result(
        rule, base.sticky, base.resv, start, end, out_res, base.out_n.copy(),
        base.forced.copy(), pscore, float(viol), float(wt), int(n_moved), int(makespan),
        objective, key, pen=base.pen,
    )  # fmt: skip
    if not res.better_than(base):
        return None, False
    if len(_conflicts(engine, res)) > len(_conflicts(engine, base)):
        return None, True
    return res, False


def _report(
    say: Callable[[str], None],
    on_solution: Callable[[float, float], None] | None,
    at: float,
    res: _Result,
    what: str,
) -> None:
    extra = f", deadline violation {res.viol:.1f} h" if res.viol > EPS else ""
    say(
        f"{at:7.2f}s {what}: objective {res.objective:.2f}, weighted tardiness {res.wt:.2f} h, "
        f"moved {res.moved}{extra}"
    )
    if on_solution is not None:
        on_solution(at, res.objective)


# --------------------------------------------------------------------------- the plan
def _build_plan(engine: _Engine, res: _Result) -> FloorPlan:
    cf = engine.cf
    problem = cf.problem
    ids = [r.id for r in problem.resources]
    tasks: list[FloorTaskPlan] = []
    for i, t in enumerate(problem.tasks):
        if cf.fix[i] == DONE:
            resources = tuple(t.resources)
        else:
            lo = int(cf.lay_ptr[i])
            resources = tuple(ids[int(r)] for r in res.out_res[lo : lo + int(res.out_n[i])])
        tasks.append(
            FloorTaskPlan(
                id=t.id,
                project=t.project,
                start=int(res.start[i]),
                end=int(res.end[i]),
                resources=resources,
                status=t.status,
            )
        )
    conflicts = _conflicts(engine, res)
    plan = FloorPlan(
        status="INFEASIBLE" if conflicts else "FEASIBLE",
        tasks=tasks,
        objective=round(res.objective, 6),
        weighted_tardiness=round(res.wt, 6),
        moved_count=res.moved,
    )
    plan.stats["conflicts"] = conflicts[:50]
    plan.stats["fixed"] = {
        name: int((cf.fix == k).sum()) for k, name in FIX_NAMES.items() if (cf.fix == k).any()
    }
    return plan


def _conflicts(engine: _Engine, res: _Result) -> list[str]:
    """Hard rules the plan breaks: deadlines, capacity (pinned / frozen / in-progress work laid
    down over others), precedences into fixed tasks, tasks that fit nowhere."""
    cf = engine.cf
    problem = cf.problem
    clock = engine.timeline.clock
    T = cf.n_slots
    out: list[str] = []
    usage = np.zeros((max(1, cf.n_res), T), dtype=np.int32)
    for i, t in enumerate(problem.tasks):
        if cf.fix[i] == DONE:
            continue
        s, e = int(res.start[i]), int(res.end[i])
        if e > cf.deadline[i]:
            hours = (e - int(cf.deadline[i])) * cf.slot_hours
            out.append(
                f"task {t.id!r} ends {clock.iso(e)}, {hours:g} h after its deadline "
                f"{clock.iso(int(cf.deadline[i]))}"
            )
        if res.forced[i] and cf.fix[i] in (FREE, IN_PROGRESS):
            out.append(f"task {t.id!r} fits nowhere in the horizon (resources or calendars)")
        lo, hi = max(s, 0), min(e, T)
        if hi > lo and cf.work[i] > 0:
            base = int(cf.lay_ptr[i])
            n_named = int(cf.nd_ptr[i + 1] - cf.nd_ptr[i])
            given = int(cf.given_ptr[i + 1] - cf.given_ptr[i])
            for k in range(int(res.out_n[i])):
                r = int(res.out_res[base + k])
                if given and cf.fix[i] != FREE:
                    u = int(cf.given_units[cf.given_ptr[i] + k]) if k < given else 1
                else:
                    u = int(cf.nd_units[cf.nd_ptr[i] + k]) if k < n_named else 1
                usage[r, lo:hi] += u
    over = usage[: cf.n_res] > cf.cap[:, None]
    for r in np.flatnonzero(over.any(axis=1)):
        t = int(np.flatnonzero(over[r])[0])
        out.append(
            f"resource {problem.resources[r].id!r} is over capacity from {clock.iso(t)} "
            "(fixed work overlaps)"
        )
    for i in np.flatnonzero((cf.fix != FREE) & (cf.fix != DONE)).tolist():
        msg = _fixed_progress(engine, res, i)
        if msg:
            out.append(f"task {problem.tasks[i].id!r} ({FIX_NAMES[int(cf.fix[i])]}) {msg}")
    for i in range(cf.n):
        for e in range(cf.pred_ptr[i], cf.pred_ptr[i + 1]):
            p = int(cf.pred_idx[e])
            ref = res.start[p] if cf.pred_ss[e] else res.end[p]
            if res.start[i] < ref + cf.pred_lag[e] and cf.fix[i] not in (DONE, IN_PROGRESS):
                out.append(
                    f"task {problem.tasks[i].id!r} starts before its predecessor "
                    f"{problem.tasks[p].id!r} allows"
                )
    return out


def _fixed_progress(engine: _Engine, res: _Result, i: int) -> str | None:
    """Why the work of a task with a kept start (in progress, pinned, frozen) cannot run as
    placed on its resources' working time, or None."""
    cf = engine.cf
    tl = engine.timeline
    s, e, w = int(res.start[i]), int(res.end[i]), int(cf.work[i])
    todo = cf.fix[i] != IN_PROGRESS
    if todo and s < 0:
        return "starts before now"
    if w == 0:
        return None
    lo = max(s, 0)
    base = int(cf.lay_ptr[i])
    rows = [int(r) for r in res.out_res[base : base + int(res.out_n[i])]]
    if rows:
        mask = np.logical_and.reduce([tl.resource_work[r][lo:e] for r in rows])
    else:
        mask = tl.calendar_work[cf.calendar[i]][lo:e]
    if int(mask.sum()) != w:
        return "cannot do its work in its span on its resources' working time"
    if todo and not mask[0]:
        return f"starts at {tl.clock.iso(s)} when its resources do not work"
    if not cf.interruptible[i]:
        first = int(np.argmax(mask))
        if not mask[first:].all():
            return "is not interruptible but its resources pause"
    return None


def lower_bound(problem: FloorProblem) -> float:
    """A lower bound (hours) of the weighted tardiness of every plan of `problem`, the better of
    each order's earliest possible end with capacities relaxed (`cpsat.relaxed_lower_bound`) and
    one skill or resource at a time with its capacity (`cpsat.pool_lower_bound`); done,
    in-progress and pinned tasks where the decoder lays them down, as every plan does."""
    warm_up()
    engine = _Engine(problem, build_timeline(problem))
    res = engine.decode("lst", _rule_keys(engine.cf)["lst"], sticky=False, resv=False)
    assert res is not None  # not stoppable
    return cps.lower_bound(engine.cf, res.start, res.end)[0]


def hours_late(problem: FloorProblem, plan: FloorPlan, timeline: Timeline) -> float:
    """Weighted tardiness of `plan` in hours (a plain re-computation, for tests and reports)."""
    clock = timeline.clock
    ends: dict[str, int] = {}
    for tp in plan.tasks:
        ends[tp.project] = max(ends.get(tp.project, -(1 << 60)), tp.end)
    total = 0.0
    for p in problem.projects:
        if p.due is not None and p.id in ends:
            late = ends[p.id] - clock.offset(p.due)
            if late > 0:
                total += p.weight * late * clock.slot_minutes / 60
    return total


__all__ = ["FloorSolution", "solve_floor", "hours_late", "lower_bound"]
