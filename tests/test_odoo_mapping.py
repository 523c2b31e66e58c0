"""The Odoo mapping on its own: records as search_read returns them -> Problem -> payload.

No Odoo and no network: the payloads are validated against the addon's JSON Schema
(addons/order_project/schemas/apply_schedule.schema.json), the contract of apply_schedule.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest

from optimizer.checker import check
from optimizer.engine import solve
from optimizer.model import Mode, Plan, ProblemError, TaskPlan
from optimizer.odoo.mapping import plan_to_payload, records_to_problem, task_duration
from optimizer.odoo.reader import Snapshot

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = ROOT / "addons" / "order_project" / "schemas" / "apply_schedule.schema.json"
START = datetime(2026, 12, 1, 8, 0, 0)
WRITE = "2026-11-30 10:00:00"


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def project(pid: int, commitment: str | bool = False, priority: str = "0") -> dict:
    return {
        "id": pid,
        "name": f"S{pid:05d} - Acme",
        "order_code": f"S{pid:05d}",
        "order_sale_order_id": [pid + 100, f"S{pid:05d}"],
        "order_commitment_date": commitment,
        "order_priority": priority,
        "company_id": [1, "My Company"],
    }


def task(tid: int, pid: int, hours: float = 4.0, deps: tuple[int, ...] = (), **values) -> dict:
    record = {
        "id": tid,
        "name": f"task {tid}",
        "project_id": [pid, f"project {pid}"],
        "parent_id": False,
        "is_wbs_phase": False,
        "wbs_code": str(tid),
        "duration_hours": hours,
        "allocated_hours": hours,
        "headcount": 1,
        "depend_on_ids": list(deps),
        "user_ids": [],
        "planning_pinned": False,
        "planned_start": False,
        "planned_end": False,
        "state": "01_in_progress",
        "write_date": WRITE,
    }
    record.update(values)
    return record


@pytest.fixture
def design_then_build_with_a_phase() -> Snapshot:
    """One order: phase 1 (design 4h, review 2h) then build (8h, 3h lag after review),
    committed 24h after the start, high priority."""
    return Snapshot(
        projects=[project(1, "2026-12-02 08:00:00", "1")],
        tasks=[
            task(10, 1, 0.0, is_wbs_phase=True, wbs_code="1"),
            task(11, 1, 4.0, parent_id=[10, "phase"], wbs_code="1.1"),
            task(12, 1, 2.0, deps=(11,), parent_id=[10, "phase"], wbs_code="1.2"),
            task(13, 1, 8.0, deps=(10,), wbs_code="2"),
        ],
        lags=[{"id": 1, "task_id": [13, "t"], "depend_on_id": [10, "p"], "lag_hours": 3.0}],
    )


def test_phase_dependencies_reach_its_leaf_tasks(design_then_build_with_a_phase: Snapshot) -> None:
    problem, ctx = records_to_problem(design_then_build_with_a_phase, START)
    assert {t.id for t in problem.tasks} == {"t11", "t12", "t13"}, "phases are not scheduled"
    links = {(p.before, p.after, p.lag) for p in problem.precedences}
    assert links == {("t11", "t12", 0), ("t11", "t13", 3), ("t12", "t13", 3)}
    assert ctx.skipped == {10: "phase"}
    assert problem.objective == "weighted_tardiness"
    (proj,) = problem.projects
    assert (proj.due, proj.weight) == (24, 2.0), (
        "due from the commitment date, weight from priority"
    )


def test_payload_follows_the_contract_and_the_plan(
    design_then_build_with_a_phase: Snapshot, schema: dict
) -> None:
    problem, ctx = records_to_problem(design_then_build_with_a_phase, START)
    plan = solve(problem, time_limit=2, workers=1)
    assert check(problem, plan) == []
    payload = plan_to_payload(plan, ctx, "plan-1")
    jsonschema.validate(payload, schema)
    rows = {row["task_id"]: row for row in payload["tasks"]}
    assert set(rows) == {11, 12, 13}
    assert rows[11]["planned_start"] == "2026-12-01 08:00:00"
    assert rows[12]["planned_end"] == "2026-12-01 14:00:00"
    assert rows[13]["planned_start"] == "2026-12-01 17:00:00", "3h lag after the review"
    assert all(row["write_date"] == WRITE for row in rows.values())
    assert all(row["critical"] and row["slack_hours"] == 0 for row in rows.values())
    assert payload["projects"] == [{"project_id": 1, "forecast_end": "2026-12-02 01:00:00"}]


def test_closed_tasks_drop_out_and_pinned_ones_bound_their_successors(schema: dict) -> None:
    snap = Snapshot(
        projects=[project(1)],
        tasks=[
            task(1, 1, 5.0, state="1_done"),
            task(
                2,
                1,
                5.0,
                planning_pinned=True,
                planned_start="2026-12-01 10:00:00",
                planned_end="2026-12-01 20:00:00",
            ),
            task(3, 1, 2.0, deps=(1, 2)),
        ],
    )
    problem, ctx = records_to_problem(snap, START)
    assert problem.objective == "makespan", "no commitment date: makespan"
    assert ctx.skipped == {1: "closed", 2: "pinned"}
    plan = solve(problem, time_limit=2, workers=1)
    payload = plan_to_payload(plan, ctx, "plan-2")
    jsonschema.validate(payload, schema)
    assert [row["task_id"] for row in payload["tasks"]] == [3], "pinned tasks are never sent"
    assert payload["tasks"][0]["planned_start"] == "2026-12-01 20:00:00"
    assert payload["figures"]["tasks_fixed"] == 1


def test_outside_predecessor_with_dates_bounds_the_plan() -> None:
    snap = Snapshot(
        projects=[project(1)],
        tasks=[task(1, 1, 2.0, deps=(99,))],
        external_tasks=[task(99, 7, 4.0, planned_end="2026-12-01 12:30:00")],
    )
    problem, ctx = records_to_problem(snap, START)
    plan = solve(problem, time_limit=2, workers=1)
    row = plan_to_payload(plan, ctx, "p")["tasks"][0]
    assert row["planned_start"] == "2026-12-01 13:00:00", "after the outside task, whole hours"


def test_assigned_people_are_shared_resources_across_projects() -> None:
    snap = Snapshot(
        projects=[project(1, "2026-12-01 12:00:00", "2"), project(2, "2026-12-01 12:00:00")],
        tasks=[task(1, 1, 4.0, user_ids=[7]), task(2, 2, 4.0, user_ids=[7])],
    )
    problem, ctx = records_to_problem(snap, START)
    assert [(r.id, r.capacity) for r in problem.resources] == [("user:7", 1)]
    plan = solve(problem, time_limit=2, workers=1)
    rows = {r["task_id"]: r for r in plan_to_payload(plan, ctx, "p")["tasks"]}
    assert rows[1]["planned_start"] == "2026-12-01 08:00:00", "the urgent order goes first"
    assert rows[2]["planned_start"] == "2026-12-01 12:00:00", "one person, one task at a time"
    assert rows[1]["user_ids"] == [7]


def test_team_capacity_limits_unassigned_work() -> None:
    snap = Snapshot(projects=[project(1)], tasks=[task(i, 1, 3.0) for i in (1, 2, 3)])
    problem, _ = records_to_problem(snap, START)
    assert problem.resources == (), "no capacity given: dependencies only"
    problem, _ = records_to_problem(snap, START, team_capacity=2)
    plan = solve(problem, time_limit=2, workers=1)
    assert plan.makespan == 6, "three 3h tasks on a team of two"


def test_durations_fall_back_to_allocated_hours_per_head() -> None:
    assert task_duration({"duration_hours": 2.5}) == 3
    assert task_duration({"duration_hours": 0, "allocated_hours": 16, "headcount": 2}) == 8
    assert task_duration({"duration_hours": 2.0000000001}) == 2
    assert task_duration({}) == 0


def test_dependency_cycle_names_the_tasks() -> None:
    snap = Snapshot(projects=[project(1)], tasks=[task(1, 1, deps=(2,)), task(2, 1, deps=(1,))])
    with pytest.raises(ProblemError, match="cycle"):
        records_to_problem(snap, START)


def test_payload_of_a_hand_made_plan_keeps_the_read_write_dates(schema: dict) -> None:
    snap = Snapshot(
        projects=[project(5)], tasks=[task(42, 5, 4.0, write_date="2026-11-23 10:00:00.123")]
    )
    problem, ctx = records_to_problem(snap, START)
    plan = Plan("FEASIBLE", 4, 4.0, 4.0, 0.1, [TaskPlan("t42", 2, 6, 0)])
    payload = plan_to_payload(plan, ctx, "odoo-prod-135", figures={"note": "x"})
    jsonschema.validate(payload, schema)
    assert payload["tasks"][0]["write_date"] == "2026-11-23 10:00:00"
    assert payload["tasks"][0]["planned_start"] == "2026-12-01 10:00:00"
    assert payload["figures"]["note"] == "x"
    assert problem.tasks[0].modes == (Mode(4, {}),)
