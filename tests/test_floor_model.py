"""Floor problems: JSON round trip, refusals naming the record, and the working-time grid."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from optimizer.common.errors import ProblemError
from optimizer.floor.model import FloorProblem
from optimizer.floor.timeline import build_timeline

WEEKDAYS = range(5)


def std_calendar(cid: str = "std", **extra: Any) -> dict[str, Any]:
    """Monday to Friday 8-12 and 13-17."""
    attendances = [
        {"dayofweek": d, "hour_from": h0, "hour_to": h1}
        for d in WEEKDAYS
        for h0, h1 in ((8.0, 12.0), (13.0, 17.0))
    ]
    return {"id": cid, "name": "8-12 13-17", "attendances": attendances, **extra}


def workshop_data() -> dict[str, Any]:
    """A Shanghai workshop on Monday 2026-11-23 08:00, hourly slots (slot 0 = Mon 08:00, slot 24 =
    Tue 08:00, slot 48 = Wed 08:00).

    Four welders (p1 level 3, p2 level 2 and away Tue 09:00-10:00, p3 and p4 level 1) and a bench
    for two jobs at once. SO0's old cut is done, SO1's prep is in progress on p3 with 2 h left,
    SO2's fixture is pinned on p1 on Wednesday 08:00, SO2's assembly cannot be interrupted.
    """
    return {
        "kind": "floor",
        "name": "workshop",
        "timezone": "Asia/Shanghai",
        "now": "2026-11-23T08:00:00",
        "slot_minutes": 60,
        "default_calendar": "std",
        "calendars": [std_calendar()],
        "skills": [{"id": "welding", "name": "Welding"}],
        "resources": [
            {"id": "p1", "name": "Li Wei", "skills": {"welding": 3}},
            {
                "id": "p2",
                "skills": {"welding": 2},
                "leaves": [
                    {"start": "2026-11-24T09:00:00", "end": "2026-11-24T10:00:00", "name": "Doctor"}
                ],
            },
            {"id": "p3", "skills": {"welding": 1}},
            {"id": "p4", "skills": {"welding": 1}},
            {"id": "bench", "kind": "machine", "capacity": 2},
        ],
        "projects": [
            {"id": "SO0"},
            {"id": "SO1", "due": "2026-11-24T14:00:00", "weight": 2.0},
            {"id": "SO2", "deadline": "2026-11-25T17:00:00"},
            {"id": "SO3"},
        ],
        "tasks": [
            {
                "id": "SO0/old",
                "project": "SO0",
                "hours": 4,
                "demands": [{"resource": "bench"}],
                "status": "done",
                "start": "2026-11-16T08:00:00",
                "end": "2026-11-16T12:30:00",
            },
            {
                "id": "SO1/prep",
                "project": "SO1",
                "hours": 6,
                "demands": [{"skill": "welding", "level": 1}],
                "status": "in_progress",
                "started": "2026-11-20T08:00:00",
                "remaining_hours": 2,
                "resources": ["p3"],
            },
            {"id": "SO1/cut", "project": "SO1", "hours": 4, "demands": [{"resource": "bench"}]},
            {
                "id": "SO1/weld",
                "project": "SO1",
                "hours": 6,
                "demands": [{"skill": "welding", "level": 2, "count": 2}],
            },
            {"id": "SO1/paint", "project": "SO1", "hours": 2},
            {"id": "SO2/cut", "project": "SO2", "hours": 3, "demands": [{"resource": "bench"}]},
            {
                "id": "SO2/assemble",
                "project": "SO2",
                "hours": 3,
                "interruptible": False,
                "demands": [{"resource": "bench"}, {"skill": "welding", "level": 1}],
            },
            {
                "id": "SO2/fixture",
                "project": "SO2",
                "hours": 2,
                "demands": [{"skill": "welding", "level": 3}],
                "pinned": True,
                "start": "2026-11-25T08:00:00",
                "resources": ["p1"],
            },
            {"id": "SO3/drill", "project": "SO3", "hours": 2, "demands": [{"resource": "bench"}]},
        ],
        "precedences": [
            {"from": "SO0/old", "to": "SO1/cut"},
            {"from": "SO1/cut", "to": "SO1/weld"},
            {"from": "SO1/weld", "to": "SO1/paint", "type": "FS", "lag_hours_elapsed": 1},
            {"from": "SO2/cut", "to": "SO2/assemble"},
        ],
    }


def _task(data: dict[str, Any], tid: str) -> dict[str, Any]:
    return next(t for t in data["tasks"] if t["id"] == tid)


def _refused(data: dict[str, Any], path: str, *fragments: str) -> ProblemError:
    with pytest.raises(ProblemError) as info:
        FloorProblem.from_dict(data)
    assert info.value.path == path, str(info.value)
    for fragment in fragments:
        assert fragment in info.value.message, info.value.message
    return info.value


# ---------------------------------------------------------------------- JSON


def test_round_trip_gives_an_equal_problem() -> None:
    problem = FloorProblem.from_dict(workshop_data())
    again = FloorProblem.from_dict(problem.to_dict())
    assert again == problem
    assert again.to_dict() == problem.to_dict()
    prep = again.tasks[again.task_index["SO1/prep"]]
    assert (prep.status, prep.remaining_hours, prep.resources) == ("in_progress", 2, ("p3",))
    assert again.resources[again.resource_index["p2"]].leaves[0].name == "Doctor"
    # Naive datetimes are local to the problem's time zone.
    assert problem.now.utcoffset().total_seconds() == 8 * 3600  # type: ignore[union-attr]


# ---------------------------------------------------------------------- refusals


def test_unknown_resource_in_a_demand() -> None:
    data = workshop_data()
    _task(data, "SO1/cut")["demands"] = [{"resource": "ghost"}]
    _refused(data, "tasks[2].demands[0].resource", "'SO1/cut'", "unknown resource 'ghost'")


def test_a_skill_nobody_has() -> None:
    data = workshop_data()
    data["skills"].append({"id": "laser"})
    _task(data, "SO1/cut")["demands"] = [{"skill": "laser", "level": 1}]
    _refused(data, "tasks[2].demands[0].skill", "'SO1/cut'", "'laser'", "(nobody)")


def test_a_skill_only_one_person_has_when_two_are_needed() -> None:
    data = workshop_data()
    _task(data, "SO1/weld")["demands"] = [{"skill": "welding", "level": 3, "count": 2}]
    _refused(data, "tasks[3].demands[0].skill", "'SO1/weld'", "needs 2", "only 1 has it (p1)")


def test_a_calendar_without_attendance() -> None:
    data = workshop_data()
    data["calendars"].append({"id": "empty", "attendances": []})
    _refused(data, "calendars[1].attendances", "calendar 'empty' has no working time")


def test_a_calendar_whose_dates_lie_outside_the_horizon_has_no_working_time() -> None:
    data = workshop_data()
    old = std_calendar("old")
    for a in old["attendances"]:
        a["date_from"], a["date_to"] = "2019-01-01", "2020-12-31"
    data["calendars"].append(old)
    problem = FloorProblem.from_dict(data)  # the model cannot know the horizon
    with pytest.raises(ProblemError, match="calendar 'old' has no working time") as info:
        build_timeline(problem, n_slots=24 * 60)
    assert info.value.path == "calendars[1]"


def test_a_dependency_cycle_is_named() -> None:
    data = workshop_data()
    data["precedences"].append({"from": "SO1/paint", "to": "SO1/cut"})
    error = _refused(data, "precedences", "dependency cycle")
    for tid in ("SO1/cut", "SO1/weld", "SO1/paint"):
        assert tid in error.message


def test_an_unknown_order() -> None:
    data = workshop_data()
    _task(data, "SO3/drill")["project"] = "SO9"
    _refused(data, "tasks[8].project", "'SO3/drill'", "unknown order 'SO9'")


@pytest.mark.parametrize(
    ("section", "path"), [("tasks", "tasks[9].id"), ("resources", "resources[5].id")]
)
def test_duplicate_ids(section: str, path: str) -> None:
    data = workshop_data()
    data[section].append(copy.deepcopy(data[section][1]))
    _refused(data, path, "duplicate id", f"first at {section}[1]")


def test_a_bad_time_zone() -> None:
    data = workshop_data()
    data["timezone"] = "Asia/Atlantis"
    _refused(data, "timezone", "unknown time zone 'Asia/Atlantis'")
    data = workshop_data()
    data["calendars"][0]["timezone"] = "Mars/Olympus"
    _refused(data, "calendars[0].timezone", "'Mars/Olympus'")


def test_a_bad_datetime() -> None:
    data = workshop_data()
    data["projects"][1]["due"] = "2026-13-45T08:00:00"
    _refused(data, "projects[1].due", "invalid ISO datetime '2026-13-45T08:00:00'")


def test_a_done_task_without_dates() -> None:
    data = workshop_data()
    del _task(data, "SO0/old")["end"]
    _refused(data, "tasks[0].start", "'SO0/old' is done but has no valid start and end")


def test_a_pinned_task_without_start() -> None:
    data = workshop_data()
    del _task(data, "SO2/fixture")["start"]
    _refused(data, "tasks[7].start", "'SO2/fixture' is pinned but has no start")


# ---------------------------------------------------------------------- time grid


def _hours(row: np.ndarray, day: int) -> list[int]:
    """Local hours worked on day `day` of an hourly grid starting at 08:00."""
    return [8 + t - 24 * day for t in np.flatnonzero(row[24 * day : 24 * day + 24]) + 24 * day]


def test_working_slots_of_a_shanghai_day() -> None:
    tl = build_timeline(FloorProblem.from_dict(workshop_data()), n_slots=24 * 7)
    std = tl.calendar_work[0]
    assert _hours(std, 0) == [8, 9, 10, 11, 13, 14, 15, 16]
    assert std.sum() == 5 * 8  # Monday to Friday; Saturday 2026-11-28 and Sunday off
    assert not std[24 * 5 : 24 * 7].any()
    assert tl.clock.iso(0) == "2026-11-23T08:00:00+08:00"


def test_a_public_holiday_is_removed_for_everyone() -> None:
    data = workshop_data()
    data["calendars"][0]["leaves"] = [
        {"start": "2026-11-24T00:00:00", "end": "2026-11-25T00:00:00", "name": "Holiday"}
    ]
    problem = FloorProblem.from_dict(data)
    tl = build_timeline(problem, n_slots=24 * 3)
    assert _hours(tl.calendar_work[0], 1) == []
    assert _hours(tl.calendar_work[0], 2) == [8, 9, 10, 11, 13, 14, 15, 16]
    assert not tl.resource_work[:, 24:48].any()


def test_a_personal_leave_removes_only_that_persons_slots() -> None:
    problem = FloorProblem.from_dict(workshop_data())
    tl = build_timeline(problem, n_slots=24 * 3)
    p1, p2 = problem.resource_index["p1"], problem.resource_index["p2"]
    assert _hours(tl.resource_work[p2], 1) == [8, 10, 11, 13, 14, 15, 16]
    assert _hours(tl.resource_work[p1], 1) == [8, 9, 10, 11, 13, 14, 15, 16]
    assert (tl.resource_work[p1] != tl.resource_work[p2]).sum() == 1


def _berlin(now: str, attendances: list[dict[str, Any]]) -> FloorProblem:
    return FloorProblem.from_dict(
        {
            "kind": "floor",
            "timezone": "Europe/Berlin",
            "now": now,
            "calendars": [{"id": "c", "attendances": attendances}],
            "resources": [],
            "projects": [{"id": "P"}],
            "tasks": [{"id": "t", "project": "P", "hours": 1}],
        }
    )


@pytest.mark.parametrize(
    ("day", "whole_day", "night"),
    [("2027-03-28", 23, 5), ("2027-10-31", 25, 7), ("2027-03-21", 24, 6)],
)
def test_working_slots_of_a_dst_day_in_berlin(day: str, whole_day: int, night: int) -> None:
    """Sunday 0-24 and 0-6 (wall clock): on 28 March 02:00 does not exist, on 31 October 02:00 to
    03:00 happens twice."""
    for hours, expected in ((24.0, whole_day), (6.0, night)):
        problem = _berlin(f"{day}T00:00:00", [{"dayofweek": 6, "hour_from": 0, "hour_to": hours}])
        tl = build_timeline(problem, n_slots=48)
        assert tl.calendar_work[0].sum() == expected, (day, hours)
        assert tl.calendar_work[0][:expected].all()


def test_a_dst_weekday_keeps_its_eight_working_slots() -> None:
    problem = _berlin("2027-03-26T08:00:00", std_calendar()["attendances"])
    tl = build_timeline(problem, n_slots=24 * 3 + 12)  # to Monday 21:00
    work = np.flatnonzero(tl.calendar_work[0])
    assert len(work) == 16  # Friday and Monday
    assert [tl.clock.iso(int(t)) for t in work[8:10]] == [
        "2027-03-29T08:00:00+02:00",
        "2027-03-29T09:00:00+02:00",
    ]


def test_a_two_week_calendar_alternates() -> None:
    """Week type 0 (the week of Monday 2026-11-23): Monday to Friday; type 1: Monday only."""
    attendances = [
        {"dayofweek": d, "hour_from": 8, "hour_to": 16, "week_type": 0} for d in WEEKDAYS
    ] + [{"dayofweek": 0, "hour_from": 8, "hour_to": 16, "week_type": 1}]
    problem = FloorProblem.from_dict(
        {
            "kind": "floor",
            "now": "2026-11-23T00:00:00",
            "calendars": [{"id": "alt", "two_weeks": True, "attendances": attendances}],
            "resources": [{"id": "m1", "kind": "machine"}],
            "projects": [{"id": "P"}],
            "tasks": [{"id": "t", "project": "P", "hours": 1}],
        }
    )
    tl = build_timeline(problem, n_slots=24 * 7 * 4)
    per_week = tl.calendar_work[0].reshape(4, 7, 24).sum(axis=2)
    assert per_week.tolist() == [[8, 8, 8, 8, 8, 0, 0], [8, 0, 0, 0, 0, 0, 0]] * 2
