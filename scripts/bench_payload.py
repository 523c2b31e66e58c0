"""Benchmark: build the apply_schedule payload for N tasks (default 25,000).

Prints the time to map a synthetic Odoo snapshot (a Shanghai 40-hour calendar with its lunch
break, 40 people, one task in three assigned) to a floor problem, the time to build the payload
from the floor plan, and the payload's JSON size. Target (issue 4): under 2 s and under 10 MB for
25,000 tasks. The plan is a real one (the floor scheduler's first rule, `--time-limit` seconds),
checked by the independent checker; the timed figures are the connector's own.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optimizer.odoo.problem import records_to_problem  # noqa: E402
from optimizer.odoo.reader import Snapshot  # noqa: E402
from optimizer.odoo.writeback import plan_to_payload  # noqa: E402

PEOPLE = 40


def _attendances() -> list[dict]:
    rows = []
    for day in range(5):
        for k, (start, end, period) in enumerate(
            ((8, 12, "morning"), (12, 13, "lunch"), (13, 17, "afternoon"))
        ):
            rows.append(
                {
                    "id": 1 + 3 * day + k,
                    "calendar_id": [1, "Standard 40 hours/week"],
                    "dayofweek": str(day),
                    "hour_from": float(start),
                    "hour_to": float(end),
                    "day_period": period,
                    "week_type": False,
                    "date_from": False,
                    "date_to": False,
                    "display_type": False,
                    "resource_id": False,
                }
            )
    return rows


def synthetic_snapshot(n_tasks: int, tasks_per_project: int = 25) -> Snapshot:
    """Projects of `tasks_per_project` tasks in chains of five with a cross link."""
    snap = Snapshot(
        companies=[{"id": 1, "name": "My Company", "resource_calendar_id": [1, "Std"]}],
        calendars=[
            {
                "id": 1,
                "name": "Standard 40 hours/week",
                "tz": "Asia/Shanghai",
                "two_weeks_calendar": False,
                "company_id": [1, "My Company"],
                "flexible_hours": False,
            }
        ],
        attendances=_attendances(),
        employees=[
            {
                "id": 10 + u,
                "name": f"employee {u}",
                "user_id": [1 + u, f"user {1 + u}"],
                "resource_id": [1000 + u, f"employee {u}"],
                "resource_calendar_id": [1, "Std"],
                "tz": "Asia/Shanghai",
                "company_id": [1, "My Company"],
            }
            for u in range(PEOPLE)
        ],
    )
    n_projects = (n_tasks + tasks_per_project - 1) // tasks_per_project
    for p in range(1, n_projects + 1):
        snap.projects.append(
            {
                "id": p,
                "name": f"S{p:05d}",
                "order_sale_order_id": [p, f"S{p:05d}"],
                "order_commitment_date": "2027-01-15 17:00:00",
                "order_priority": str(p % 3),
                "company_id": [1, "My Company"],
            }
        )
    for i in range(1, n_tasks + 1):
        p = (i - 1) // tasks_per_project + 1
        first = (p - 1) * tasks_per_project + 1
        deps = [i - 1] if (i - first) % 5 else ([i - 5] if i - first >= 5 else [])
        snap.tasks.append(
            {
                "id": i,
                "name": f"Task {i}",
                "project_id": [p, f"S{p:05d}"],
                "parent_id": False,
                "is_wbs_phase": False,
                "duration_hours": float(1 + i % 16),
                "allocated_hours": float(1 + i % 16),
                "headcount": 1,
                "depend_on_ids": deps,
                "user_ids": [1 + i % PEOPLE] if i % 3 == 0 else [],
                "planning_pinned": False,
                "planned_start": False,
                "planned_end": False,
                "state": "01_in_progress",
                "write_date": "2026-11-24 09:15:42",
                "company_id": [1, "My Company"],
                "skill_id": False,
                "skill_level_id": False,
                "effective_hours": 0.0,
                "date_deadline": False,
            }
        )
    return snap


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=25_000)
    parser.add_argument("--time-limit", type=float, default=1.0, help="solver seconds")
    args = parser.parse_args()
    from optimizer.floor.checker import check_floor
    from optimizer.floor.solver import solve_floor

    snap = synthetic_snapshot(args.tasks)
    start = datetime(2026, 12, 1, 0, 0, 0)  # naive UTC: 08:00 in Shanghai
    t0 = time.perf_counter()
    problem, context = records_to_problem(snap, start)
    map_seconds = time.perf_counter() - t0
    solution = solve_floor(problem, time_limit=args.time_limit)
    violations = check_floor(problem, solution.plan, solution.timeline.clock)
    if violations:
        print("INVALID plan:", *violations[:10], sep="\n  ")
        return 2
    t1 = time.perf_counter()
    payload = plan_to_payload(solution.plan, solution.timeline.clock, context, "bench-payload")
    body = json.dumps(payload, separators=(",", ":"))
    payload_seconds = time.perf_counter() - t1
    size_mb = len(body.encode("utf-8")) / 1e6
    print(f"tasks                      {len(payload['tasks'])}")
    print(f"projects                   {len(payload['projects'])}")
    print(f"records -> problem         {map_seconds:.3f} s")
    print(f"plan -> payload (+ JSON)   {payload_seconds:.3f} s   (target < 2 s)")
    print(f"both                       {map_seconds + payload_seconds:.3f} s")
    print(f"payload size               {size_mb:.2f} MB   (target < 10 MB)")
    ok = payload_seconds < 2.0 and size_mb < 10.0
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
