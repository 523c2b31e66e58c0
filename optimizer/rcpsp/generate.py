"""A seeded generator of order portfolios from a few realistic delivery templates.

Each order follows one template (engineer-to-order manufacturing, architecture design, software
delivery): a chain of phases with parallel branches, durations in days scaled per order, demands on
shared teams, a release date, a due date with some slack, and a weight from the order's priority.
"""

from __future__ import annotations

import random
from typing import Any

# Template: (task key, name, base duration, demands, predecessors)
TEMPLATES: dict[str, list[tuple[str, str, int, dict[str, int], list[str]]]] = {
    "eto": [
        ("design", "Design review", 3, {"engineers": 2}, []),
        ("procure", "Procurement", 5, {"buyers": 1}, ["design"]),
        ("proto", "Prototype test", 4, {"engineers": 1, "test_bench": 1}, ["design"]),
        ("prep", "Production preparation", 2, {"engineers": 1, "welders": 1}, ["procure", "proto"]),
        ("produce", "Production", 6, {"welders": 2}, ["prep"]),
        ("deliver", "Delivery", 1, {"drivers": 1}, ["produce"]),
    ],
    "arch": [
        ("concept", "Concept design", 5, {"architects": 2}, []),
        ("drawings", "Construction drawings", 8, {"architects": 2, "engineers": 1}, ["concept"]),
        ("permit", "Permit filing", 4, {"architects": 1}, ["drawings"]),
        ("site", "Site support", 6, {"engineers": 1}, ["permit"]),
    ],
    "soft": [
        ("reqs", "Requirements", 3, {"analysts": 1}, []),
        ("stories", "User stories", 2, {"analysts": 1}, ["reqs"]),
        ("dev", "Development", 10, {"developers": 3}, ["stories"]),
        ("test", "Testing", 4, {"testers": 2}, ["dev"]),
        ("release", "Release", 1, {"developers": 1, "testers": 1}, ["test"]),
    ],
}

TEAMS = {
    "engineers": 4,
    "buyers": 2,
    "test_bench": 1,
    "welders": 3,
    "drivers": 1,
    "architects": 3,
    "analysts": 2,
    "developers": 5,
    "testers": 3,
}


def generate(
    orders: int = 8, seed: int = 7, objective: str = "weighted_tardiness"
) -> dict[str, Any]:
    """A problem in the engine's JSON format with `orders` orders; same seed, same portfolio."""
    rng = random.Random(seed)
    projects: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    precedences: list[dict[str, Any]] = []
    kinds = sorted(TEMPLATES)
    for k in range(orders):
        kind = kinds[k % len(kinds)] if k < len(kinds) else rng.choice(kinds)
        order_id = f"SO{1001 + k}"
        scale = rng.uniform(0.7, 1.5)
        release = rng.randint(0, 3 * orders)
        critical = 0
        for key, name, base, demands, preds in TEMPLATES[kind]:
            duration = max(1, round(base * scale))
            tasks.append(
                {
                    "id": f"{order_id}/{key}",
                    "project": order_id,
                    "name": name,
                    "duration": duration,
                    "demands": dict(demands),
                }
            )
            precedences.extend(
                {"from": f"{order_id}/{p}", "to": f"{order_id}/{key}"} for p in preds
            )
            critical += duration
        priority = rng.choice([1, 1, 2, 3])
        projects.append(
            {
                "id": order_id,
                "name": f"{order_id} ({kind})",
                "release": release,
                "due": release + int(critical * rng.uniform(0.9, 1.6)),
                "weight": float(priority),
            }
        )
    return {
        "name": f"portfolio-{orders}-seed{seed}",
        "objective": objective,
        "resources": [{"id": team, "capacity": cap} for team, cap in TEAMS.items()],
        "projects": projects,
        "tasks": tasks,
        "precedences": precedences,
    }
