"""The seeded floor portfolio generator: same seed same problem, valid problems of the asked size,
realistic content (holidays, leaves, skills, work in progress) and a greedy plan the checker passes."""

from __future__ import annotations

import json
import statistics
from datetime import datetime, timedelta

import pytest

from optimizer.floor.generate import china_holidays, generate_floor
from optimizer.floor.model import FloorProblem
from optimizer.floor.timeline import build_timeline
from tests.scripts import load_script

SMALL = dict(orders=24, tasks_per_order=12, people=10, seed=3, months=3)


def _bench():
    return load_script("bench_portfolio")


@pytest.fixture(scope="module")
def small() -> dict:
    return generate_floor(**SMALL)


def test_same_seed_same_problem_other_seed_other_problem(small):
    assert json.dumps(generate_floor(**SMALL)) == json.dumps(small)
    assert json.dumps(generate_floor(**{**SMALL, "seed": 4})) != json.dumps(small)


@pytest.mark.parametrize("tasks_per_order", [1, 2, 5, 8, 25, 40])
def test_sizes_are_exact_and_valid(tasks_per_order):
    data = generate_floor(orders=9, tasks_per_order=tasks_per_order, people=7, seed=1, months=2)
    problem = FloorProblem.from_dict(data)
    assert len(problem.projects) == 9
    assert len(problem.tasks) == 9 * tasks_per_order
    assert sum(r.kind == "person" for r in problem.resources) == 7
    for proj in problem.projects:
        assert sum(t.project == proj.id for t in problem.tasks) == tasks_per_order


@pytest.mark.parametrize("skills", [1, 3, 8, 14])
def test_every_skill_demand_is_satisfiable(skills):
    data = generate_floor(orders=12, tasks_per_order=10, people=8, skills=skills, seed=2, months=2)
    problem = FloorProblem.from_dict(data)
    assert len(problem.skills) == skills
    for task in problem.tasks:
        for d in task.demands:
            if d.skill is not None:
                assert d.skill in problem.skills
                assert len(problem.qualified(d.skill, d.level)) >= d.count, (task.id, d)
            else:
                assert problem.resources[problem.resource_index[d.resource]].kind == "machine"


def test_content_is_realistic(small):
    problem = FloorProblem.from_dict(small)
    people = [r for r in problem.resources if r.kind == "person"]
    assert all(1 <= len(r.skills) <= 3 for r in people)
    assert all(1 <= lv <= 5 for r in people for lv in r.skills.values())
    assert {r.calendar for r in people} <= {"std", "early", "part"}
    assert {r.calendar for r in problem.resources if r.kind == "machine"} == {"shift2"}
    assert {p.weight for p in problem.projects} <= {1.0, 2.0, 4.0}
    hours = [t.hours for t in problem.tasks if t.demands]
    assert min(hours) >= 1 and statistics.median(hours) <= 40
    assert any(not t.interruptible and t.hours == 6 for t in problem.tasks)  # heat treatment
    assert any(d.count == 2 and d.level >= 2 for t in problem.tasks for d in t.demands)
    assert any(not t.demands for t in problem.tasks)  # waits: lead time, client review
    assert any(p.kind == "SS" for p in problem.precedences)
    assert any(p.lag_hours > 0 for p in problem.precedences)
    assert all(r.leaves for r in people)


def test_public_holidays_are_in_every_calendar():
    data = generate_floor(orders=6, tasks_per_order=5, people=4, seed=0, months=6)
    problem = FloorProblem.from_dict(data)
    tz = problem.tz
    spring = (datetime(2027, 2, 6, tzinfo=tz), datetime(2027, 2, 14, tzinfo=tz))
    new_year = datetime(2027, 1, 1, tzinfo=tz)
    for cal in problem.calendars:
        spans = [(lv.start, lv.end) for lv in cal.leaves]
        assert spring in spans, cal.id
        assert any(a <= new_year < b for a, b in spans), cal.id
    names = {
        n for _, _, n in china_holidays(datetime(2027, 1, 1).date(), datetime(2027, 12, 31).date())
    }
    assert {"New Year's Day", "Spring Festival", "Qingming", "Labour Day"} <= names
    timeline = build_timeline(problem)
    std = problem.calendar_index["std"]
    day = timeline.clock.ceil(datetime(2027, 2, 8, 8, tzinfo=tz))  # a Monday of the festival
    assert not timeline.calendar_work[std, day : day + 9].any()


def test_work_in_progress(small):
    problem = FloorProblem.from_dict(small)
    by_status = {s: [t for t in problem.tasks if t.status == s] for s in ("done", "in_progress")}
    assert by_status["done"] and by_status["in_progress"]
    assert all(t.end <= problem.now for t in by_status["done"])
    for t in by_status["in_progress"]:
        assert t.started < problem.now and 0 < t.remaining_hours <= t.hours
    pinned = [t for t in problem.tasks if t.pinned]
    assert pinned and all(t.start >= problem.now and t.resources for t in pinned)
    early = {p.id for p in problem.projects if p.release < problem.now}
    assert {t.project for t in by_status["done"]} <= early
    no_wip = FloorProblem.from_dict(generate_floor(**SMALL, wip=False))
    assert all(t.status == "todo" and not t.pinned for t in no_wip.tasks)


def test_small_case_spans_its_months(small):
    problem = FloorProblem.from_dict(small)
    months = timedelta(days=SMALL["months"] * 30.44)
    releases = [p.release for p in problem.projects]
    assert min(releases) < problem.now  # orders already running
    assert max(releases) <= problem.now + 0.6 * months
    dues = sorted(p.due for p in problem.projects)
    assert all(p.due > p.release for p in problem.projects)
    assert dues[len(dues) // 2] <= problem.now + 1.25 * months
    assert dues[-1] <= problem.now + 2.5 * months


def test_baseline_plan_of_a_generated_problem_is_valid(small):
    from optimizer.floor.checker import check_floor

    bench = _bench()
    problem = FloorProblem.from_dict(small)
    timeline = build_timeline(problem)
    plan = bench.Baseline(problem, timeline).run()
    data = plan.to_dict(problem, timeline.clock)
    assert check_floor(problem, data) == []
    assert check_floor(problem, plan, timeline.clock) == []
    # A good plan spans about the months asked for (the greedy one is not that good).
    last = max(timeline.clock.at(t.end) for t in plan.tasks)
    months = timedelta(days=SMALL["months"] * 30.44)
    assert problem.now + 0.5 * months < last < problem.now + 2 * months
