#!/usr/bin/env python
"""Benchmark: the end-to-end re-plan of an order portfolio on a real Odoo 18.

    python scripts/bench_odoo_replan.py --orders 300 --time-limit 30

Starts a fresh Odoo 18 database with the addons (``tests/odoo_server.py``: ``$ODOO18_HOME``,
default /opt/odoo18), confirms ``--orders`` sales orders over JSON-RPC (one product per shipped
WBS template, in turn; the tasks' skills are cleared so that the plan waits only for working
time and dependencies), then times each stage of one re-plan of all of them, as the
connector's `replan` runs them: read (JSON-RPC, in pages), map (records to the floor
problem), solve (the same `--time-limit`), payload (the plan to ``apply_schedule``'s payload)
and write back (one ``apply_schedule`` call). Prints a table and one JSON line; the share of
time outside the solve is what the Odoo side and the connector cost.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from optimizer.floor.api import plan_floor  # noqa: E402
from optimizer.odoo import (  # noqa: E402
    JsonRpcTransport,
    plan_to_payload,
    read_snapshot,
    records_to_problem,
)
from tests.odoo_server import not_found_message, odoo_home, running_odoo  # noqa: E402

TEMPLATES = ("wbs_template_eto", "wbs_template_arch", "wbs_template_software")
BATCH = 25  # orders created and confirmed per call


def _xmlid(admin: JsonRpcTransport, module: str, name: str) -> int | None:
    rows = admin.call(
        "ir.model.data",
        "search_read",
        [],
        {"domain": [["module", "=", module], ["name", "=", name]], "fields": ["res_id"]},
    )
    return rows[0]["res_id"] if rows else None


def confirm_orders(admin: JsonRpcTransport, orders: int) -> list[int]:
    """`orders` confirmed sales orders, one WBS template after another; their projects' ids."""
    templates = [t for t in (_xmlid(admin, "order_project", n) for n in TEMPLATES) if t]
    products = [
        admin.call(
            "product.product",
            "create",
            [
                {
                    "name": f"Delivery {k}",
                    "type": "service",
                    "list_price": 10000.0,
                    "order_wbs_template_id": template,
                }
            ],
        )
        for k, template in enumerate(templates)
    ]
    partner = admin.call("res.partner", "create", [{"name": "Benchmark customer"}])
    due = datetime.now(timezone.utc) + timedelta(days=120)
    for first in range(0, orders, BATCH):
        values = [
            {
                "partner_id": partner,
                "commitment_date": (due + timedelta(days=k % 90)).strftime("%Y-%m-%d %H:%M:%S"),
                "order_line": [[0, 0, {"product_id": products[k % len(products)]}]],
            }
            for k in range(first, min(orders, first + BATCH))
        ]
        ids = admin.call("sale.order", "create", [values])
        admin.call("sale.order", "action_confirm", [ids])
    projects = admin.call("project.project", "search", [[["order_sale_order_id", "!=", False]]], {})
    tasks = admin.call("project.task", "search", [[["project_id", "in", projects]]], {})
    admin.call("project.task", "write", [tasks, {"skill_id": False, "user_ids": [[5, 0, 0]]}])
    return list(projects)


def timed_replan(transport: JsonRpcTransport, projects: list[int], limit: float, workers: int):
    """One re-plan of `projects`, stage by stage as `optimizer.odoo.replan` runs them."""
    start = datetime.now(timezone.utc).replace(tzinfo=None, minute=0, second=0, microsecond=0)
    start += timedelta(hours=1)
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    snapshot = read_snapshot(transport, projects, now=start)
    seconds["read"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    problem, context = records_to_problem(snapshot, start, name="bench")
    seconds["map"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    try:
        plan, timeline, violations = plan_floor(problem, time_limit=limit, workers=workers)
    except TypeError:  # a tree from before plan_floor took `workers`
        plan, timeline, violations = plan_floor(problem, time_limit=limit)
    seconds["solve"] = time.perf_counter() - t0
    assert not violations, violations[:3]
    t0 = time.perf_counter()
    payload = plan_to_payload(plan, timeline.clock, context, "bench-plan-1")
    seconds["payload"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = transport.call("order.planning.run", "apply_schedule", [], {"payload": payload})
    seconds["write back"] = time.perf_counter() - t0
    return seconds, result, len(snapshot.tasks), plan.weighted_tardiness


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--time-limit", type=float, default=30.0, help="solver seconds")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers")
    args = parser.parse_args()
    home = odoo_home()
    if home is None:
        print(not_found_message().replace("end-to-end tests", "the benchmark"), file=sys.stderr)
        return 2
    with running_odoo(home) as odoo:
        admin = JsonRpcTransport(odoo.url, odoo.db, odoo.login, odoo.password, timeout=600)
        t0 = time.perf_counter()
        projects = confirm_orders(admin, args.orders)
        setup = time.perf_counter() - t0
        seconds, result, tasks, tardiness = timed_replan(
            admin, projects, args.time_limit, args.workers
        )
    total = sum(seconds.values())
    outside = total - seconds["solve"]
    print(f"== re-plan of {len(projects)} orders ({tasks} tasks read) on a real Odoo 18 ==")
    print(f"set-up: {args.orders} orders confirmed in {setup:.1f} s (Odoo install not counted)")
    for stage, value in seconds.items():
        print(f"{stage:<12} {value:8.2f} s")
    print(
        f"{'total':<12} {total:8.2f} s   outside the solve {outside:.2f} s ({outside / total:.0%})"
    )
    print(f"applied {result.get('applied')} tasks, {len(result.get('conflicts') or ())} conflicts")
    figures = {
        "orders": len(projects),
        "tasks_read": tasks,
        "time_limit": args.time_limit,
        **{k.replace(" ", "_") + "_s": round(v, 3) for k, v in seconds.items()},
        "outside_solve_s": round(outside, 3),
        "applied": result.get("applied"),
        "weighted_tardiness": tardiness,
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
