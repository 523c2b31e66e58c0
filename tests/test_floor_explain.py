"""Explanations of infeasible floor problems: each conflict kind named with its order, tasks,
resources and dates, and nothing on a feasible problem."""

from __future__ import annotations

from typing import Any

from optimizer.floor.explain import explain_infeasible
from tests.test_floor_results import PEOPLE, build, plan_of, task


def _only(result: dict[str, Any] | None, kind: str) -> dict[str, Any]:
    assert result is not None
    found = [c for c in result["conflicts"] if c["kind"] == kind]
    assert len(found) == 1, result
    return found[0]


def test_deadline_before_the_earliest_possible_end_names_the_chain():
    problem, tl = build(
        [
            task("SO042/cut", 8, "saw", not_before="2027-01-05T00:00:00"),
            task("SO042/weld", 24, demands=[{"skill": "welding", "level": 1}]),
            task("SO042/paint", 8, "paint"),
        ],
        (("SO042/cut", "SO042/weld"), ("SO042/weld", "SO042/paint")),
        projects=[{"id": "SO042", "deadline": "2027-01-08T17:00:00"}],
    )
    result = explain_infeasible(problem, tl, None)
    c = _only(result, "deadline")
    assert c["order"] == "SO042"
    assert c["tasks"] == ["SO042/cut", "SO042/weld", "SO042/paint"]
    assert c["resources"] == ["p1", "paint", "saw"]
    assert c["dates"] == {
        "deadline": "2027-01-08T17:00:00+00:00",
        "earliest_end": "2027-01-11T17:00:00+00:00",  # cut Tue, weld Wed-Fri, paint Mon
    }
    assert c["text"] == (
        "SO042 must be delivered by 2027-01-08 17:00, but "
        "SO042/cut (not before 2027-01-05 00:00, 8 h on Saw) → "
        "SO042/weld (24 h of welding work, at best by Li Wei) → "
        "SO042/paint (8 h on Paint booth) cannot end before 2027-01-11 17:00"
    )
    assert result["message"].startswith("No plan can keep every hard constraint: SO042 must")
    assert len(result["conflicts"]) == 1


def test_task_deadline_counts_the_best_case_person_calendar():
    # Li Wei is on leave on Monday: Zhang San, working from now, is the best case
    people = [dict(r) for r in PEOPLE]
    people[0]["leaves"] = [{"start": "2027-01-04T00:00:00", "end": "2027-01-05T00:00:00"}]
    problem, tl = build(
        [
            task(
                "SO042/weld",
                13,
                demands=[{"skill": "welding", "level": 1}],
                deadline="2027-01-05T12:00:00",
            )
        ],
        projects=[{"id": "SO042"}],
        resources=people,
    )
    c = _only(explain_infeasible(problem, tl, None), "deadline")
    assert c["order"] == "SO042" and c["tasks"] == ["SO042/weld"] and c["resources"] == ["p2"]
    assert c["text"] == (
        "SO042/weld must end by 2027-01-05 12:00, but SO042/weld (13 h of welding work, at best "
        "by Zhang San) cannot end before 2027-01-05 14:00"
    )


def test_pinned_task_starting_before_its_predecessor_can_end():
    problem, tl = build(
        [
            task("SO042/cut", 8, "saw"),
            task("SO042/weld", 4, "p1", pinned=True, start="2027-01-04T13:00:00", resources=["p1"]),
        ],
        (("SO042/cut", "SO042/weld"),),
    )
    c = _only(explain_infeasible(problem, tl, None), "pinned_before_predecessor")
    assert c["order"] == "SO042"
    assert c["tasks"] == ["SO042/cut", "SO042/weld"]
    assert c["dates"] == {
        "start": "2027-01-04T13:00:00+00:00",
        "predecessor_end": "2027-01-04T17:00:00+00:00",
    }
    assert c["text"] == (
        "SO042/weld is pinned to start 2027-01-04 13:00, but its predecessor "
        "SO042/cut (8 h on Saw) cannot end before 2027-01-04 17:00"
    )


def test_pinned_and_in_progress_tasks_overlapping_on_one_person():
    problem, tl = build(
        [
            task(
                "SO040/weld",
                16,
                "p1",
                status="in_progress",
                started="2027-01-01T08:00:00",
                remaining_hours=8,
                resources=["p1"],
            ),
            task("SO042/weld", 4, "p1", pinned=True, start="2027-01-04T13:00:00", resources=["p1"]),
        ],
    )
    result = explain_infeasible(problem, tl, None)
    c = _only(result, "pinned_overlap")
    assert c["resources"] == ["p1"]
    assert c["tasks"] == ["SO040/weld", "SO042/weld"]
    assert c["dates"] == {"at": "2027-01-04T13:00:00+00:00"}
    assert c["text"] == (
        "Li Wei is booked on SO040/weld (in progress, 2027-01-04 08:00 to 2027-01-04 17:00) and "
        "SO042/weld (pinned, 2027-01-04 13:00 to 2027-01-04 17:00), overlapping at "
        "2027-01-04 13:00, but can work on one at a time"
    )
    assert all(x["kind"] != "capacity" for x in result["conflicts"])  # same tasks: not repeated


def test_skill_demand_whose_only_qualified_person_is_on_leave():
    people = [dict(r) for r in PEOPLE]
    people[0]["leaves"] = [
        {"start": "2027-01-04T00:00:00", "end": "2027-01-09T00:00:00", "name": "Holiday"}
    ]
    problem, tl = build(
        [task("SO042/weld", 8, demands=[{"skill": "welding", "level": 2}])],
        projects=[{"id": "SO042", "deadline": "2027-01-08T17:00:00"}],
        resources=people,
        skills=[{"id": "welding", "name": "Welding"}],
    )
    result = explain_infeasible(problem, tl, None)
    c = _only(result, "skill_unavailable")
    assert c["order"] == "SO042" and c["tasks"] == ["SO042/weld"] and c["resources"] == ["p1"]
    assert c["dates"] == {
        "earliest_start": "2027-01-04T08:00:00+00:00",
        "deadline": "2027-01-08T17:00:00+00:00",
    }
    assert c["text"] == (
        "SO042/weld needs 1 person with Welding >= 2 for 8 h between 2027-01-04 08:00 and "
        "2027-01-08 17:00, but Li Wei is on leave (Holiday) from 2027-01-04 00:00 to "
        "2027-01-09 00:00"
    )
    # the deadline conflict of the same task is explained by the leave, not repeated
    assert [x["kind"] for x in result["conflicts"]] == ["skill_unavailable"]


def test_capacity_conflict_on_one_machine():
    problem, tl = build(
        [task("SO040/cut", 16, "saw"), task("SO042/cut", 16, "saw")],
        projects=[
            {"id": "SO040", "deadline": "2027-01-06T17:00:00"},
            {"id": "SO042", "deadline": "2027-01-06T17:00:00"},
        ],
    )
    result = explain_infeasible(problem, tl, None)
    c = _only(result, "capacity")
    assert c["resources"] == ["saw"]
    assert c["tasks"] == ["SO040/cut", "SO042/cut"]
    assert c["order"] is None  # two orders compete
    assert c["dates"]["from"] == "2027-01-04T08:00:00+00:00"
    assert c["dates"]["to"] == "2027-01-06T17:00:00+00:00"
    assert c["dates"]["missing_hours"] == 8.0
    assert c["text"] == (
        "Between 2027-01-04 08:00 and 2027-01-06 17:00 Saw has 24 h of working time, but "
        "SO040/cut (16 h), SO042/cut (16 h) must be done in that window: 32 h"
    )


def test_capacity_conflict_on_a_skill_pool():
    problem, tl = build(
        [
            task("SO040/weld", 8, demands=[{"skill": "welding", "level": 1}]),
            task("SO041/weld", 8, demands=[{"skill": "welding", "level": 1}]),
            task("SO042/weld", 8, demands=[{"skill": "welding", "level": 1}]),
        ],
        projects=[
            {"id": o, "release": "2027-01-05T00:00:00", "deadline": "2027-01-05T17:00:00"}
            for o in ("SO040", "SO041", "SO042")
        ],
    )
    c = _only(explain_infeasible(problem, tl, None), "capacity")
    assert c["resources"] == ["p1", "p2"]
    assert c["tasks"] == ["SO040/weld", "SO041/weld", "SO042/weld"]
    assert c["dates"]["from"] == "2027-01-05T00:00:00+00:00"
    assert c["dates"]["needed_hours"] == 24.0 and c["dates"]["available_hours"] == 16.0
    assert "the people with welding >= 1 (Li Wei, Zhang San) have 16 h" in c["text"]


def test_fallback_names_the_missed_deadline_chain_and_bottleneck():
    problem, tl = build(
        [task("SO040/weld", 8, "p1"), task("SO042/weld", 8, "p1"), task("SO042/paint", 4, "paint")],
        (("SO042/weld", "SO042/paint"),),
        projects=[{"id": "SO040"}, {"id": "SO042", "deadline": "2027-01-05T17:00:00"}],
    )
    # feasible problem, but the best plan found misses the deadline (e.g. stopped early)
    plan = plan_of(
        problem,
        tl,
        [
            ("SO040/weld", "2027-01-04T08:00:00", "2027-01-04T17:00:00", ["p1"]),
            ("SO042/weld", "2027-01-05T08:00:00", "2027-01-05T17:00:00", ["p1"]),
            ("SO042/paint", "2027-01-06T08:00:00", "2027-01-06T12:00:00", ["paint"]),
        ],
        status="INFEASIBLE",
    )
    result = explain_infeasible(problem, tl, plan)
    c = _only(result, "missed_deadline")
    assert result["message"].startswith("The best plan found misses hard constraints: SO042")
    assert c["order"] == "SO042"
    assert c["tasks"] == ["SO040/weld", "SO042/weld", "SO042/paint"]
    assert c["dates"]["late_hours"] == 19.0
    assert c["text"] == (
        "SO042 must be delivered by 2027-01-05 17:00, but the best plan found ends SO042/paint "
        "2027-01-06 12:00, 19 h late: SO042/weld waits for Li Wei (busy on SO040/weld until "
        "2027-01-04 17:00) — critical chain SO040/weld → SO042/weld → SO042/paint"
    )
    # the same problem with a good plan: nothing to explain
    good = plan_of(
        problem,
        tl,
        [
            ("SO042/weld", "2027-01-04T08:00:00", "2027-01-04T17:00:00", ["p1"]),
            ("SO040/weld", "2027-01-05T08:00:00", "2027-01-05T17:00:00", ["p1"]),
            ("SO042/paint", "2027-01-05T08:00:00", "2027-01-05T12:00:00", ["paint"]),
        ],
    )
    assert explain_infeasible(problem, tl, good) is None


def test_nothing_to_explain_on_a_feasible_problem():
    problem, tl = build(
        [
            task("SO042/cut", 8, "saw"),
            task("SO042/weld", 16, demands=[{"skill": "welding", "level": 1, "count": 2}]),
            task("SO040/weld", 8, "p1", pinned=True, start="2027-01-07T08:00:00", resources=["p1"]),
        ],
        (("SO042/cut", "SO042/weld"),),
        projects=[
            {"id": "SO040", "deadline": "2027-01-08T17:00:00"},
            {"id": "SO042", "deadline": "2027-01-08T17:00:00"},
        ],
    )
    assert explain_infeasible(problem, tl, None) is None


def test_frozen_task_before_its_predecessor_and_pinned_before_release():
    previous = {
        "kind": "floor_plan",
        "status": "FEASIBLE",
        "tasks": [
            {
                "id": "SO042/weld",
                "project": "SO042",
                "start": "2027-01-04T13:00:00",
                "end": "2027-01-04T17:00:00",
                "resources": ["p1"],
            }
        ],
    }
    problem, tl = build(
        [
            task("SO042/cut", 8, "saw"),
            task("SO042/weld", 4, "p1"),
            task("SO040/paint", 4, "paint", pinned=True, start="2027-01-04T08:00:00"),
        ],
        (("SO042/cut", "SO042/weld"),),
        projects=[{"id": "SO040", "release": "2027-01-05T08:00:00"}, {"id": "SO042"}],
        previous_plan=previous,
        stability={"weight": 1, "frozen_working_days": 2},
    )
    result = explain_infeasible(problem, tl, None)
    frozen = _only(result, "pinned_before_predecessor")
    assert frozen["tasks"] == ["SO042/cut", "SO042/weld"]
    assert frozen["text"].startswith(
        "SO042/weld is frozen by the previous plan to start 2027-01-04 13:00, but its "
        "predecessor SO042/cut (8 h on Saw) cannot end before 2027-01-04 17:00"
    )
    early = _only(result, "pinned_before_date")
    assert early["order"] == "SO040" and early["tasks"] == ["SO040/paint"]
    assert early["text"] == (
        "SO040/paint is pinned to start 2027-01-04 08:00, before its order's release "
        "2027-01-05 08:00"
    )


def test_task_whose_only_person_is_away_for_the_whole_horizon_has_no_room():
    # no deadline at all: the task fits nowhere on the three-week grid
    people = [dict(r) for r in PEOPLE]
    people[0]["leaves"] = [
        {"start": "2027-01-01T00:00:00", "end": "2030-01-01T00:00:00", "name": "Secondment"}
    ]
    problem, tl = build([task("SO040/inspect", 8, "p1")], resources=people)
    result = explain_infeasible(problem, tl, None)
    c = _only(result, "no_room")
    assert c["order"] == "SO040" and c["tasks"] == ["SO040/inspect"] and c["resources"] == ["p1"]
    assert c["dates"]["earliest_start"] == "2027-01-04T08:00:00+00:00"
    assert c["dates"]["needed_hours"] == 8.0 and c["dates"]["available_hours"] == 0.0
    end = c["dates"]["horizon_end"]
    assert c["text"] == (
        f"SO040/inspect needs 8 h of work by Li Wei between 2027-01-04 08:00 and the end of the "
        f"planning horizon ({end[:10]} {end[11:16]}), but Li Wei is on leave (Secondment) from "
        "2027-01-01 00:00 to 2030-01-01 00:00"
    )
    assert result["message"].startswith("No plan can keep every hard constraint: SO040/inspect")
    assert [x["kind"] for x in result["conflicts"]] == ["no_room"], "one cause, told once"


def test_two_people_without_common_working_time_have_no_room():
    people = [dict(r) for r in PEOPLE]
    people[0]["leaves"] = [{"start": "2027-01-01T00:00:00", "end": "2027-01-11T00:00:00"}]
    people[1]["leaves"] = [{"start": "2027-01-11T00:00:00", "end": "2030-01-01T00:00:00"}]
    problem, tl = build([task("SO040/lift", 4, "p1", "p2")], resources=people)
    c = _only(explain_infeasible(problem, tl, None), "no_room")
    assert c["resources"] == ["p1", "p2"] and c["dates"]["available_hours"] == 0.0
    assert "Li Wei is on leave from 2027-01-01 00:00 to 2027-01-11 00:00" in c["text"]
    assert "Zhang San is on leave from 2027-01-11 00:00 to 2030-01-01 00:00" in c["text"]
