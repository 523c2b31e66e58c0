"""The reference model (OR-Tools' plain RCPSP example) solves small problems to optimality."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from optimizer.rcpsp.checker import check
from optimizer.rcpsp.model import Mode, Precedence, Problem, Project, Resource, Task
from optimizer.rcpsp.reference import solve_reference

PSPLIB = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "psplib"


def _assert_valid(problem: Problem, plan) -> None:
    assert check(problem, plan) == [], "the checker must accept every plan of the reference model"


@pytest.fixture
def one_crane_four_lifts() -> Problem:
    """Four lifts share a crane of capacity 2: 11 crane-periods of work need at least 6 periods."""
    return Problem.create(
        name="one_crane",
        projects=(Project("site"),),
        tasks=(
            Task("A", "site", (Mode(3, {"crane": 2}),)),
            Task("B", "site", (Mode(2, {"crane": 1}),)),
            Task("C", "site", (Mode(2, {"crane": 1}),)),
            Task("D", "site", (Mode(1, {"crane": 1}),)),
        ),
        precedences=(Precedence("A", "D"),),
        resources=(Resource("crane", 2),),
    )


def test_reference_finds_proven_optimum_of_tiny_problem(one_crane_four_lifts: Problem) -> None:
    plan = solve_reference(one_crane_four_lifts, time_limit=5, workers=1)
    assert plan.status == "OPTIMAL", "a four-task problem is solved to optimality at once"
    assert plan.makespan == 6, "11 crane-periods on a crane of capacity 2 need 6 periods"
    assert plan.lower_bound == 6, "the proven bound equals the optimum"
    assert [t.mode for t in plan.tasks] == [0, 0, 0, 0], "single-mode tasks run in mode 0"
    _assert_valid(one_crane_four_lifts, plan)


def test_reference_honours_lags_and_releases() -> None:
    problem = Problem.create(
        name="cure_then_paint",
        projects=(Project("p", release=2),),
        tasks=(Task("pour", "p", (Mode(2),)), Task("paint", "p", (Mode(1),))),
        precedences=(Precedence("pour", "paint", "FS", 3),),
        resources=(),
    )
    plan = solve_reference(problem, time_limit=5, workers=1)
    assert plan.status == "OPTIMAL"
    assert plan.makespan == 8, "release 2 + pour 2 + curing lag 3 + paint 1"
    _assert_valid(problem, plan)


def test_reference_refuses_multi_mode() -> None:
    problem = Problem.create(
        name="two_ways",
        projects=(Project("p"),),
        tasks=(Task("weld", "p", (Mode(2, {"w": 1}), Mode(1, {"w": 2}))),),
        precedences=(),
        resources=(Resource("w", 2),),
    )
    with pytest.raises(ValueError, match="single-mode"):
        solve_reference(problem, time_limit=1, workers=1)


def test_reference_proves_j301_1_optimum() -> None:
    readers = pytest.importorskip("optimizer.rcpsp.readers")
    path = PSPLIB / "j30" / "j301_1.sm"
    if not path.exists():
        pytest.skip(f"benchmark data not found at {path}")
    with open(PSPLIB / "j30_known_makespans.csv", newline="", encoding="utf-8") as fh:
        known = {row["instance"]: row for row in csv.DictReader(fh)}["j301_1"]
    assert known["optimal_or_bound_kind"] == "optimal" and int(known["makespan"]) == 43

    problem = readers.read_psplib_sm(path)
    plan = solve_reference(problem, time_limit=10, workers=2, seed=0)
    assert plan.status == "OPTIMAL", (
        "the plain example model proves j301_1 optimal in well under 10 s"
    )
    assert plan.makespan == 43, "j301_1's proven optimum is 43"
    assert plan.lower_bound == 43
    _assert_valid(problem, plan)
