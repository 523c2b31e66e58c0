"""The floor scheduler (optimizer.floor.solver): calendars, skills, capacity, dependencies, work in
progress, pinned and frozen work, hard dates, re-planning and the local search, on small problems
whose answer can be worked out by hand. Every plan is also run through the independent checker."""

from __future__ import annotations

import copy
import gzip
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from optimizer.floor.checker import check_floor
from optimizer.floor.model import FloorProblem
from optimizer.floor.plan import FloorPlan
from optimizer.floor.solver import FloorSolution, hours_late, solve_floor

TZ = "Asia/Shanghai"
NOW = "2026-11-23T08:00:00"  # a Monday


def std(cid: str = "std", hours: tuple[tuple[float, float], ...] = ((8, 12), (13, 17))) -> dict:
    """Monday to Friday calendar with the given daily hours."""
    return {
        "id": cid,
        "attendances": [
            {"dayofweek": d, "hour_from": a, "hour_to": b} for d in range(5) for a, b in hours
        ],
    }


def problem(
    tasks: list[dict[str, Any]],
    resources: list[dict[str, Any]] | None = None,
    projects: list[dict[str, Any]] | None = None,
    precedences: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> FloorProblem:
    data: dict[str, Any] = {
        "kind": "floor",
        "name": "test",
        "timezone": TZ,
        "now": NOW,
        "default_calendar": "std",
        "calendars": [std()],
        "resources": resources if resources is not None else [{"id": "p1"}],
        "projects": projects if projects is not None else [{"id": "A"}],
        "tasks": [{"project": "A", **t} for t in tasks],
        "precedences": precedences or [],
    }
    data.update(extra)
    return FloorProblem.from_dict(data)


def solve(p: FloorProblem, time_limit: float = 0.3, **kw: Any) -> FloorSolution:
    sol = solve_floor(p, time_limit=time_limit, **kw)
    check(p, sol)
    return sol


def check(p: FloorProblem, sol: FloorSolution) -> None:
    """The plan is complete and keeps capacity, calendars and skills (independent checker when
    present, plus own minimal assertions)."""
    plan = sol.plan
    assert [t.id for t in plan.tasks] == [t.id for t in p.tasks]
    tl = sol.timeline
    usage = np.zeros((len(p.resources), tl.n_slots), dtype=np.int64)
    for tp, task in zip(plan.tasks, p.tasks):
        if task.status == "done":
            continue
        units = {d.resource: d.units for d in task.demands if d.resource}
        lo, hi = max(0, tp.start), tp.end
        for r in tp.resources:
            usage[p.resource_index[r], lo:hi] += units.get(r, 1)
        if tp.resources and hi > lo:
            works = np.logical_and.reduce(
                [tl.resource_work[p.resource_index[r]] for r in tp.resources]
            )
            assert works[lo:hi].sum() == p.slots(p.work_hours(task)), tp
    cap = np.array([r.capacity for r in p.resources])
    if plan.status in ("FEASIBLE", "OPTIMAL"):
        assert (usage <= cap[:, None]).all()
    if plan.status in ("FEASIBLE", "OPTIMAL"):
        assert check_floor(p, sol.to_dict(p)) == []  # the JSON form
        assert check_floor(p, plan, tl.clock) == []  # the slot form


def at(sol: FloorSolution, tid: str) -> tuple[str, str, tuple[str, ...]]:
    """(start, end) as local 'YYYY-MM-DD HH:MM' and the resources of task `tid`."""
    tp = sol.plan.by_id()[tid]
    clock = sol.timeline.clock
    fmt = "%Y-%m-%d %H:%M"
    return clock.at(tp.start).strftime(fmt), clock.at(tp.end).strftime(fmt), tp.resources


# --------------------------------------------------------------------------- calendars


def test_interruptible_task_pauses_over_the_weekend() -> None:
    # Friday 13:00: 4 h on Friday afternoon, 4 h Monday morning, 2 h after lunch.
    p = problem(
        [{"id": "t", "hours": 10, "demands": [{"resource": "p1"}]}], now="2026-11-27T13:00:00"
    )
    sol = solve(p)
    assert at(sol, "t") == ("2026-11-27 13:00", "2026-11-30 15:00", ("p1",))
    assert sol.plan.status in ("FEASIBLE", "OPTIMAL")


def test_non_interruptible_task_waits_for_a_long_enough_stretch() -> None:
    cal = std("long", ((8, 17),))
    tasks = [
        {"id": "free", "hours": 6, "calendar": "long"},
        {"id": "stiff", "hours": 6, "calendar": "long", "interruptible": False},
    ]
    p = problem(tasks, calendars=[std(), cal], now="2026-11-23T13:00:00")
    sol = solve(p)
    assert at(sol, "free")[:2] == ("2026-11-23 13:00", "2026-11-24 10:00")
    assert at(sol, "stiff")[:2] == ("2026-11-24 08:00", "2026-11-24 14:00")


def test_person_on_leave_is_replaced_or_awaited() -> None:
    people = [
        {"id": "expert", "skills": {"weld": 1}, "leaves": [
            {"start": "2026-11-23T00:00:00", "end": "2026-11-25T00:00:00"}]},
        {"id": "other", "skills": {"weld": 1, "paint": 2, "cut": 1}},
    ]  # fmt: skip
    p = problem([{"id": "t", "hours": 4, "demands": [{"skill": "weld"}]}], resources=people)
    sol = solve(p)
    # "expert" is preferred (fewer skills) but on leave: "other" does it on Monday.
    assert at(sol, "t") == ("2026-11-23 08:00", "2026-11-23 12:00", ("other",))
    # Only "expert" can do it: the task waits for Wednesday.
    p = problem(
        [{"id": "t", "hours": 4, "demands": [{"skill": "weld", "level": 1}]}],
        resources=[people[0], {"id": "other", "skills": {"paint": 2}}],
    )
    sol = solve(p)
    assert at(sol, "t") == ("2026-11-25 08:00", "2026-11-25 12:00", ("expert",))


def test_skill_group_picks_distinct_qualified_people() -> None:
    people = [
        {"id": "w1", "skills": {"welding": 3}},
        {"id": "w2", "skills": {"welding": 1}},
        {"id": "w3", "skills": {"welding": 2, "fitting": 1}},
        {"id": "w4", "skills": {"welding": 2}},
    ]
    t = {"id": "t", "hours": 8, "demands": [{"skill": "welding", "level": 2, "count": 2}]}
    sol = solve(problem([t], resources=people))
    start, end, who = at(sol, "t")
    assert (start, end) == ("2026-11-23 08:00", "2026-11-23 17:00")
    assert len(set(who)) == 2 and set(who) <= {"w1", "w3", "w4"}
    # Preference keeps the rarer profile (w3 also fits) free: the two single-skill welders.
    assert set(who) == {"w1", "w4"}


def test_named_and_skill_demands_do_not_reuse_a_person() -> None:
    people = [{"id": "a", "skills": {"weld": 1}}, {"id": "b", "skills": {"weld": 1}}]
    t = {"id": "t", "hours": 2, "demands": [{"resource": "a"}, {"skill": "weld"}]}
    sol = solve(problem([t], resources=people))
    assert at(sol, "t")[2] == ("a", "b")


def test_team_capacity_two_runs_two_tasks_at_once_not_three() -> None:
    crew = [{"id": "crew", "kind": "team", "capacity": 2}]
    tasks = [{"id": f"t{k}", "hours": 8, "demands": [{"resource": "crew"}]} for k in range(3)]
    sol = solve(problem(tasks, resources=crew))
    starts = sorted(at(sol, f"t{k}")[0] for k in range(3))
    assert starts == ["2026-11-23 08:00", "2026-11-23 08:00", "2026-11-24 08:00"]
    # Two units of the crew: one task at a time.
    tasks = [
        {"id": f"t{k}", "hours": 8, "demands": [{"resource": "crew", "units": 2}]} for k in range(2)
    ]
    sol = solve(problem(tasks, resources=crew))
    assert sorted(at(sol, f"t{k}")[0] for k in range(2)) == ["2026-11-23 08:00", "2026-11-24 08:00"]


# --------------------------------------------------------------------------- dependencies, dates


def test_finish_start_lag_and_start_start() -> None:
    people = [{"id": "p1"}, {"id": "p2"}, {"id": "p3"}]
    tasks = [
        {"id": "a", "hours": 4, "demands": [{"resource": "p1"}]},
        {"id": "b", "hours": 2, "demands": [{"resource": "p2"}]},
        {"id": "c", "hours": 2, "demands": [{"resource": "p3"}]},
    ]
    precedences = [
        {"from": "a", "to": "b", "type": "FS", "lag_hours_elapsed": 24},  # drying
        {"from": "a", "to": "c", "type": "SS", "lag_hours_elapsed": 2},
    ]
    sol = solve(problem(tasks, resources=people, precedences=precedences))
    assert at(sol, "a")[:2] == ("2026-11-23 08:00", "2026-11-23 12:00")
    assert at(sol, "b")[:2] == ("2026-11-24 13:00", "2026-11-24 15:00")  # Tue 12:00 is lunch
    assert at(sol, "c")[:2] == ("2026-11-23 10:00", "2026-11-23 12:00")


def test_release_and_not_before() -> None:
    tasks = [
        {"id": "a", "hours": 1, "project": "A"},
        {"id": "b", "hours": 1, "project": "B", "not_before": "2026-11-24T09:30:00"},
    ]
    projects = [{"id": "A", "release": "2026-11-23T14:00:00"}, {"id": "B"}]
    sol = solve(problem(tasks, projects=projects))
    assert at(sol, "a")[0] == "2026-11-23 14:00"
    assert at(sol, "b")[0] == "2026-11-24 10:00"


def test_done_task_kept_and_successor_follows_it() -> None:
    tasks = [
        {"id": "cut", "hours": 4, "status": "done", "start": "2026-11-20T08:00:00",
         "end": "2026-11-23T09:30:00", "resources": ["p1"], "demands": [{"resource": "p1"}]},
        {"id": "weld", "hours": 2, "demands": [{"resource": "p1"}]},
    ]  # fmt: skip
    p = problem(tasks, precedences=[{"from": "cut", "to": "weld"}])
    sol = solve(p)
    d = sol.to_dict(p)
    done = next(t for t in d["tasks"] if t["id"] == "cut")
    assert done["start"].startswith("2026-11-20T08:00:00") and done["end"].startswith(
        "2026-11-23T09:30:00"
    )
    # The done task reserves nothing: p1 is free, but the successor waits for its end (10:00 edge).
    assert at(sol, "weld")[:2] == ("2026-11-23 10:00", "2026-11-23 12:00")


def test_in_progress_keeps_its_start_and_finishes_remaining_work_from_now() -> None:
    tasks = [
        {"id": "weld", "hours": 20, "status": "in_progress", "started": "2026-11-20T08:00:00",
         "remaining_hours": 5, "resources": ["p1"], "demands": [{"resource": "p1"}]},
        {"id": "next", "hours": 1, "demands": [{"resource": "p1"}]},
    ]  # fmt: skip
    p = problem(tasks)
    sol = solve(p)
    assert at(sol, "weld")[:2] == ("2026-11-20 08:00", "2026-11-23 14:00")
    assert at(sol, "next")[:2] == ("2026-11-23 14:00", "2026-11-23 15:00")
    d = sol.to_dict(p)
    assert d["tasks"][0]["start"] == "2026-11-20T08:00:00+08:00"


def test_pinned_task_kept_and_successors_after_it() -> None:
    people = [{"id": "p1"}, {"id": "p2"}]
    tasks = [
        {"id": "pin", "hours": 4, "pinned": True, "start": "2026-11-24T13:00:00",
         "resources": ["p1"], "demands": [{"resource": "p1"}]},
        {"id": "after", "hours": 2, "demands": [{"resource": "p2"}]},
        {"id": "other", "hours": 12, "demands": [{"resource": "p1"}]},
    ]  # fmt: skip
    sol = solve(problem(tasks, resources=people, precedences=[{"from": "pin", "to": "after"}]))
    assert at(sol, "pin") == ("2026-11-24 13:00", "2026-11-24 17:00", ("p1",))
    assert at(sol, "after")[0] == "2026-11-25 08:00"
    # 12 h of p1 fit exactly before the pin: Monday and Tuesday morning.
    assert at(sol, "other")[:2] == ("2026-11-23 08:00", "2026-11-24 12:00")
    assert sol.plan.status in ("FEASIBLE", "OPTIMAL")


def test_pinned_tasks_overlapping_on_a_person_are_infeasible() -> None:
    tasks = [
        {"id": f"pin{k}", "hours": 4, "pinned": True, "start": "2026-11-24T08:00:00",
         "resources": ["p1"], "demands": [{"resource": "p1"}]}
        for k in range(2)
    ]  # fmt: skip
    sol = solve_floor(problem(tasks), time_limit=0.2)
    assert sol.plan.status == "INFEASIBLE"
    assert any("p1" in c for c in sol.plan.stats["conflicts"])


def test_impossible_deadline_is_infeasible_with_a_best_effort_plan() -> None:
    tasks = [{"id": "t", "hours": 16, "demands": [{"resource": "p1"}],
              "deadline": "2026-11-23T17:00:00"}]  # fmt: skip
    sol = solve_floor(problem(tasks), time_limit=0.2)
    assert sol.plan.status == "INFEASIBLE"
    assert at(sol, "t")[:2] == ("2026-11-23 08:00", "2026-11-24 17:00")
    assert sol.plan.stats["violation_hours"] == 24.0


def test_deadline_is_met_before_tardiness_is_reduced() -> None:
    # Both need p1 for a day; B (weight 10) is due Monday, A has a hard deadline Monday 17:00.
    tasks = [
        {"id": "a", "project": "A", "hours": 8, "demands": [{"resource": "p1"}]},
        {"id": "b", "project": "B", "hours": 8, "demands": [{"resource": "p1"}]},
    ]
    projects = [
        {"id": "A", "deadline": "2026-11-23T17:00:00"},
        {"id": "B", "due": "2026-11-23T17:00:00", "weight": 10},
    ]
    sol = solve(problem(tasks, projects=projects), time_limit=0.5)
    assert sol.plan.status in ("FEASIBLE", "OPTIMAL")
    assert at(sol, "a")[0] == "2026-11-23 08:00"
    assert sol.plan.weighted_tardiness == pytest.approx(10 * 24)  # B ends Tuesday 17:00


def test_weighted_tardiness_matches_a_hand_computation() -> None:
    tasks = [
        {"id": "a", "project": "A", "hours": 8, "demands": [{"resource": "p1"}]},
        {"id": "b", "project": "B", "hours": 8, "demands": [{"resource": "p1"}]},
    ]
    projects = [
        {"id": "A", "due": "2026-11-23T12:00:00", "weight": 2},
        {"id": "B", "due": "2026-11-23T12:00:00", "weight": 1},
    ]
    p = problem(tasks, projects=projects)
    sol = solve(p, time_limit=0.5)
    # A first (heavier): ends Mon 17:00, 5 h late x 2; B ends Tue 17:00, 29 h late x 1.
    assert at(sol, "a")[1] == "2026-11-23 17:00"
    assert sol.plan.weighted_tardiness == pytest.approx(2 * 5 + 29)
    assert sol.plan.objective == pytest.approx(39)
    assert hours_late(p, sol.plan, sol.timeline) == pytest.approx(39)


def test_milestone_takes_no_time_and_holds_nothing() -> None:
    tasks = [
        {"id": "a", "hours": 3, "demands": [{"resource": "p1"}]},
        {"id": "gate", "hours": 0, "demands": [{"resource": "p1"}]},
    ]
    sol = solve(problem(tasks, precedences=[{"from": "a", "to": "gate"}]))
    # It names the resource of its demand (the checker wants demands met) but occupies nothing.
    assert at(sol, "gate") == ("2026-11-23 11:00", "2026-11-23 11:00", ("p1",))


def test_horizon_grows_when_the_work_does_not_fit() -> None:
    tasks = [{"id": "t", "hours": 80, "demands": [{"resource": "p1"}]}]
    sol = solve(problem(tasks, horizon_end="2026-11-25T00:00:00"))
    assert at(sol, "t")[1] == "2026-12-04 17:00"
    assert sol.plan.stats["horizon_growths"] >= 1


# --------------------------------------------------------------------------- re-planning


def _workshop(orders: int = 6, seed: int = 1) -> dict[str, Any]:
    """A few orders of cut -> weld (2 welders) -> paint over five people, dues spread out."""
    rng = np.random.default_rng(seed)
    people = [
        {"id": "c1", "skills": {"cut": 1}},
        {"id": "w1", "skills": {"weld": 2}},
        {"id": "w2", "skills": {"weld": 1}},
        {"id": "w3", "skills": {"weld": 2, "paint": 1}},
        {"id": "pa", "skills": {"paint": 1}},
    ]
    projects, tasks, precs = [], [], []
    for k in range(orders):
        o = f"SO{k}"
        due = (datetime(2026, 11, 24, 17) + timedelta(days=k)).isoformat()
        projects.append({"id": o, "due": due, "weight": 1 + k % 3})
        tasks += [
            {"id": f"{o}/cut", "project": o, "hours": int(rng.integers(2, 6)),
             "demands": [{"skill": "cut"}]},
            {"id": f"{o}/weld", "project": o, "hours": int(rng.integers(4, 12)),
             "demands": [{"skill": "weld", "count": 2}]},
            {"id": f"{o}/paint", "project": o, "hours": int(rng.integers(2, 5)),
             "demands": [{"skill": "paint"}], "interruptible": False},
        ]  # fmt: skip
        precs += [
            {"from": f"{o}/cut", "to": f"{o}/weld"},
            {"from": f"{o}/weld", "to": f"{o}/paint"},
        ]
    return {
        "kind": "floor", "name": "workshop", "timezone": TZ, "now": NOW,
        "default_calendar": "std", "calendars": [std()], "resources": people,
        "projects": projects, "tasks": tasks, "precedences": precs,
    }  # fmt: skip


def test_replan_of_an_unchanged_problem_reproduces_the_previous_plan() -> None:
    data = _workshop()
    p = FloorProblem.from_dict(data)
    first = solve(p, time_limit=0.5)
    data2 = copy.deepcopy(data)
    data2["previous_plan"] = first.to_dict(p)
    data2["stability"] = {"weight": 1.0, "frozen_working_days": 0}
    p2 = FloorProblem.from_dict(data2)
    again = solve(p2, time_limit=0.5)
    assert again.plan.moved_count == 0
    assert again.plan.objective == pytest.approx(first.plan.objective)
    for a, b in zip(first.plan.tasks, again.plan.tasks):
        assert (a.start, a.end, set(a.resources)) == (b.start, b.end, set(b.resources))


def test_replan_after_a_change_moves_few_tasks_of_other_orders() -> None:
    data = _workshop(orders=8)
    p = FloorProblem.from_dict(data)
    first = solve(p, time_limit=0.5)
    data2 = copy.deepcopy(data)
    weld = next(t for t in data2["tasks"] if t["id"] == "SO3/weld")
    weld["hours"] += 6
    data2["previous_plan"] = first.to_dict(p)
    data2["stability"] = {"weight": 5.0, "frozen_working_days": 1}
    p2 = FloorProblem.from_dict(data2)
    again = solve(p2, time_limit=0.5)
    before, after = first.plan.by_id(), again.plan.by_id()
    moved_other = [
        t for t in p2.tasks if t.project != "SO3"
        and (before[t.id].start, set(before[t.id].resources)) != (after[t.id].start, set(after[t.id].resources))
    ]  # fmt: skip
    assert len(moved_other) <= 3
    assert again.plan.moved_count == sum(
        1 for t in p2.tasks
        if (before[t.id].start, set(before[t.id].resources)) != (after[t.id].start, set(after[t.id].resources))
    )  # fmt: skip


def test_replanning_repairs_unless_moving_is_free() -> None:
    data = _workshop(orders=4)
    p = FloorProblem.from_dict(data)
    first = solve(p)
    data["previous_plan"] = first.to_dict(p)
    data["stability"] = {"weight": 1.0}
    sticky = solve(FloorProblem.from_dict(data))
    assert set(sticky.plan.stats["rules"]) == {
        "previous", "previous-plain", "wlst0-sticky", "wlst-sticky"
    }  # fmt: skip
    data["stability"] = {"weight": 0.0}
    free = solve(FloorProblem.from_dict(data))
    assert {"previous", "edd", "wlst"} <= set(free.plan.stats["rules"])


def _grown_order(stability_weight: float, hours: int = 12) -> FloorProblem:
    """One person booked solid for two and a half weeks by the previous plan: D (Mon), A (Tue,
    urgent, due Wednesday evening), B (Wed), then ten days of C; B, C and D are due at the end of
    the year. A's work has grown from 8 to `hours`: it no longer fits its Tuesday."""
    days = ["2026-11-23", "2026-11-24", "2026-11-25"]
    days += [f"2026-11-{d}" for d in (26, 27, 30)] + [f"2026-12-0{d}" for d in range(1, 10)]
    days = [d for d in days if d not in ("2026-12-05", "2026-12-06")]
    names = ["D/d", "A/a", "B/b"] + [f"C/c{k}" for k in range(len(days) - 3)]
    tasks = [
        {"id": tid, "project": tid.split("/")[0], "hours": hours if tid == "A/a" else 8,
         "demands": [{"resource": "p1"}]}
        for tid in names
    ]  # fmt: skip
    previous = {
        "kind": "floor_plan",
        "tasks": [
            {"id": tid, "start": f"{day}T08:00:00+08:00", "end": f"{day}T17:00:00+08:00",
             "resources": ["p1"], "status": "todo"}
            for tid, day in zip(names, days, strict=True)
        ],
    }  # fmt: skip
    late = "2026-12-31T17:00:00"
    projects = [{"id": "A", "due": "2026-11-25T17:00:00", "weight": 4.0}]
    projects += [{"id": k, "due": late} for k in ("B", "C", "D")]
    data: dict[str, Any] = {
        "kind": "floor", "name": "grown", "timezone": TZ, "now": NOW,
        "default_calendar": "std", "calendars": [std()], "resources": [{"id": "p1"}],
        "projects": projects, "tasks": tasks, "previous_plan": previous,
        "stability": {"weight": stability_weight, "frozen_working_days": 0},
    }  # fmt: skip
    return FloorProblem.from_dict(data)


def _moved_ids(p: FloorProblem, sol: FloorSolution) -> set[str]:
    from optimizer.floor.results import annotate

    annotate(p, sol.timeline, sol.plan)
    return {m["id"] for m in sol.plan.moved}


def test_replan_repair_bumps_one_task_of_another_order_for_a_grown_late_order() -> None:
    p = _grown_order(stability_weight=1.0)
    for cpsat in (False, True):
        sol = solve(p, time_limit=1.0, cpsat=cpsat)
        # A keeps its Tuesday and runs into Wednesday morning; B's day goes after the C days
        assert at(sol, "A/a")[:2] == ("2026-11-24 08:00", "2026-11-25 12:00")
        assert _moved_ids(p, sol) == {"B/b"}
        assert sol.plan.weighted_tardiness == 0.0
        assert sol.plan.objective == 1.0
        assert sol.plan.stats["repair"]["accepted"] == 1
        if not cpsat:
            assert sol.plan.stats["rule"].endswith("+repair")


def test_replan_repair_moves_nothing_else_when_moving_costs_more_than_the_delay() -> None:
    # 20 hours: keeping A's Tuesday would bump B and the first C day (2 x 5000) while moving A
    # costs 5000 + its lateness (about 19 days x 4)
    p = _grown_order(stability_weight=5000.0, hours=20)
    sol = solve(p, time_limit=1.0)
    # A goes to the first free day after the C days; no task of another order moves
    assert at(sol, "A/a")[0] == "2026-12-10 08:00"
    assert _moved_ids(p, sol) == {"A/a"}
    assert sol.plan.moved_count == 1
    assert sol.plan.weighted_tardiness > 0
    tried = sol.plan.stats["repair"]
    assert tried["accepted"] == 0 and tried["orders"][0]["order"] == "A"
    assert tried["orders"][0]["objective"] > sol.plan.objective


def test_frozen_window_keeps_the_previous_start_even_when_earlier_is_possible() -> None:
    people = [{"id": "p1"}, {"id": "p2"}]
    tasks = [
        {"id": "a", "hours": 4, "demands": [{"resource": "p1"}]},
        {"id": "b", "hours": 4, "demands": [{"resource": "p1"}]},
    ]
    previous = {
        "kind": "floor_plan",
        "tasks": [
            {"id": "a", "start": "2026-11-24T08:00:00+08:00", "end": "2026-11-24T12:00:00+08:00",
             "resources": ["p1"], "status": "todo"},
            {"id": "b", "start": "2026-11-26T08:00:00+08:00", "end": "2026-11-26T12:00:00+08:00",
             "resources": ["p1"], "status": "todo"},
        ],
    }  # fmt: skip
    stability = {"weight": 0.0, "frozen_working_days": 2}
    p = problem(tasks, resources=people, previous_plan=previous, stability=stability)
    sol = solve(p)
    # "a" starts Tuesday, inside the two working days (Mon, Tue): frozen although Monday is free.
    assert at(sol, "a") == ("2026-11-24 08:00", "2026-11-24 12:00", ("p1",))
    # "b" is outside the window and moves (stability weight 0): Monday morning.
    assert at(sol, "b")[0] == "2026-11-23 08:00"
    assert sol.plan.moved_count == 1


# --------------------------------------------------------------------------- search


def test_search_beats_earliest_due_date_where_it_is_bad() -> None:
    # One cutter. Order X is due first but light (weight 1) and short of slack anyway; Y..Z are
    # heavy (weight 5), due a little later: EDD serves X first and makes all heavy orders late.
    people = [{"id": "p1"}]
    projects = [{"id": "X", "due": "2026-11-23T12:00:00", "weight": 1}]
    tasks = [{"id": "x", "project": "X", "hours": 16, "demands": [{"resource": "p1"}]}]
    for k, o in enumerate("YZ"):
        projects.append({"id": o, "due": f"2026-11-2{3 + k}T17:00:00", "weight": 5})
        tasks.append({"id": o.lower(), "project": o, "hours": 8, "demands": [{"resource": "p1"}]})
    p = problem(tasks, resources=people, projects=projects)
    sol = solve(p, time_limit=1.0)
    edd = sol.plan.stats["rules"]["edd"]
    assert sol.plan.objective <= edd
    assert sol.plan.objective < edd
    # Best: y Monday, z Tuesday, x after: x ends Thursday 17:00, 77 h late.
    assert sol.plan.objective == pytest.approx(77)


def test_should_stop_and_callbacks() -> None:
    data = _workshop(orders=4)
    p = FloorProblem.from_dict(data)
    seen: list[tuple[float, float]] = []
    lines: list[str] = []
    calls = {"n": 0}

    def stop() -> bool:
        calls["n"] += 1
        return calls["n"] > 3

    t0 = datetime.now()
    sol = solve_floor(p, time_limit=30, should_stop=stop, on_solution=lambda t, o: seen.append((t, o)),
                      log=lines.append)  # fmt: skip
    assert (datetime.now() - t0).total_seconds() < 5
    assert seen and lines
    assert sol.plan.first_solution_seconds is not None
    assert sol.plan.first_solution_seconds <= sol.plan.solve_seconds
    assert seen[-1][1] == pytest.approx(sol.plan.objective)
    assert sol.plan.stats["horizon_slots"] == sol.timeline.n_slots
    check(p, sol)


def test_plan_json_round_trip() -> None:
    data = _workshop(orders=3)
    p = FloorProblem.from_dict(data)
    sol = solve(p)
    d = sol.to_dict(p)
    back = FloorPlan.from_dict(p, d, sol.timeline.clock)
    assert [(t.start, t.end, t.resources) for t in back.tasks] == [
        (t.start, t.end, t.resources) for t in sol.plan.tasks
    ]


def test_task_that_never_fits_is_forced_and_flagged_without_growing_the_horizon() -> None:
    # 6 h in one stretch on a 4 h + 4 h day: impossible anywhere.
    tasks = [
        {"id": "t", "hours": 6, "interruptible": False, "demands": [{"resource": "p1"}]},
        {"id": "u", "hours": 2, "demands": [{"resource": "p1"}]},
    ]
    sol = solve_floor(problem(tasks), time_limit=0.2)
    assert sol.plan.status == "INFEASIBLE"
    assert sol.plan.stats["horizon_growths"] == 0
    assert any("'t' fits nowhere" in c for c in sol.plan.stats["conflicts"])
    assert len(sol.plan.tasks) == 2


def test_pinned_start_outside_working_time_is_infeasible() -> None:
    tasks = [{"id": "pin", "hours": 2, "pinned": True, "start": "2026-11-23T12:00:00",
              "resources": ["p1"], "demands": [{"resource": "p1"}]}]  # fmt: skip
    sol = solve_floor(problem(tasks), time_limit=0.1)
    assert sol.plan.status == "INFEASIBLE"
    assert at(sol, "pin")[:2] == ("2026-11-23 12:00", "2026-11-23 15:00")
    assert any("do not work" in c for c in sol.plan.stats["conflicts"])


def test_warm_up_compiles_once() -> None:
    from optimizer.floor.solver import warm_up

    assert warm_up() >= 0.0
    assert warm_up.cache_info().hits + warm_up.cache_info().misses >= 1


def test_race_of_local_searches_depends_on_the_seed_not_on_the_timing() -> None:
    # 48 tasks at 1 s afford ~2000 decodes: 8 searches are raced, rounds counted in decodes.
    from optimizer.floor.generate import generate_floor

    data = generate_floor(orders=6, tasks_per_order=8, people=6, seed=1, months=0.5)
    floor = FloorProblem.from_dict(data)
    runs = [solve_floor(floor, time_limit=1.0, seed=3, cpsat=False) for _ in range(2)]
    races = [sol.plan.stats["race"] for sol in runs]
    assert races[0] is not None and races[0]["chains"] == 8
    assert races[0] == races[1]  # same seed: the same race, however fast the decodes ran
    for sol, race in zip(runs, races, strict=True):
        assert race["objectives"][race["winner"]] == min(race["objectives"])
        assert sol.plan.objective <= min(race["objectives"]) + 1e-6
        assert check_floor(floor, sol.to_dict(floor)) == []
    # CP-SAT takes a problem this small whole: no race before it
    assert solve_floor(floor, time_limit=0.5, seed=3).plan.stats["race"] is None


# --------------------------------------------------------------------------- known optima, bounds


def _round_the_clock() -> dict[str, Any]:
    """Every hour of every day: a task's span is its work, so optima can be computed by hand."""
    return {"id": "std", "attendances": [
        {"dayofweek": d, "hour_from": 0, "hour_to": 24} for d in range(7)
    ]}  # fmt: skip


def _one_person_orders(jobs: list[tuple[int, int, float]]) -> FloorProblem:
    """One single-task order per (hours, due hours from now, weight), all on one person."""
    return problem(
        [{"id": f"t{k}", "project": f"O{k}", "hours": h, "demands": [{"resource": "p1"}]}
         for k, (h, _d, _w) in enumerate(jobs)],
        projects=[{"id": f"O{k}", "due": (datetime.fromisoformat(NOW) + timedelta(hours=d))
                   .isoformat(), "weight": w} for k, (_h, d, w) in enumerate(jobs)],
        calendars=[_round_the_clock()],
    )  # fmt: skip


def _brute_force_weighted_tardiness(jobs: list[tuple[int, int, float]]) -> float:
    """The optimum of one machine without idle time: the best of every sequence."""
    import itertools

    best = float("inf")
    for order in itertools.permutations(range(len(jobs))):
        t, total = 0, 0.0
        for k in order:
            hours, due, weight = jobs[k]
            t += hours
            total += weight * max(0, t - due)
        best = min(best, total)
    return best


@pytest.mark.parametrize(
    "jobs",
    [
        # every order can be on time, but only in one sequence
        [(10, 30, 1.0), (5, 5, 1.0), (12, 27, 4.0), (3, 8, 1.0)],
        # every order cannot be on time: a positive optimum
        [(8, 10, 2.0), (6, 6, 1.0), (9, 12, 3.0), (4, 20, 1.0), (7, 14, 2.0), (5, 9, 1.0)],
    ],
)
def test_small_instances_are_solved_to_their_known_optimum(jobs) -> None:
    p = _one_person_orders(jobs)
    optimum = _brute_force_weighted_tardiness(jobs)
    sol = solve(p, time_limit=2.0)
    assert sol.plan.weighted_tardiness == pytest.approx(optimum)
    assert hours_late(p, sol.plan, sol.timeline) == pytest.approx(optimum)


def test_the_bundled_example_has_a_plan_with_no_late_order() -> None:
    """The yardstick of the bundled example (optimizer/examples/best_known.json) is a plan in
    which no order is late; the lower bound says no less."""
    from optimizer.floor.solver import lower_bound

    examples = Path(__file__).resolve().parents[1] / "optimizer" / "examples"
    p = FloorProblem.from_dict(json.loads((examples / "floor_portfolio.json").read_text()))
    index = json.loads((examples / "best_known.json").read_text())["problems"]
    entry = next(e for e in index if e["problem"] == "floor_portfolio.json")
    with gzip.open(examples / entry["plan"], "rt") as f:
        plan = json.load(f)
    assert check_floor(p, plan) == []
    assert entry["weighted_tardiness"] == plan["weighted_tardiness"] == 0.0
    assert all(not proj["late"] for proj in plan["projects"])
    assert lower_bound(p) == 0.0


def test_lower_bound_never_exceeds_a_checked_plan() -> None:
    """Property over generated problems (orders already late, work in progress, skills,
    calendars): the bound is at most the value of every checked plan, and positive when an
    order cannot be on time on its own."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from optimizer.floor.generate import generate_floor
    from optimizer.floor.solver import lower_bound

    positive = []

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        orders=st.integers(2, 6), tasks=st.integers(3, 7), people=st.integers(2, 5),
        seed=st.integers(0, 10_000), months=st.sampled_from([0.1, 0.25, 1.0]),
    )  # fmt: skip
    def bound_below_plan(orders: int, tasks: int, people: int, seed: int, months: float) -> None:
        data = generate_floor(
            orders=orders, tasks_per_order=tasks, people=people, seed=seed, months=months
        )
        p = FloorProblem.from_dict(data)
        sol = solve_floor(p, time_limit=0.2, seed=seed)
        assert check_floor(p, sol.to_dict(p)) == []
        bound = lower_bound(p)
        assert 0.0 <= bound <= sol.plan.weighted_tardiness + 1e-6
        if bound > 0:
            positive.append(bound)

    bound_below_plan()
    assert positive, "no generated problem had an order late on its own: the bound went untested"


def test_two_searches_share_their_best_plan_and_the_plan_written_is_the_best_found() -> None:
    """With workers=2 (no CP-SAT phase taking the problem) a second local search runs on a
    thread; every improvement either finds is reported in improving order (the latest end breaks
    ties), and the plan written is the best of all of them."""
    examples = Path(__file__).resolve().parents[1] / "optimizer" / "examples"
    floor = FloorProblem.from_dict(json.loads((examples / "floor_portfolio.json").read_text()))
    reported: list[float] = []
    sol = solve_floor(
        floor, time_limit=1.5, seed=2, cpsat=False, workers=2,
        on_solution=lambda _t, objective: reported.append(objective),
    )  # fmt: skip
    assert sol.plan.stats["searches"] == 2
    assert reported == sorted(reported, reverse=True) and reported[0] > reported[-1]
    assert sol.plan.objective == pytest.approx(reported[-1])
    assert check_floor(floor, sol.to_dict(floor)) == []
    assert hours_late(floor, sol.plan, sol.timeline) == pytest.approx(sol.plan.weighted_tardiness)
    one = solve_floor(floor, time_limit=0.5, seed=2, cpsat=False, workers=1)
    assert one.plan.stats["searches"] == 1


def test_a_failing_search_thread_fails_the_solve(monkeypatch) -> None:
    from optimizer.floor import solver as floor_solver
    from optimizer.floor.generate import generate_floor

    data = generate_floor(orders=8, tasks_per_order=8, people=5, seed=3, months=0.5)
    floor = FloorProblem.from_dict(data)
    real_race = floor_solver._race

    def race(engine, starts, stream, *args):
        if len(stream) > 1:  # a helper's stream is (seed, j)
            raise RuntimeError("helper broke")
        return real_race(engine, starts, stream, *args)

    monkeypatch.setattr(floor_solver, "_race", race)
    with pytest.raises(RuntimeError, match="helper broke"):
        solve_floor(floor, time_limit=0.5, cpsat=False, workers=2)
