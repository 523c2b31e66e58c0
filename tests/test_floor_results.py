"""Planner results of a floor plan: slack, critical chain, bottleneck, lateness, daily load, moved."""

from __future__ import annotations

from typing import Any

from optimizer.floor.model import FloorProblem
from optimizer.floor.plan import FloorPlan
from optimizer.floor.results import annotate, plan_summary
from optimizer.floor.timeline import Timeline, build_timeline

# 2027-01-04 is a Monday; the standard calendar works 08-12 and 13-17, Monday to Friday.
NOW = "2027-01-04T08:00:00"
STD = {
    "id": "std",
    "name": "Standard",
    "attendances": [
        {"dayofweek": d, "hour_from": a, "hour_to": b}
        for d in range(5)
        for a, b in ((8, 12), (13, 17))
    ],
}
PEOPLE = [
    {"id": "p1", "name": "Li Wei", "kind": "person", "skills": {"welding": 2}},
    {"id": "p2", "name": "Zhang San", "kind": "person", "skills": {"welding": 1}},
    {"id": "saw", "name": "Saw", "kind": "machine"},
    {"id": "paint", "name": "Paint booth", "kind": "machine"},
]


def task(tid: str, hours: float, *resources: str, **extra: Any) -> dict[str, Any]:
    data = {
        "id": tid,
        "project": tid.split("/")[0],
        "name": tid.split("/")[1],
        "hours": hours,
        "demands": [{"resource": r} for r in resources],
    }
    data.update(extra)
    return data


def build(
    tasks: list[dict[str, Any]],
    precedences: tuple[tuple[str, str], ...] = (),
    projects: list[dict[str, Any]] | None = None,
    resources: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> tuple[FloorProblem, Timeline]:
    """A floor problem on a three-week grid (small and fast)."""
    data = {
        "kind": "floor",
        "name": "test",
        "timezone": "UTC",
        "now": NOW,
        "calendars": [STD],
        "default_calendar": "std",
        "resources": resources if resources is not None else PEOPLE,
        "projects": projects
        if projects is not None
        else [
            {"id": "SO040", "name": "SO040 Rack", "due": "2027-01-08T17:00:00"},
            {"id": "SO042", "name": "SO042 Frame", "due": "2027-01-05T12:00:00", "weight": 2},
        ],
        "tasks": tasks,
        "precedences": [{"from": a, "to": b} for a, b in precedences],
    }
    data.update(extra)
    problem = FloorProblem.from_dict(data)
    return problem, build_timeline(problem, n_slots=24 * 21)


def plan_of(
    problem: FloorProblem,
    timeline: Timeline,
    rows: list[tuple[str, str, str, list[str]]],
    status: str = "FEASIBLE",
) -> FloorPlan:
    """A plan from (task id, local start, local end, resources) rows."""
    data = {
        "kind": "floor_plan",
        "status": status,
        "tasks": [
            {"id": tid, "project": tid.split("/")[0], "start": s, "end": e, "resources": r}
            for tid, s, e, r in rows
        ],
    }
    return FloorPlan.from_dict(problem, data, timeline.clock)


def _wait_case() -> tuple[FloorProblem, Timeline, FloorPlan]:
    """SO042/weld waits for Li Wei, busy on SO040/weld until Monday 16:00; SO042 ends late."""
    problem, tl = build(
        [
            task("SO040/weld", 7, "p1"),
            task("SO042/cut", 2, "saw"),
            task("SO042/weld", 8, "p1"),
            task("SO042/paint", 4, "paint"),
        ],
        (("SO042/cut", "SO042/weld"), ("SO042/weld", "SO042/paint")),
    )
    plan = plan_of(
        problem,
        tl,
        [
            ("SO040/weld", "2027-01-04T08:00:00", "2027-01-04T16:00:00", ["p1"]),
            ("SO042/cut", "2027-01-04T08:00:00", "2027-01-04T10:00:00", ["saw"]),
            ("SO042/weld", "2027-01-04T16:00:00", "2027-01-05T16:00:00", ["p1"]),
            ("SO042/paint", "2027-01-05T16:00:00", "2027-01-06T11:00:00", ["paint"]),
        ],
    )
    annotate(problem, tl, plan)
    return problem, tl, plan


def test_slack_of_a_task_with_a_free_hour_before_its_successor():
    problem, tl = build(
        [task("SO042/cut", 4, "saw"), task("SO042/weld", 3, "p1")],
        (("SO042/cut", "SO042/weld"),),
        projects=[{"id": "SO042", "due": "2027-01-04T17:00:00"}],
    )
    plan = plan_of(
        problem,
        tl,
        [
            ("SO042/cut", "2027-01-04T08:00:00", "2027-01-04T12:00:00", ["saw"]),
            ("SO042/weld", "2027-01-04T14:00:00", "2027-01-04T17:00:00", ["p1"]),
        ],
    )
    annotate(problem, tl, plan)
    tasks = plan.by_id()
    # cut may end at 14:00 instead of 12:00: one working hour (lunch 12-13 does not count)
    assert tasks["SO042/cut"].slack_hours == 1.0
    assert tasks["SO042/cut"].critical is False
    assert tasks["SO042/weld"].slack_hours == 0.0
    assert tasks["SO042/weld"].critical is True
    (order,) = plan.projects
    assert order["late"] is False and order["lateness_hours"] == 0.0
    assert order["slack_hours"] == 0.0  # ends exactly on its due date
    assert "on its due date" in order["reason"]


def test_critical_chain_through_a_resource_wait_names_blocker_and_resource():
    _, _, plan = _wait_case()
    so42 = next(p for p in plan.projects if p["id"] == "SO042")
    assert so42["critical_chain"] == ["SO040/weld", "SO042/weld", "SO042/paint"]
    assert so42["bottleneck"] == "p1"
    reason = so42["reason"]
    assert reason.startswith("SO042 ends 2027-01-06 11:00, 23 h after its due date")
    assert "SO042/weld waits for Li Wei (busy on SO040/weld until 2027-01-04 16:00)" in reason
    assert reason.endswith("critical chain SO040/weld → SO042/weld → SO042/paint")
    assert so42["hold"] == {
        "cause": "resource",
        "task": "SO042/weld",
        "other": "SO040/weld",
        "resource": "p1",
        "until": "2027-01-04T16:00:00+00:00",
    }, "the same reason as data, for readers in other languages"
    tasks = plan.by_id()
    # the resource successor makes SO040/weld critical; cut has 5 working hours before weld
    assert tasks["SO040/weld"].slack_hours == 0.0 and tasks["SO040/weld"].critical
    assert tasks["SO042/weld"].critical and tasks["SO042/paint"].critical
    assert tasks["SO042/cut"].slack_hours == 5.0 and tasks["SO042/cut"].critical is False


def test_lateness_slack_and_summary():
    _, _, plan = _wait_case()
    so40, so42 = sorted(plan.projects, key=lambda p: p["id"])
    assert so42["late"] is True
    assert so42["lateness_hours"] == 23.0  # elapsed: Tue 12:00 -> Wed 11:00
    assert so42["forecast_end"] == "2027-01-06T11:00:00+00:00"
    assert so42["due"] == "2027-01-05T12:00:00+00:00"
    assert so42["weight"] == 2 and so42["name"] == "SO042 Frame"
    assert so40["late"] is False and so40["slack_hours"] == 97.0  # Mon 16:00 -> Fri 17:00
    summary = plan_summary(plan)
    assert "1 of 2 orders late" in summary
    assert "weighted tardiness 46.0 h" in summary
    assert "SO042 (23 h)" in summary
    assert "Li Wei" in summary
    assert plan.precedences == [  # type: ignore[attr-defined]
        {"from": "SO042/cut", "to": "SO042/weld", "type": "FS"},
        {"from": "SO042/weld", "to": "SO042/paint", "type": "FS"},
    ]


def test_resource_load_per_local_day():
    problem, tl = build(
        [task("SO042/weld", 10, "p1")],
        projects=[{"id": "SO042", "due": "2027-01-08T17:00:00"}],
        timezone="Asia/Shanghai",
    )
    plan = plan_of(
        problem, tl, [("SO042/weld", "2027-01-04T08:00:00", "2027-01-05T10:00:00", ["p1"])]
    )
    annotate(problem, tl, plan)
    p1 = next(r for r in plan.resources if r["id"] == "p1")
    assert p1["name"] == "Li Wei" and p1["kind"] == "person"
    assert p1["load"] == {"2027-01-04": 8.0, "2027-01-05": 2.0}
    assert p1["capacity_hours"] == {"2027-01-04": 8.0, "2027-01-05": 8.0}
    assert p1["utilisation"] == round(10 / 16, 3)
    saw = next(r for r in plan.resources if r["id"] == "saw")
    assert saw["load"] == {} and saw["utilisation"] == 0.0
    (order,) = plan.projects
    assert order["forecast_end"] == "2027-01-05T10:00:00+08:00"


def _previous(rows: list[tuple[str, str, str, list[str]]]) -> dict[str, Any]:
    return {
        "kind": "floor_plan",
        "status": "FEASIBLE",
        "tasks": [
            {"id": t, "project": t.split("/")[0], "start": s, "end": e, "resources": r}
            for t, s, e, r in rows
        ],
    }


def test_moved_reasons_predecessor_moved_and_resource_busy():
    previous = _previous(
        [
            ("SO042/cut", "2027-01-04T08:00:00", "2027-01-04T12:00:00", ["saw"]),
            ("SO042/weld", "2027-01-04T13:00:00", "2027-01-04T17:00:00", ["p1"]),
        ]
    )
    problem, tl = build(
        [task("SO040/saw", 4, "saw"), task("SO042/cut", 4, "saw"), task("SO042/weld", 4, "p1")],
        (("SO042/cut", "SO042/weld"),),
        previous_plan=previous,
    )
    plan = plan_of(
        problem,
        tl,
        [
            ("SO040/saw", "2027-01-04T08:00:00", "2027-01-04T12:00:00", ["saw"]),
            ("SO042/cut", "2027-01-04T13:00:00", "2027-01-04T17:00:00", ["saw"]),
            ("SO042/weld", "2027-01-05T08:00:00", "2027-01-05T12:00:00", ["p1"]),
        ],
    )
    annotate(problem, tl, plan)
    moved = {m["id"]: m for m in plan.moved}
    assert set(moved) == {"SO042/cut", "SO042/weld"}  # SO040/saw is new, not moved
    cut = moved["SO042/cut"]
    assert cut["from"] == "2027-01-04T08:00:00+00:00" and cut["to"] == "2027-01-04T13:00:00+00:00"
    assert cut["from_resources"] == ["saw"] and cut["to_resources"] == ["saw"]
    assert cut["reason"] == "its resource Saw is now busy with SO040/saw"
    weld = moved["SO042/weld"]
    assert weld["project"] == "SO042"
    assert weld["reason"] == "a predecessor moved: SO042/cut now ends 2027-01-04 17:00"


def test_moved_reasons_leave_and_changed_order():
    previous = _previous(
        [
            ("SO042/weld", "2027-01-05T08:00:00", "2027-01-05T12:00:00", ["p2"]),
            ("SO042/paint", "2027-01-04T08:00:00", "2027-01-04T12:00:00", ["paint"]),
        ]
    )
    people = [dict(r) for r in PEOPLE]
    people[1]["leaves"] = [
        {"start": "2027-01-05T00:00:00", "end": "2027-01-06T00:00:00", "name": "Sick leave"}
    ]
    problem, tl = build(
        [task("SO042/weld", 4, "p2"), task("SO042/paint", 6, "paint")],
        resources=people,
        previous_plan=previous,
    )
    plan = plan_of(
        problem,
        tl,
        [
            ("SO042/weld", "2027-01-06T08:00:00", "2027-01-06T12:00:00", ["p2"]),
            ("SO042/paint", "2027-01-04T09:00:00", "2027-01-04T16:00:00", ["paint"]),
        ],
    )
    annotate(problem, tl, plan)
    moved = {m["id"]: m for m in plan.moved}
    assert moved["SO042/weld"]["reason"] == (
        "Zhang San is on leave (Sick leave) from 2027-01-05 00:00 to 2027-01-06 00:00"
    )
    assert moved["SO042/paint"]["reason"] == "its order changed: 6 h of work instead of 4 h"


def test_a_leave_on_the_chain_is_named_in_the_reason():
    people = [dict(r) for r in PEOPLE]
    people[0]["leaves"] = [
        {"start": "2027-01-04T12:00:00", "end": "2027-01-06T00:00:00", "name": "Holiday"}
    ]
    problem, tl = build(
        [task("SO042/cut", 4, "saw"), task("SO042/weld", 4, "p1")],
        (("SO042/cut", "SO042/weld"),),
        projects=[{"id": "SO042", "due": "2027-01-05T12:00:00"}],
        resources=people,
    )
    plan = plan_of(
        problem,
        tl,
        [
            ("SO042/cut", "2027-01-04T08:00:00", "2027-01-04T12:00:00", ["saw"]),
            ("SO042/weld", "2027-01-06T08:00:00", "2027-01-06T12:00:00", ["p1"]),
        ],
    )
    annotate(problem, tl, plan)
    (order,) = plan.projects
    assert order["critical_chain"] == ["SO042/cut", "SO042/weld"]
    assert order["bottleneck"] == "p1"  # 4 h of work + 12 working hours lost to the leave
    assert order["reason"] == (
        "SO042 ends 2027-01-06 12:00, 24 h after its due date: SO042/weld waits for SO042/cut to "
        "end (2027-01-04 12:00); Li Wei is on leave (Holiday) until 2027-01-06 00:00 — critical "
        "chain SO042/cut → SO042/weld"
    )


def test_done_and_in_progress_work_and_a_late_release():
    problem, tl = build(
        [
            task(
                "SO040/cut",
                4,
                "saw",
                status="done",
                start="2026-12-30T08:00:00",
                end="2026-12-30T12:00:00",
            ),
            task(
                "SO040/weld",
                8,
                "p1",
                status="in_progress",
                started="2027-01-01T08:00:00",
                remaining_hours=4,
                resources=["p1"],
            ),
            task("SO040/paint", 4, "paint"),
            task("SO042/cut", 4, "saw"),
        ],
        (("SO040/cut", "SO040/weld"), ("SO040/weld", "SO040/paint")),
        projects=[
            {"id": "SO040", "due": "2027-01-04T17:00:00"},
            {"id": "SO042", "release": "2027-01-05T08:00:00", "due": "2027-01-05T17:00:00"},
        ],
    )
    plan = plan_of(
        problem,
        tl,
        [
            ("SO040/cut", "2026-12-30T08:00:00", "2026-12-30T12:00:00", ["saw"]),
            ("SO040/weld", "2027-01-01T08:00:00", "2027-01-04T12:00:00", ["p1"]),
            ("SO040/paint", "2027-01-04T13:00:00", "2027-01-04T17:00:00", ["paint"]),
            ("SO042/cut", "2027-01-05T08:00:00", "2027-01-05T12:00:00", ["saw"]),
        ],
    )
    plan.tasks[0].status = "done"
    plan.tasks[1].status = "in_progress"
    annotate(problem, tl, plan)
    tasks = plan.by_id()
    assert tasks["SO040/cut"].slack_hours is None and tasks["SO040/cut"].critical is False
    assert tasks["SO040/weld"].slack_hours == 0.0 and tasks["SO040/weld"].critical is True
    so40, so42 = plan.projects
    assert so40["critical_chain"] == ["SO040/weld", "SO040/paint"]  # the chain stops at WIP
    assert so40["forecast_end"] == "2027-01-04T17:00:00+00:00" and so40["late"] is False
    assert so42["critical_chain"] == ["SO042/cut"]
    assert so42["slack_hours"] == 5.0
    assert "SO042 is released only on 2027-01-05 08:00" in so42["reason"]
    saw = next(r for r in plan.resources if r["id"] == "saw")
    assert saw["load"] == {"2027-01-05": 4.0}  # history before now is not load


def test_moved_earlier_and_reassigned():
    previous = _previous(
        [
            ("SO042/cut", "2027-01-04T08:00:00", "2027-01-04T17:00:00", ["saw"]),
            ("SO042/weld", "2027-01-05T08:00:00", "2027-01-05T12:00:00", ["p1"]),
            ("SO040/weld", "2027-01-06T08:00:00", "2027-01-06T12:00:00", ["p1"]),
        ]
    )
    people = [dict(r) for r in PEOPLE]
    people[0]["leaves"] = [{"start": "2027-01-06T00:00:00", "end": "2027-01-07T00:00:00"}]
    problem, tl = build(
        [
            task("SO042/cut", 4, "saw"),  # was 8 h: its end moves, its start does not
            task("SO042/weld", 4, demands=[{"skill": "welding", "level": 1}]),
            task("SO040/weld", 4, demands=[{"skill": "welding", "level": 1}]),
        ],
        (("SO042/cut", "SO042/weld"),),
        resources=people,
        previous_plan=previous,
    )
    plan = plan_of(
        problem,
        tl,
        [
            ("SO042/cut", "2027-01-04T08:00:00", "2027-01-04T12:00:00", ["saw"]),
            ("SO042/weld", "2027-01-04T13:00:00", "2027-01-04T17:00:00", ["p1"]),
            ("SO040/weld", "2027-01-06T08:00:00", "2027-01-06T12:00:00", ["p2"]),
        ],
    )
    annotate(problem, tl, plan)
    moved = {m["id"]: m for m in plan.moved}
    assert set(moved) == {"SO042/weld", "SO040/weld"}
    assert moved["SO042/weld"]["reason"] == (
        "moved earlier: its predecessor SO042/cut now ends 2027-01-04 12:00"
    )
    assert moved["SO040/weld"]["from_resources"] == ["p1"]
    assert moved["SO040/weld"]["to_resources"] == ["p2"]
    assert moved["SO040/weld"]["reason"] == (
        "re-assigned: Li Wei is on leave from 2027-01-06 00:00 to 2027-01-07 00:00"
    )
