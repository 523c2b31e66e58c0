"""The Odoo mapping on its own: records as search_read returns them -> floor problem -> payload.

No Odoo, no network, no solver: the records are shaped exactly as Odoo 18's ``search_read``
returns them (many2one ``[id, name]``, ``False`` for empty, selection keys as strings) and the
payloads are validated against the addon's JSON Schema
(addons/order_project/schemas/apply_schedule.schema.json), the contract of apply_schedule.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
import pytest

from optimizer.common.errors import ProblemError
from optimizer.floor.api import plan_floor
from optimizer.floor.model import FloorProblem
from optimizer.floor.plan import FloorPlan
from optimizer.floor.timeline import Clock, build_timeline
from optimizer.odoo.problem import records_to_problem, task_hours
from optimizer.odoo.reader import Snapshot
from optimizer.odoo.writeback import explanation_to_failure, plan_to_payload

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = ROOT / "addons" / "order_project" / "schemas" / "apply_schedule.schema.json"
# A portfolio's problem, plan and payload as the JSON path (problem dict -> from_dict, plan ->
# to_dict -> payload) made them before the connector built the floor objects directly.
CONTRACT_PATH = ROOT / "tests" / "data" / "odoo_contract.json"
# Monday 30 November 2026, 08:00 in Shanghai (UTC+8); an odd week for Odoo's two-week parity.
NOW = datetime(2026, 11, 30, 0, 0, 0)
SHANGHAI = ZoneInfo("Asia/Shanghai")
WRITE = "2026-11-29 10:00:00"
WELDING = [5, "Welding"]


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def attendance(aid: int, cal: int, day: int, hour_from: float, hour_to: float, **values) -> dict:
    period = "morning" if hour_from < 12 else "afternoon"
    row = {
        "id": aid,
        "calendar_id": [cal, f"cal {cal}"],
        "dayofweek": str(day),
        "hour_from": hour_from,
        "hour_to": hour_to,
        "day_period": period,
        "week_type": False,
        "date_from": False,
        "date_to": False,
        "display_type": False,
        "resource_id": False,
    }
    row.update(values)
    return row


def standard_week(cal: int, first_id: int) -> list[dict]:
    """Odoo's default 40 hours: 8-12, lunch 12-13 (a 'lunch' line), 13-17, Monday to Friday."""
    rows = []
    for day in range(5):
        base = first_id + 3 * day
        rows.append(attendance(base, cal, day, 8, 12))
        rows.append(attendance(base + 1, cal, day, 12, 13, day_period="lunch"))
        rows.append(attendance(base + 2, cal, day, 13, 17))
    return rows


def leave(lid: int, start: str, end: str, *, resource=False, calendar=False, company=1) -> dict:
    return {
        "id": lid,
        "name": f"leave {lid}",
        "date_from": start,
        "date_to": end,
        "resource_id": [resource, "r"] if resource else False,
        "calendar_id": [calendar, "c"] if calendar else False,
        "company_id": [company, "c"],
    }


def employee(eid: int, user: int | bool, resource: int, cal: int = 1, tz: str = "Asia/Shanghai"):
    return {
        "id": eid,
        "name": f"employee {eid}",
        "user_id": [user, f"user {user}"] if user else False,
        "resource_id": [resource, f"employee {eid}"],
        "resource_calendar_id": [cal, f"cal {cal}"] if cal else False,
        "tz": tz,
        "company_id": [1, "My Company"],
    }


def project(pid: int, commitment: str | bool = False, priority: str = "0") -> dict:
    return {
        "id": pid,
        "name": f"S{pid:05d} - Acme",
        "order_commitment_date": commitment,
        "order_priority": priority,
        "company_id": [1, "My Company"],
    }


def task(tid: int, hours: float = 4.0, deps: tuple[int, ...] = (), pid: int = 1, **values) -> dict:
    record = {
        "id": tid,
        "name": f"task {tid}",
        "project_id": [pid, f"project {pid}"],
        "parent_id": False,
        "is_wbs_phase": False,
        "duration_hours": hours,
        "allocated_hours": hours,
        "headcount": 1,
        "depend_on_ids": list(deps),
        "user_ids": [],
        "planning_pinned": False,
        "planning_non_interruptible": False,
        "planning_not_before": False,
        "planned_start": False,
        "planned_end": False,
        "state": "01_in_progress",
        "write_date": WRITE,
        "company_id": [1, "My Company"],
        "skill_id": False,
        "skill_level_id": False,
        "effective_hours": 0.0,
        "date_deadline": False,
    }
    record.update(values)
    return record


def floor_snapshot(tasks: list[dict], **extra: Any) -> Snapshot:
    """My Company on a Shanghai 40-hour calendar; a welder senior (with a user), an employee
    with a user and no skill, a junior welder without a user."""
    values: dict[str, Any] = {
        "projects": [project(1, "2026-12-10 09:00:00", "1")],
        "tasks": tasks,
        "companies": [{"id": 1, "name": "My Company", "resource_calendar_id": [1, "Std"]}],
        "calendars": [
            {
                "id": 1,
                "name": "Standard 40 hours/week",
                "tz": "Asia/Shanghai",
                "two_weeks_calendar": False,
                "company_id": [1, "My Company"],
                "flexible_hours": False,
            }
        ],
        "attendances": standard_week(1, 1),
        "employees": [employee(10, 100, 1000), employee(11, 101, 1001), employee(12, False, 1002)],
        "employee_skills": [
            {
                "id": 1,
                "employee_id": [10, "employee 10"],
                "skill_id": WELDING,
                "skill_level_id": [8, "Senior"],
                "skill_type_id": [3, "Trades"],
                "level_progress": 75,
            },
            {
                "id": 2,
                "employee_id": [12, "employee 12"],
                "skill_id": WELDING,
                "skill_level_id": [7, "Junior"],
                "skill_type_id": [3, "Trades"],
                "level_progress": 25,
            },
        ],
        "levels": [
            {"id": 7, "name": "Junior", "level_progress": 25, "skill_type_id": [3, "Trades"]},
            {"id": 8, "name": "Senior", "level_progress": 75, "skill_type_id": [3, "Trades"]},
        ],
    }
    values.update(extra)
    return Snapshot(**values)


def by_id(items) -> dict:
    return {x["id"] if isinstance(x, dict) else x.id: x for x in items}


def local(problem, slot: int) -> datetime:
    return (problem.now + timedelta(hours=slot)).astimezone(SHANGHAI)


def test_company_calendar_lunch_break_and_time_zone() -> None:
    problem, ctx = records_to_problem(floor_snapshot([task(1)]), NOW)
    assert problem.timezone == "Asia/Shanghai", "the company calendar's tz"
    assert problem.now == NOW.replace(tzinfo=ZoneInfo("UTC"))
    (cal,) = problem.calendars
    assert cal.id == "cal1" and cal.timezone == "Asia/Shanghai" and not cal.two_weeks
    assert len(cal.attendances) == 10, "the lunch lines are not working time"
    assert {(a.hour_from, a.hour_to) for a in cal.attendances} == {(8, 12), (13, 17)}
    work = build_timeline(problem, 48).calendar_work[0]
    hours = [local(problem, t).hour for t in range(24) if work[t]]
    assert hours == [8, 9, 10, 11, 13, 14, 15, 16], "Monday in Shanghai, lunch off"
    (t1,) = problem.tasks
    assert t1.demands == () and t1.calendar == "cal1", "nobody named: the company calendar"
    assert ctx.task_odoo_ids == {"t1": 1}


def test_two_week_calendar_sections_and_a_person_in_another_time_zone() -> None:
    two_weeks = {
        "id": 2,
        "name": "Alternating",
        "tz": "Asia/Shanghai",
        "two_weeks_calendar": True,
        "company_id": [1, "My Company"],
        "flexible_hours": False,
    }
    rows = [
        attendance(100, 2, 0, 0, 0, display_type="line_section", week_type="0"),
        attendance(101, 2, 0, 8, 12, week_type="0"),
        attendance(102, 2, 0, 0, 0, display_type="line_section", week_type="1"),
        attendance(103, 2, 0, 13, 17, week_type="1"),
        attendance(104, 2, 1, 8, 12, week_type=False),  # Odoo reads int(False) = week 0
    ]
    snap = floor_snapshot(
        [task(1, user_ids=[100])],
        calendars=floor_snapshot([]).calendars + [two_weeks],
        attendances=standard_week(1, 1) + rows,
        employees=[employee(10, 100, 1000, cal=2, tz="Europe/Paris")],
    )
    problem, _ = records_to_problem(snap, NOW)
    cals = by_id(problem.calendars)
    assert set(cals) == {"cal1", "cal2@Europe/Paris"}, "read in the person's own time zone"
    alternating = cals["cal2@Europe/Paris"]
    assert alternating.two_weeks and alternating.timezone == "Europe/Paris"
    assert [(a.dayofweek, a.hour_from, a.week_type) for a in alternating.attendances] == [
        (0, 8, 0),
        (0, 13, 1),
        (1, 8, 0),
    ], "section lines dropped, week types kept"
    (person,) = problem.resources
    assert person.calendar == "cal2@Europe/Paris"
    timeline = build_timeline(problem, 24 * 9)
    worked = [
        (problem.now + timedelta(hours=t)).astimezone(ZoneInfo("Europe/Paris"))
        for t in range(24 * 9)
        if timeline.resource_work[0, t]
    ]
    # 30 Nov 2026 is an odd (week_type 1) week: Monday afternoon; then Monday and Tuesday
    # mornings of the even week.
    assert [(d.day, d.hour) for d in worked] == [(30, h) for h in range(13, 17)] + [
        (7, h) for h in range(8, 12)
    ] + [(8, h) for h in range(8, 12)]


def test_public_holiday_company_wide_closure_and_personal_leave() -> None:
    snap = floor_snapshot(
        [task(1, user_ids=[100])],
        leaves=[
            # calendar-wide: a public holiday of calendar 1 (Tuesday, Shanghai day)
            leave(1, "2026-11-30 16:00:00", "2026-12-01 16:00:00", calendar=1),
            # company-wide (no calendar): closes every calendar of company 1
            leave(2, "2026-12-03 16:00:00", "2026-12-04 16:00:00"),
            # company-wide for another company: not ours
            leave(3, "2026-12-07 00:00:00", "2026-12-08 00:00:00", company=2),
            # employee 10's own leave on Wednesday
            leave(4, "2026-12-01 16:00:00", "2026-12-02 16:00:00", resource=1000, calendar=1),
            # somebody else's leave
            leave(5, "2026-12-07 00:00:00", "2026-12-08 00:00:00", resource=9999, calendar=1),
        ],
    )
    problem, _ = records_to_problem(snap, NOW)
    (cal,) = problem.calendars
    assert [lv.name for lv in cal.leaves] == ["leave 1", "leave 2"]
    (person,) = problem.resources
    assert [lv.name for lv in person.leaves] == ["leave 4"]
    timeline = build_timeline(problem, 24 * 7)
    days = list(
        dict.fromkeys(local(problem, t).day for t in range(24 * 7) if timeline.resource_work[0, t])
    )
    assert days == [30, 3], "Tue holiday, Wed own leave, Fri company closure, weekend"
    cal_days = list(
        dict.fromkeys(local(problem, t).day for t in range(24 * 7) if timeline.calendar_work[0, t])
    )
    assert cal_days == [30, 2, 3]


def test_skill_demand_at_the_minimum_level_and_assignees_first() -> None:
    snap = floor_snapshot(
        [
            task(1, skill_id=WELDING, skill_level_id=[8, "Senior"], headcount=1),
            task(2, skill_id=WELDING, skill_level_id=False, headcount=2),
            task(3, skill_id=WELDING, skill_level_id=[8, "Senior"], user_ids=[101]),
        ]
    )
    problem, ctx = records_to_problem(snap, NOW)
    tasks = by_id(problem.tasks)
    (weld,) = tasks["t1"].demands
    assert (weld.skill, weld.level, weld.count) == ("skill:5", 75, 1)
    (any_level,) = tasks["t2"].demands
    assert (any_level.level, any_level.count) == (0, 2), "no level: anybody having the skill"
    (named,) = tasks["t3"].demands
    assert (named.resource, named.units) == ("e11", 1), "assignees win over the skill"
    people = by_id(problem.resources)
    assert set(people) == {"e10", "e11", "e12"}
    assert people["e10"].skills == {"skill:5": 75} and people["e12"].skills == {"skill:5": 25}
    assert problem.qualified("skill:5", 75) == ["e10"]
    assert problem.skills == {"skill:5": "Welding"}
    assert ctx.resource_users == {"e10": 100, "e11": 101, "e12": None}


def test_too_few_qualified_people_names_every_such_task() -> None:
    snap = floor_snapshot(
        [
            task(1, skill_id=WELDING, skill_level_id=[8, "Senior"], headcount=2),
            task(2, skill_id=[6, "Painting"], headcount=1),
        ]
    )
    with pytest.raises(ProblemError, match="cannot staff") as info:
        records_to_problem(snap, NOW)
    assert "task 1 " in str(info.value) and "task 2 " in str(info.value)
    assert "only 1 employee(s)" in str(info.value) and "Painting" in str(info.value)


def test_assignee_without_an_employee_works_the_company_calendar() -> None:
    problem, ctx = records_to_problem(floor_snapshot([task(1, user_ids=[555])]), NOW)
    (person,) = problem.resources
    assert (person.id, person.calendar, person.capacity) == ("u555", "cal1", 1)
    assert ctx.resource_users["u555"] == 555


PAST = "2026-11-27 05:00:00"


def test_started_work_keeps_its_start_and_has_the_rest_to_do() -> None:
    snap = floor_snapshot(
        [
            task(1, 8.0, planned_start="2026-11-27 01:00:00", effective_hours=3.0, user_ids=[100]),
            task(2, 8.0, deps=(1,), planned_start=PAST, state="02_changes_requested"),
            task(3, 8.0, deps=(1,), planned_start=PAST),
            task(4, 8.0, effective_hours=6.0, headcount=2, skill_id=WELDING),
            task(5, 2.0, planned_start="2026-11-27 01:00:00", effective_hours=9.0),
        ],
        employee_skills=floor_snapshot([]).employee_skills
        + [
            {
                "id": 3,
                "employee_id": [11, "employee 11"],
                "skill_id": WELDING,
                "skill_level_id": [7, "Junior"],
                "skill_type_id": [3, "Trades"],
                "level_progress": 25,
            }
        ],
    )
    problem, ctx = records_to_problem(snap, NOW)
    tasks = by_id(problem.tasks)
    one = tasks["t1"]
    assert one.status == "in_progress" and one.remaining_hours == 5.0
    assert one.started == datetime(2026, 11, 27, 1, tzinfo=ZoneInfo("UTC"))
    assert one.resources == ("e10",), "the assignee keeps it"
    assert tasks["t2"].status == "in_progress", "a person moved its stage: begun"
    assert tasks["t3"].status == "todo", "only planned to start before now: planned again"
    assert (tasks["t4"].status, tasks["t4"].hours) == ("todo", 5.0), "6 h spent by a crew of 2"
    assert tasks["t5"].remaining_hours == 1.0, "over budget: one slot left"
    links = {(p.before, p.after) for p in problem.precedences}
    assert links == {("t1", "t3")}, "no dependency into work that has begun"
    assert ctx.started == {1, 2, 5}


def test_one_stretch_and_not_before_reach_the_floor_tasks() -> None:
    snap = floor_snapshot(
        [
            # ready at 10:00 after task 3: 10-12 and 13-14 would straddle lunch
            task(1, 3.0, deps=(3,), planning_non_interruptible=True),
            # material arrives Tuesday 1 December, 10:00 in Shanghai
            task(2, 4.0, planning_not_before="2026-12-01 02:00:00"),
            task(3, 2.0),
            task(
                4,
                8.0,
                planning_not_before="2026-12-03 02:00:00",
                planned_start="2026-11-27 01:00:00",
                effective_hours=2.0,
            ),
        ]
    )
    problem, ctx = records_to_problem(snap, NOW)
    tasks = by_id(problem.tasks)
    assert not tasks["t1"].interruptible, "run in one stretch"
    assert tasks["t2"].interruptible and tasks["t3"].interruptible
    assert tasks["t2"].not_before == datetime(2026, 12, 1, 2, tzinfo=ZoneInfo("UTC"))
    assert tasks["t3"].not_before is None
    assert tasks["t4"].status == "in_progress" and tasks["t4"].not_before is None, (
        "work that has begun is not held back by its not-before date"
    )
    plan, _, violations = plan_floor(problem, time_limit=2)
    assert plan.status in ("OPTIMAL", "FEASIBLE") and violations == []
    by_task = by_id(plan.tasks)
    start, end = local(problem, by_task["t1"].start), local(problem, by_task["t1"].end)
    assert (start, end) == (
        datetime(2026, 11, 30, 13, tzinfo=SHANGHAI),
        datetime(2026, 11, 30, 16, tzinfo=SHANGHAI),
    ), "three hours without a pause: after lunch, not 10:00-14:00 across it"
    assert local(problem, by_task["t2"].start) >= datetime(2026, 12, 1, 10, tzinfo=SHANGHAI)


def test_a_task_longer_than_any_stretch_of_working_time_is_infeasible() -> None:
    snap = floor_snapshot([task(1, 6.0, planning_non_interruptible=True)])
    problem, _ = records_to_problem(snap, NOW)
    plan, _, _ = plan_floor(problem, time_limit=2)
    assert plan.status == "INFEASIBLE", "6 h in one stretch never fit a 4 h half-day"


def test_pinned_task_is_busy_time_of_its_people_and_bounds_its_successors() -> None:
    snap = floor_snapshot(
        [
            task(
                1,
                8.0,
                user_ids=[100],
                planning_pinned=True,
                planned_start="2026-12-05 01:00:00",  # a Saturday: the planner's decision
                planned_end="2026-12-05 09:00:00",
            ),
            task(2, 4.0, deps=(1,), user_ids=[100]),
            task(3, 4.0, deps=(1, 99)),
            task(4, 1.0, planning_pinned=True),  # no dates: bounds nothing
            task(5, 1.0, deps=(4,), state="1_done"),
        ],
        external_tasks=[task(99, pid=7, planned_end="2026-12-07 03:30:00")],
    )
    problem, ctx = records_to_problem(snap, NOW)
    assert ctx.skipped == {1: "pinned", 4: "pinned", 5: "closed"}
    assert set(by_id(problem.tasks)) == {"t2", "t3"}, "pinned and done tasks are not planned"
    utc = ZoneInfo("UTC")
    tasks = by_id(problem.tasks)
    assert tasks["t2"].not_before == datetime(2026, 12, 5, 9, tzinfo=utc)
    assert tasks["t3"].not_before == datetime(2026, 12, 7, 3, 30, tzinfo=utc), "latest of both"
    (person,) = problem.resources
    assert [(lv.start, lv.end, lv.name) for lv in person.leaves] == [
        (
            datetime(2026, 12, 5, 1, tzinfo=utc),
            datetime(2026, 12, 5, 9, tzinfo=utc),
            "pinned task 1",
        )
    ]
    assert ctx.fixed_ends == {1: datetime(2026, 12, 5, 9)}


def test_phases_stand_for_their_tasks_and_lags_are_working_hours() -> None:
    snap = floor_snapshot(
        [
            task(10, 0.0, is_wbs_phase=True),
            task(11, 4.0, parent_id=[10, "phase"]),
            task(12, 2.0, deps=(11,), parent_id=[10, "phase"]),
            task(13, 8.0, deps=(10,)),
        ],
        lags=[{"id": 1, "task_id": [13, "t"], "depend_on_id": [10, "p"], "lag_hours": 3.0}],
    )
    problem, ctx = records_to_problem(snap, NOW)
    assert ctx.skipped == {10: "phase"}
    lag = by_id(problem.tasks)["lag10-13"]
    assert (lag.hours, lag.demands, lag.calendar) == (3.0, (), "cal1"), "3 working hours"
    links = {(p.before, p.after, p.kind, p.lag_hours) for p in problem.precedences}
    assert links == {
        ("t11", "t12", "FS", 0.0),
        ("t11", "lag10-13", "FS", 0.0),
        ("t12", "lag10-13", "FS", 0.0),
        ("lag10-13", "t13", "FS", 0.0),
    }
    assert "lag10-13" not in ctx.task_odoo_ids, "never written back"


def lag_row(lid: int, succ: int, pred: int, kind: str = "FS", hours: float = 0.0) -> dict:
    return {
        "id": lid,
        "task_id": [succ, "t"],
        "depend_on_id": [pred, "p"],
        "dependency_type": kind,
        "lag_hours": hours,
    }


def working_hours_between(start: datetime, end: datetime) -> int:
    """Whole working hours of the Shanghai 8-12/13-17 week from `start` to `end` (local)."""
    hours, moment = 0, start
    while moment < end:
        if moment.weekday() < 5 and (8 <= moment.hour < 12 or 13 <= moment.hour < 17):
            hours += 1
        moment += timedelta(hours=1)
    return hours


def test_start_to_start_links_and_their_working_hour_lags() -> None:
    snap = floor_snapshot(
        [
            task(1, 8.0),
            task(2, 4.0, deps=(1,)),  # starts with 1
            task(3, 4.0, deps=(1,)),  # 6 working hours after 1 starts
            task(4, 2.0, deps=(1,)),  # after 1 ends: no row
            task(10, 0.0, is_wbs_phase=True),
            task(11, 2.0, parent_id=[10, "phase"]),
            task(12, 2.0, parent_id=[10, "phase"]),
            task(13, 2.0, deps=(10, 11)),  # SS with the phase, FS after 11
        ],
        lags=[
            lag_row(1, 2, 1, "SS"),
            lag_row(2, 3, 1, "SS", 6.0),
            lag_row(3, 13, 10, "SS"),
        ],
    )
    problem, ctx = records_to_problem(snap, NOW)
    links = {(p.before, p.after, p.kind, p.lag_hours) for p in problem.precedences}
    assert links == {
        ("t1", "t2", "SS", 0.0),
        ("t1", "lag1-3", "SS", 0.0),
        ("lag1-3", "t3", "FS", 0.0),
        ("t1", "t4", "FS", 0.0),
        ("t11", "t13", "FS", 0.0),  # finish to start wins between the same two tasks
        ("t12", "t13", "SS", 0.0),
    }
    lag = by_id(problem.tasks)["lag1-3"]
    assert (lag.name, lag.hours, lag.demands, lag.calendar) == (
        "lag 6 h after the start of task 1",
        6.0,
        (),
        "cal1",
    ), "6 working hours from the predecessor's start"
    assert "lag1-3" not in ctx.task_odoo_ids, "never written back"
    plan, _, violations = plan_floor(problem, time_limit=2)
    assert plan.status in ("OPTIMAL", "FEASIBLE") and violations == []
    start = {k: local(problem, t.start) for k, t in by_id(plan.tasks).items()}
    end = {k: local(problem, t.end) for k, t in by_id(plan.tasks).items()}
    assert start["t2"] >= start["t1"]
    assert working_hours_between(start["t1"], start["t3"]) >= 6, (start["t1"], start["t3"])
    assert start["t4"] >= end["t1"]
    assert start["t13"] >= max(end["t11"], start["t12"])


def test_pinned_and_outside_predecessors_release_start_to_start_at_their_start() -> None:
    snap = floor_snapshot(
        [
            task(
                1,
                8.0,
                planning_pinned=True,
                planned_start="2026-12-02 01:00:00",  # Wednesday 9:00-17:00 in Shanghai
                planned_end="2026-12-02 09:00:00",
            ),
            task(2, 4.0, deps=(1,)),
            task(3, 4.0, deps=(1,)),
            task(4, 4.0, deps=(99,)),
            task(5, 4.0, deps=(1,)),
        ],
        lags=[lag_row(1, 2, 1, "SS"), lag_row(2, 4, 99, "SS"), lag_row(3, 5, 1, "SS", 2.0)],
        external_tasks=[
            task(99, pid=7, planned_start="2026-12-03 02:00:00", planned_end="2026-12-04 03:30:00")
        ],
    )
    problem, _ = records_to_problem(snap, NOW)
    utc = ZoneInfo("UTC")
    tasks = by_id(problem.tasks)
    assert tasks["t2"].not_before == datetime(2026, 12, 2, 1, tzinfo=utc), "at the pinned start"
    assert tasks["t3"].not_before == datetime(2026, 12, 2, 9, tzinfo=utc), "FS: at its end"
    assert tasks["t4"].not_before == datetime(2026, 12, 3, 2, tzinfo=utc), "the outside start"
    assert tasks["t5"].not_before is None
    assert tasks["lag1-5"].not_before == datetime(2026, 12, 2, 1, tzinfo=utc)
    assert tasks["lag1-5"].hours == 2.0
    assert {(p.before, p.after, p.kind) for p in problem.precedences} == {("lag1-5", "t5", "FS")}
    plan, _, violations = plan_floor(problem, time_limit=2)
    assert plan.status in ("OPTIMAL", "FEASIBLE") and violations == []
    pinned_start = datetime(2026, 12, 2, 9, tzinfo=SHANGHAI)
    t5 = local(problem, by_id(plan.tasks)["t5"].start)
    assert working_hours_between(pinned_start, t5) >= 2, t5


def test_orders_are_due_at_the_commitment_date_else_the_latest_task_deadline() -> None:
    snap = floor_snapshot(
        [
            task(1, date_deadline="2026-12-20 10:00:00"),
            task(2, pid=2, date_deadline="2026-12-18 10:00:00"),
            task(3, pid=2, date_deadline="2026-12-21 10:00:00"),
            task(4, pid=3),
        ],
        projects=[
            project(1, "2026-12-10 09:00:00", "2"),
            project(2, False, "1"),
            project(3),
        ],
    )
    problem, _ = records_to_problem(snap, NOW)
    utc = ZoneInfo("UTC")
    got = {p.id: (p.due, p.deadline, p.weight) for p in problem.projects}
    assert got == {
        "p1": (datetime(2026, 12, 10, 9, tzinfo=utc), None, 4.0),
        "p2": (datetime(2026, 12, 21, 10, tzinfo=utc), None, 2.0),
        "p3": (None, None, 1.0),
    }, "task deadlines are soft: never a hard deadline"
    assert all(t.deadline is None for t in problem.tasks)


def test_dependency_cycle_names_the_tasks() -> None:
    snap = floor_snapshot([task(1, deps=(2,)), task(2, deps=(1,))])
    with pytest.raises(ProblemError, match="cycle") as err:
        records_to_problem(snap, NOW)
    assert err.value.path == "depend_on_ids", "in Odoo, the cycle is in the tasks' dependencies"
    assert "t1" in err.value.message and "t2" in err.value.message


def test_an_attendance_with_a_bad_date_is_named() -> None:
    rows = standard_week(1, 1)
    rows[0] = {**rows[0], "date_from": "2026-13-01"}
    with pytest.raises(ProblemError, match="attendance 1 of calendar 1: invalid date") as err:
        records_to_problem(floor_snapshot([task(1)], attendances=rows), NOW)
    assert err.value.path == "resource.calendar.attendance.date_from"


def test_durations_fall_back_to_allocated_hours_per_head() -> None:
    assert task_hours({"duration_hours": 2.5}) == 2.5
    assert task_hours({"duration_hours": 0, "allocated_hours": 16, "headcount": 2}) == 8
    assert task_hours({}) == 0


def floor_plan(
    problem: FloorProblem, tasks: list[dict], projects: list[dict] | None = None
) -> tuple[FloorPlan, Clock]:
    """A plan of `problem` written by hand as plan JSON (read as plan files are), its clock."""
    clock = Clock(problem.now, problem.slot_minutes, problem.tz)
    data = {
        "kind": "floor_plan",
        "status": "FEASIBLE",
        "objective": 0.0,
        "weighted_tardiness": 0.0,
        "solve_seconds": 0.5,
        "tasks": tasks,
        "projects": projects or [],
    }
    return FloorPlan.from_dict(problem, data, clock), clock


def test_payload_dates_in_utc_and_people_as_users(schema: dict) -> None:
    snap = floor_snapshot(
        [
            task(1, skill_id=WELDING, skill_level_id=[7, "Junior"], write_date=WRITE + ".123"),
            task(2, skill_id=WELDING, skill_level_id=[7, "Junior"]),
            task(3, 4.0, deps=(1,)),
            task(
                4,
                planning_pinned=True,
                planned_start="2026-12-20 01:00:00",
                planned_end="2026-12-24 01:00:00",
            ),
        ]
    )
    problem, ctx = records_to_problem(snap, NOW)
    plan, clock = floor_plan(
        problem,
        [
            {
                "id": "t1",
                "project": "p1",
                "start": "2026-11-30T08:00:00+08:00",
                "end": "2026-11-30T13:00:00+08:00",
                "resources": ["e10"],
                "slack_hours": 0.0,
                "critical": True,
            },
            {
                "id": "t2",
                "project": "p1",
                "start": "2026-11-30T08:00:00+08:00",
                "end": "2026-11-30T13:00:00+08:00",
                "resources": ["e12"],
                "slack_hours": 3.0,
                "critical": False,
            },
            {
                "id": "t3",
                "project": "p1",
                "start": "2026-11-30T13:00:00+08:00",
                "end": "2026-11-30T17:00:00+08:00",
                "resources": [],
                "slack_hours": None,
                "critical": None,
            },
        ],
        [
            {
                "id": "p1",
                "due": "2026-12-10T17:00:00+08:00",
                "forecast_end": "2026-11-30T17:00:00+08:00",
                "late": False,
            }
        ],
    )
    payload = plan_to_payload(plan, clock, ctx, "odoo-prod-135", figures={"read_calls": 9})
    jsonschema.validate(payload, schema)
    rows = by_id({**r, "id": r["task_id"]} for r in payload["tasks"])
    assert rows[1]["planned_start"] == "2026-11-30 00:00:00", "08:00 Shanghai is 00:00 UTC"
    assert rows[1]["planned_end"] == "2026-11-30 05:00:00"
    assert rows[1]["write_date"] == WRITE, "write_date as read, to the second"
    assert rows[1]["user_ids"] == [100] and rows[1]["critical"] is True
    assert "user_ids" not in rows[2], "an employee without a user: people left unchanged"
    assert rows[2]["slack_hours"] == 3.0
    assert "user_ids" not in rows[3] and "slack_hours" not in rows[3]
    assert "employee 12" in payload["figures"]["people_without_user"]
    (only,) = payload["projects"]
    assert (only["project_id"], only["forecast_end"]) == (1, "2026-12-24 01:00:00"), (
        "the pinned task ends the project"
    )
    assert only["late"] is True and only["lateness_hours"] == 328.0, (
        "late measured on the forecast written to Odoo (the pinned end), not only the plan's"
    )
    assert payload["figures"]["read_calls"] == 9
    assert payload["figures"]["tasks_fixed"] == 1
    assert payload["status"] == "FEASIBLE" and payload["plan_id"] == "odoo-prod-135"
    assert problem.name == "odoo"


def test_a_person_carries_one_started_task_the_others_wait_in_the_queue() -> None:
    early, later = "2026-11-27 01:00:00", "2026-11-27 03:00:00"
    snap = floor_snapshot(
        [
            task(1, 6.0, user_ids=[100], planned_start=early, effective_hours=1.0),
            task(2, 4.0, user_ids=[100], planned_start=later, effective_hours=1.0),
            task(
                3,
                4.0,
                skill_id=WELDING,
                skill_level_id=[8, "Senior"],
                planned_start=later,
                effective_hours=0.5,
            ),
            task(
                4,
                4.0,
                skill_id=WELDING,
                skill_level_id=[7, "Junior"],
                planned_start=later,
                state="03_approved",
            ),
        ]
    )
    problem, ctx = records_to_problem(snap, NOW)
    tasks = by_id(problem.tasks)
    assert (tasks["t1"].status, tasks["t1"].resources) == ("in_progress", ("e10",))
    assert (tasks["t2"].status, tasks["t2"].hours, tasks["t2"].started) == ("todo", 3.0, None)
    assert tasks["t3"].status == "todo", "its only senior welder carries task 1"
    assert (tasks["t4"].status, tasks["t4"].resources) == ("in_progress", ("e12",)), (
        "a qualified person nobody else holds"
    )
    assert ctx.started == {1, 4}


def test_two_orders_share_one_welder_the_later_one_says_why(schema: dict) -> None:
    """Two orders due the same evening each need 16 h of the only senior welder: one of them
    ends late, and the payload says why in Odoo's words: its name, the welder's name and the
    other order's task, with the critical chain as Odoo task ids."""
    senior = {"skill_id": WELDING, "skill_level_id": [8, "Senior"]}
    snap = floor_snapshot(
        [task(1, 16.0, pid=1, **senior), task(2, 16.0, pid=2, **senior)],
        projects=[project(1, "2026-12-01 09:00:00"), project(2, "2026-12-01 09:00:00")],
    )
    problem, ctx = records_to_problem(snap, NOW)
    plan, timeline, violations = plan_floor(problem, time_limit=2)
    assert violations == [] and plan.status != "INFEASIBLE"
    payload = plan_to_payload(plan, timeline.clock, ctx, "odoo-two-orders")
    jsonschema.validate(payload, schema)
    projects = {p["project_id"]: p for p in payload["projects"]}
    (late,) = [p for p in projects.values() if p["late"]]
    (on_time,) = [p for p in projects.values() if not p["late"]]
    mine, other = (1, 2) if late["project_id"] == 1 else (2, 1)
    assert late["lateness_hours"] == 48.0, "two more working days of welding: Thursday 17:00"
    assert late["bottleneck"] == {"name": "employee 10", "user_id": 100, "employee_id": 10}
    assert late["critical_task_ids"] == [other, mine], "the other order's weld held the welder"
    reason = late["reason"]
    assert reason.startswith(f"S{mine:05d} - Acme ends "), reason
    assert f"task {mine} waits for employee 10 (busy on task {other} (S{other:05d} - Acme)" in (
        reason
    ), "tasks and people by their Odoo names, the other order's task with its order"
    assert not any(f" {key}" in reason for key in ("t1", "t2", "p1", "p2", "e10")), reason
    assert on_time["lateness_hours"] == 0.0 and "on its due date" in on_time["reason"]
    details = late["reason_details"]
    assert {k: details[k] for k in ("cause", "task_id", "other_task_id", "resource")} == {
        "cause": "resource",
        "task_id": mine,
        "other_task_id": other,
        "resource": "employee 10",
    }, "the reason as data: Odoo ids and names, for a reader in another language"
    assert datetime.fromisoformat(details["until"]).tzinfo is not None, details
    assert payload["summary"] == {
        "late_orders": 1,
        "orders": 2,
        "weighted_tardiness": 48.0,
        "bottlenecks": [{"name": "employee 10", "user_id": 100, "employee_id": 10, "orders": 1}],
    }


def test_infeasible_explanation_becomes_odoo_ids_and_names(schema: dict) -> None:
    failure_schema = {**schema["$defs"]["failure"], "$defs": schema["$defs"]}
    snap = floor_snapshot([task(1, 4.0, user_ids=[100]), task(2, 4.0, deps=(1,))])
    problem, ctx = records_to_problem(snap, NOW)
    explanation = {
        "message": "No plan can keep every hard constraint: t1 (order p1) cannot end in time",
        "conflicts": [
            {
                "kind": "deadline",
                "order": "p1",
                "tasks": ["t1", "t2"],
                "resources": ["e10"],
                "text": "task 't2' must end by 2026-12-01 17:00, but t1 → t2 cannot end before "
                "2026-12-02 12:00 (e10 busy)",
                "dates": {
                    "deadline": "2026-12-01T17:00:00+01:00",
                    "earliest_end": "2026-12-02T12:00:00+01:00",
                    "late_hours": 19.004,
                    "chain": ["t1", "t2"],  # not a date or a figure: left out
                },
            }
        ],
    }
    failure = explanation_to_failure(explanation, ctx)
    jsonschema.validate({"plan_id": "odoo-x-1", **failure}, failure_schema)
    assert failure["message"] == (
        "No plan can keep every hard constraint: task 1 (S00001 - Acme) (order S00001 - Acme) "
        "cannot end in time"
    )
    (conflict,) = failure["conflicts"]
    assert conflict["kind"] == "deadline" and conflict["project_id"] == 1
    assert conflict["order"] == "S00001 - Acme" and conflict["task_ids"] == [1, 2]
    assert conflict["resources"] == ["employee 10"]
    assert "'task 2 (S00001 - Acme)'" in conflict["text"] and "employee 10 busy" in conflict["text"]
    assert conflict["details"] == {
        "deadline": "2026-12-01T17:00:00+01:00",
        "earliest_end": "2026-12-02T12:00:00+01:00",
        "late_hours": 19.0,
    }

    # the explainer found nothing: the solver's own sentences stand in
    fallback = explanation_to_failure(
        None, ctx, ["task 't1' fits nowhere in the horizon (resources or calendars)"]
    )
    jsonschema.validate({"plan_id": "odoo-x-2", **fallback}, failure_schema)
    assert fallback["message"] == (
        "No plan keeps every hard constraint: task 'task 1 (S00001 - Acme)' fits nowhere in "
        "the horizon (resources or calendars)"
    )
    assert fallback["conflicts"][0]["task_ids"] == [1]
    assert fallback["conflicts"][0]["project_id"] == 1


def portfolio_snapshot() -> Snapshot:
    """Three orders with most of what the mapping knows: a shared senior welder, a person in
    another time zone, an employee without a user, work in progress, a pinned task, a phase
    with a working-hours lag, an outside predecessor, one-stretch and not-before tasks, a task
    already done, an assignee without an employee, holidays and a personal leave."""
    senior = {"skill_id": WELDING, "skill_level_id": [8, "Senior"]}
    junior = {"skill_id": WELDING, "skill_level_id": [7, "Junior"]}
    return floor_snapshot(
        [
            task(1, 8.0, **senior),
            task(2, 4.0, deps=(1,), user_ids=[101], planning_non_interruptible=True),
            task(3, 0.0, is_wbs_phase=True),
            task(4, 3.0, parent_id=[3, "phase"], user_ids=[100]),
            task(5, 2.0, deps=(4,), parent_id=[3, "phase"]),
            task(6, 4.0, deps=(3,)),
            task(7, 6.0, pid=2, planned_start=PAST, effective_hours=2.0, user_ids=[101]),
            task(8, 4.0, pid=2, date_deadline="2026-12-04 10:00:00", **junior),
            task(
                9,
                4.0,
                pid=2,
                user_ids=[101],
                planning_pinned=True,
                planned_start="2026-12-03 01:00:00",
                planned_end="2026-12-03 05:00:00",
            ),
            task(10, 2.0, pid=2, deps=(9, 99)),
            task(11, 16.0, pid=3, planning_not_before="2026-12-01 02:00:00", **senior),
            task(12, 3.0, pid=3, state="1_done"),
            task(13, 4.0, pid=3, deps=(12,), effective_hours=1.0),
            task(14, 2.0, pid=3, user_ids=[555], write_date=WRITE + ".5"),
        ],
        projects=[
            project(1, "2026-12-04 09:00:00", "1"),
            project(2),
            project(3, "2026-12-02 09:00:00", "2"),
        ],
        employees=[
            employee(10, 100, 1000),
            employee(11, 101, 1001, tz="Europe/Paris"),
            employee(12, False, 1002),
        ],
        leaves=[
            leave(1, "2026-12-07 16:00:00", "2026-12-08 16:00:00", calendar=1),
            leave(2, "2026-12-09 16:00:00", "2026-12-10 16:00:00"),
            leave(3, "2026-12-01 16:00:00", "2026-12-02 16:00:00", resource=1000, calendar=1),
        ],
        lags=[{"id": 1, "task_id": [6, "t"], "depend_on_id": [3, "p"], "lag_hours": 2.0}],
        external_tasks=[task(99, pid=7, planned_end="2026-12-02 03:30:00")],
    )


def test_the_portfolio_maps_and_pays_back_as_it_did_through_json() -> None:
    """The floor objects built directly are the problem the JSON path built, and the payload
    built from the plan object is, to the byte, the one the plan's JSON gave."""
    problem, ctx = records_to_problem(portfolio_snapshot(), NOW)
    stored = json.loads(CONTRACT_PATH.read_text(encoding="utf-8"))
    assert problem.to_dict() == stored["problem"]
    again = FloorProblem.from_dict(problem.to_dict())
    assert again.to_dict() == stored["problem"], "its JSON form reads back as the same problem"
    clock = Clock(problem.now, problem.slot_minutes, problem.tz)
    plan = FloorPlan.from_dict(problem, stored["plan"], clock)
    payload = plan_to_payload(plan, clock, ctx, "odoo-contract-1", figures={"read_calls": 9})
    assert json.dumps(payload) == json.dumps(stored["payload"])
    assert {r["task_id"] for r in payload["tasks"]} == {1, 2, 4, 5, 6, 7, 8, 10, 11, 13, 14}
