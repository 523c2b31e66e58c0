"""The CP-SAT engine: every constraint family, both objectives, and PSPLIB optima."""

from __future__ import annotations

import csv
import time

import pytest

from optimizer.rcpsp.checker import check
from optimizer.rcpsp.cpsat import CpSatScheduler, incompatibility_cliques
from optimizer.rcpsp.heuristic import construct
from optimizer.rcpsp.model import Mode, Plan, Precedence, Problem, Project, Resource, Task, TaskPlan
from optimizer.rcpsp.readers import read_mmlib_mm, read_psplib_sm
from optimizer.rcpsp.solver import solve

from .conftest import PSPLIB, psplib_file


def _by_id(plan):
    return {t.id: t for t in plan.tasks}


def test_two_orders_share_one_welder_heavier_order_first(two_orders_share_one_welder):
    plan = solve(two_orders_share_one_welder, time_limit=5)
    assert plan.status == "OPTIMAL"
    assert check(two_orders_share_one_welder, plan) == []
    tasks = _by_id(plan)
    # The welder works one order at a time: SO2 (weight 3) welds first and is on time.
    assert tasks["SO2/weld"].start == 2 and tasks["SO2/weld"].end == 6
    assert tasks["SO1/weld"].start == 6
    assert plan.objective == pytest.approx(4.0), "SO1 ends at 10, due 6, weight 1"
    assert plan.lower_bound == pytest.approx(4.0)
    assert {p["id"]: p["tardiness"] for p in plan.projects} == {"SO1": 4, "SO2": 0}


def test_nonrenewable_budget_allows_one_fast_mode(fast_or_cheap_modes):
    plan = solve(fast_or_cheap_modes, time_limit=5)
    assert plan.status == "OPTIMAL"
    assert check(fast_or_cheap_modes, plan) == []
    modes = sorted(t.mode for t in plan.tasks)
    assert modes == [0, 1, 1], "budget 7 pays one fast mode (5) and two slow ones (1 each)"
    assert plan.makespan == 2 + 5 + 5


def test_lags_and_release_are_respected(lags_and_release):
    plan = solve(lags_and_release, time_limit=5)
    tasks = _by_id(plan)
    assert check(lags_and_release, plan) == []
    assert tasks["pour"].start == 5, "nothing starts before the project's release"
    assert tasks["frame"].start == tasks["pour"].end + 3, "curing lag after pouring"
    assert tasks["finish"].start == tasks["frame"].start + 1, "start-to-start lag of 1"
    assert plan.makespan == 5 + 2 + 3 + 1 + 5, "finishing ends 1 + 5 periods after framing starts"
    assert plan.status == "OPTIMAL"


def test_capacity_forces_sequencing():
    problem = Problem.create(
        name="crane",
        projects=(Project("P"),),
        tasks=tuple(Task(t, "P", (Mode(3, {"crane": 2}),)) for t in "abc"),
        precedences=(),
        resources=(Resource("crane", 3),),
    )
    plan = solve(problem, time_limit=5)
    assert plan.makespan == 9, "only one lift of 2 fits under a capacity of 3 at a time"
    assert plan.status == "OPTIMAL"
    assert check(problem, plan) == []


def test_zero_duration_milestones_use_no_capacity():
    problem = Problem.create(
        name="milestones",
        projects=(Project("P"),),
        tasks=(
            Task("start", "P", (Mode(0, {"crew": 1}),)),
            Task("work", "P", (Mode(4, {"crew": 1}),)),
            Task("done", "P", (Mode(0, {"crew": 1}),)),
        ),
        precedences=(Precedence("start", "work"), Precedence("work", "done")),
        resources=(Resource("crew", 1),),
    )
    plan = solve(problem, time_limit=5)
    assert _by_id(plan)["done"].start == 4
    assert plan.makespan == 4
    assert check(problem, plan) == []


def test_heuristic_alone_gives_a_valid_plan_and_hint(two_orders_share_one_welder):
    problem = two_orders_share_one_welder
    schedule = construct(problem, time_budget=0.1)
    tasks = [
        TaskPlan(t.id, s, s + t.modes[m].duration, m)
        for t, s, m in zip(problem.tasks, schedule.starts, schedule.modes)
    ]
    plan = Plan("FEASIBLE", schedule.makespan, schedule.objective, None, 0.0, tasks)
    assert check(problem, plan) == [], "the heuristic's schedule is valid on its own"
    assert schedule.objective == pytest.approx(4.0), (
        "two orders, one welder: the heuristic finds it"
    )
    scheduler = CpSatScheduler(problem)
    scheduler.add_hint(schedule)
    assert scheduler.model.proto.solution_hint.vars, "the schedule becomes CP-SAT's hint"


def test_tiny_time_limit_still_returns_a_valid_plan():
    problem = read_psplib_sm(psplib_file("j120/j12051_1.sm"))
    plan = solve(problem, time_limit=0.5)
    assert plan.status in ("FEASIBLE", "OPTIMAL")
    assert check(problem, plan) == []
    assert plan.lower_bound is not None and plan.lower_bound <= plan.makespan


def _known(set_name: str) -> dict[str, int]:
    with open(PSPLIB / f"{set_name}_known_makespans.csv", newline="") as fh:
        return {
            r["instance"]: int(r["makespan"])
            for r in csv.DictReader(fh)
            if r["optimal_or_bound_kind"] == "optimal"
        }


@pytest.mark.parametrize("name", ["j301_1", "j3010_1", "j3021_3", "j3046_7"])
def test_j30_instances_reach_the_proven_optimum(name):
    problem = read_psplib_sm(psplib_file(f"j30/{name}.sm"))
    plan = solve(problem, time_limit=10)
    assert plan.status == "OPTIMAL"
    assert plan.makespan == _known("j30")[name]
    assert plan.lower_bound == plan.makespan
    assert check(problem, plan) == []


def test_mmlib_instance_is_solved_with_valid_modes():
    problem = read_mmlib_mm(psplib_file("mmlib50/J501_1.mm"))
    plan = solve(problem, time_limit=10)
    assert check(problem, plan) == []
    assert plan.makespan == _known("mmlib50")["J501_1"]


@pytest.mark.parametrize("phase_share", [0.2, 0.01], ids=["during-heuristic", "during-cp-sat"])
def test_should_stop_ends_a_long_solve_early_with_a_valid_plan(phase_share):
    problem = read_psplib_sm(psplib_file("j120/j12051_1.sm"))
    started = time.perf_counter()
    plan = solve(
        problem,
        time_limit=30,
        heuristic_share=phase_share,
        should_stop=lambda: time.perf_counter() - started > 1.0,
    )
    elapsed = time.perf_counter() - started
    assert elapsed < 4.0, (
        f"a cancel is honoured within moments, not at the 30 s limit ({elapsed:.1f}s)"
    )
    assert plan.status == "FEASIBLE"
    assert check(problem, plan) == []


def test_incompatibility_cliques_join_tasks_that_can_never_overlap():
    """Resource conflicts and precedence paths make edges; lags count, start-to-start does not."""
    problem = Problem.create(
        name="cliques",
        projects=(Project("P"),),
        tasks=(
            Task("a", "P", (Mode(3, {"crane": 2}),)),
            Task("b", "P", (Mode(2, {"crane": 2}),)),
            Task("c", "P", (Mode(4, {"crew": 1}),)),  # after b: a path, no shared resource
            Task("d", "P", (Mode(5, {"crew": 1}),)),  # starts with c (SS): they may overlap
            Task("e", "P", (Mode(1, {"crane": 1}),)),  # fits beside a or b
            Task("m", "P", (Mode(0, {"crane": 3}),)),  # a milestone takes no time
            Task("x", "P", (Mode(2, {"crane": 2}), Mode(4, {"crane": 1}))),  # two modes: left out
        ),
        precedences=(Precedence("b", "c"), Precedence("c", "d", kind="SS")),
        resources=(Resource("crane", 3), Resource("crew", 2)),
    )
    cliques = [{problem.tasks[i].id for i in c} for c in incompatibility_cliques(problem, 2)]
    # a-b: 2 + 2 cranes > 3; b-c: b ends before c starts; b-d: the path b -> c -SS-> d is as long
    # as b. Not c-d (start-to-start, lag 0), not e (1 crane fits), not the milestone, not x.
    assert sorted(map(sorted, cliques)) == [["a", "b"], ["b", "c"], ["b", "d"]]
    assert incompatibility_cliques(problem) == [], "no three of them exclude each other"


def test_the_model_carries_one_no_overlap_per_clique_and_proof_settings_reach_cp_sat(
    monkeypatch,
):
    from optimizer.rcpsp import solver as engine

    problem = read_psplib_sm(psplib_file("j30/j3013_5.sm"))
    cliques = incompatibility_cliques(problem)
    constraints = CpSatScheduler(problem).model.proto.constraints
    no_overlaps = [c.no_overlap for c in constraints if c.has_no_overlap()]
    assert [len(c.intervals) for c in no_overlaps] == [len(c) for c in cliques]

    seen: list[dict] = []
    configure = engine.configure_solver

    def recording(time_limit, workers, seed, overrides=None):
        seen.append(dict(overrides or {}))
        return configure(time_limit, workers, seed, overrides)

    monkeypatch.setattr(engine, "configure_solver", recording)
    solve(problem, time_limit=1, workers=2)
    assert seen and seen[-1]["shared_tree_num_workers"] == 2
    assert all(seen[-1][k] == v for k, v in engine.PROOF_PARAMS.items())
    seen.clear()
    solve(read_psplib_sm(psplib_file("j60/j6013_1.sm")), time_limit=3, workers=2)
    assert seen and all("shared_tree_num_workers" not in s for s in seen), "62 tasks: no proof"


def test_cliques_are_valid_on_a_proven_instance_and_the_plan_keeps_them():
    """Every clique of j3013_9 (RF 1, RS 0.2; proven in well under a second on an idle machine)
    is pairwise disjoint in the optimal plan."""
    problem = read_psplib_sm(psplib_file("j30/j3013_9.sm"))
    cliques = incompatibility_cliques(problem)
    assert len(cliques) > 10
    plan = solve(problem, time_limit=10)
    assert check(problem, plan) == []
    assert plan.makespan == _known("j30")["j3013_9"]
    spans = {i: (t.start, t.end) for i, t in enumerate(plan.tasks)}
    for clique in cliques:
        for a in clique:
            for b in clique:
                if a < b:
                    (sa, ea), (sb, eb) = spans[a], spans[b]
                    assert ea <= sb or eb <= sa, (problem.tasks[a].id, problem.tasks[b].id)


def _schedule_plan(problem, schedule):
    tasks = [
        TaskPlan(t.id, s, s + t.modes[m].duration, m)
        for t, s, m in zip(problem.tasks, schedule.starts, schedule.modes)
    ]
    return Plan("FEASIBLE", schedule.makespan, schedule.objective, None, 0.0, tasks)


def test_persistent_ga_spends_its_budget_and_never_loses_the_best():
    """j6013_1 (best known 112): the plain GA stops once converged; the persistent one starts
    over from fresh populations until the budget is spent and keeps the best of all."""
    problem = read_psplib_sm(psplib_file("j60/j6013_1.sm"))
    construct(problem, time_budget=0.05)  # kernels compiled outside the timing
    quick = construct(problem, time_budget=1.5, seed=3)
    t0 = time.perf_counter()
    persistent = construct(problem, time_budget=1.5, seed=3, persist=True)
    elapsed = time.perf_counter() - t0
    assert elapsed >= 1.4, "it restarts instead of stopping early"
    assert persistent.makespan <= quick.makespan, "same seed: it has the quick run's best too"
    assert persistent.makespan >= 112
    assert check(problem, _schedule_plan(problem, persistent)) == []
    assert check(problem, _schedule_plan(problem, quick)) == []


def test_easy_problem_is_settled_by_the_probe_before_the_ga_spends_its_share(monkeypatch):
    """j6046_1 is proven optimal by the short CP-SAT probe: the persistent GA never runs. On
    j6013_1 (open at 10 s) it does, and the plan is at least as good as its hint."""
    from optimizer.rcpsp import solver as engine

    calls: list[bool] = []

    def recording(*args, **kwargs):
        calls.append(bool(kwargs.get("persist")))
        return construct(*args, **kwargs)

    monkeypatch.setattr(engine, "construct", recording)
    # A longer probe than the default 0.5 s keeps this about control flow on a loaded machine
    # (CP-SAT proves j6046_1 in about 0.2 s on an idle one).
    monkeypatch.setattr(engine, "PROBE_SECONDS", 3.0)
    easy = read_psplib_sm(psplib_file("j60/j6046_1.sm"))
    plan = solve(easy, time_limit=20)
    assert plan.status == "OPTIMAL" and plan.makespan == _known("j60")["j6046_1"]
    assert calls == [False], "the quick GA only"
    assert check(easy, plan) == []

    calls.clear()
    hard = read_psplib_sm(psplib_file("j60/j6013_1.sm"))
    plan = solve(hard, time_limit=14)
    assert calls == [False, True], "quick GA, probe, then the persistent GA"
    assert plan.status == "FEASIBLE" and plan.makespan <= plan.heuristic_makespan
    assert plan.makespan >= 112
    assert check(hard, plan) == []
