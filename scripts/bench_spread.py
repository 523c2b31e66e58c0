#!/usr/bin/env python
"""Run-to-run spread of short floor solves: the same problem solved several times per seed.

    python scripts/bench_spread.py --runs 5 --seeds 0,1,2 --limits 10
    python scripts/bench_spread.py --portfolio 300,25,60,1 --runs 2 --seeds 0,1,2 --limits 60

The problem is the bundled example (`optimizer/examples/floor_portfolio.json`) by default, a file
given with --problem, or a portfolio generated like `scripts/bench_portfolio.py` does
(--portfolio ORDERS,TASKS_PER_ORDER,PEOPLE,SEED). Each solve is `solve_floor` with the time
limit and the seed, one at a time; the engine's kernels are warmed up first, untimed. The
weighted tardiness and the late orders are re-computed from each plan's JSON (bench_portfolio's
`plan_figures`), the first plan's time is the solver's. One table per time limit, then one JSON
line with every run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "scripts"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from bench_portfolio import default_months, plan_figures  # noqa: E402

from optimizer.floor.generate import generate_floor  # noqa: E402
from optimizer.floor.model import FloorProblem  # noqa: E402

EXAMPLE = ROOT / "optimizer" / "examples" / "floor_portfolio.json"


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--problem", type=Path, default=EXAMPLE, help="a floor problem JSON")
    source.add_argument(
        "--portfolio",
        type=_ints,
        default=None,
        metavar="ORDERS,TASKS,PEOPLE,SEED",
        help="a generated portfolio, as bench_portfolio.py --orders --tasks-per-order --people",
    )
    parser.add_argument("--runs", type=int, default=5, help="solves per seed and limit")
    parser.add_argument("--seeds", type=_ints, default=[0, 1, 2], help="comma-separated")
    parser.add_argument("--limits", type=_floats, default=[10.0], help="seconds, comma-separated")
    parser.add_argument("--out", type=Path, default=None, help="write every plan's JSON here")
    args = parser.parse_args(argv)
    if args.portfolio is not None and len(args.portfolio) != 4:
        parser.error("--portfolio takes ORDERS,TASKS,PEOPLE,SEED")
    return args


def load_problem(args: argparse.Namespace) -> tuple[FloorProblem, str]:
    if args.portfolio is None:
        return FloorProblem.from_dict(json.loads(args.problem.read_text("utf-8"))), str(
            args.problem.name
        )
    orders, tasks, people, seed = args.portfolio
    data = generate_floor(
        orders=orders,
        tasks_per_order=tasks,
        people=people,
        seed=seed,
        months=default_months(orders, tasks, people),
    )
    return FloorProblem.from_dict(data), f"portfolio {orders}x{tasks}, {people} people, seed {seed}"


def solve_once(problem: FloorProblem, limit: float, seed: int) -> dict[str, Any]:
    """One solve; its figures re-computed from the plan's JSON."""
    from optimizer.floor.solver import solve_floor

    solution = solve_floor(problem, time_limit=limit, seed=seed)
    data = solution.to_dict(problem)
    figures = plan_figures(problem, data, solution.timeline)
    return {
        "data": data,
        "weighted_tardiness": round(figures["weighted_tardiness"], 3),
        "late_orders": figures["late_orders"],
        "first_s": round(solution.plan.first_solution_seconds or 0.0, 3),
        "wall_s": round(solution.plan.solve_seconds or 0.0, 3),
    }


def _stats(values: list[float]) -> tuple[float, float, float, float]:
    stdev = statistics.stdev(values) if len(values) > 1 else 0.0
    return statistics.fmean(values), min(values), max(values), stdev


def table(limit: float, runs: list[dict[str, Any]]) -> list[str]:
    """The rows of one time limit: per seed, then all seeds together."""
    head = (
        f"{'seeds':<10}{'runs':>5}{'wt mean':>10}{'wt min':>10}{'wt max':>10}{'wt stdev':>10}"
        f"{'late mean':>11}{'late min':>9}{'late max':>9}{'first s':>9}"
    )
    lines = [f"-- time limit {limit:g} s --", head]
    groups = [
        (str(s), [r for r in runs if r["seed"] == s]) for s in sorted({r["seed"] for r in runs})
    ]
    groups.append((",".join(g for g, _ in groups), runs))
    for name, rows in groups:
        wt = _stats([r["weighted_tardiness"] for r in rows])
        late = _stats([r["late_orders"] for r in rows])
        first = statistics.fmean(r["first_s"] for r in rows)
        lines.append(
            f"{name:<10}{len(rows):>5}{wt[0]:>10.1f}{wt[1]:>10.1f}{wt[2]:>10.1f}{wt[3]:>10.1f}"
            f"{late[0]:>11.1f}{late[1]:>9.0f}{late[2]:>9.0f}{first:>9.2f}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    problem, label = load_problem(args)
    from optimizer.floor.solver import warm_up

    warm = warm_up()
    print(
        f"== spread: {label}: {len(problem.projects)} orders, {len(problem.tasks)} tasks; "
        f"seeds {args.seeds}, {args.runs} runs, limits {args.limits} s; kernels ready in "
        f"{warm:.1f} s (not timed) =="
    )
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    runs: list[dict[str, Any]] = []
    for limit in args.limits:
        for seed in args.seeds:
            for run in range(args.runs):
                one = solve_once(problem, limit, seed)
                record = {"limit": limit, "seed": seed, "run": run}
                record.update({k: v for k, v in one.items() if k != "data"})
                if args.out is not None:
                    name = f"plan_{limit:g}s_seed{seed}_run{run}.json"
                    (args.out / name).write_text(json.dumps(one["data"]), encoding="utf-8")
                    record["plan"] = name
                runs.append(record)
                print(
                    f"  limit {limit:g} s seed {seed} run {run}: weighted tardiness "
                    f"{record['weighted_tardiness']:.1f} h, {record['late_orders']} late, "
                    f"first plan {record['first_s']:.2f} s",
                    flush=True,
                )
        print("\n".join(table(limit, [r for r in runs if r["limit"] == limit])), flush=True)
    summary: dict[str, Any] = {"problem": label, "seeds": args.seeds, "runs": args.runs}
    summary["limits"] = {}
    for limit in args.limits:
        wt = _stats([r["weighted_tardiness"] for r in runs if r["limit"] == limit])
        summary["limits"][f"{limit:g}"] = dict(
            zip(("mean", "min", "max", "stdev"), (round(v, 3) for v in wt), strict=True)
        )
    summary["results"] = runs
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
