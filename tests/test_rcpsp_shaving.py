"""Window shaving with the preemptive LP (optimizer/rcpsp/shaving.py) and its use by the engine."""

from __future__ import annotations

import csv
import threading
import time

import numpy as np
import pytest
from ortools.sat.python import cp_model

from optimizer.common.cpsat import configure_solver
from optimizer.rcpsp import shaving
from optimizer.rcpsp.checker import check
from optimizer.rcpsp.cpsat import CpSatScheduler
from optimizer.rcpsp.heuristic import construct
from optimizer.rcpsp.model import Mode, Precedence, Problem, Project, Resource, Task
from optimizer.rcpsp.readers import read_mmlib_mm, read_psplib_sm
from optimizer.rcpsp.shaving import Shaver, shave_windows
from optimizer.rcpsp.solver import PROOF_PARAMS, solve

from .conftest import PSPLIB, psplib_file


def _optimum(name: str) -> int:
    with open(PSPLIB / "j30_known_makespans.csv", newline="") as fh:
        return next(int(r["makespan"]) for r in csv.DictReader(fh) if r["instance"] == name)


def _welding_pair(ss_lag: int = 1) -> Problem:
    """A (3 h) then B (2 h), B starting at least `ss_lag` after A starts; one welder for both."""
    one = {"welder": 1}
    return Problem.create(
        name="pair",
        projects=[Project("P")],
        tasks=[Task("A", "P", (Mode(3, one),)), Task("B", "P", (Mode(2, one),))],
        precedences=[Precedence("A", "B", "SS", ss_lag)],
        resources=[Resource("welder", 1)],
    )


def test_start_to_start_lag_and_capacity_fix_both_starts_at_the_tightest_horizon():
    """Five hours of work on one welder fit a 5 h horizon one way only: A at 0, B at 3. The
    critical path alone leaves A 0-2 and B 1-3; the LP rules the rest out. 4 h is impossible."""
    problem = _welding_pair()
    shaver = Shaver(problem)
    assert shaver.qualifies
    unshaved = shaver.windows(5)
    assert (unshaved.earliest, unshaved.latest) == ([0, 1], [2, 3])
    windows = shaver.shave(5, seconds=10)
    assert not windows.empty and windows.complete
    assert (windows.earliest, windows.latest) == ([0, 3], [0, 3])
    assert windows.shrink == 1.0
    assert shaver.shave(4, seconds=10).empty
    assert shaver.proves_at_least(5) and not shaver.proves_at_least(6)


def test_tasks_a_precedence_keeps_apart_never_share_a_column():
    """With A finished before B starts (finish-to-start) the LP may not let them run together,
    even on a resource that could hold both; with start-to-start 1 it may."""
    two = {"crane": 1}
    base = dict(
        name="apart",
        projects=[Project("P")],
        tasks=[Task("A", "P", (Mode(3, two),)), Task("B", "P", (Mode(3, two),))],
        resources=[Resource("crane", 2)],
    )
    fs = Shaver(Problem.create(**base, precedences=[Precedence("A", "B", "FS", 0)]))
    ss = Shaver(Problem.create(**base, precedences=[Precedence("A", "B", "SS", 1)]))
    assert sorted(bin(s).count("1") for s in fs.lp.sets) == [1, 1]
    assert sorted(bin(s).count("1") for s in ss.lp.sets) == [1, 1, 2]
    assert fs.windows(5).empty and not fs.windows(6).empty
    assert ss.proves_at_least(4) and not ss.proves_at_least(5)


@pytest.mark.parametrize("name", ["j3029_3", "j3013_2", "j3029_6", "j301_1", "j3046_7"])
def test_shaved_windows_keep_every_plan_that_fits_the_horizon(name):
    """Windows are valid for every schedule of makespan <= horizon: the GA's plans (several
    seeds) all start inside the windows shaved for their own makespan."""
    problem = read_psplib_sm(psplib_file(f"j30/{name}.sm"))
    shaver = Shaver(problem)
    for seed in range(3):
        plan = construct(problem, time_budget=0.2, seed=seed, persist=True, population=60)
        windows = shaver.shave(plan.makespan, seconds=30)
        assert not windows.empty, f"{name}: a plan of makespan {plan.makespan} exists"
        for i, start in enumerate(plan.starts):
            assert windows.earliest[i] <= start <= windows.latest[i], (
                f"{name} seed {seed}: task {problem.tasks[i].id} starts at {start}, outside "
                f"[{windows.earliest[i]}, {windows.latest[i]}]"
            )
    if name == "j301_1":
        assert not shaver.qualifies, "RS high: too many sets of tasks may run together"
        assert windows.probes == 0


def test_lp_bound_never_exceeds_the_optimum_and_is_close_on_the_hard_instance():
    """j3029_3 (optimum 78): the LP over critical-path windows proves 76, not 77."""
    shaver = Shaver(read_psplib_sm(psplib_file("j30/j3029_3.sm")))
    assert _optimum("j3029_3") == 78
    assert shaver.proves_at_least(76)
    assert not shaver.proves_at_least(77)
    assert not shaver.proves_at_least(79)


def test_shaving_turns_the_hard_j30_proof_into_a_short_one():
    """j3029_3: shaving for makespan <= 77 removes over a third of the starts; inside the shaved
    windows CP-SAT proves 77 infeasible well within the 10 s budget that the unshaved model
    misses (11-15 s measured)."""
    problem = read_psplib_sm(psplib_file("j30/j3029_3.sm"))
    windows = shave_windows(problem, 77, seconds=60)
    assert not windows.empty and windows.complete
    assert windows.shrink > 0.35, windows.summary()
    scheduler = CpSatScheduler(problem, upper_bound=77, windows=windows)
    solver = configure_solver(10, 2, 0, {**PROOF_PARAMS, "shared_tree_num_workers": 2})
    assert solver.solve(scheduler.model) == cp_model.INFEASIBLE


def test_witnesses_answer_every_probe_as_a_fresh_lp_would(monkeypatch):
    """Recent LP solutions answer most feasible probes; the answers never differ from solving."""
    problem = read_psplib_sm(psplib_file("j30/j3029_3.sm"))
    shaver = Shaver(problem)
    windows = shaver.windows(78)
    rng = np.random.default_rng(7)
    lp = shaver.lp
    answers = []
    for _ in range(60):
        lo, hi = list(windows.earliest), list(windows.latest)
        task = int(rng.choice(lp.tasks))
        start = int(rng.integers(lo[task], hi[task] + 1))
        lo[task] = hi[task] = start
        if shaver.graph.propagate(lo, hi):
            answers.append((np.array(lo), np.array(hi), lp.feasible(np.array(lo), np.array(hi))))
    assert lp.reused > 0, "some probes were answered by a witness"
    assert {a for *_, a in answers} == {True, False}, "the probes include both answers"
    monkeypatch.setattr(shaving, "WITNESSES", 0)
    fresh = Shaver(problem).lp
    for lo, hi, answer in answers:
        assert fresh.feasible(lo, hi) is answer
    assert fresh.reused == 0


def test_problems_that_do_not_qualify_get_their_critical_path_windows():
    multi = read_mmlib_mm(psplib_file("mmlib50/J501_1.mm"))
    shaver = Shaver(multi)
    assert not shaver.qualifies
    assert not shaver.proves_at_least(10**6)
    assert shave_windows(multi, 100, seconds=1).probes == 0


def _three_jobs_one_machine() -> Problem:
    one = {"machine": 1}
    return Problem.create(
        name="three",
        projects=[Project("P")],
        tasks=[Task(k, "P", (Mode(2, one),)) for k in "ABC"],
        precedences=[],
        resources=[Resource("machine", 1)],
    )


def test_a_failed_lp_prunes_nothing(monkeypatch):
    """Six hours on one machine need six: only the LP itself shows 5 is too short (no window
    is tight enough for a compulsory part). An LP that does not answer (here: an unavailable
    solver) never counts as infeasible."""
    problem = _three_jobs_one_machine()
    assert Shaver(problem).proves_at_least(6)
    assert Shaver(problem).shave(5, seconds=10).empty

    class Unavailable(shaving.mbh.ModelSolverHelper):
        def __init__(self, _name: str) -> None:
            super().__init__("no such solver")

    monkeypatch.setattr(shaving.mbh, "ModelSolverHelper", Unavailable)
    assert not Shaver(problem).proves_at_least(6)
    windows = Shaver(problem).shave(5, seconds=10)
    assert not windows.empty
    assert (windows.earliest, windows.latest) == ([0, 0, 0], [3, 3, 3]), "nothing was shaved"


def test_j3029_3_is_proven_optimal_by_shaving():
    """The engine shaves beside CP-SAT and starts over inside the windows: the last j30
    instance a 10 s budget used to leave open is proven optimal (about 2.5 s on an idle machine;
    the time is measured by scripts/bench_psplib.py, the limit here only keeps a loaded CI
    machine from cutting the proof short: the solve stops as soon as it is proven)."""
    problem = read_psplib_sm(psplib_file("j30/j3029_3.sm"))
    lines: list[str] = []
    plan = solve(problem, time_limit=60, workers=2, log=lines.append)
    assert plan.status == "OPTIMAL" and plan.makespan == 78 and plan.lower_bound == 78
    assert any("windows for makespan <= 77" in line for line in lines), lines


@pytest.mark.parametrize("time_limit", [0.05, 0.4, 1.5])
def test_short_limits_on_the_proof_path_still_return_a_checked_plan(time_limit):
    """However the limit falls among the search, the GA and shaving, a valid plan comes back
    with an honest bound (never above the optimum 78)."""
    problem = read_psplib_sm(psplib_file("j30/j3029_3.sm"))
    plan = solve(problem, time_limit=time_limit, workers=2)
    assert plan.status in ("FEASIBLE", "OPTIMAL")
    assert check(problem, plan) == []
    assert plan.lower_bound is not None and plan.lower_bound <= 78 <= plan.makespan


def test_a_cancel_during_shaving_is_honoured_at_once():
    """j3029_3 shaves from about 0.4 s to 1.5-2 s; the cancel comes in between."""
    problem = read_psplib_sm(psplib_file("j30/j3029_3.sm"))
    started = time.perf_counter()
    plan = solve(
        problem, time_limit=30, workers=2, should_stop=lambda: time.perf_counter() - started > 0.8
    )
    elapsed = time.perf_counter() - started
    assert elapsed < 2.5, f"a cancel is honoured within moments, not at the limit ({elapsed:.1f}s)"
    assert plan.status == "FEASIBLE" and check(problem, plan) == []


class _Cancelled(Exception):
    pass


@pytest.mark.parametrize(
    ("line", "within"),
    [("solution objective=", 3.0), ("GA makespan=", 4.0)],
    ids=["inside-the-search", "beside-the-search"],
)
def test_an_exception_of_the_log_reaches_the_caller_and_stops_the_search(line, within):
    """The service's log callback cancels a job by raising. On the proof path the search runs
    in a thread of its own: raised inside it (from a solution line, in CP-SAT's callback) or
    beside it (the line written after the GA and shaving), the exception reaches the caller at
    once, as on every other path, and no CP-SAT search is left running behind it."""
    problem = read_psplib_sm(psplib_file("j30/j3029_3.sm"))

    def log(text: str) -> None:
        if line in text:
            raise _Cancelled(text)

    started = time.perf_counter()
    with pytest.raises(_Cancelled):
        solve(problem, time_limit=10, workers=2, log=log)
    assert time.perf_counter() - started < within, "at once, not after the whole solve"
    assert not [t for t in threading.enumerate() if t.name == "proof-search"]
