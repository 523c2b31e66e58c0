"""The independent floor checker: accepts handmade valid plans, rejects each kind of violation."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from optimizer.floor.checker import (
    FloorScheduleError,
    _WorkGrid,
    assert_floor_valid,
    check_floor,
    frozen_window_end,
)
from optimizer.floor.model import FloorProblem
from optimizer.floor.plan import FloorPlan, FloorTaskPlan
from optimizer.floor.timeline import Clock, build_timeline, calendar_mask
from tests.test_floor_model import std_calendar, workshop_data

# The workshop plan (see workshop_data): slot 0 = Monday 08:00, 24 = Tuesday 08:00, 48 = Wednesday.
#   SO1/weld on p1+p2 from Mon 13:00, pausing overnight and for p2's doctor Tue 9-10, ends Tue 11:00;
#   SO1/paint waits the 1 h lag (to 12:00, lunch) and runs Tue 13-15, 1 h after SO1's due (weight 2).
VALID: dict[str, tuple[int, int, tuple[str, ...]]] = {
    "SO0/old": (-168, -164, ("bench",)),
    "SO1/prep": (-72, 2, ("p3",)),
    "SO1/cut": (0, 4, ("bench",)),
    "SO1/weld": (5, 27, ("p1", "p2")),
    "SO1/paint": (29, 31, ()),
    "SO2/cut": (0, 3, ("bench",)),
    "SO2/assemble": (24, 27, ("bench", "p3")),
    "SO2/fixture": (48, 50, ("p1",)),
    "SO3/drill": (5, 7, ("bench",)),
}
VALID_TARDINESS = 2.0  # SO1 ends Tue 15:00, due 14:00, weight 2


@pytest.fixture(scope="module")
def workshop() -> FloorProblem:
    return FloorProblem.from_dict(workshop_data())


def _variant(**changes: Any) -> FloorProblem:
    """The workshop with some top-level keys, or 'project:SO3' / 'task:SO1/cut' records, changed."""
    data = workshop_data()
    for key, value in changes.items():
        if ":" not in key:
            data[key] = value
            continue
        section, rid = key.split(":", 1)
        record = next(r for r in data[section + "s"] if r["id"] == rid)
        record.update(value)
    return FloorProblem.from_dict(data)


def _plan(
    problem: FloorProblem,
    tardiness: float = VALID_TARDINESS,
    moved: int = 0,
    **changes: tuple[int, int, tuple[str, ...]] | None,
) -> FloorPlan:
    """The valid plan with some tasks changed ({"SO1__weld": (start, end, resources)}, None drops)."""
    entries = dict(VALID)
    for key, value in changes.items():
        tid = key.replace("__", "/")
        if value is None:
            del entries[tid]
        else:
            entries[tid] = value
    status = {t.id: t.status for t in problem.tasks}
    tasks = [
        FloorTaskPlan(tid, tid.split("/")[0], s, e, res, status=status.get(tid, "todo"))
        for tid, (s, e, res) in entries.items()
    ]
    return FloorPlan(
        "FEASIBLE", tasks, objective=tardiness, weighted_tardiness=tardiness, moved_count=moved
    )


def _only(violations: list[str], *fragments: str) -> str:
    assert len(violations) == 1, f"expected exactly one violation, got {violations}"
    for fragment in fragments:
        assert fragment in violations[0], violations[0]
    return violations[0]


def _some(violations: list[str], *fragments: str) -> str:
    for v in violations:
        if all(f in v for f in fragments):
            return v
    raise AssertionError(f"no violation with {fragments} in {violations}")


# ---------------------------------------------------------------------- valid plans


def test_the_valid_plan_is_accepted(workshop: FloorProblem) -> None:
    plan = _plan(workshop)
    assert check_floor(workshop, plan) == []
    assert_floor_valid(workshop, plan)


def test_the_valid_plan_is_accepted_as_json(workshop: FloorProblem) -> None:
    clock = Clock(workshop.now, workshop.slot_minutes, workshop.tz)
    data = _plan(workshop).to_dict(workshop, clock)
    assert check_floor(workshop, data) == []
    weld = next(t for t in data["tasks"] if t["id"] == "SO1/weld")
    assert (weld["start"], weld["end"]) == (
        "2026-11-23T13:00:00+08:00",
        "2026-11-24T11:00:00+08:00",
    )
    old = next(t for t in data["tasks"] if t["id"] == "SO0/old")
    assert old["end"] == "2026-11-16T12:30:00+08:00"  # actual, off the grid, and fine
    # Read back (done dates rounded to slot edges), the plan is still valid.
    assert check_floor(workshop, FloorPlan.from_dict(workshop, data, clock)) == []


def test_a_later_weld_and_paint_are_valid_and_late(workshop: FloorProblem) -> None:
    # Weld Tue 8-9, 10-12, 13-16 (p2 away 9-10); paint after the lag, Wednesday 8-10: 20 h late.
    plan = _plan(workshop, 2 * 20.0, SO1__weld=(24, 32, ("p2", "p1")), SO1__paint=(48, 50, ()))
    assert check_floor(workshop, plan) == []


# ---------------------------------------------------------------------- resources


def test_wrong_skill_level(workshop: FloorProblem) -> None:
    # p4 has no leave: Tuesday 9-10 counts, the weld ends at 10:00.
    violations = check_floor(workshop, _plan(workshop, SO1__weld=(5, 26, ("p1", "p4"))))
    _some(
        violations, "task 'SO1/weld' (order SO1)", "person 'p4' does not have skill 'welding' >= 2"
    )
    _some(violations, "'SO1/weld'", "needs 2 people with skill 'welding' >= 2", "gives 1 qualified")
    assert len(violations) == 2, violations


def test_same_person_twice(workshop: FloorProblem) -> None:
    violations = check_floor(workshop, _plan(workshop, SO1__weld=(5, 27, ("p1", "p1"))))
    _some(violations, "task 'SO1/weld' (order SO1): person 'p1' is chosen more than once")
    _some(violations, "'SO1/weld'", "needs 2 people", "gives 1 qualified")


def test_a_resource_no_demand_explains(workshop: FloorProblem) -> None:
    violations = check_floor(workshop, _plan(workshop, SO1__cut=(0, 4, ("bench", "p4"))))
    _only(violations, "task 'SO1/cut' (order SO1)", "person 'p4' is not explained by any demand")
    plan = _plan(workshop, SO2__assemble=(24, 27, ("bench", "p3", "p4")))
    _only(
        check_floor(workshop, plan),
        "task 'SO2/assemble' (order SO2): person 'p4' is not explained by any demand (the places "
        "it could fill are taken)",
    )


def test_a_named_resource_left_out(workshop: FloorProblem) -> None:
    violations = check_floor(workshop, _plan(workshop, SO3__drill=(5, 7, ())))
    _only(violations, "task 'SO3/drill' (order SO3) needs machine 'bench'")


def test_given_resources_are_kept(workshop: FloorProblem) -> None:
    violations = check_floor(workshop, _plan(workshop, SO2__fixture=(48, 50, ("p2",))))
    _only(violations, "'SO2/fixture' (order SO2) is pinned with resources ['p1']", "uses ['p2']")
    violations = check_floor(workshop, _plan(workshop, SO1__prep=(-72, 2, ("p4",))))
    _only(violations, "'SO1/prep' (order SO1) is in progress with resources ['p3']")


# ---------------------------------------------------------------------- progress


def test_person_on_leave_inside_the_span(workshop: FloorProblem) -> None:
    # Ending at Tue 10:00 counts Tue 9-10 although p2 is at the doctor then: one slot short.
    violations = check_floor(workshop, _plan(workshop, SO1__weld=(5, 26, ("p1", "p2"))))
    _some(
        violations,
        "task 'SO1/weld' (order SO1) has 5 slot(s) where all of 'p1', 'p2' work(s)",
        "from 2026-11-23T13:00:00+08:00 to 2026-11-24T10:00:00+08:00, needs exactly 6",
        "'p2' is on leave 'Doctor' from 2026-11-24T09:00:00+08:00",
    )
    _some(violations, "'SO1/weld' (order SO1) ends at 2026-11-24T10:00:00+08:00 after a slot")
    assert len(violations) == 2, violations


def test_start_and_end_must_be_working_slots(workshop: FloorProblem) -> None:
    # Starting at lunch (12:00) and ending after Tuesday's lunch break hold the right count.
    violations = check_floor(workshop, _plan(workshop, SO3__drill=(4, 7, ("bench",))))
    _only(violations, "'SO3/drill' (order SO3) starts at 2026-11-23T12:00:00+08:00 when 'bench'")
    violations = check_floor(workshop, _plan(workshop, SO3__drill=(7, 10, ("bench",))))
    _only(violations, "'SO3/drill' (order SO3) ends at 2026-11-23T18:00:00+08:00 after a slot")
    violations = check_floor(workshop, _plan(workshop, 2.0 * 2, SO1__paint=(29, 32, ())))
    _only(violations, "'SO1/paint' (order SO1) has 3 slot(s) where calendar 'std'", "exactly 2")


def test_non_interruptible_paused_overnight(workshop: FloorProblem) -> None:
    # Mon 16-17 then Tue 8-10: three working slots, but the night in between.
    violations = check_floor(workshop, _plan(workshop, SO2__assemble=(8, 26, ("bench", "p3"))))
    _only(
        violations,
        "task 'SO2/assemble' (order SO2) is not interruptible but pauses at "
        "2026-11-23T17:00:00+08:00",
        "all of 'bench', 'p3'",
    )


def test_in_progress_work_counts_from_now(workshop: FloorProblem) -> None:
    # 2 h left from Monday 08:00: ending at 11:00 is one slot too many.
    violations = check_floor(workshop, _plan(workshop, SO1__prep=(-72, 3, ("p3",))))
    _only(violations, "'SO1/prep' (order SO1) has 3 slot(s) where 'p3'", "needs exactly 2 (2 h)")
    violations = check_floor(workshop, _plan(workshop, SO1__prep=(-70, 2, ("p3",))))
    _only(violations, "'SO1/prep' (order SO1) is in progress since 2026-11-20T08:00:00+08:00")


def test_zero_hour_task_starts_and_ends_together() -> None:
    problem = _variant(**{"task:SO3/drill": {"hours": 0}})
    assert check_floor(problem, _plan(problem, SO3__drill=(4, 4, ("bench",)))) == []
    violations = check_floor(problem, _plan(problem, SO3__drill=(5, 6, ("bench",))))
    _only(violations, "'SO3/drill' (order SO3) has no work left but spans")


# ---------------------------------------------------------------------- capacity


def test_capacity_2_exceeded_by_a_third_task(workshop: FloorProblem) -> None:
    # Drill moved to Mon 9-11, beside both cuts: three jobs on a bench for two at 09:00 and 10:00.
    violations = check_floor(workshop, _plan(workshop, SO3__drill=(1, 3, ("bench",))))
    _only(
        violations,
        "machine 'bench' is over its capacity 2 from 2026-11-23T09:00:00+08:00 to "
        "2026-11-23T11:00:00+08:00: up to 3 used by tasks 'SO1/cut', 'SO2/cut', 'SO3/drill'",
    )


def test_a_person_on_two_tasks_at_once(workshop: FloorProblem) -> None:
    # p1 assembles on Wednesday 08:00 while pinned on the fixture.
    violations = check_floor(workshop, _plan(workshop, SO2__assemble=(48, 51, ("bench", "p1"))))
    _only(
        violations,
        "person 'p1' is over its capacity 1 from 2026-11-25T08:00:00+08:00 to "
        "2026-11-25T10:00:00+08:00: up to 2 used by tasks 'SO2/assemble', 'SO2/fixture'",
    )


def test_in_progress_work_holds_its_people_from_now() -> None:
    problem = _variant(
        **{"task:SO3/drill": {"demands": [{"resource": "bench"}, {"skill": "welding"}]}}
    )
    plan = _plan(problem, SO2__cut=(5, 8, ("bench",)), SO3__drill=(0, 2, ("bench", "p3")))
    _only(
        check_floor(problem, plan),
        "person 'p3' is over its capacity 1 from 2026-11-23T08:00:00+08:00 to "
        "2026-11-23T10:00:00+08:00: up to 2 used by tasks 'SO1/prep', 'SO3/drill'",
    )


def test_done_tasks_are_history_for_capacity(workshop: FloorProblem) -> None:
    assert all("SO0/old" not in v for v in check_floor(workshop, _plan(workshop)))


# ---------------------------------------------------------------------- precedences and dates


def test_finish_to_start_lag_violated(workshop: FloorProblem) -> None:
    # Paint at Tue 11:00 right after the weld, without the 1 h lag (ends 14:00, on time).
    violations = check_floor(workshop, _plan(workshop, 0.0, SO1__paint=(27, 30, ())))
    _only(
        violations,
        "precedence FS 'SO1/weld' -> 'SO1/paint' (lag 1 h): task 'SO1/paint' (order SO1) starts "
        "at 2026-11-24T11:00:00+08:00, before 'SO1/weld''s end 2026-11-24T11:00:00+08:00 + lag "
        "= 2026-11-24T12:00:00+08:00",
    )


def test_start_before_release() -> None:
    problem = _variant(**{"project:SO3": {"release": "2026-11-23T14:00:00"}})
    violations = check_floor(problem, _plan(problem))
    _only(
        violations,
        "task 'SO3/drill' (order SO3) starts at 2026-11-23T13:00:00+08:00, before its order's "
        "release 2026-11-23T14:00:00+08:00",
    )


def test_start_before_now_and_not_before(workshop: FloorProblem) -> None:
    violations = check_floor(workshop, _plan(workshop, SO3__drill=(-2, 0, ("bench",))))
    _some(violations, "'SO3/drill' (order SO3) starts at 2026-11-23T06:00:00+08:00, before now")
    problem = _variant(**{"task:SO3/drill": {"not_before": "2026-11-23T15:00:00"}})
    _only(check_floor(problem, _plan(problem)), "'SO3/drill'", "before its not_before")


def test_deadline_missed(workshop: FloorProblem) -> None:
    # Assembly on Thursday 08:00-11:00; SO2 must be complete by Wednesday 17:00.
    violations = check_floor(workshop, _plan(workshop, SO2__assemble=(72, 75, ("bench", "p3"))))
    _only(
        violations,
        "task 'SO2/assemble' (order SO2) ends at 2026-11-26T11:00:00+08:00, after its order's "
        "deadline 2026-11-25T17:00:00+08:00",
    )
    problem = _variant(**{"task:SO1/paint": {"deadline": "2026-11-24T14:00:00"}})
    _only(check_floor(problem, _plan(problem)), "'SO1/paint' (order SO1) ends at", "its deadline")


def test_done_task_moved(workshop: FloorProblem) -> None:
    violations = check_floor(workshop, _plan(workshop, SO0__old=(-167, -164, ("bench",))))
    _only(
        violations,
        "task 'SO0/old' (order SO0) is done but the plan moves its start from "
        "2026-11-16T08:00:00+08:00 to 2026-11-16T09:00:00+08:00",
    )
    # The JSON form keeps the actual end, 12:30; another end is a move.
    clock = Clock(workshop.now, workshop.slot_minutes, workshop.tz)
    data = _plan(workshop).to_dict(workshop, clock)
    old = next(t for t in data["tasks"] if t["id"] == "SO0/old")
    old["end"] = "2026-11-16T12:00:00+08:00"
    _only(check_floor(workshop, data), "'SO0/old' (order SO0) is done", "moves its end")


def test_pinned_task_moved(workshop: FloorProblem) -> None:
    violations = check_floor(workshop, _plan(workshop, SO2__fixture=(49, 51, ("p1",))))
    _only(
        violations,
        "task 'SO2/fixture' (order SO2) is pinned at 2026-11-25T08:00:00+08:00 but the plan "
        "starts it at 2026-11-25T09:00:00+08:00",
    )


# ---------------------------------------------------------------------- plan shape


def test_missing_task(workshop: FloorProblem) -> None:
    violations = check_floor(workshop, _plan(workshop, SO3__drill=None))
    _only(violations, "task 'SO3/drill' (order SO3) is missing from the plan")


def test_duplicate_and_unknown_tasks(workshop: FloorProblem) -> None:
    plan = _plan(workshop)
    plan.tasks.append(FloorTaskPlan("SO3/drill", "SO3", 5, 7, ("bench",)))
    plan.tasks.append(FloorTaskPlan("SO9/ghost", "SO9", 0, 1))
    violations = check_floor(workshop, plan)
    _some(violations, "task 'SO9/ghost' is in the plan but not in the problem")
    _some(violations, "task 'SO3/drill' (order SO3) appears 2 times in the plan")


def test_end_not_a_slot_edge(workshop: FloorProblem) -> None:
    clock = Clock(workshop.now, workshop.slot_minutes, workshop.tz)
    data = _plan(workshop).to_dict(workshop, clock)
    drill = next(t for t in data["tasks"] if t["id"] == "SO3/drill")
    drill["end"] = "2026-11-23T14:30:00+08:00"
    _only(
        check_floor(workshop, data),
        "task 'SO3/drill' (order SO3): end 2026-11-23T14:30:00+08:00 is not a slot edge of the "
        "60-minute grid",
    )


def test_wrong_weighted_tardiness_claim(workshop: FloorProblem) -> None:
    _only(
        check_floor(workshop, _plan(workshop, tardiness=5.0)),
        "claims weighted tardiness 5 h but its orders' last ends give 2 h",
    )
    assert check_floor(workshop, _plan(workshop, tardiness=2.0 + 1e-9)) == []


def test_assert_floor_valid_lists_the_violations(workshop: FloorProblem) -> None:
    with pytest.raises(FloorScheduleError, match="'SO3/drill' \\(order SO3\\) is missing") as info:
        assert_floor_valid(workshop, _plan(workshop, SO3__drill=None))
    assert isinstance(info.value, AssertionError)
    assert len(info.value.violations) == 1


# ---------------------------------------------------------------------- re-planning


def _replanning(frozen_days: float, drill_start: str = "2026-11-23T13:00:00+08:00") -> FloorProblem:
    previous = {
        "kind": "floor_plan",
        "tasks": [
            {"id": "SO3/drill", "start": drill_start, "end": "x", "resources": ["bench"]},
            {"id": "SO1/paint", "start": "2026-11-24T13:00:00+08:00", "resources": []},
            {"id": "SO0/old", "start": "2026-11-16T09:00:00+08:00", "resources": ["bench"]},
        ],
    }
    return _variant(
        previous_plan=previous,
        stability={"weight": 1.0, "frozen_working_days": frozen_days},
    )


def test_frozen_window_is_counted_in_working_days() -> None:
    clock = Clock(_replanning(1).now, 60, _replanning(1).tz)
    assert frozen_window_end(_replanning(1), clock) == 9  # Monday 17:00
    assert frozen_window_end(_replanning(2), clock) == 33  # Tuesday 17:00
    assert frozen_window_end(_replanning(0.5), clock) == 4  # half of Monday's 8 slots
    assert frozen_window_end(_replanning(0), clock) == 0


def test_frozen_task_kept_is_valid_and_not_moved() -> None:
    problem = _replanning(1)
    assert check_floor(problem, _plan(problem)) == []


def test_frozen_task_moved() -> None:
    problem = _replanning(1)
    violations = check_floor(problem, _plan(problem, moved=1, SO3__drill=(6, 8, ("bench",))))
    _only(
        violations,
        "task 'SO3/drill' (order SO3) is frozen (previous start 2026-11-23T13:00:00+08:00 is in "
        "the frozen window ending 2026-11-23T17:00:00+08:00) but moves to "
        "2026-11-23T14:00:00+08:00",
    )
    # Outside the window (Tuesday) it may move, and counts as moved.
    later = _replanning(1, drill_start="2026-11-24T13:00:00+08:00")
    assert check_floor(later, _plan(later, moved=1)) == []
    _only(
        check_floor(later, _plan(later, moved=0)),
        "claims 0 moved task(s) but 1 differ",
        "'SO3/drill'",
    )


# ---------------------------------------------------------------------- time zones and calendars


def _berlin_problem() -> FloorProblem:
    """Friday 2027-03-26 08:00 in Berlin; an oven works round the clock, Anna 8-12 13-17."""
    always = [{"dayofweek": d, "hour_from": 0, "hour_to": 24} for d in range(7)]
    return FloorProblem.from_dict(
        {
            "kind": "floor",
            "timezone": "Europe/Berlin",
            "now": "2027-03-26T08:00:00",
            "default_calendar": "std",
            "calendars": [std_calendar(), {"id": "always", "attendances": always}],
            "resources": [
                {"id": "oven", "kind": "machine", "calendar": "always"},
                {"id": "anna", "skills": {"fitting": 1}},
            ],
            "projects": [{"id": "P", "due": "2027-03-29T12:00:00", "weight": 1}],
            "tasks": [
                {
                    "id": "P/bake",
                    "project": "P",
                    "hours": 30,
                    "demands": [{"resource": "oven"}],
                    "not_before": "2027-03-27T00:00:00",
                },
                {"id": "P/fit", "project": "P", "hours": 12, "demands": [{"skill": "fitting"}]},
            ],
        }
    )


def _json_plan(tasks: list[tuple[str, str, str, list[str]]], tardiness: float) -> dict[str, Any]:
    return {
        "kind": "floor_plan",
        "weighted_tardiness": tardiness,
        "moved_count": 0,
        "tasks": [
            {"id": i, "project": "P", "start": s, "end": e, "resources": r, "status": "todo"}
            for i, s, e, r in tasks
        ],
    }


def test_dst_day_has_23_hours_in_berlin() -> None:
    problem = _berlin_problem()
    # 30 h from Saturday 00:00 CET: 24 h to Sunday 00:00, then 6 more, 07:00 summer time.
    bake = ("P/bake", "2027-03-27T00:00:00+01:00", "2027-03-28T07:00:00+02:00", ["oven"])
    # Friday 8 h, Monday 08:00-12:00 summer time.
    fit = ("P/fit", "2027-03-26T08:00:00+01:00", "2027-03-29T12:00:00+02:00", ["anna"])
    assert check_floor(problem, _json_plan([bake, fit], 0.0)) == []
    short = (*bake[:2], "2027-03-28T06:00:00+02:00", bake[3])
    _only(
        check_floor(problem, _json_plan([short, fit], 0.0)),
        "task 'P/bake' (order P) has 29 slot(s) where 'oven' work(s)",
        "needs exactly 30",
    )
    late = (*fit[:2], "2027-03-29T14:00:00+02:00", fit[3])  # over lunch: 13 working slots
    violations = check_floor(problem, _json_plan([bake, late], 2.0))
    _only(violations, "task 'P/fit' (order P) has 13 slot(s) where 'anna' work(s)")


def test_a_two_week_calendar_in_a_plan() -> None:
    """Week type 0 (from Monday 2026-11-23): Monday to Friday 8-16; type 1: Monday only."""
    attendances = [
        {"dayofweek": d, "hour_from": 8, "hour_to": 16, "week_type": 0} for d in range(5)
    ] + [{"dayofweek": 0, "hour_from": 8, "hour_to": 16, "week_type": "1"}]
    problem = FloorProblem.from_dict(
        {
            "kind": "floor",
            "now": "2026-11-23T08:00:00",
            "calendars": [{"id": "alt", "two_weeks": True, "attendances": attendances}],
            "resources": [{"id": "m1", "kind": "machine"}],
            "projects": [{"id": "P"}],
            "tasks": [
                {"id": "P/run", "project": "P", "hours": 56, "demands": [{"resource": "m1"}]}
            ],
        }
    )
    # 40 h in week 0, Monday 30 November (week 1), then nothing until Monday 7 December.
    run = ("P/run", "2026-11-23T08:00:00+00:00", "2026-12-07T16:00:00+00:00", ["m1"])
    assert check_floor(problem, _json_plan([run], 0.0)) == []
    weekly = (*run[:2], "2026-12-01T16:00:00+00:00", run[3])  # as if every week were type 0
    _some(check_floor(problem, _json_plan([weekly], 0.0)), "'P/run' (order P) has 48 slot(s)")


# ---------------------------------------------------------------------- agreement with the engine


def _random_calendar(rng: random.Random, cid: str, tz: str) -> dict[str, Any]:
    attendances = []
    for d in range(7):
        for _ in range(rng.randint(0, 2)):
            h0 = rng.choice([0, 1.5, 2, 2.5, 6, 8, 8.25, 13, 22])
            h1 = min(24, h0 + rng.choice([0.5, 1, 2.75, 4, 8]))
            a = {"dayofweek": d, "hour_from": h0, "hour_to": h1, "week_type": rng.randint(0, 1)}
            if rng.random() < 0.2:
                a["date_from"] = "2027-03-29"
            if rng.random() < 0.2:
                a["date_to"] = "2027-04-02"
            attendances.append(a)
    attendances.append({"dayofweek": 2, "hour_from": 9, "hour_to": 10, "week_type": 1})
    leaves = [
        {
            "start": f"2027-03-{rng.randint(20, 31)}T{rng.randint(0, 23):02d}:{rng.choice(['00', '20'])}:00",
            "end": f"2027-04-0{rng.randint(1, 9)}T10:00:00",
        }
        for _ in range(rng.randint(0, 2))
    ]
    return {
        "id": cid,
        "timezone": tz,
        "two_weeks": rng.random() < 0.5,
        "attendances": attendances,
        "leaves": leaves,
    }


@pytest.mark.parametrize("seed", range(12))
def test_working_slots_agree_with_the_timeline(seed: int) -> None:
    """Two independent computations of the same README rule, across both 2027 DST changes."""
    rng = random.Random(seed)
    tzs = ["Europe/Berlin", "Asia/Shanghai", "America/New_York", "Australia/Lord_Howe"]
    now = rng.choice(["2027-03-20T00:00:00", "2027-10-25T06:00:00", "2027-03-27T23:30:00"])
    calendars = [_random_calendar(rng, f"c{k}", rng.choice(tzs)) for k in range(3)]
    problem = FloorProblem.from_dict(
        {
            "kind": "floor",
            "timezone": rng.choice(tzs),
            "now": now,
            "slot_minutes": rng.choice([15, 30, 60]),
            "calendars": calendars,
            "resources": [],
            "projects": [{"id": "P"}],
            "tasks": [{"id": "t", "project": "P", "hours": 1}],
        }
    )
    clock = Clock(problem.now, problem.slot_minutes, problem.tz)
    n = 14 * 24 * 60 // problem.slot_minutes
    grid = _WorkGrid(problem, clock, n)
    for cal in problem.calendars:
        np.testing.assert_array_equal(grid.calendar(cal.id), calendar_mask(cal, clock, n), cal.id)


def test_resource_slots_agree_with_the_timeline(workshop: FloorProblem) -> None:
    tl = build_timeline(workshop, n_slots=24 * 10)
    grid = _WorkGrid(workshop, tl.clock, tl.n_slots)
    for i, res in enumerate(workshop.resources):
        np.testing.assert_array_equal(grid.resource(res.id), tl.resource_work[i], res.id)


# ---------------------------------------------------------------------- generated plans


def _generated(seed: int) -> tuple[FloorProblem, FloorPlan]:
    """A random shop on 30-minute slots and a valid plan for it, placed greedily on the engine's
    timeline (each resource works its tasks one after another, each chain in order)."""
    rng = random.Random(seed)
    people = [
        {
            "id": f"p{i}",
            "skills": {f"s{k}": rng.randint(1, 3) for k in rng.sample(range(4), 2)},
            "leaves": [{"start": f"2026-11-{rng.randint(23, 30)}T10:00:00", "end": "2026-12-01"}]
            * rng.randint(0, 1),
        }
        for i in range(8)
    ]
    machines = [{"id": f"m{i}", "kind": "machine", "capacity": 2} for i in range(2)]
    tasks, precedences = [], []
    for j in range(6):
        for k in range(5):
            hours = rng.choice([0, 0.5, 1, 2.5, 4, 7])
            demands: list[dict[str, Any]] = [
                {"skill": f"s{rng.randrange(4)}", "level": 1, "count": rng.choice([1, 1, 2])}
            ]
            if rng.random() < 0.4:
                demands.append({"resource": f"m{rng.randrange(2)}"})
            tasks.append(
                {
                    "id": f"SO{j}/t{k}",
                    "project": f"SO{j}",
                    "hours": hours,
                    "demands": demands,
                    "interruptible": hours > 4 or rng.random() < 0.5,
                }
            )
            if k:
                lag = rng.choice([0, 1.5, -1])
                precedences.append(
                    {"from": f"SO{j}/t{k - 1}", "to": f"SO{j}/t{k}", "lag_hours_elapsed": lag}
                )
    data = workshop_data()
    data.update(
        slot_minutes=30,
        resources=people + machines,
        projects=[{"id": f"SO{j}", "due": "2026-11-26T12:00:00", "weight": j} for j in range(6)],
        tasks=tasks,
        precedences=precedences,
        skills=[],
    )
    data["calendars"][0]["leaves"] = [{"start": "2026-11-25T00:00:00", "end": "2026-11-26"}]
    problem = FloorProblem.from_dict(data)
    tl = build_timeline(problem, n_slots=48 * 60)
    free = {r.id: 0 for r in problem.resources}
    end_of: dict[str, int] = {}
    planned = []
    for k in range(5):
        for j in range(6):
            task = problem.tasks[problem.task_index[f"SO{j}/t{k}"]]
            chosen: list[str] = []
            for d in task.demands:
                if d.resource:
                    chosen.append(d.resource)
                    continue
                able = [r for r in problem.qualified(d.skill or "", d.level) if r not in chosen]
                chosen += sorted(able, key=lambda r: (free[r], rng.random()))[: d.count]
            earliest = (
                0
                if k == 0
                else end_of[f"SO{j}/t{k - 1}"]
                + tl.clock.lag_slots(
                    next(p.lag_hours for p in problem.precedences if p.after == task.id)
                )
            )
            s0 = max([earliest] + [free[r] for r in chosen])
            joint = np.logical_and.reduce(
                [tl.resource_work[problem.resource_index[r], s0:] for r in chosen]
            )
            idx = np.flatnonzero(joint)
            need = problem.slots(task.hours)
            if need == 0:
                start = end = s0
            elif task.interruptible:
                start, end = s0 + idx[0], s0 + idx[need - 1] + 1
            else:
                i = next(i for i in range(len(idx)) if idx[i + need - 1] - idx[i] == need - 1)
                start, end = s0 + idx[i], s0 + idx[i] + need
            for r in chosen:
                free[r] = int(end)
            end_of[task.id] = int(end)
            planned.append(
                FloorTaskPlan(task.id, task.project, int(start), int(end), tuple(chosen))
            )
    tardiness = 0.0
    for p in problem.projects:
        last = max(end_of[t.id] for t in problem.tasks if t.project == p.id)
        assert p.due is not None
        tardiness += p.weight * max(0.0, (last - tl.clock.offset(p.due)) / 2)  # 2 slots an hour
    return problem, FloorPlan("FEASIBLE", planned, weighted_tardiness=tardiness)


@pytest.mark.parametrize("seed", range(4))
def test_a_generated_plan_is_accepted_and_every_shifted_end_caught(seed: int) -> None:
    problem, plan = _generated(seed)
    assert check_floor(problem, plan) == []
    for tp in plan.tasks:
        tp.end += 1
        assert any(repr(tp.id) in v for v in check_floor(problem, plan)), tp.id
        tp.end -= 1
