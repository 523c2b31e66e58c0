"""The independent checker: accepts a valid handmade schedule, rejects each kind of violation."""

from __future__ import annotations

import dataclasses
import random
import re

import pytest

from optimizer.rcpsp.checker import ScheduleError, assert_valid, check
from optimizer.rcpsp.model import Mode, Plan, Precedence, Problem, Project, Resource, Task, TaskPlan


@pytest.fixture
def crane_site() -> Problem:
    """Two projects share one crane (2 units) and a budget of 3 concrete loads.

    `a` lifts with one crane unit for 2 periods or both units for 1 period (using more concrete);
    `c` may start 1 period after `a` starts (SS, lag 1); `d` may start 1 period before `c` ends
    (FS, lag -1) but its project is released at 3; `z` is a zero-duration inspection that would
    need the whole crane if it took any time.
    """
    return Problem.create(
        name="crane_site",
        projects=(Project("p"), Project("q", release=3)),
        tasks=(
            Task(
                "a",
                "p",
                (Mode(2, {"crane": 1, "concrete": 2}), Mode(1, {"crane": 2, "concrete": 4})),
            ),
            Task("b", "p", (Mode(3, {"crane": 1}),)),
            Task("c", "p", (Mode(2, {"crane": 1}),)),
            Task("d", "q", (Mode(1, {"crane": 1}),)),
            Task("z", "q", (Mode(0, {"crane": 2}),)),
        ),
        precedences=(
            Precedence("a", "b"),
            Precedence("a", "c", kind="SS", lag=1),
            Precedence("c", "d", lag=-1),
        ),
        resources=(Resource("crane", 2), Resource("concrete", 3, renewable=False)),
    )


def _plan(entries: dict[str, tuple[int, int, int]], makespan: int | None = 5) -> Plan:
    """A feasible-status plan from {task: (start, end, 0-based mode)}."""
    tasks = [TaskPlan(task_id, s, e, m) for task_id, (s, e, m) in entries.items()]
    return Plan("FEASIBLE", makespan, makespan, None, 0.0, tasks)


VALID = {"a": (0, 2, 0), "c": (1, 3, 0), "b": (2, 5, 0), "d": (3, 4, 0), "z": (3, 3, 0)}


def _with(**changes: tuple[int, int, int]) -> dict[str, tuple[int, int, int]]:
    return {**VALID, **changes}


def _only(violations: list[str], fragment: str) -> None:
    assert len(violations) == 1, f"expected exactly one violation, got {violations}"
    assert fragment in violations[0], violations[0]


def test_valid_schedule_is_accepted(crane_site: Problem) -> None:
    plan = _plan(VALID)
    assert check(crane_site, plan) == [], (
        "the crane is used at most 2 units at every period, every lag and release holds, and "
        "the zero-duration inspection at 3 uses no crane"
    )
    assert_valid(crane_site, plan)


def test_plan_order_and_missing_makespan_do_not_matter(crane_site: Problem) -> None:
    plan = _plan(dict(reversed(list(VALID.items()))), makespan=None)
    assert check(crane_site, plan) == []


def test_finish_to_start_violation(crane_site: Problem) -> None:
    violations = check(crane_site, _plan(_with(b=(1, 4, 0))))
    assert any("precedence FS 'a' -> 'b'" in v and "starts at 1" in v for v in violations)


def test_start_to_start_lag_violation(crane_site: Problem) -> None:
    _only(check(crane_site, _plan(_with(c=(0, 2, 0)))), "precedence SS 'a' -> 'c' (lag 1)")


def test_negative_lag_is_honoured_and_enforced(crane_site: Problem) -> None:
    q_at_0 = dataclasses.replace(crane_site, projects=(Project("p"), Project("q")))
    q_at_0.validate()
    # d may start 1 period before c ends (3 - 1 = 2), not earlier.
    ok = _with(c=(1, 3, 0), d=(2, 3, 0), b=(3, 6, 0))
    assert check(q_at_0, _plan(ok, makespan=6)) == []
    early = _with(c=(1, 3, 0), d=(1, 2, 0), b=(3, 6, 0))
    violations = check(q_at_0, _plan(early, makespan=6))
    assert any("precedence FS 'c' -> 'd' (lag -1)" in v and "= 2" in v for v in violations)


def test_capacity_exceeded_at_one_time_unit_only(crane_site: Problem) -> None:
    # c shifted to [2, 4): at period 3 b, c and d each hold one crane unit.
    violations = check(crane_site, _plan(_with(c=(2, 4, 0))))
    _only(violations, "resource 'crane' over capacity during [3, 4): uses 3 of 2")
    assert "'b', 'c', 'd'" in violations[0]


def test_wrong_duration(crane_site: Problem) -> None:
    _only(check(crane_site, _plan(_with(b=(2, 6, 0)))), "task 'b': end 6 != start 2 + duration 3")


def test_missing_task(crane_site: Problem) -> None:
    entries = dict(VALID)
    del entries["d"]
    _only(check(crane_site, _plan(entries)), "task 'd' is missing from the plan")


def test_duplicate_and_unknown_tasks(crane_site: Problem) -> None:
    plan = _plan(VALID)
    plan.tasks += [TaskPlan("d", 3, 4, 0), TaskPlan("ghost", 0, 1, 0)]
    violations = check(crane_site, plan)
    assert any("'ghost' is in the plan but not in the problem" in v for v in violations)
    assert any("'d' appears 2 times" in v for v in violations)


def test_bad_mode(crane_site: Problem) -> None:
    _only(check(crane_site, _plan(_with(a=(0, 2, 2)))), "task 'a': mode index 2 is invalid")
    _only(check(crane_site, _plan(_with(a=(0, 2, -1)))), "mode index -1 is invalid")


def test_nonrenewable_overuse(crane_site: Problem) -> None:
    # a's fast mode is feasible for the crane but uses 4 concrete loads out of 3.
    fast = _with(a=(0, 1, 1), c=(1, 3, 0), b=(1, 4, 0), d=(3, 4, 0))
    _only(
        check(crane_site, _plan(fast, makespan=4)),
        "non-renewable resource 'concrete': the chosen modes use 4, budget 3",
    )


def test_release_violated(crane_site: Problem) -> None:
    # The inspection takes no time and no crane, so only its release date is broken.
    _only(
        check(crane_site, _plan(_with(z=(1, 1, 0)))),
        "task 'z' starts at 1, before its project's release 3",
    )


def test_negative_start(crane_site: Problem) -> None:
    violations = check(crane_site, _plan(_with(a=(-1, 1, 0))))
    _only(violations, "task 'a' starts at -1, before time 0")


def test_horizon(crane_site: Problem) -> None:
    short = dataclasses.replace(crane_site, horizon=4)
    _only(check(short, _plan(VALID)), "task 'b' ends at 5, after the horizon 4")


def test_wrong_makespan(crane_site: Problem) -> None:
    _only(check(crane_site, _plan(VALID, makespan=6)), "makespan 6 but the last task ends at 5")


def test_assert_valid_lists_violations(crane_site: Problem) -> None:
    with pytest.raises(ScheduleError, match="task 'd' is missing") as info:
        assert_valid(crane_site, _plan({k: v for k, v in VALID.items() if k != "d"}))
    assert isinstance(info.value, AssertionError)
    assert info.value.violations == ["task 'd' is missing from the plan"]


# ---------------------------------------------------------------------- sweep vs brute force


def _overloaded_units(problem: Problem, plan: Plan) -> set[tuple[str, int]]:
    """Every (resource, period) whose usage exceeds capacity, counted period by period."""
    usage: dict[tuple[str, int], int] = {}
    for entry in plan.tasks:
        mode = problem.tasks[problem.task_index[entry.id]].modes[entry.mode]
        for t in range(entry.start, entry.start + mode.duration):
            for res, q in mode.demands.items():
                usage[res, t] = usage.get((res, t), 0) + q
    capacity = {r.id: r.capacity for r in problem.resources}
    return {key for key, used in usage.items() if used > capacity[key[0]]}


def _reported_units(violations: list[str]) -> set[tuple[str, int]]:
    units = set()
    for v in violations:
        match = re.match(r"resource '(\w+)' over capacity during \[(\d+), (\d+)\)", v)
        if match:
            units |= {(match[1], t) for t in range(int(match[2]), int(match[3]))}
    return units


@pytest.mark.parametrize("seed", range(25))
def test_event_sweep_matches_period_by_period_count(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(1, 25)
    tasks = tuple(
        Task(
            f"t{i}",
            "p",
            (
                Mode(
                    rng.choice([0, 0, 1, 2, 3, 5]), {"r": rng.randint(0, 3), "s": rng.randint(1, 2)}
                ),
            ),
        )
        for i in range(n)
    )
    problem = Problem.create(
        name="random",
        projects=(Project("p"),),
        tasks=tasks,
        precedences=(),
        resources=(Resource("r", 4), Resource("s", 3)),
    )
    starts = [rng.randint(0, 12) for _ in range(n)]
    plan = _plan(
        {t.id: (s, s + t.modes[0].duration, 0) for t, s in zip(tasks, starts, strict=True)},
        makespan=None,
    )
    assert _reported_units(check(problem, plan)) == _overloaded_units(problem, plan)
