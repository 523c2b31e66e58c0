"""Benchmark: build the apply_schedule payload for N tasks (default 25,000).

Prints the time to map a synthetic snapshot to a problem, the time to build the payload
from a plan, and the payload's JSON size. Target (issue 4): under 2 s and under 10 MB for
25,000 tasks. The plan is made without the solver (a topological earliest-start pass), so
the figures are the connector's own.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optimizer.model import Plan, TaskPlan  # noqa: E402
from optimizer.odoo.mapping import plan_to_payload, records_to_problem  # noqa: E402
from optimizer.odoo.reader import Snapshot  # noqa: E402


def synthetic_snapshot(n_tasks: int, tasks_per_project: int = 25) -> Snapshot:
    """Projects of `tasks_per_project` tasks in chains of five with a cross link."""
    snap = Snapshot()
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
                "user_ids": [1 + i % 40] if i % 3 == 0 else [],
                "planning_pinned": False,
                "planned_start": False,
                "planned_end": False,
                "state": "01_in_progress",
                "write_date": "2026-11-24 09:15:42",
            }
        )
    return snap


def earliest_plan(problem) -> Plan:  # type: ignore[no-untyped-def]
    """Earliest starts through the precedences (resources ignored): a stand-in plan."""
    ends: dict[str, int] = {}
    starts: dict[str, int] = {}
    preds: dict[str, list[tuple[str, int]]] = {}
    for prec in problem.precedences:
        preds.setdefault(prec.after, []).append((prec.before, prec.lag))
    for i in problem.topological_order():
        task = problem.tasks[i]
        start = max((ends[b] + lag for b, lag in preds.get(task.id, ())), default=0)
        starts[task.id], ends[task.id] = start, start + task.modes[0].duration
    tasks = [TaskPlan(t.id, starts[t.id], ends[t.id], 0) for t in problem.tasks]
    return Plan("FEASIBLE", max(ends.values()), None, None, 0.0, tasks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=25_000)
    args = parser.parse_args()
    snap = synthetic_snapshot(args.tasks)
    start = datetime(2026, 12, 1, 8, 0, 0)
    t0 = time.perf_counter()
    problem, context = records_to_problem(snap, start)
    map_seconds = time.perf_counter() - t0
    plan = earliest_plan(problem)
    t1 = time.perf_counter()
    payload = plan_to_payload(plan, context, "bench-payload")
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
